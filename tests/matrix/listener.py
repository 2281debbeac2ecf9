# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Python listener of the cross-language matrix: serves a MatrixPyThing
# with Pp.serve_parent() on the connection inherited from the parent
# (PIPEPROXY_FD), until the parent goes away; exits 0, or 1 if the
# connection ended with an error.
#
#   set_parameter(i)   sets "parameter" and emits "changed" (i)
#   get_parameter() -> i
#   fail()             raises G_IO_ERROR_NOT_FOUND "nothing here"
#   slow(u)            returns after u milliseconds, blocking: Pp.method
#                      methods are synchronous, and Pp.serve_parent() gives
#                      no listener to answer a handle-method-call later on
#
# Nothing is written to stdout: the parent's TAP goes there.

import sys
import time

from ppmatrix import GLib, GObject, Gio, Pp


class MatrixPyThing(GObject.Object):
    __gtype_name__ = 'MatrixPyThing'

    def __init__(self):
        super().__init__()
        self._parameter = 0

    def _read_parameter(self):
        return self._parameter

    def _write_parameter(self, value):
        if value != self._parameter:
            self._parameter = value
            self.notify('parameter')

    # Notifies on a real change only, like the C and JS things
    parameter = GObject.Property(type=int, default=0,
                                 getter=_read_parameter, setter=_write_parameter,
                                 flags=GObject.ParamFlags.READWRITE |
                                 GObject.ParamFlags.EXPLICIT_NOTIFY)

    @GObject.Signal(flags=GObject.SignalFlags.RUN_LAST, arg_types=(int,))
    def changed(self, value):
        pass

    @Pp.method(in_signature='i')
    def set_parameter(self, value):
        self.props.parameter = value
        self.emit('changed', value)

    @Pp.method(out_signature='i')
    def get_parameter(self):
        return self.props.parameter

    @Pp.method
    def fail(self):
        raise GLib.Error.new_literal(Gio.io_error_quark(), 'nothing here',
                                     Gio.IOErrorEnum.NOT_FOUND)

    @Pp.method(in_signature='u')
    def slow(self, msec):
        time.sleep(msec / 1000.0)


if __name__ == '__main__':
    try:
        Pp.serve_parent(MatrixPyThing())
    except GLib.Error as error:
        print('listener.py: %s' % error.message, file=sys.stderr)
        sys.exit(1)
