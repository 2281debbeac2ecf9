# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Methods written in Python that answer later, stop when their caller
# cancels, and take and give file descriptors: a Python worker
# (async_child.py) and a Python proxy, across a process boundary.

import os
import sys
import unittest

import pptest
from pptest import GLib, Gio, Pp

CHILD = os.path.join(pptest.HERE, 'async_child.py')


class AsyncMethodsTestCase(unittest.TestCase):

    def setUp(self):
        self.proxy = Pp.Proxy.new_for_subprocess_sync(None, [sys.executable, CHILD], None, None)
        self.process = self.proxy.get_subprocess()
        self.started = []
        self.cancel_seen = []
        self.proxy.connect('started', lambda proxy, name: self.started.append(name))
        self.proxy.connect('cancel-seen', lambda proxy, name: self.cancel_seen.append(name))

    def tearDown(self):
        self.proxy.close()
        self.assertEqual(pptest.wait_process(self.process), 0)

    def test_description(self):
        methods = {m.get_name(): m for m in self.proxy.list_methods()}
        for name in ('wait_in_thread', 'wait_blocking'):
            self.assertEqual(methods[name].get_dispatch(), Pp.MethodDispatch.ADDED)
            self.assertEqual(methods[name].get_in_signature(), '(u)')
            self.assertEqual(methods[name].get_out_signature(), '(u)')
        self.assertEqual(methods['reverse_fd'].get_in_signature(), '(h)')
        self.assertEqual(methods['reverse_fd'].get_out_signature(), '(hu)')

    def test_answers(self):
        self.assertEqual(self.proxy.wait_in_thread(1), 1)
        self.assertEqual(self.proxy.wait_blocking(2), 2)
        # Signals come through the main context, before the replies
        pptest.wait_for(lambda: len(self.started) == 2, what='the started signals')
        self.assertEqual(self.started, ['wait_in_thread', 'wait_blocking'])
        self.assertEqual(self.cancel_seen, [])

    def assert_cancel_reaches(self, name):
        cancellable = Gio.Cancellable()
        ended = []

        def done(proxy, result):
            try:
                ended.append(proxy.call_method_finish(result))
            except GLib.Error as error:
                ended.append(error)

        # 20 s of work with no time-out: only the cancel ends it in time
        self.proxy.call_method_async(name, 20000, callback=done, timeout=GLib.MAXINT32,
                                     cancellable=cancellable)
        pptest.wait_for(lambda: name in self.started, what='%s to start' % name)
        cancellable.cancel()
        pptest.wait_for(lambda: ended, what='the call to end')
        self.assertIsInstance(ended[0], GLib.Error)
        self.assertTrue(ended[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED),
                        ended[0].message)
        # The method saw its cancellable fire, and said so
        pptest.wait_for(lambda: name in self.cancel_seen, what='%s to see the cancel' % name)
        # and the worker serves again
        self.assertEqual(self.proxy.wait_in_thread(0), 0)

    def test_cancel_reaches_thread(self):
        self.assert_cancel_reaches('wait_in_thread')

    def test_cancel_reaches_blocking_method(self):
        self.assert_cancel_reaches('wait_blocking')

    def test_descriptors(self):
        r, w = os.pipe()
        os.write(w, b'descriptors')
        os.close(w)
        fd, length = self.proxy.reverse_fd(r)
        os.close(r)                 # the caller keeps what it passes
        self.assertEqual(length, 11)
        with os.fdopen(fd, 'rb') as f:
            self.assertEqual(f.read(), b'srotpircsed')

    def test_errors(self):
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.fail_early('boom')
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.FAILED))
        self.assertEqual(caught.exception.message, 'ValueError: boom')

        with self.assertRaises(GLib.Error) as caught:
            self.proxy.wrong_result()
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.FAILED))
        self.assertIn('wrong_result', caught.exception.message)

    def test_decorator(self):
        with self.assertRaises(ValueError):
            Pp.method('u', invocation=True, cancellable=True)


if __name__ == '__main__':
    pptest.main()
