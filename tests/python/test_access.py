# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Access control from Python, across process boundaries: a Python listener
# whose authorize handlers and allowlist are Python (child.py
# serve-guarded), called from a proxy here; and a listener here that knows
# its peer and, with require-same-user, refuses a peer of another user
# (child.py connect, run as nobody when the suite runs as root).

import os
import socket
import subprocess
import unittest

import pptest
from pptest import GLib, Pp

NOBODY = 65534


class GuardedListenerTestCase(unittest.TestCase):
    """Python proxy here, Python listener with authorize handlers in a child."""

    def setUp(self):
        # The domain of the handler's error is known here
        GLib.quark_from_string('pp-py-example-error-quark')
        self.process, stream = pptest.spawn_with_socket(pptest.python_child_argv('serve-guarded'))
        self.proxy = Pp.Proxy.new_sync(stream, None, None)

    def tearDown(self):
        self.proxy.close()
        self.assertEqual(pptest.wait_process(self.process), 0)

    def test_allowlist(self):
        methods = {m.get_name() for m in self.proxy.list_methods()}
        self.assertEqual(methods, {'get_parameter', 'set_parameter', 'divide', 'add-numbers'})
        self.assertEqual({p.get_name() for p in self.proxy.list_properties()}, {'parameter'})
        # The action signal is a signal too
        self.assertEqual({s.get_name() for s in self.proxy.list_signals()},
                         {'changed', 'add-numbers'})
        self.assertFalse(hasattr(self.proxy, 'reverse'))
        self.assertEqual(self.proxy.add_numbers(2, 3), 5)

        # A name the peer makes up is refused at the listener
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.call_sync('reverse', GLib.Variant('(ay)', (b'ab',)), -1, None)
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.ACCESS_DENIED))
        self.assertIn('not on the listener’s list', caught.exception.message)

    def test_refused_method(self):
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.divide(7, 2)
        self.assertEqual(caught.exception.domain, 'pp-py-example-error-quark')
        self.assertEqual(caught.exception.code, 9)
        self.assertEqual(caught.exception.message, 'No dividing here')

        self.assertIsNone(self.proxy.set_parameter(5))
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.set_parameter(500)
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.ACCESS_DENIED))
        self.assertEqual(caught.exception.message,
                         'Calling “set_parameter” of PpPyExample was refused')
        self.assertEqual(self.proxy.get_parameter(), 5)

    def test_refused_property(self):
        self.proxy.set_property_sync('parameter', 7)
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.set_property_sync('parameter', 700)
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.ACCESS_DENIED))
        self.assertEqual(self.proxy.props.parameter, 7)

    def test_nothing_else_lost(self):
        # Calls in flight around the refused one end as they would have
        loop = GLib.MainLoop()
        results = []

        def done(name, finish):
            def callback(proxy, result):
                try:
                    results.append((name, finish(result)))
                except GLib.Error as error:
                    results.append((name, error.message))
                if len(results) == 4:
                    loop.quit()
            return callback
        p = self.proxy
        p.set_parameter_async(6, callback=done('set', p.set_parameter_finish))
        p.divide_async(7, 2, callback=done('divide', p.divide_finish))
        p.add_numbers_async(1, 2, callback=done('add', p.add_numbers_finish))
        p.get_parameter_async(callback=done('get', p.get_parameter_finish))
        pptest.run_loop(loop)
        self.assertEqual(results, [('set', None), ('divide', 'No dividing here'), ('add', 3),
                                   ('get', 6)])
        self.assertFalse(p.is_closed())
        self.assertEqual(p.get_parameter(), 6)


class PeerTestCase(unittest.TestCase):
    """Listener here, on a socket the child connects to."""

    def serve(self, user=None):
        name = 'pp-test-access-%d-%d' % (os.getpid(), id(self))
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind('\0' + name)
        server.listen(1)
        kwargs = {}
        if user is not None:
            kwargs = {'user': user, 'group': user, 'extra_groups': []}
        child = subprocess.Popen(pptest.python_child_argv('connect', name),
                                 stdout=subprocess.PIPE, text=True, **kwargs)
        connection, _ = server.accept()
        server.close()
        listener = Pp.Listener.new(pptest.Example(), Pp.stream_new_for_fd(connection.detach()))
        return child, listener

    def finish(self, child, listener):
        closed = []
        listener.connect('closed', lambda listener, error: closed.append(error))
        pptest.wait_for(lambda: closed, what='the listener to close')
        output, _ = child.communicate(timeout=10)
        self.assertEqual(child.returncode, 0)
        return closed[0], output.strip()

    def test_credentials(self):
        child, listener = self.serve()
        listener.set_require_same_user(True)
        self.assertTrue(listener.props.require_same_user)
        credentials = listener.get_peer_credentials()
        self.assertEqual(credentials.get_unix_pid(), child.pid)
        self.assertEqual(credentials.get_unix_user(), os.getuid())
        error, output = self.finish(child, listener)
        self.assertEqual(output, 'served 0')
        self.assertTrue(error.matches(Pp.error_quark(), Pp.Error.DISCONNECTED))

    @unittest.skipUnless(os.getuid() == 0, 'only root can become another user')
    def test_other_user_refused(self):
        child, listener = self.serve(user=NOBODY)
        listener.props.require_same_user = True
        self.assertEqual(listener.get_peer_credentials().get_unix_user(), NOBODY)
        error, output = self.finish(child, listener)
        self.assertTrue(error.matches(Pp.error_quark(), Pp.Error.ACCESS_DENIED))
        self.assertEqual(output, 'refused pp-error-quark %d The proxy’s process runs as user '
                         '%d, and this listener serves only its own user (0)'
                         % (Pp.Error.ACCESS_DENIED, NOBODY))

    @unittest.skipUnless(os.getuid() == 0, 'only root can become another user')
    def test_other_user_served(self):
        # The rule is off by default
        child, listener = self.serve(user=NOBODY)
        self.assertFalse(listener.get_require_same_user())
        error, output = self.finish(child, listener)
        self.assertEqual(output, 'served 0')

    def test_authorize_peer(self):
        child, listener = self.serve()

        seen = []

        def refuse_peer(listener, request):
            seen.append((request.get_kind(), request.get_name(),
                         request.get_parameters().unpack(),
                         request.get_credentials().get_unix_pid()))
            return False
        listener.connect('authorize', refuse_peer)
        error, output = self.finish(child, listener)
        self.assertEqual(seen, [(Pp.RequestKind.CONNECT, None, (), child.pid)])
        self.assertTrue(error.matches(Pp.error_quark(), Pp.Error.ACCESS_DENIED))
        self.assertEqual(output, 'refused pp-error-quark %d The listener of PpPyExample refused '
                         'to serve this peer' % Pp.Error.ACCESS_DENIED)


if __name__ == '__main__':
    pptest.main()
