# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A Python proxy for the C test server (tests/pp-test-server serving a
# PpTestObject in another process), through the Pp override.

import os
import unittest

import pptest
from pptest import GLib, Gio, Pp

import gi
gi.require_version('PpTest', '1.0')
from gi.repository import PpTest   # noqa: E402


class CServerTestCase(unittest.TestCase):
    def setUp(self):
        self.process, self.proxy = pptest.spawn_test_server()

    def tearDown(self):
        self.proxy.close()
        self.assertEqual(pptest.wait_process(self.process), 0)

    def test_parameter(self):
        self.assertIsNone(self.proxy.set_parameter(5))
        self.assertEqual(self.proxy.get_parameter(), 5)
        self.assertEqual(self.proxy.get_remote_type_name(), 'PpTestObject')

    def test_results(self):
        p = self.proxy
        self.assertEqual(p.divide(7, 2), (True, 3, 1))
        self.assertEqual(p.split_string('a b c'), ('a', 'b c'))
        self.assertEqual(p.split_string('a'), ('a', None))
        self.assertEqual(p.echo_string('é'), 'é')
        self.assertEqual(p.echo_nullable_string(None), None)
        self.assertEqual(p.echo_strv(['a', 'b']), ['a', 'b'])
        self.assertEqual(p.echo_bytes(b'a\0b'), b'a\0b')
        # Byte arrays cross in one piece, not a GLib.Variant per byte
        big = bytes(range(256)) * 4096
        self.assertEqual(p.echo_bytes(big), big)
        self.assertEqual(p.echo_bytes(bytearray(b'xy')), b'xy')
        self.assertEqual(p.echo_bytes(memoryview(b'')), b'')
        # A GLib.Bytes is taken as it is, without a copy
        self.assertEqual(p.echo_bytes(GLib.Bytes.new(b'a\0b')), b'a\0b')
        self.assertEqual(p.echo_bytes(GLib.Bytes.new(big)), big)
        self.assertEqual(p.echo_bytes([1, 2]), b'\1\2')
        # Without a copy: a memoryview of the reply or a GLib.Bytes over it
        view = p.echo_bytes(big, byte_arrays=memoryview)
        self.assertIsInstance(view, memoryview)
        self.assertTrue(view.readonly)
        self.assertEqual(view, big)
        self.assertEqual(p.echo_bytes(b'', byte_arrays=memoryview), b'')
        self.assertEqual(p.echo_bytes(big, byte_arrays=GLib.Bytes).get_data(), big)
        self.assertEqual(p.call_method('echo_bytes', b'ab', byte_arrays=memoryview), b'ab')
        with self.assertRaises(ValueError):
            p.echo_bytes(b'', byte_arrays=list)
        self.assertEqual(p.echo_uint64(2 ** 64 - 1), 2 ** 64 - 1)
        self.assertEqual(p.echo_double(0.5), 0.5)
        self.assertEqual(p.echo_boolean(True), True)
        self.assertEqual(p.echo_color(int(PpTest.Color.BLUE)), 5)
        self.assertEqual(p.sum_int_array([1, 2, 3]), 6)
        self.assertEqual(p.make_double_array(2), [0.5, 1.5])
        # 'v' takes a GLib.Variant and gives back its value
        self.assertEqual(p.echo_variant(GLib.Variant('(si)', ('x', 1))), ('x', 1))
        # A GLib.Variant of the argument's own type passes as it is
        self.assertEqual(p.echo_int32(GLib.Variant('i', 3)), 3)
        # Methods from a parent class, an interface and an action signal
        self.assertEqual(p.get_base_name(), 'base')
        self.assertEqual(p.greet('Ada'), 'Hello, Ada!')
        self.assertEqual(p.add_numbers(2, 3), 5)
        self.assertEqual(p.call_method('add-numbers', -2, 3), 1)
        # A method added with pp_listener_add_method()
        self.assertEqual(p.concat('pipe', 'proxy'), 'pipeproxy')

    def test_streams(self):
        # Stream arguments and results cross as file descriptors
        p = self.proxy
        data = bytes(range(256)) * 512
        r, w = os.pipe()
        os.write(w, b'through a pipe')
        os.close(w)
        self.assertEqual(p.read_stream(r), b'through a pipe')
        os.close(r)

        stream = p.open_bytes(data)           # spliced through a pipe in the child
        self.assertIsInstance(stream, int)
        with os.fdopen(stream, 'rb') as f:
            self.assertEqual(f.read(), data)

        r, w = os.pipe()
        self.assertTrue(p.write_stream(w, b'written by the child'))
        os.close(w)
        with os.fdopen(r, 'rb') as f:
            self.assertEqual(f.read(), b'written by the child')

        # A Gio stream with a descriptor is taken as well
        r, w = os.pipe()
        os.write(w, b'gio')
        os.close(w)
        self.assertEqual(p.read_stream(Gio.UnixInputStream.new(r, True)), b'gio')

    def test_streams_async(self):
        loop = GLib.MainLoop()
        results = []

        def done(proxy, result):
            results.append(proxy.open_bytes_finish(result))
            loop.quit()

        self.proxy.open_bytes_async(b'async bytes', callback=done)
        pptest.run_loop(loop)
        with os.fdopen(results[0], 'rb') as f:
            self.assertEqual(f.read(), b'async bytes')

    def test_async(self):
        loop = GLib.MainLoop()
        results = []

        def done(proxy, result, user_data):
            try:
                results.append((user_data, proxy.get_parameter_finish(result)))
            except GLib.Error as error:
                results.append((user_data, error))
            loop.quit()

        def set_done(proxy, result):
            results.append(('set', proxy.set_parameter_finish(result)))
            proxy.get_parameter_async(callback=done, user_data='data')

        self.proxy.set_parameter_async(8, callback=set_done)
        pptest.run_loop(loop)
        self.assertEqual(results, [('set', None), ('data', 8)])

        # The generic spelling, and a remote error through _finish
        del results[:]

        def divided(proxy, result):
            try:
                results.append(proxy.call_method_finish(result))
            except GLib.Error as error:
                results.append(error)
            loop.quit()

        PpTest.error_quark()
        self.proxy.call_method_async('divide', 1, 0, callback=divided)
        pptest.run_loop(loop)
        self.assertIsInstance(results[0], GLib.Error)
        self.assertTrue(results[0].matches(PpTest.error_quark(), PpTest.Error.DIVIDE_BY_ZERO))

    def test_remote_error(self):
        PpTest.error_quark()
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.divide(7, 0)
        self.assertEqual(caught.exception.domain, 'pp-test-error-quark')
        self.assertEqual(caught.exception.code, int(PpTest.Error.DIVIDE_BY_ZERO))
        self.assertEqual(caught.exception.message, 'Division of 7 by zero')
        self.assertTrue(caught.exception.matches(PpTest.error_quark(),
                                                 PpTest.Error.DIVIDE_BY_ZERO))

        with self.assertRaises(GLib.Error) as caught:
            self.proxy.fail_with_io_error()
        self.assertTrue(caught.exception.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND))

        with self.assertRaises(GLib.Error) as caught:
            self.proxy.concat('', 'x')
        self.assertTrue(caught.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.INVALID_ARGUMENT))

    def test_remote_error_unknown_domain(self):
        # The C library gives PP_ERROR_REMOTE_ERROR for a domain this process
        # does not know; the override raises the remote domain and code.
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.call_method('hook_fail')
        self.assertEqual(caught.exception.domain, 'pp-server-only-error-quark')
        self.assertEqual(caught.exception.code, 42)
        self.assertEqual(caught.exception.message, 'only the server knows this domain')
        # The plain GI method still has the library's error.
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.call_sync('hook_fail', None, -1, None)
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.REMOTE_ERROR))

    def test_timeout(self):
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.sleep_msec(400, timeout=50)
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.TIMED_OUT))
        # The late reply is dropped; the next call gets its own.
        self.assertEqual(self.proxy.echo_int32(77), 77)

        loop = GLib.MainLoop()
        errors = []

        def done(proxy, result):
            try:
                proxy.sleep_msec_finish(result)
            except GLib.Error as error:
                errors.append(error)
            loop.quit()
        self.proxy.sleep_msec_async(300, callback=done, timeout=30)
        pptest.run_loop(loop)
        self.assertTrue(errors[0].matches(Pp.error_quark(), Pp.Error.TIMED_OUT))

    def test_cancel(self):
        cancellable = Gio.Cancellable()
        GLib.timeout_add(50, lambda: cancellable.cancel() or False)
        loop = GLib.MainLoop()
        errors = []

        def done(proxy, result):
            try:
                proxy.sleep_msec_finish(result)
            except GLib.Error as error:
                errors.append(error)
            loop.quit()
        self.proxy.sleep_msec_async(500, callback=done, cancellable=cancellable)
        pptest.run_loop(loop)
        self.assertTrue(errors[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))

    def test_wrong_arguments(self):
        with self.assertRaises(TypeError):
            self.proxy.set_parameter('five')
        with self.assertRaises(TypeError):
            self.proxy.set_parameter(1, 2)
        with self.assertRaises(TypeError):
            self.proxy.set_parameter()
        with self.assertRaises(TypeError):
            self.proxy.echo_variant(3)          # 'v' needs a GLib.Variant
        # The library's own check, for values that fit the type but not the
        # method (an enum value it does not have)
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.echo_color(3)
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.INVALID_ARGUMENTS))
        self.assertEqual(self.proxy.get_parameter(), 0)

    def test_names(self):
        p = self.proxy
        # The proxy's own methods are not shadowed by remote ones
        self.assertEqual(p.call_sync('echo_int32', GLib.Variant('(i)', (4,)), -1, None).unpack(),
                         (4,))
        self.assertIsInstance(p.get_stream(), Gio.IOStream)
        # A remote method named like a local one is reached with call_method
        self.assertEqual(p.call_method('get_parameter'), 0)
        # GObject's notify may not be called by the peer
        with self.assertRaises(GLib.Error) as caught:
            p.call_method('notify', GLib.Variant('s', 'parameter'))
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.ACCESS_DENIED))
        # Unknown names are AttributeErrors, private ones never go remote
        self.assertFalse(hasattr(p, 'no_such_method'))
        self.assertFalse(hasattr(p, 'no_such_method_async'))
        self.assertFalse(hasattr(p, '_pp_nothing'))
        # Refused and undescribed methods are not attributes
        self.assertFalse(hasattr(p, 'set_callback'))
        self.assertIn('set_parameter', dir(p))
        self.assertIn('set_parameter_async', dir(p))
        # Undescribed methods (answered by ::handle-method-call) take
        # GLib.Variant arguments
        self.assertEqual(p.call_method('hook_anything', GLib.Variant('u', 7)),
                         ('hook_anything', (7,)))
        with self.assertRaises(TypeError):
            p.call_method('hook_anything', 7)
        with self.assertRaises(GLib.Error) as caught:
            p.call_method('no_such_method')
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.UNKNOWN_METHOD))
        with self.assertRaises(GLib.Error) as caught:
            p.call_method('set_callback')
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.ACCESS_DENIED))

    def test_signals(self):
        log = []
        ids = [
            self.proxy.connect('changed', lambda proxy, value: log.append(('changed', value))),
            self.proxy.connect('ping', lambda proxy: log.append(('ping',))),
            self.proxy.connect('many', lambda proxy, *args: log.append(('many',) + args)),
            self.proxy.connect('detailed::wanted', lambda proxy, text: log.append(('detailed', text))),
        ]
        self.proxy.emit_ping()
        self.proxy.emit_changed_times(2)
        self.proxy.emit_many(3)
        self.proxy.emit_detailed('other', 'no')
        self.proxy.emit_detailed('wanted', 'yes')
        pptest.wait_for(lambda: len(log) == 5, what='five signals')
        self.assertEqual(log, [('ping',), ('changed', 1), ('changed', 2),
                               ('many', 3, 'text 3', 1.5, True, 3 * 2 ** 33, ['a', 'b']),
                               ('detailed', 'yes')])
        for handler in ids:
            self.proxy.disconnect(handler)

    def test_lazy_subscription(self):
        # The listener forwards a signal only while a handler is connected
        # here, also when connected through PyGObject.
        self.assertFalse(self.proxy.has_handlers('changed'))
        handler = self.proxy.connect('changed', lambda *args: None)
        self.assertTrue(self.proxy.has_handlers('changed'))
        self.assertFalse(self.proxy.has_handlers('ping'))
        self.proxy.disconnect(handler)
        self.assertFalse(self.proxy.has_handlers('changed'))

        handler = self.proxy.connect('detailed::x', lambda *args: None)
        self.assertTrue(self.proxy.has_handlers('detailed'))
        self.proxy.disconnect(handler)
        self.assertFalse(self.proxy.has_handlers('detailed'))

    def test_properties(self):
        p = self.proxy
        self.assertEqual(p.props.parameter, 0)
        self.assertEqual(p.props.label, 'initial')
        self.assertEqual(p.get_property('count'), 0)
        notified = []
        p.connect('notify::parameter', lambda proxy, pspec: notified.append(proxy.props.parameter))

        # A change made by a method reaches the cache and notifies
        p.set_parameter(7)
        pptest.wait_for(lambda: notified, what='notify::parameter')
        self.assertEqual(notified, [7])
        self.assertEqual(p.props.parameter, 7)

        # A remote write, plain Python value; the cache holds the value when
        # it returns
        self.assertTrue(p.set_property_sync('parameter', 9))
        self.assertEqual(p.props.parameter, 9)
        self.assertTrue(p.set_property_sync('parameter', GLib.Variant('i', 10), None))
        self.assertEqual(p.props.parameter, 10)
        self.assertEqual(p.get_parameter(), 10)
        pptest.wait_for(lambda: notified[-1:] == [10], what='notify after writes')

        # Refusals
        with self.assertRaises(GLib.Error) as caught:
            p.set_property_sync('count', 3)
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.ACCESS_DENIED))
        with self.assertRaises(TypeError):
            p.set_property_sync('parameter', 'x')

        # Read-only property changed remotely
        p.bump_count()
        pptest.wait_for(lambda: p.props.count == 1, what='count')

        # The async write, with its _finish
        loop = GLib.MainLoop()
        done = []

        def written(proxy, result, data):
            done.append((data, proxy.set_property_finish(result)))
            loop.quit()
        p.set_property_async('parameter', 12, None, written, 'd')
        pptest.run_loop(loop)
        self.assertEqual(done, [('d', True)])
        self.assertEqual(p.props.parameter, 12)

    def test_handshake_async(self):
        process, stream = pptest.spawn_with_socket([os.environ['PP_TEST_SERVER']],
                                                   Gio.SubprocessFlags.STDOUT_SILENCE)
        loop = GLib.MainLoop()
        made = []

        def ready(source, result):
            made.append(Pp.Proxy.new_finish(result))
            loop.quit()
        Pp.Proxy.new_async(stream, None, None, ready)
        pptest.run_loop(loop)
        proxy = made[0]
        self.assertIsInstance(proxy, Pp.Proxy)
        self.assertEqual(proxy.echo_string('hi'), 'hi')
        proxy.close()
        self.assertEqual(pptest.wait_process(process), 0)

    def test_disconnected(self):
        self.process.force_exit()
        pptest.wait_process(self.process)
        with self.assertRaises(GLib.Error) as caught:
            self.proxy.get_parameter()
        self.assertTrue(caught.exception.matches(Pp.error_quark(), Pp.Error.DISCONNECTED))
        self.process = _Exited()


