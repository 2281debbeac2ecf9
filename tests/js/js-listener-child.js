// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Serves a GObject class defined in JavaScript on the inherited socket fd 3,
// or on the connection a Pp.Pool names, until the connection ends; then
// prints why and exits 0. Started by test-js-listener.js and test-pool.js.
//
// The class has no typelib, so the listener finds its methods in two ways:
// its action signals (set-label, add-numbers, reset), and the methods
// exported with the helper module (set_parameter, get_parameter, divide,
// ...). An authorize handler refuses divide() for some numbers.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import Pp from 'gi://Pp?version=1.0';
import System from 'system';

import * as Pipeproxy from '../../introspection/pipeproxy.js';

const ERROR_DOMAIN = GLib.quark_from_string('pp-js-test-error-quark');
const CHILD_ONLY_DOMAIN = GLib.quark_from_string('pp-js-child-only-error-quark');

const Thing = GObject.registerClass({
    GTypeName: 'PpJsTestThing',
    Properties: {
        'parameter': GObject.ParamSpec.int('parameter', 'Parameter', 'A number',
            GObject.ParamFlags.READWRITE | GObject.ParamFlags.EXPLICIT_NOTIFY,
            -1000000, 1000000, 0),
        'label': GObject.ParamSpec.string('label', 'Label', 'A text',
            GObject.ParamFlags.READWRITE, 'initial'),
        'calls': GObject.ParamSpec.uint('calls', 'Calls', 'Calls to exported methods',
            GObject.ParamFlags.READABLE, 0, GObject.MAXUINT32, 0),
    },
    Signals: {
        'changed': {param_types: [GObject.TYPE_INT]},
        'started': {param_types: [GObject.TYPE_STRING]},
        'cancel-seen': {param_types: [GObject.TYPE_STRING]},
        'reset': {flags: GObject.SignalFlags.RUN_LAST | GObject.SignalFlags.ACTION},
        'add-numbers': {
            flags: GObject.SignalFlags.RUN_LAST | GObject.SignalFlags.ACTION,
            param_types: [GObject.TYPE_INT, GObject.TYPE_INT],
            return_type: GObject.TYPE_INT,
        },
    },
}, class Thing extends GObject.Object {
    constructor(props) {
        super(props);
        this._calls = 0;
    }

    get parameter() {
        return this._parameter ?? 0;
    }

    set parameter(value) {
        if (this._parameter !== value) {
            this._parameter = value;
            this.notify('parameter');
        }
        this.emit('changed', value);
    }

    get calls() {
        return this._calls;
    }

    count() {
        this._calls++;
        this.notify('calls');
    }

    on_reset() {
        this.parameter = 0;
    }

    on_add_numbers(a, b) {
        return a + b;
    }
});

const thing = new Thing();

const methods = {
    set_parameter: {
        in: '(i)',
        impl(value) {
            this.count();
            this.parameter = value;
        },
    },
    get_parameter: {
        out: '(i)',
        impl() {
            this.count();
            return this.parameter;
        },
    },
    divide: {
        in: '(ii)',
        out: '(ii)',
        impl(a, b) {
            if (b === 0)
                throw new GLib.Error(ERROR_DOMAIN, 7, `Division of ${a} by zero`);
            return [Math.trunc(a / b), a % b];
        },
    },
    fail_child_only: {
        impl() {
            throw new GLib.Error(CHILD_ONLY_DOMAIN, 3, 'only the child knows this domain');
        },
    },
    buggy: {
        impl() {
            return this.no_such_thing.length;  // a TypeError
        },
    },
    wrong_result: {
        out: '(i)',
        impl() {
            return 'not a number';
        },
    },
    forgot_async: {
        out: '(i)',
        impl() {
            return Promise.resolve(1);
        },
    },
    describe: {
        in: '(a{sv}as)',
        out: '(sa{sv})',
        impl(options, names) {
            const keys = Object.keys(options).sort();
            return [`${keys.join(',')}|${names.join(',')}`, {count: new GLib.Variant('u', keys.length)}];
        },
    },
    has_handlers: {
        in: '(s)',
        out: '(b)',
        impl(name) {
            const id = GObject.signal_lookup(name, this.constructor.$gtype);
            return GObject.signal_has_handler_pending(this, id, 0, true);
        },
    },
    // Answered later, when the promise settles.
    slow: {
        in: '(u)',
        out: '(u)',
        async: true,
        impl(msec) {
            return new Promise(resolve => {
                GLib.timeout_add(GLib.PRIORITY_DEFAULT, msec, () => {
                    resolve(msec);
                    return GLib.SOURCE_REMOVE;
                });
            });
        },
    },
    // Ends when msec have passed or its caller cancels, which it says
    wait: {
        in: '(u)',
        out: '(u)',
        async: true,
        impl(msec, invocation) {
            this.emit('started', 'wait');
            return new Promise((resolve, reject) => {
                const cancellable = invocation.get_cancellable();
                let id = 0;
                const timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, msec, () => {
                    cancellable.disconnect(id);
                    resolve(msec);
                    return GLib.SOURCE_REMOVE;
                });
                id = cancellable.connect(() => {
                    GLib.source_remove(timer);
                    this.emit('cancel-seen', 'wait');
                    reject(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED,
                        'Cancelled by the caller'));
                });
            });
        },
    },
    // Reads what a descriptor holds, and gives back a socket holding it
    // reversed, and its length
    reverse_fd: {
        in: '(h)',
        out: '(hu)',
        async: true,
        async impl(fd) {
            const input = Gio.UnixInputStream.new(fd, true);
            const bytes = input.read_bytes(65536, null).toArray();
            input.close(null);
            await null;
            const [, here, there] = Pp.stream_new_pair();
            here.get_output_stream().write_all(bytes.reverse(), null);
            here.close(null);
            return [Pp.stream_steal_fd(there), bytes.length];
        },
    },
    slow_fail: {
        in: '(s)',
        async: true,
        async impl(text) {
            await null;
            throw new GLib.Error(ERROR_DOMAIN, 8, text);
        },
    },
};

// On fd 3 (spawn()), or, started by a Pp.Pool or
// Pp.Proxy.new_for_subprocess_sync(), on the connection the parent named
const listener = GLib.getenv(Pp.SUBPROCESS_FD_VARIABLE)
    ? Pipeproxy.serveParent(thing, {methods})
    : Pipeproxy.serve(thing, Pp.stream_new_for_fd(3), {methods});

// Access control from JavaScript: the peer is this process's parent, of
// the same user; divide() refuses some numbers.
listener.require_same_user = true;
listener.connect('authorize::divide', (_listener, request) => {
    const [a] = request.get_parameters().deepUnpack();
    if (request.get_kind() !== Pp.RequestKind.CALL || request.get_credentials() === null)
        return false;
    if (a === 666)
        request.refuse_literal(ERROR_DOMAIN, 9, 'Not that number');
    return a !== 13;
});

const reason = await Pipeproxy.closed(listener);
// A TAP comment: where the output is not captured, it reaches the test's own output
print(`# closed: ${reason ? `${GLib.quark_to_string(reason.domain)} ${reason.code}` : 'none'}`);
System.exit(0);
