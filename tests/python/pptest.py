# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Shared by the Python suites and their child processes. Importing it makes
# PyGObject load the Pp override from the source tree (PP_TEST_OVERRIDES_DIR,
# set by tests/python/meson.build) before anything imports Pp, then imports
# Pp. GI_TYPELIB_PATH and LD_LIBRARY_PATH come from meson.

import hashlib
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True   # nothing lands in the source tree

import gi                        # noqa: E402
import gi.overrides              # noqa: E402

# PyGObject looks for gi.overrides.<Namespace> along the gi.overrides package
# path; putting a directory first on it is the usual way to test an override
# from its source tree (PyGObject's own tests, gexiv2 and anaconda do it).
_overrides = os.environ.get('PP_TEST_OVERRIDES_DIR')
if _overrides:
    gi.overrides.__path__.insert(0, os.path.abspath(_overrides))

gi.require_version('Pp', '1.0')
from gi.repository import GLib, GObject, Gio, Pp   # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, 'child.py')


def check_override():
    """The override in use is the one from the source tree."""
    import gi.overrides.Pp as module
    if _overrides:
        expected = os.path.join(os.path.abspath(_overrides), 'Pp.py')
        assert os.path.samefile(module.__file__, expected), module.__file__
    assert Pp.Proxy.__module__ == 'gi.overrides.Pp', Pp.Proxy.__module__


def register_json_node_form():
    """Json.Node crosses as its JSON text, in both processes."""
    gi.require_version('Json', '1.0')
    from gi.repository import Json

    def to_variant(node):
        return GLib.Variant('s', Json.to_string(node, False))

    def from_variant(variant):
        try:
            return Json.from_string(variant.get_string())
        except GLib.Error:
            return None             # not JSON: the call fails, naming the type

    Pp.boxed_register_value_form(Json.Node, GLib.VariantType('s'), to_variant, from_variant)


# -- main loop ----------------------------------------------------------------