class CopiesTestCase(unittest.TestCase):
    """A 16 MiB byte array from another process: what the override copies,
    counted with tracemalloc (Python's own allocations) and the page faults
    of this process (fresh memory of any allocator: 4096 for a copy)."""

    SIZE = 16 << 20

    def setUp(self):
        self.process, self.proxy = pptest.spawn_test_server()
        self.data = GLib.Bytes.new(bytes(range(256)) * (self.SIZE // 256))

    def tearDown(self):
        Pp.Proxy.close(self.proxy)
        pptest.wait_process(self.process)

    def count(self, convert):
        """(bytes Python allocated, page faults) while convert() runs."""
        import resource
        import tracemalloc
        tracemalloc.start()
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        try:
            value = convert()
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return value, peak, faults

    def test_result_bytes(self):
        import gi.overrides._pp_variant as pp_variant
        pages = self.SIZE // 4096
        counts = {}
        # The reply as the library gives it, then each conversion of it
        reply = Pp.Proxy.call_sync(self.proxy, 'echo_bytes', GLib.Variant.new_tuple(
            GLib.Variant.new_from_bytes(GLib.VariantType('ay'), self.data, True)), -1, None)
        for kind in (bytes, memoryview, GLib.Bytes):
            value, peak, faults = self.count(lambda: pp_variant.unpack_result(
                reply, pp_variant.byte_array_form(kind)))
            counts[kind.__name__] = (peak, faults)
            print('# %s of a %d-page result: %d bytes allocated by Python, %d page faults'
                  % (kind.__name__, pages, peak, faults))
        # bytes: one copy, allocated by Python; the others: none
        self.assertGreaterEqual(counts['bytes'][0], self.SIZE)
        for kind in ('memoryview', 'Bytes'):
            self.assertLess(counts[kind][0], 64 << 10, kind)
            self.assertLess(counts[kind][1], pages // 4, kind)
        # The memoryview is the reply's own memory
        view = pp_variant.unpack_result(reply, pp_variant.bytes_view)
        region = reply.get_child_value(0).get_data_as_bytes()
        import ctypes
        self.assertEqual(ctypes.addressof(ctypes.c_char.from_buffer(view.obj)),
                         region.get_region(1, 0, region.get_size()))
        # The whole call, reply and all, with each
        for kind in (bytes, memoryview):
            value, peak, faults = self.count(lambda: self.proxy.echo_bytes(self.data,
                                                                           byte_arrays=kind))
            print('# the whole call, %s: %d bytes allocated by Python, %d page faults'
                  % (kind.__name__, peak, faults))
            self.assertEqual(len(value), self.SIZE)


class ConversionTestCase(unittest.TestCase):
    """The override's own conversions give what GLib.Variant gives."""

    def test_same_as_glib(self):
        import gi.overrides._pp_variant as pp_variant
        cases = [
            ('i', -2 ** 31), ('u', 2 ** 32 - 1), ('t', 2 ** 64 - 1), ('d', 3), ('b', True),
            ('y', 255), ('s', 'é'), ('o', '/a/b'), ('g', 'a{sv}'), ('h', 3),
            ('ay', b'a\0b'), ('ay', bytearray(b'xy')), ('ay', [1, 2, 3]), ('ay', b''),
            ('aay', [b'a', b'', b'bc']), ('aay', []), ('(ayu)', (b'ab', 3)),
            ('a{say}', {'k': b'v', 'e': b''}), ('a{say}', [('k', b'v')]),
            ('may', None), ('may', b'q'), ('mi', 4), ('(ii)', (1, 2)), ('as', ['a']),
            ('a{sv}', {'a': GLib.Variant('i', 1)}), ('a(ayv)', [(b'x', GLib.Variant('s', 'y'))]),
        ]
        for type_string, value in cases:
            with self.subTest(type_string=type_string, value=value):
                variant = pp_variant.checked(type_string, value)
                self.assertEqual(variant.get_type_string(), type_string)
                self.assertTrue(variant.equal(GLib.Variant(type_string, value)))
        self.assertEqual(pp_variant.unpack(pp_variant.checked('a{say}', {'k': b'v'})),
                         {'k': b'v'})
        self.assertEqual(pp_variant.unpack(pp_variant.checked('(ayu)', (b'ab', 3))),
                         (b'ab', 3))
        self.assertEqual(pp_variant.unpack_result(GLib.Variant('(ayi)', (b'x', 2))), (b'x', 2))
        self.assertEqual(pp_variant.unpack_result(GLib.Variant('()', ())), None)

    def test_refused(self):
        import gi.overrides._pp_variant as pp_variant
        for type_string, value in [('i', 'x'), ('i', 2 ** 40), ('ay', 'text'), ('ay', [256]),
                                   ('(ayu)', (b'a',)), ('(ayu)', 5), ('a{say}', [1]),
                                   ('aay', [1]), ('s', None), ('v', 3)]:
            with self.subTest(type_string=type_string, value=value):
                with self.assertRaises(TypeError):
                    pp_variant.checked(type_string, value)


class _Exited(object):
    """Stands for a process already waited for."""

    def wait_async(self, cancellable, callback):
        GLib.idle_add(lambda: callback(self, None) or False)

    def wait_finish(self, result):
        return True

    def get_if_exited(self):
        return True

    def get_exit_status(self):
        return 0

    def get_identifier(self):
        return None


if __name__ == '__main__':
    pptest.main()
