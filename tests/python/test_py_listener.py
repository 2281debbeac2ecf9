# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A Python process as the listener: a GObject.Object subclass defined in
# Python (pptest.Example) with a property, signals, action signals and
# @Pp.method methods, served to a Python proxy in another process, to the C
# client tests/python/pp-test-client, and the pipe-proxy README example.

import hashlib
import os
import unittest

import pptest
from pptest import GLib, GObject, Gio, Pp


class PythonChildTestCase(unittest.TestCase):
    """Python proxy here, Python listener in a child (child.py serve)."""

    def setUp(self):
        self.process, stream = pptest.spawn_with_socket(pptest.python_child_argv('serve'))
        self.proxy = Pp.Proxy.new_sync(stream, None, None)

    def tearDown(self):
        self.proxy.close()
        self.assertEqual(pptest.wait_process(self.process), 0)

    def test_description(self):
        self.assertEqual(self.proxy.get_remote_type_name(), 'PpPyExample')
        methods = {m.get_name(): m for m in self.proxy.list_methods()}
        self.assertEqual(methods['set_parameter'].get_dispatch(), Pp.MethodDispatch.ADDED)
        self.assertEqual(methods['set_parameter'].get_in_signature(), '(i)')
        self.assertEqual(methods['set_parameter'].get_out_signature(), '()')
        self.assertEqual(methods['divide'].get_out_signature(), '(ii)')
        self.assertEqual(methods['add-numbers'].get_dispatch(), Pp.MethodDispatch.ACTION_SIGNAL)
        self.assertEqual(methods['reset'].get_dispatch(), Pp.MethodDispatch.ACTION_SIGNAL)
        self.assertIsInstance(methods['reset'], Pp.MethodMember)
        self.assertIsNone(methods['reset'].get_unavailable_reason())
        self.assertNotIn('not_exported', methods)
        self.assertFalse(hasattr(self.proxy, 'not_exported'))

    def test_parameter(self):
        self.assertIsNone(self.proxy.set_parameter(5))
        self.assertEqual(self.proxy.get_parameter(), 5)
        self.assertEqual(self.proxy.divide(7, 2), (3, 1))
        self.assertEqual(self.proxy.reverse(b'ab\0c'), (b'c\0ba', 4))
        # Action signals defined in Python
        self.assertEqual(self.proxy.add_numbers(2, 3), 5)
        self.assertIsNone(self.proxy.reset())
        self.assertEqual(self.proxy.get_parameter(), 0)

    def test_big_byte_array_arguments(self):
        # A method can take its byte arrays as views of the call's memory
        data = bytes(range(256)) * (16 << 12)
        digest = hashlib.sha256(data).hexdigest()
        self.assertEqual(self.proxy.digest_view(data), ('memoryview', True, 16 << 20, digest))
        self.assertEqual(self.proxy.digest_bytes(GLib.Bytes.new(data)),
                         ('Bytes', True, 16 << 20, digest))
        self.assertEqual(self.proxy.digest_view(b''),
                         ('memoryview', True, 0, hashlib.sha256(b'').hexdigest()))
        # bytes stays the default
        self.assertEqual(self.proxy.reverse(b'ab'), (b'ba', 2))
        with self.assertRaises(ValueError):
            Pp.method(in_signature='ay', byte_arrays=list)

    def test_async(self):
        loop = GLib.MainLoop()
        results = []

        def got(proxy, result, data):
            results.append((data, proxy.get_parameter_finish(result)))
            loop.quit()

        def set_done(proxy, result):
            proxy.set_parameter_finish(result)
            proxy.get_parameter_async(callback=got, user_data='data')
        self.proxy.set_parameter_async(6, callback=set_done)
        pptest.run_loop(loop)
        self.assertEqual(results, [('data', 6)])

    def test_errors(self):
        # A GLib.Error raised in Python, of a domain this process does not
        # know: same domain, code and message here.
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.divide(7, 0)
        self.assertEqual(caught.exception.domain, 'pp-py-example-error-quark')
        self.assertEqual(caught.exception.code, 1)
        self.assertEqual(caught.exception.message, 'Division of 7 by zero')

        # Any other exception: Pp.Error.FAILED naming it
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.fail_with('boom')
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.FAILED))
        self.assertEqual(caught.exception.message, 'ValueError: boom')

        # A result that does not fit the out-signature
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.wrong_result()
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.FAILED))
        self.assertIn('wrong_result', caught.exception.message)

        # Methods that are not marked are not served
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.call_method('not_exported')
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.UNKNOWN_METHOD))

        # The library checks the arguments before Python code runs
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.call_sync('set_parameter', GLib.Variant('(s)', ('x',)), -1, None)
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.INVALID_ARGUMENTS))
        self.assertEqual(self.proxy.get_parameter(), 0)

    def test_timeout(self):
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.sleep_msec(300, timeout=50)
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.TIMED_OUT))
        self.assertEqual(self.proxy.get_parameter(), 0)

    def test_signal_and_property(self):
        log = []
        self.proxy.connect('changed', lambda proxy, value: log.append(('changed', value)))
        self.proxy.connect('notify::parameter',
                           lambda proxy, pspec: log.append(('notify', proxy.props.parameter)))
        # Connecting subscribes: the Python object in the child has a handler
        self.assertTrue(self.proxy.has_handlers('changed'))

        self.proxy.set_parameter(4)
        pptest.wait_for(lambda: len(log) == 2, what='notify and changed')
        self.assertEqual(sorted(log), [('changed', 4), ('notify', 4)])
        self.assertEqual(self.proxy.props.parameter, 4)

        # A remote property write with a plain Python value
        self.assertTrue(self.proxy.set_property_sync('label', 'written'))
        self.assertEqual(self.proxy.props.label, 'written')
        self.assertTrue(self.proxy.set_property_sync('parameter', 11))
        self.assertEqual(self.proxy.get_parameter(), 11)

    def test_lazy_subscription(self):
        self.assertFalse(self.proxy.has_handlers('changed'))
        handler = self.proxy.connect('changed', lambda *args: None)
        self.assertTrue(self.proxy.has_handlers('changed'))
        self.proxy.disconnect(handler)
        self.assertFalse(self.proxy.has_handlers('changed'))


