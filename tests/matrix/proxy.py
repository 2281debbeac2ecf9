# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Python proxy of the cross-language matrix:
#
#   python3 proxy.py LISTENER-COMMAND...
#
# starts the listener command with Pp.Proxy.new_for_subprocess_sync(), runs
# the scenario against the object it serves (see README.md here) through
# the Pp override, and prints TAP, one line per step; exits 1 if a step
# failed.

import sys
import time
import traceback

from ppmatrix import GLib, Gio, Pp

WAIT_SECONDS = 3.0


class StepFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise StepFailed(message)


def wait_for(predicate, timeout=WAIT_SECONDS):
    """Iterates the default main context until predicate() holds or timeout
    seconds have passed; returns predicate()."""
    context = GLib.MainContext.default()
    expired = []
    source = GLib.timeout_add(int(timeout * 1000), lambda: expired.append(1) or False)
    while not predicate() and not expired:
        context.iteration(True)
    if not expired:
        GLib.source_remove(source)
    return predicate()


def step_remote_type(proxy):
    type_name = proxy.get_remote_type_name()
    print('# the listener serves a %s' % type_name, flush=True)
    check(type_name.startswith('Matrix'), 'unexpected remote type %s' % type_name)


def step_set_get(proxy):
    check(proxy.set_parameter(5) is None, 'set_parameter(5) returned something')
    value = proxy.get_parameter()
    check(value == 5, 'get_parameter() returned %r, not 5' % (value,))
    # The PROPERTY frame came before the replies: when the blocking call
    # returns the cache holds 5; its notify follows in the main context,
    # which is run here so it is not taken for the next step's.
    check(proxy.props.parameter == 5,
          "the proxy's parameter property reads %r, not 5" % (proxy.props.parameter,))
    notified = []
    handler = proxy.connect('notify::parameter', lambda *args: notified.append(1))
    wait_for(lambda: notified)
    proxy.disconnect(handler)


def step_fail(proxy):
    try:
        value = proxy.fail()
    except GLib.Error as error:
        check(error.domain == 'g-io-error-quark' and
              error.code == Gio.IOErrorEnum.NOT_FOUND and
              error.message == 'nothing here',
              'expected g-io-error-quark %d “nothing here”, got %s %d “%s”'
              % (Gio.IOErrorEnum.NOT_FOUND, error.domain, error.code, error.message))
        check(error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND),
              'the error does not match G_IO_ERROR_NOT_FOUND')
    else:
        raise StepFailed('fail() returned %r' % (value,))


def step_signals(proxy):
    seen = {'changed': [], 'notify': [], 'returned': [], 'error': None}

    def on_changed(proxy, value):
        seen['changed'].append(value)

    def on_notify(proxy, pspec):
        seen['notify'].append(proxy.props.parameter)

    def on_returned(proxy, result):
        try:
            seen['returned'].append(proxy.set_parameter_finish(result))
        except GLib.Error as error:
            seen['error'] = error
            seen['returned'].append(error)

    ids = [proxy.connect('changed', on_changed),
           proxy.connect('notify::parameter', on_notify)]
    try:
        proxy.set_parameter_async(7, callback=on_returned)
        wait_for(lambda: seen['returned'] and seen['changed'] and seen['notify'])
    finally:
        for handler in ids:
            proxy.disconnect(handler)
    local = proxy.props.parameter
    check(seen['error'] is None, 'set_parameter(7) failed: %s' % seen['error'])
    check(seen['returned'] == [None] and seen['changed'] == [7] and seen['notify'] == [7]
          and local == 7,
          'after %.0f s: returned %r, “changed” with %r, “notify::parameter” with the '
          'property at %r, the property reads %r'
          % (WAIT_SECONDS, seen['returned'], seen['changed'], seen['notify'], local))


def step_timeout(proxy):
    start = time.monotonic()
    try:
        # slow may be undescribed (the C and JS listeners answer it later,
        # from a handle-method-call handler): the argument says its type
        value = proxy.call_method('slow', GLib.Variant('u', 2000), timeout=100)
    except GLib.Error as error:
        elapsed = (time.monotonic() - start) * 1000
        check(error.matches(Pp.error_quark(), Pp.Error.TIMED_OUT),
              'expected Pp.Error.TIMED_OUT, got %s %d: %s'
              % (error.domain, error.code, error.message))
        check(90 <= elapsed <= 1500, 'timed out after %.0f ms, not about 100' % elapsed)
    else:
        raise StepFailed('slow(2000) returned %r after %.0f ms'
                         % (value, (time.monotonic() - start) * 1000))


def step_after_timeout(proxy):
    value = proxy.get_parameter()
    check(value == 7, 'get_parameter() returned %r, not 7' % (value,))


def step_close(proxy):
    process = proxy.get_subprocess()
    check(process is not None, 'the proxy has no subprocess')
    proxy.close()
    done = []
    process.wait_async(None, lambda p, result: done.append(p.wait_finish(result)))
    if not wait_for(lambda: done):
        process.force_exit()
        raise StepFailed('the listener still runs %.0f s after the proxy was closed'
                         % WAIT_SECONDS)
    if not process.get_if_exited():
        raise StepFailed('the listener was killed by signal %d' % process.get_term_sig())
    check(process.get_exit_status() == 0,
          'the listener exited with status %d' % process.get_exit_status())


STEPS = [
    ("the proxy stands for the listener's object", step_remote_type),
    ('set_parameter(5), then get_parameter() == 5 and the property reads 5', step_set_get),
    ('fail() raises g-io-error-quark NOT_FOUND “nothing here”', step_fail),
    ('async set_parameter(7): “changed” (7), “notify::parameter”, the property reads 7',
     step_signals),
    ('slow(2000) with a 100 ms time-out raises Pp.Error.TIMED_OUT', step_timeout),
    ('after the time-out, get_parameter() == 7', step_after_timeout),
    ('closing the proxy ends the listener with status 0', step_close),
]


def main(argv):
    if len(argv) < 2:
        sys.exit('usage: proxy.py LISTENER-COMMAND...')
    print('1..%d' % len(STEPS), flush=True)
    try:
        proxy = Pp.Proxy.new_for_subprocess_sync(None, argv[1:])
    except GLib.Error as error:
        print('Bail out! no proxy for %s: %s' % (argv[1], error.message), flush=True)
        return 1

    failures = 0
    for number, (name, step) in enumerate(STEPS, 1):
        try:
            step(proxy)
        except StepFailed as error:
            failures += 1
            print('not ok %d - %s' % (number, name))
            print('# %s' % error)
        except Exception:
            failures += 1
            print('not ok %d - %s' % (number, name))
            for line in traceback.format_exc().rstrip().splitlines():
                print('# ' + line)
        else:
            print('ok %d - %s' % (number, name))
        sys.stdout.flush()
    return 0 if failures == 0 else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