def wait_for(predicate, timeout=5.0, what='the condition'):
    """Iterates the default main context until predicate() is true.

    The predicate is also checked every 10 ms, for a condition that no
    event of this context signals (another process having ended)."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    tick = GLib.timeout_add(10, lambda: True)
    try:
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError('timed out after %.1f s waiting for %s' % (timeout, what))
            context.iteration(True)
    finally:
        GLib.source_remove(tick)


def spin():
    """Dispatches whatever is ready now."""
    context = GLib.MainContext.default()
    while context.iteration(False):
        pass


def run_loop(loop, timeout=5.0):
    """Runs loop until something quits it; fails after timeout seconds."""
    expired = []

    def expire():
        expired.append(1)
        loop.quit()
        return False
    source = GLib.timeout_add(int(timeout * 1000), expire)
    loop.run()
    if expired:
        raise AssertionError('main loop still running after %.1f s' % timeout)
    GLib.source_remove(source)


# -- child processes ----------------------------------------------------------

def spawn_with_socket(argv, flags=Gio.SubprocessFlags.NONE):
    """Starts argv with one end of a socket pair as its fd 3; returns
    (subprocess, the other end as a Gio.IOStream)."""
    _, stream_here, stream_there = Pp.stream_new_pair()
    fd = Pp.stream_steal_fd(stream_there)
    launcher = Gio.SubprocessLauncher.new(flags)
    launcher.take_fd(fd, 3)
    process = launcher.spawnv(argv)
    launcher.close()   # our copy of the child's end, so its exit ends the connection
    return process, stream_here


def spawn_test_server(*args):
    """tests/pp-test-server serving a PpTestObject; returns (process, proxy)."""
    process, stream = spawn_with_socket([os.environ['PP_TEST_SERVER']] + list(args),
                                        Gio.SubprocessFlags.STDOUT_SILENCE)
    return process, Pp.Proxy.new_sync(stream, None, None)


def python_child_argv(*args):
    return [sys.executable, CHILD] + list(args)


def wait_process(process, timeout=5.0):
    """Waits for process to exit, killing it after timeout; returns its
    exit status, or -signal."""
    done = []
    process.wait_async(None, lambda p, result: done.append(p.wait_finish(result)))
    try:
        wait_for(lambda: done, timeout, 'process %s to exit' % process.get_identifier())
    except AssertionError:
        process.force_exit()
        wait_for(lambda: done, 5.0, 'a killed process to exit')
        raise
    if process.get_if_exited():
        return process.get_exit_status()
    return -process.get_term_sig()


# -- the Python object the Python listeners serve -----------------------------

class Example(GObject.Object):
    """The pipe-proxy README's Example, as a GObject with one of each thing
    that can cross: a property, signals, action signals and Python methods."""

    __gtype_name__ = 'PpPyExample'

    parameter = GObject.Property(type=int, default=0)
    label = GObject.Property(type=str, default='initial')

    @GObject.Signal(flags=GObject.SignalFlags.RUN_LAST, arg_types=(int,))
    def changed(self, value):
        pass

    @GObject.Signal(flags=GObject.SignalFlags.RUN_LAST | GObject.SignalFlags.ACTION,
                    arg_types=(int, int), return_type=int)
    def add_numbers(self, a, b):
        return a + b

    @GObject.Signal(flags=GObject.SignalFlags.RUN_LAST | GObject.SignalFlags.ACTION)
    def reset(self):
        self.props.parameter = 0

    @Pp.method(in_signature='i')
    def set_parameter(self, parameter):
        self.props.parameter = parameter
        self.emit('changed', parameter)

    @Pp.method(out_signature='i')
    def get_parameter(self):
        return self.props.parameter

    @Pp.method(in_signature='ii', out_signature='ii')
    def divide(self, a, b):
        if b == 0:
            raise GLib.Error('Division of %d by zero' % a, 'pp-py-example-error-quark', 1)
        return a // b, a % b

    @Pp.method(in_signature='s')
    def fail_with(self, text):
        raise ValueError(text)

    @Pp.method(in_signature='ay', out_signature='ayu')
    def reverse(self, data):
        return data[::-1], len(data)

    @Pp.method(in_signature='ay', out_signature='sbus', byte_arrays=memoryview)
    def digest_view(self, data):
        """What a byte array argument arrived as, its size and its SHA-256"""
        return type(data).__name__, data.readonly, len(data), hashlib.sha256(data).hexdigest()

    @Pp.method(in_signature='ay', out_signature='sbus', byte_arrays=GLib.Bytes, cancellable=True)
    def digest_bytes(self, data, cancellable):
        return (type(data).__name__, True, data.get_size(),
                hashlib.sha256(data.get_data()).hexdigest())

    @Pp.method(in_signature='u')
    def sleep_msec(self, msec):
        time.sleep(msec / 1000.0)

    @Pp.method(in_signature='s', out_signature='b')
    def has_handlers(self, name):
        return GObject.signal_has_handler_pending(
            self, GObject.signal_lookup(name, type(self)), 0, False)

    @Pp.method(out_signature='i')
    def wrong_result(self):
        return 'not a number'

    def not_exported(self):
        return 'secret'


# -- unittest with TAP output -------------------------------------------------

class _TapResult(unittest.TestResult):
    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.number = 0
        self.failed_subtests = set()
        self.reported = set()

    def _line(self, text):
        self.stream.write(text + '\n')
        self.stream.flush()

    def _report(self, test, ok, note='', details=None):
        self.number += 1
        self.reported.add(test.id())
        self._line('%s %d - %s%s' % ('ok' if ok else 'not ok', self.number, test.id(), note))
        for line in (details or '').rstrip().splitlines():
            self._line('# ' + line)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._report(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._report(test, False, details=self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        self._report(test, False, details=self.errors[-1][1])

    def addSubTest(self, test, subtest, err):
        # unittest reports a method whose subtests failed through this
        # alone: say which case failed, and the method ends "not ok"
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.failed_subtests.add(test.id())
            failed = (self.failures + self.errors)[-1][1]
            for line in ('%s failed:\n%s' % (subtest.id(), failed)).rstrip().splitlines():
                self._line('# ' + line)

    def stopTest(self, test):
        super().stopTest(test)
        if test.id() in self.failed_subtests and test.id() not in self.reported:
            self._report(test, False)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._report(test, True, ' # SKIP ' + reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._report(test, True, ' # TODO expected failure')

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._report(test, False, ' # unexpected success')


def main():
    """Runs the unittest cases of __main__ and prints TAP; exits non-zero
    on any failure."""
    check_override()
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules['__main__'])
    print('1..%d' % suite.countTestCases(), flush=True)
    result = _TapResult(sys.stdout)
    suite.run(result)
    sys.exit(0 if result.wasSuccessful() else 1)