class ServeParentTestCase(unittest.TestCase):
    def test_serve_parent(self):
        # Pp.serve_parent() in the child serves the @Pp.method methods too
        proxy = Pp.Proxy.new_for_subprocess_sync(None, pptest.python_child_argv('serve-parent'))
        process = proxy.get_subprocess()
        self.assertEqual(proxy.get_remote_type_name(), 'PpPyExample')
        proxy.set_parameter(3)
        self.assertEqual(proxy.get_parameter(), 3)
        self.assertEqual(proxy.add_numbers(1, 1), 2)
        proxy.close()
        self.assertEqual(pptest.wait_process(process), 0)


class InProcessTestCase(unittest.TestCase):
    """Listener and proxy in this process: only async calls can work."""

    def call(self, proxy, method, *args):
        results = []

        def done(proxy, result):
            try:
                results.append(proxy.call_method_finish(result))
            except GLib.Error as error:
                results.append(error)
        proxy.call_method_async(method, *args, callback=done)
        pptest.wait_for(lambda: results, what=method)
        return results[0]

    def test_export_method(self):
        # Any object, here one without Python methods, and plain callables
        action = Gio.SimpleAction.new('frobnicate', None)
        listener, stream = Pp.Listener.new_pair(action)
        self.assertEqual(listener.export_method(lambda a, b: a * b, 'ii', 'i', name='multiply'),
                         'multiply')

        @Pp.method(in_signature='as', out_signature='sa{si}')
        def join(words):
            return ' '.join(words), {w: len(w) for w in words}
        self.assertEqual(listener.export_method(join), 'join')
        self.assertEqual(listener.export_methods(), [])

        made = []
        Pp.Proxy.new_async(stream, None, None, lambda s, r: made.append(Pp.Proxy.new_finish(r)))
        pptest.wait_for(lambda: made, what='the handshake')
        proxy = made[0]
        self.assertEqual(self.call(proxy, 'multiply', 6, 7), 42)
        self.assertEqual(self.call(proxy, 'join', ['a', 'bb']), ('a bb', {'a': 1, 'bb': 2}))
        # Introspected methods of GSimpleAction, next to the added ones
        self.assertEqual(self.call(proxy, 'get_name'), 'frobnicate')
        proxy.close()
        listener.close()

    def test_decorator(self):
        with self.assertRaises(ValueError):
            Pp.method(in_signature='(i')
        with self.assertRaises(ValueError):
            Pp.method(out_signature='q?')

        class Bare(GObject.Object):
            @Pp.method
            def poke(self):
                self.poked = True
        bare = Bare()
        listener, stream = Pp.Listener.new_pair(bare)
        made = []
        Pp.Proxy.new_async(stream, None, None, lambda s, r: made.append(Pp.Proxy.new_finish(r)))
        pptest.wait_for(lambda: made, what='the handshake')
        self.assertIsNone(self.call(made[0], 'poke'))
        self.assertTrue(bare.poked)
        # Still an ordinary method here
        bare.poked = False
        bare.poke()
        self.assertTrue(bare.poked)
        made[0].close()
        listener.close()


