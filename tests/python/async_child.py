# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A Python worker (Pp.serve_parent()) whose long methods stop when their
# caller cancels, written with @Pp.method(invocation=True) and
# @Pp.method(cancellable=True); see test_async_methods.py.

import os
import threading
import time

import pptest
from pptest import GLib, GObject, Gio, Pp


def cancelled_error():
    return GLib.Error.new_literal(Gio.io_error_quark(), 'Cancelled by the caller',
                                  Gio.IOErrorEnum.CANCELLED)


class Jobs(GObject.Object):
    __gtype_name__ = 'PpPyJobs'

    @GObject.Signal(arg_types=(str,))
    def started(self, name):
        pass

    @GObject.Signal(arg_types=(str,))
    def cancel_seen(self, name):
        pass

    @Pp.method(in_signature='u', out_signature='u', invocation=True)
    def wait_in_thread(self, msec, invocation):
        """Waits in a thread, answering from there."""
        cancellable = invocation.get_cancellable()

        def work():
            self.emit('started', 'wait_in_thread')
            end = time.monotonic() + msec / 1000.0
            while time.monotonic() < end:
                if cancellable.is_cancelled():
                    self.emit('cancel-seen', 'wait_in_thread')
                    invocation.return_gerror(cancelled_error())
                    return
                time.sleep(0.002)
            invocation.return_value(msec)
        threading.Thread(target=work, daemon=True).start()

    @Pp.method(in_signature='u', out_signature='u', cancellable=True)
    def wait_blocking(self, msec, cancellable):
        """Waits in the worker's main context, answering by returning."""
        self.emit('started', 'wait_blocking')
        end = time.monotonic() + msec / 1000.0
        while time.monotonic() < end:
            if cancellable.is_cancelled():
                self.emit('cancel-seen', 'wait_blocking')
                cancellable.set_error_if_cancelled()
            time.sleep(0.002)
        return msec

    @Pp.method(in_signature='h', out_signature='hu', invocation=True)
    def reverse_fd(self, fd, invocation):
        """Reads what fd holds (its own descriptor), and answers from an
        idle with a pipe holding it reversed, and its length."""
        with os.fdopen(fd, 'rb') as f:
            data = f.read()
        r, w = os.pipe()
        os.write(w, data[::-1])
        os.close(w)

        def answer():
            invocation.return_value((r, len(data)))    # and closes r
            return GLib.SOURCE_REMOVE
        GLib.idle_add(answer)

    @Pp.method(in_signature='s', invocation=True)
    def fail_early(self, text, invocation):
        raise ValueError(text)

    @Pp.method(out_signature='i', invocation=True)
    def wrong_result(self, invocation):
        invocation.return_value('not a number')


if __name__ == '__main__':
    Pp.serve_parent(Jobs())
