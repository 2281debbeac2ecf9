// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The JavaScript listener of the cross-language matrix: serves a
// MatrixJsThing on the connection inherited from the parent (PIPEPROXY_FD,
// as set by Pp.Proxy.new_for_subprocess_sync()) until the parent goes away;
// exits 0, or 1 if the connection ended with an error.
//
// It serves with the helper's serveParent(), which takes the connection
// with Pp.Listener.new_for_parent().
//
//   set_parameter(i)   sets "parameter" and emits "changed" (i)
//   get_parameter() → i
//   fail()             throws G_IO_ERROR_NOT_FOUND "nothing here"
//   slow(u)            resolves after u milliseconds without blocking
//                      (async: true, answered from a handle-method-call
//                      handler, so it is not in the description)
//
// Nothing is written to stdout: the parent's TAP goes there.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import Pp from 'gi://Pp?version=1.0';
import System from 'system';

import * as Pipeproxy from '../../introspection/pipeproxy.js';

const MatrixJsThing = GObject.registerClass({
    GTypeName: 'MatrixJsThing',
    Properties: {
        'parameter': GObject.ParamSpec.int('parameter', 'Parameter', 'A number',
            GObject.ParamFlags.READWRITE | GObject.ParamFlags.EXPLICIT_NOTIFY,
            GLib.MININT32, GLib.MAXINT32, 0),
    },
    Signals: {
        'changed': {param_types: [GObject.TYPE_INT]},
    },
}, class MatrixJsThing extends GObject.Object {
    get parameter() {
        return this._parameter ?? 0;
    }

    set parameter(value) {
        if (this.parameter !== value) {
            this._parameter = value;
            this.notify('parameter');
        }
    }
});

let listener;
try {
    listener = Pipeproxy.serveParent(new MatrixJsThing(), {
        methods: {
            set_parameter: {
                in: '(i)',
                impl(parameter) {
                    this.parameter = parameter;
                    this.emit('changed', parameter);
                },
            },
            get_parameter: {
                out: '(i)',
                impl() {
                    return this.parameter;
                },
            },
            fail: {
                impl() {
                    throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND, 'nothing here');
                },
            },
            slow: {
                in: '(u)',
                async: true,
                impl(msec) {
                    return new Promise(resolve => {
                        GLib.timeout_add(GLib.PRIORITY_DEFAULT, msec, () => {
                            resolve();
                            return GLib.SOURCE_REMOVE;
                        });
                    });
                },
            },
        },
    });
} catch (e) {
    printerr(`listener.js: ${e.message}`);
    System.exit(1);
}

const reason = await Pipeproxy.closed(listener);
if (reason !== null && !reason.matches(Pp.Error, Pp.Error.DISCONNECTED)) {
    printerr(`listener.js: the connection ended with: ${reason.message}`);
    System.exit(1);
}
System.exit(0);