class CClientTestCase(unittest.TestCase):
    def test_c_client(self):
        example = pptest.Example()
        listener, stream = Pp.Listener.new_pair(example)
        fd = Pp.stream_steal_fd(stream)
        launcher = Gio.SubprocessLauncher.new(Gio.SubprocessFlags.STDOUT_PIPE)
        launcher.take_fd(fd, 3)
        process = launcher.spawnv([os.environ['PP_TEST_CLIENT']])
        launcher.close()

        listener.run()   # until the client goes away
        ok, out, err = process.communicate_utf8(None, None)
        self.assertTrue(process.get_if_exited())
        self.assertEqual(process.get_exit_status(), 0)
        self.assertEqual(out.splitlines(), [
            'type PpPyExample',
            'parameter 5',
            'divide 3 1',
            'error pp-py-example-error-quark 1 '
            'pp-py-example-error-quark:1: Division of 7 by zero',
            'add-numbers 5',
            'reverse cba 3',
            'changed 5',
            'property 5',
            'done',
        ])
        self.assertEqual(example.props.parameter, 5)


class SeedExampleTestCase(unittest.TestCase):
    """The pipe-proxy README's test, nearly as it was written."""

    def test_seed_example(self):
        example = pptest.Example()

        # TEST 1
        example_proxy_listener, stream = Pp.Listener.new_pair(example)
        example_proxy = Pp.stream_steal_fd(stream)
        p = spawn(pptest.python_child_argv('seed-set'), example_proxy)
        example_proxy_listener.run()
        assert example.get_parameter() == 5
        self.assertEqual(pptest.wait_process(p), 0)

        # TEST 2
        example_proxy_listener, stream = Pp.Listener.new_pair(example)
        example_proxy = Pp.stream_steal_fd(stream)
        p = spawn(pptest.python_child_argv('seed-get'), example_proxy)
        example.set_parameter(1)
        example_proxy_listener.run()
        self.assertEqual(pptest.wait_process(p), 0)


def spawn(argv, fd):
    """multiprocessing.Process(...).start() for a proxy: fd is the child's 3."""
    launcher = Gio.SubprocessLauncher.new(Gio.SubprocessFlags.NONE)
    launcher.take_fd(fd, 3)
    process = launcher.spawnv(argv)
    launcher.close()
    return process


if __name__ == '__main__':
    pptest.main()
