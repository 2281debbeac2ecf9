// SPDX-License-Identifier: LGPL-2.1-or-later
//
// pipeproxy.js: GJS sugar over the Pp-1.0 typelib.
//
// Import it by path (GJS has no search path for ES modules):
//
//   import * as Pipeproxy from 'file:///usr/local/share/pipeproxy-1.0/js/pipeproxy.js';
//
// (/usr/share/… with --prefix=/usr), or relative to the importing file. Importing it also makes the async
// functions of Pp awaitable (Gio._promisify), so plain `Pp` code can
// `await proxy.call_async(...)`, `await proxy.set_property_async(...)` and
// `await Pp.Proxy.new_async(stream, null, null)` too.
//
// Proxy side:
//
//   const thing = await Pipeproxy.newProxy(stream);    // a wrapped Pp.Proxy
//   await thing.set_parameter(5);                      // (i) from the description
//   const v = await thing.get_parameter();             // (i) → 5
//   await thing.divide(7, 2);                          // (bii) → [true, 3, 1]
//   await thing.sleep_msec(10, {timeout: 100});        // options after the arguments
//   thing.sync.set_parameter(6);                       // blocking twin
//   thing.connect('changed', (p, value) => ...);       // the remote signal
//   thing.parameter;                                   // mirrored property, no round trip
//   await Pipeproxy.setProperty(thing, 'parameter', 7);
//
// A pool of workers, called the same way:
//
//   const pool = Pp.Pool.new_for_subprocess(['/usr/libexec/my-decoder'], null);
//   const decoder = await Pipeproxy.startPool(pool);   // starts the workers
//   await decoder.decode(path);                        // on a free worker
//
// Listener side:
//
//   const listener = Pipeproxy.serve(object, stream, {
//       methods: {
//           set_parameter: {in: '(i)', impl(v) { this.parameter = v; }},
//           get_parameter: {out: '(i)', impl() { return this.parameter; }},
//       },
//   });
//   await Pipeproxy.closed(listener);
//
// What GJS 1.74 gives without this module, on the Pp.Proxy itself:
// - Signals: `proxy.connect('changed', cb)` works as it is, and subscribes the
//   listener to the signal while the handler is connected; `notify::name` too.
// - Properties: the runtime subclass of Pp.Proxy has the remote properties as
//   GObject properties, and GJS resolves them by name: `proxy.parameter`,
//   `proxy['some-name']`, `proxy.some_name` and `proxy.someName` read the
//   cache; `proxy.parameter = 7` sends the write without waiting (a failure
//   is only logged). `proxy.get_property('parameter')` does not work in GJS
//   1.74 (it needs a GObject.Value of the right type as second argument);
//   getProperty() below reads by name. setProperty() writes and waits.
// - Errors: a rejected call carries a GLib.Error with the remote domain and
//   code, provided the domain's quark exists in this process (for an error
//   domain from a typelib, touching it once is enough: `PpTest.Error`);
//   otherwise Pp.Error.REMOTE_ERROR, which Pp.error_get_remote(e) takes
//   apart into [true, domain, code].
//
// Blocking calls (newProxySync(), `wrapped.sync.*`, callSync()) wait without
// running the main context: never make them in the thread that serves the
// listener of the same object, nothing would answer until the time-out.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import Pp from 'gi://Pp?version=1.0';

// Values to and from GLib.Variant, installed next to this file
import {
    WRAPPER_STATE, checkTupleSignature, describe, handlePositions, packArguments, packOne,
    packWithFds, passesFds, passesObjects, ppError, registerValueForm, tupleItems,
    unpackArguments, unpackReply, unpackResult, unpackWithFds, unwrap,
} from './pipeproxy-variant.js';

export {Pp, packArguments, registerValueForm, unpackResult, unwrap};

// Gio._promisify keeps the callback form: called with a callback, these
// still take it; called without one, they return a Promise. It does nothing
// for a function that is already promisified.
Gio._promisify(Pp.Proxy, 'new_async', 'new_finish');
Gio._promisify(Pp.Proxy.prototype, 'call_async', 'call_finish');
Gio._promisify(Pp.Proxy.prototype, 'call_with_unix_fd_list_async',
    'call_with_unix_fd_list_finish');
Gio._promisify(Pp.Proxy.prototype, 'call_full', 'call_full_finish');
Gio._promisify(Pp.Proxy.prototype, 'set_property_async', 'set_property_finish');
Gio._promisify(Pp.Pool.prototype, 'call_async', 'call_finish');
Gio._promisify(Pp.Pool.prototype, 'call_with_unix_fd_list_async',
    'call_with_unix_fd_list_finish');
Gio._promisify(Pp.Pool.prototype, 'call_full', 'call_full_finish');
Gio._promisify(Pp.Pool.prototype, 'start_async', 'start_finish');

// Names a wrapped proxy never takes for a remote method: `then` would make it
// a thenable (so `await` of a wrapper would call the remote object), and
// `sync` is the namespace of blocking calls. Use Pipeproxy.call() for them.
const RESERVED = new Set(['then', 'sync']);

// Wrappers of the proxies that results gave, so that the same remote
// object is the same wrapper while its proxy lives
const resultWrappers = new WeakMap();

function wrapResultObject(object, options) {
    if (!(object instanceof Pp.Proxy))
        return object;   // one of this process's, or a proxy's wrapper
    let wrapper = resultWrappers.get(object);
    if (wrapper === undefined) {
        wrapper = wrap(object, options);
        resultWrappers.set(object, wrapper);
    }
    return wrapper;
}

function isPlainObject(value) {
    if (value === null || typeof value !== 'object')
        return false;
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
}


// The description of a proxy never changes: list its methods once.
const describedCache = new WeakMap();

// A pool's workers all serve the same program or type: its methods are those
// of the first worker seen.
function describingProxy(proxy) {
    if (!(proxy instanceof Pp.Pool))
        return proxy;
    const worker = proxy.get_workers().get_item(0);
    if (worker === null) {
        throw ppError(Pp.Error.DISCONNECTED,
            'The pool has no worker to describe its methods: start it first ' +
            '(Pipeproxy.startPool())');
    }
    return worker;
}

function describedMethods(proxy) {
    let methods = describedCache.get(proxy);
    if (methods !== undefined)
        return methods;
    methods = new Map();
    const list = describingProxy(proxy).list_methods();
    for (let i = 0; i < list.get_n_items(); i++) {
        const member = list.get_item(i);
        methods.set(member.get_name(), {
            name: member.get_name(),
            in: member.get_in_signature(),
            out: member.get_out_signature(),
            // Why a method of the remote object cannot be called, or ''
            refused: member.get_available() ? '' : member.get_unavailable_reason(),
        });
    }
    describedCache.set(proxy, methods);
    return methods;
}


function splitOptions(method, args) {
    const n = tupleItems(method.in).length;
    if (args.length === n + 1) {
        const options = args[n];
        if (!isPlainObject(options)) {
            throw ppError(Pp.Error.INVALID_ARGUMENTS,
                `Method “${method.name}” expects ${method.in}: ${n} argument(s) and ` +
                'optionally {timeout, cancellable}, got one more');
        }
        return [args.slice(0, n), options];
    }
    return [args, {}];
}

function callParameters(proxy, name, args, options, objects = undefined) {
    if (args === null || args instanceof GLib.Variant)
        return args;
    const described = describedMethods(proxy).get(name);
    // The listener answers a refused method with why
    if (options.signature === undefined && described?.refused)
        return null;
    const signature = options.signature ?? described?.in;
    if (signature === undefined) {
        throw ppError(Pp.Error.INVALID_ARGUMENTS,
            `The description of the remote ${describingProxy(proxy).get_remote_type_name()} has no method ` +
            `“${name}”: give its in-signature or the arguments as a GLib.Variant tuple`);
    }
    return packArguments(checkTupleSignature(signature, `method ${name}`), args,
        `Method “${name}”`, objects);
}

// Sends a call with descriptors and objects to a proxy or a pool (whose
// worker exports them on its connection), waiting for the reply or not:
// [result, out fd list, out objects], or a Promise of that.
function sendFull(target, name, parameters, fdList, objects, timeout, cancellable, blocking) {
    return blocking
        ? target.call_full_sync(name, parameters, fdList, objects, timeout, cancellable)
        : target.call_full(name, parameters, fdList, objects, timeout, cancellable);
}

// A call of a described method on a proxy or a pool: its arguments packed
// with the in-signature (descriptors in a Gio.UnixFDList, objects in a
// list), sent, and the reply unpacked, at once (`blocking`) or in a Promise.
// `options`: timeout, cancellable, unpack, and wrapObject for the proxies
// of objects in the reply.
function invoke(target, method, values, options, blocking) {
    let reply, finish;
    if (passesFds(method) || passesObjects(method)) {
        const objects = [];
        const [parameters, fdList] = packWithFds(method, values, objects);
        reply = sendFull(target, method.name, parameters, fdList.get_length() > 0 ? fdList : null,
            objects, options.timeout, options.cancellable, blocking);
        finish = ([result, outFds, outObjects]) => unpackWithFds(method, result, outFds,
            options.unpack, outObjects, options.wrapObject);
    } else {
        const parameters = packArguments(method.in, values, `Method “${method.name}”`);
        reply = blocking
            ? target.call_sync(method.name, parameters, options.timeout, options.cancellable)
            : target.call_async(method.name, parameters, options.timeout, options.cancellable);
        finish = result => unpackResult(result, options.unpack);
    }
    return blocking ? finish(reply) : reply.then(finish);
}

// call() and callSync(): a described method's way when it is one, so that
// descriptors pass too
function callByName(proxy, name, args, options, blocking) {
    proxy = unwrap(proxy);
    const described = describedMethods(proxy).get(name);
    if (Array.isArray(args) && options.signature === undefined && described && !described.refused) {
        return invoke(proxy, described, args, {
            timeout: options.timeout ?? -1,
            cancellable: options.cancellable ?? null,
            unpack: options.unpack,
            wrapObject: object => wrapResultObject(object, {unpack: options.unpack}),
        }, blocking);
    }
    const objects = [];
    const parameters = callParameters(proxy, name, args, options, objects);
    const reply = sendFull(proxy, name, parameters, null, objects, options.timeout ?? -1,
        options.cancellable ?? null, blocking);
    const finish = ([result, , outObjects]) => unpackReply(result, outObjects, options.unpack,
        object => wrapResultObject(object, {unpack: options.unpack}));
    return blocking ? finish(reply) : reply.then(finish);
}

/**
 * Calls a method of the remote object and unpacks its result. The wrapper
 * made by wrap() is shorter; this also reaches methods the description does
 * not list (answered by a handle-method-call handler) and names a wrapper
 * keeps for itself (`then`, `sync`).
 *
 * @param {Pp.Proxy} proxy - a proxy or a wrapper
 * @param {string} name - the method's name
 * @param {Array|GLib.Variant|null} [args] - its arguments as JavaScript
 *   values, packed with the method's in-signature; or a GLib.Variant tuple
 *   (or null for none), sent as it is
 * @param {object} [options] - options
 * @param {string} [options.signature] - the in-signature, a tuple type, for
 *   a method the description does not list
 * @param {number} [options.timeout] - in milliseconds; -1 (the default) is
 *   the proxy's default-timeout
 * @param {Gio.Cancellable} [options.cancellable] - a cancellable
 * @param {string} [options.unpack] - 'deep', 'recursive' or 'none'
 * @returns {Promise<*>} the unpacked result
 */
export async function call(proxy, name, args = [], options = {}) {
    return callByName(proxy, name, args, options, false);
}

/**
 * The blocking twin of call(). Never use it in the thread whose main
 * context serves the listener of the same object: nothing would answer.
 *
 * @param {Pp.Proxy} proxy - a proxy or a wrapper
 * @param {string} name - the method's name
 * @param {Array|GLib.Variant|null} [args] - as for call()
 * @param {object} [options] - as for call()
 * @returns {*} the unpacked result
 */
export function callSync(proxy, name, args = [], options = {}) {
    return callByName(proxy, name, args, options, true);
}

/**
 * Wraps a Pp.Proxy so that the remote methods are JavaScript methods.
 *
 * - `await wrapped.name(...args)` calls the remote method `name`, packing the
 *   arguments with its in-signature from the description (so a wrong call
 *   fails before anything is sent), and resolves to its unpacked result:
 *   undefined for none, the value for one, an Array for several.
 *   One more argument than the signature has is an options object
 *   `{timeout, cancellable}`. A failure rejects with the GLib.Error, the
 *   remote one with its own domain and code.
 * - `wrapped.sync.name(...args)` is the blocking twin.
 * - Action signals are reachable with `_` for `-` (`add_numbers` for
 *   `add-numbers`).
 * - Anything else is the Pp.Proxy's: `wrapped.connect('changed', ...)`,
 *   `wrapped.parameter` (a mirrored property), `wrapped.list_methods()`,
 *   `wrapped instanceof Pp.Proxy`. A remote method hides a Pp.Proxy method
 *   of the same name (`wrapped.close()` of a proxied stream closes the
 *   stream); the proxy's own is reached on the Pp.Proxy itself,
 *   `unwrap(wrapped).close()` or
 *   `Pp.Proxy.prototype.close.call(unwrap(wrapped))` (not with the wrapper
 *   as `this`, which GJS refuses).
 *   unwrap() gives the Pp.Proxy, which is also what must be passed to
 *   functions that take a GObject.
 * - A method the remote object has but that cannot be called from another
 *   process (and that is not a Pp.Proxy method) throws a TypeError saying
 *   why when it is looked up: `wrapped.set_callback`.
 * - A Pp.Pool is wrapped the same way, once it has a worker whose
 *   description gives the methods (startPool() starts it and wraps it):
 *   each call goes to a free worker.
 *
 * @param {Pp.Proxy|Pp.Pool} proxy - the proxy, or a pool
 * @param {object} [options] - options
 * @param {number} [options.timeout] - default time-out of the calls, in
 *   milliseconds (-1: the proxy's default-timeout)
 * @param {string} [options.unpack] - 'deep' (default), 'recursive' or 'none'
 * @param {object} [options.methods] - signatures of methods the
 *   description does not list, `{name: {in: '(u)', out: '()'}}`
 * @returns {Proxy} the wrapper
 */
export function wrap(proxy, options = {}) {
    proxy = unwrap(proxy);
    if (!(proxy instanceof Pp.Proxy) && !(proxy instanceof Pp.Pool))
        throw new TypeError('Pipeproxy.wrap() needs a Pp.Proxy or a Pp.Pool');

    const unpack = options.unpack ?? 'deep';
    const defaultTimeout = options.timeout ?? -1;
    // How the proxies of objects its results give are wrapped
    const resultOptions = {timeout: options.timeout, unpack};
    const methods = new Map(describedMethods(proxy));
    for (const [name, spec] of Object.entries(options.methods ?? {})) {
        methods.set(name, {
            name,
            in: checkTupleSignature(spec.in ?? '()', `method ${name}`),
            out: checkTupleSignature(spec.out ?? '()', `method ${name}`),
        });
    }
    const byKey = new Map();
    const refused = new Map();
    for (const method of [...methods.values()]) {
        if (method.refused) {
            refused.set(method.name.replaceAll('-', '_'), method.refused);
            methods.delete(method.name);
            continue;
        }
        byKey.set(method.name, method);
        const key = method.name.replaceAll('-', '_');
        if (!byKey.has(key))
            byKey.set(key, method);
    }
    for (const name of RESERVED)
        byKey.delete(name);

    const fns = {async: new Map(), sync: new Map()};
    const bound = new Map();

    // wrapped.name() (a Promise) or wrapped.sync.name() (`blocking`)
    function methodFn(method, blocking) {
        const made = blocking ? fns.sync : fns.async;
        let fn = made.get(method.name);
        if (fn === undefined) {
            const run = args => {
                const [values, opts] = splitOptions(method, args);
                return invoke(proxy, method, values, {
                    timeout: opts.timeout ?? defaultTimeout,
                    cancellable: opts.cancellable ?? null,
                    unpack,
                    wrapObject: object => wrapResultObject(object, resultOptions),
                }, blocking);
            };
            fn = blocking ? (...args) => run(args) : async (...args) => run(args);
            Object.defineProperty(fn, 'name', {value: method.name});
            made.set(method.name, fn);
        }
        return fn;
    }

    const sync = new Proxy(Object.create(null), {
        get(target, key) {
            const method = typeof key === 'string' && key !== 'then'
                ? methods.get(key) ?? byKey.get(key) : undefined;
            if (!method && typeof key === 'string' && refused.has(key))
                throw new TypeError(refused.get(key));
            return method ? methodFn(method, true) : undefined;
        },
        has(target, key) {
            return typeof key === 'string' && key !== 'then' &&
                (methods.has(key) || byKey.has(key));
        },
        ownKeys() {
            return [...methods.keys()].filter(key => key !== 'then');
        },
        getOwnPropertyDescriptor(target, key) {
            const method = methods.get(key);
            return method
                ? {value: methodFn(method, true), enumerable: true, configurable: true, writable: false}
                : undefined;
        },
    });

    const state = {proxy, methods, sync};

    const wrapper = new Proxy(proxy, {
        get(target, key) {
            if (key === WRAPPER_STATE)
                return state;
            if (key === 'sync')
                return sync;
            if (typeof key === 'string') {
                const method = byKey.get(key);
                if (method)
                    return methodFn(method, false);
                if (refused.has(key) && !Reflect.has(target, key))
                    throw new TypeError(refused.get(key));
            }
            const value = Reflect.get(target, key, target);
            if (typeof value !== 'function')
                return value;
            // GObject methods must see the real object as `this`.
            let fn = bound.get(key);
            if (fn === undefined || fn.original !== value) {
                fn = value.bind(target);
                fn.original = value;
                bound.set(key, fn);
            }
            return fn;
        },
        set(target, key, value) {
            return Reflect.set(target, key, value, target);
        },
        has(target, key) {
            return key === 'sync' || (typeof key === 'string' && byKey.has(key)) ||
                Reflect.has(target, key);
        },
    });
    // A result that gives this proxy gives this wrapper
    if (proxy instanceof Pp.Proxy && !resultWrappers.has(proxy))
        resultWrappers.set(proxy, wrapper);
    return wrapper;
}

/**
 * Makes a proxy on a stream (performing the handshake without blocking) and
 * wraps it.
 *
 * @param {Gio.IOStream} stream - the stream to the listener
 * @param {object} [options] - `cancellable`, `connectionOptions` (a Pp.Options
 *   with the connection's limits and defaults), and wrap()'s options
 * @returns {Promise<Proxy>} the wrapper
 */
export async function newProxy(stream, options = {}) {
    const proxy = await Pp.Proxy.new_async(stream, options.connectionOptions ?? null,
        options.cancellable ?? null);
    return wrap(proxy, options);
}

/**
 * The blocking twin of newProxy(). Not in the thread whose main context
 * serves the listener.
 *
 * @param {Gio.IOStream} stream - the stream to the listener
 * @param {object} [options] - `cancellable`, `connectionOptions` (a Pp.Options
 *   with the connection's limits and defaults), and wrap()'s options
 * @returns {Proxy} the wrapper
 */
export function newProxySync(stream, options = {}) {
    return wrap(Pp.Proxy.new_sync(stream, options.connectionOptions ?? null,
        options.cancellable ?? null), options);
}

/**
 * Makes a wrapped proxy on an inherited socket, e.g. fd 3 of a child
 * started with spawn(). The proxy owns `fd` from then on, also on failure.
 *
 * @param {number} fd - a connected socket
 * @param {object} [options] - `cancellable`, `connectionOptions` (a Pp.Options
 *   with the connection's limits and defaults), and wrap()'s options
 * @returns {Proxy} the wrapper
 */
export function newProxyForFd(fd, options = {}) {
    return wrap(Pp.Proxy.new_sync(Pp.stream_new_for_fd(fd), options.connectionOptions ?? null,
        options.cancellable ?? null), options);
}

/**
 * Starts the workers of a Pp.Pool (pool.start_async()) and wraps the pool
 * (wrap()), so that `await pooled.name(...args)` calls the method `name` on
 * a free worker, with the arguments packed with its in-signature. Signals
 * come with the worker they came from:
 * `pooled.connect('worker-signal::progress', (pool, worker, name, args) =>
 * ...)`, with `args.deepUnpack()` the arguments.
 *
 * @param {Pp.Pool} pool - the pool
 * @param {object} [options] - `cancellable`, and wrap()'s options
 * @returns {Promise<Proxy>} the wrapper
 */
export async function startPool(pool, options = {}) {
    pool = unwrap(pool);
    if (!(pool instanceof Pp.Pool))
        throw new TypeError('Pipeproxy.startPool() needs a Pp.Pool');
    await pool.start_async(options.cancellable ?? null);
    return wrap(pool, options);
}

function findProperty(proxy, name) {
    const pspec = GObject.Object.find_property.call(proxy.constructor, name);
    if (pspec === null) {
        throw ppError(Pp.Error.INVALID_ARGUMENTS,
            `The remote ${proxy.get_remote_type_name()} has no property “${name}” that can be used from here`);
    }
    return pspec;
}

/**
 * Reads a mirrored property of the remote object from the proxy's cache (no
 * round trip). The same as `proxy.parameter` or `proxy['some-name']`, which
 * work on a proxy too; it exists because GObject.Object.get_property() in GJS
 * 1.74 needs a GObject.Value of the right type.
 *
 * @param {Pp.Proxy} proxy - a proxy or a wrapper
 * @param {string} name - the property's name
 * @returns {*} its value
 */
export function getProperty(proxy, name) {
    proxy = unwrap(proxy);
    const pspec = findProperty(proxy, name);
    return proxy[pspec.name.replaceAll('-', '_')];
}

function propertyVariant(proxy, name, value) {
    if (value === null || value instanceof GLib.Variant)
        return value;
    const list = proxy.list_properties();
    for (let i = 0; i < list.get_n_items(); i++) {
        const member = list.get_item(i);
        if (member.get_name() === name || member.get_name() === name.replaceAll('_', '-')) {
            try {
                return packOne(member.get_signature(), value);
            } catch (e) {
                throw ppError(Pp.Error.INVALID_ARGUMENTS,
                    `Property “${name}” expects ${member.get_signature()}: ${e.message}`);
            }
        }
    }
    findProperty(proxy, name);  // throws with the library's message
    throw ppError(Pp.Error.INVALID_ARGUMENTS, `Property “${name}” is not mirrored`);
}

/**
 * Writes a property of the remote object. When the promise resolves, the
 * proxy's cache holds the value the remote object then has.
 *
 * @param {Pp.Proxy} proxy - a proxy or a wrapper
 * @param {string} name - the property's name
 * @param {*} value - a JavaScript value of the property's signature, a
 *   GLib.Variant, or null (for a string, boxed or variant property)
 * @param {object} [options] - `cancellable`
 * @returns {Promise<void>} resolves when done
 */
export async function setProperty(proxy, name, value, options = {}) {
    proxy = unwrap(proxy);
    await proxy.set_property_async(name, propertyVariant(proxy, name, value),
        options.cancellable ?? null);
}

/**
 * The blocking twin of setProperty().
 *
 * @param {Pp.Proxy} proxy - a proxy or a wrapper
 * @param {string} name - the property's name
 * @param {*} value - as for setProperty()
 * @param {object} [options] - `cancellable`
 */
export function setPropertySync(proxy, name, value, options = {}) {
    proxy = unwrap(proxy);
    proxy.set_property_sync(name, propertyVariant(proxy, name, value),
        options.cancellable ?? null);
}

function toGError(e) {
    if (e instanceof GLib.Error)
        return e;
    const text = e instanceof Error ? `${e.name}: ${e.message}` : `${e}`;
    // A bug in the implementation, not an error it chose to send: say so here
    // as well, with the stack, since the caller only sees the message.
    console.warn(`pipeproxy: an exported method threw ${text}\n${e?.stack ?? ""}`);
    return ppError(Pp.Error.FAILED, text);
}

function packResult(name, signature, value) {
    if (value instanceof GLib.Variant) {
        if (value.get_type_string() !== signature) {
            throw ppError(Pp.Error.FAILED,
                `Method “${name}” must return ${signature}, not ${value.get_type_string()}`);
        }
        return value;
    }
    const n = tupleItems(signature).length;
    if (n === 0)
        return GLib.Variant.new_tuple([]);
    if (n > 1 && !Array.isArray(value)) {
        throw ppError(Pp.Error.FAILED,
            `Method “${name}” must return ${signature}: an Array of ${n} values`);
    }
    try {
        return packArguments(signature, n === 1 ? [value] : value, `Method “${name}”`);
    } catch (e) {
        throw ppError(Pp.Error.FAILED,
            `Method “${name}” returned a value that is not ${signature}: ${e.message}`);
    }
}

// Replaces each handle argument by a new descriptor of its own, from the
// descriptors that came with the call.
function takeDescriptors(name, invocation, args, handles) {
    if (handles.length === 0)
        return;
    const fdList = invocation.get_unix_fd_list();
    const n = fdList?.get_length() ?? 0;
    for (const i of handles) {
        if (args[i] < 0 || args[i] >= n) {
            throw ppError(Pp.Error.INVALID_ARGUMENTS,
                `Method “${name}”: argument ${i + 1} is handle ${args[i]}, but ${n} descriptors came with the call`);
        }
    }
    const taken = [];
    try {
        for (const i of handles)
            taken.push([i, fdList.get(args[i])]);
    } catch (e) {
        taken.forEach(([, fd]) => GLib.close(fd));
        throw e;
    }
    for (const [i, fd] of taken)
        args[i] = fd;
}

// packResult(), with each handle given as a descriptor put in a
// Gio.UnixFDList: [result, list or null, descriptors to close once the
// answer is sent]. A number is handed over; anything with get_fd() (a
// Gio.UnixInputStream...) keeps its own.
function packResultWithDescriptors(name, signature, value) {
    const handles = handlePositions(signature);
    if (handles.length === 0 || value instanceof GLib.Variant)
        return [packResult(name, signature, value), null, []];
    const n = tupleItems(signature).length;
    const values = n === 1 ? [value] : Array.isArray(value) ? [...value] : null;
    if (values === null || values.length !== n)
        return [packResult(name, signature, value), null, []];  // throws, saying why
    const fdList = new Gio.UnixFDList();
    const handedOver = [];
    for (const i of handles) {
        const owned = typeof values[i] === 'number';
        const fd = owned ? values[i] : values[i]?.get_fd?.();
        if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
            throw ppError(Pp.Error.FAILED,
                `Method “${name}” returned ${describe(values[i])} for a descriptor`);
        }
        values[i] = fdList.append(fd);
        if (owned)
            handedOver.push(fd);
    }
    return [packResult(name, signature, n === 1 ? values[0] : values), fdList, handedOver];
}

function normalizeSpec(name, spec) {
    if (typeof spec === 'function')
        spec = {impl: spec};
    if (spec === null || typeof spec !== 'object' || typeof spec.impl !== 'function')
        throw new TypeError(`method ${name}: give {in, out, impl}`);
    return {
        in: checkTupleSignature(spec.in ?? '()', `method ${name}`),
        out: checkTupleSignature(spec.out ?? '()', `method ${name}`),
        impl: spec.impl,
        async: Boolean(spec.async),
        unpack: spec.unpack ?? 'deep',
    };
}

/**
 * Exports methods implemented in JavaScript, for an object whose methods
 * are not found through introspection (a class defined in JavaScript has no
 * typelib). Do it before the listener's main context runs, so that the
 * proxy's description lists them.
 *
 * Each method is `name: {in: '(i)', out: '(s)', impl(...args) {...}}`; `in`
 * and `out` are tuple types (default '()'). `impl` runs with `this` the
 * served object and the arguments unpacked (deepUnpack); it returns the
 * value (one out item), an Array (several) or a GLib.Variant of the out type,
 * and fails by throwing: a GLib.Error reaches the caller with its domain and
 * code, anything else as Pp.Error.FAILED "Name: message" (and a warning
 * here).
 *
 * Methods are added with Pp.Listener.add_method(): they are in the
 * description and their arguments are checked by the listener. A method
 * with `async: true` is added with add_method_with_invocation() and
 * answered when the value it returns, or the Promise it returns, settles;
 * `impl` gets the call's Pp.Invocation after the arguments, whose
 * get_cancellable() is cancelled (in the main thread) when the caller
 * gives up. Its handle ('h') arguments arrive as new descriptors that
 * `impl` owns, and a handle in its result is given as a descriptor, which
 * is closed once the answer is sent, or as anything with get_fd() (a
 * Gio.UnixInputStream...), which keeps its own.
 *
 * @param {Pp.Listener} listener - the listener
 * @param {object} methods - name → {in, out, impl, async, unpack}
 * @returns {Pp.Listener} the listener
 */
export function exportMethods(listener, methods) {
    for (const [name, rawSpec] of Object.entries(methods)) {
        const spec = normalizeSpec(name, rawSpec);

        if (!spec.async) {
            listener.add_method(name, new GLib.VariantType(spec.in),
                new GLib.VariantType(spec.out), (object, parameters) => {
                    let value;
                    try {
                        value = spec.impl.apply(object, unpackArguments(parameters, spec.unpack));
                    } catch (e) {
                        throw toGError(e);
                    }
                    if (typeof value?.then === 'function') {
                        value.catch(() => {});
                        throw ppError(Pp.Error.FAILED,
                            `Method “${name}” returned a Promise: export it with async: true`);
                    }
                    return packResult(name, spec.out, value);
                });
            continue;
        }

        const inHandles = handlePositions(spec.in);
        listener.add_method_with_invocation(name, new GLib.VariantType(spec.in),
            new GLib.VariantType(spec.out), (object, parameters, invocation) => {
                let args;
                try {
                    args = unpackArguments(parameters, spec.unpack);
                    if (spec.unpack !== 'none')
                        takeDescriptors(name, invocation, args, inHandles);
                } catch (e) {
                    invocation.return_gerror(toGError(e));
                    return;
                }
                new Promise(resolve => resolve(spec.impl.apply(object, [...args, invocation])))
                    .then(value => packResultWithDescriptors(name, spec.out, value))
                    .then(([result, fdList, handedOver]) => {
                        if (fdList === null)
                            invocation.return_value(result);
                        else
                            invocation.return_value_with_unix_fd_list(result, fdList);
                        handedOver.forEach(fd => GLib.close(fd));
                    }, e => invocation.return_gerror(toGError(e)));
            });
    }
    return listener;
}

/**
 * Serves an object on a stream. The listener serves in the thread-default
 * main context, which must run (GJS runs it while a module awaits, or use a
 * GLib.MainLoop, or listener.run()).
 *
 * @param {GObject.Object} object - the object to serve
 * @param {Gio.IOStream} stream - the stream to the proxy
 * @param {object} [options] - options
 * @param {object} [options.methods] - methods to export, see exportMethods()
 * @returns {Pp.Listener} the listener
 */
export function serve(object, stream, options = {}) {
    const listener = Pp.Listener.new(object, stream);
    if (options.methods)
        exportMethods(listener, options.methods);
    return listener;
}

/**
 * The child side of Pp.Proxy.new_for_subprocess_sync() and of spawn() with
 * Pp.SUBPROCESS_FD_VARIABLE set: serves an object on the connection
 * inherited from the parent (Pp.Listener.new_for_parent(), which takes the
 * variable out of the environment). Await closed(listener) to serve until
 * the parent goes away. A sandbox the parent asked for (Pp.Options'
 * sandbox) applies before this returns: import every module the methods
 * use before calling it.
 *
 * @param {GObject.Object} object - the object to serve
 * @param {object} [options] - options
 * @param {object} [options.methods] - methods to export, see exportMethods()
 * @returns {Pp.Listener} the listener
 * @throws {GLib.Error} when this process has no connection to a parent
 */
export function serveParent(object, options = {}) {
    const listener = Pp.Listener.new_for_parent(object);
    if (options.methods)
        exportMethods(listener, options.methods);
    return listener;
}

/**
 * Starts a child process with one end of a new socket pair as its file
 * descriptor `fd` (3 unless told), for the child to serve an object on or to
 * make a proxy with (Pp.stream_new_for_fd(3), newProxyForFd(3)).
 *
 * @param {string[]} argv - the child's command line
 * @param {object} [options] - options
 * @param {number} [options.fd] - the child's descriptor number (3)
 * @param {Gio.SubprocessFlags} [options.flags] - as for Gio.SubprocessLauncher
 * @param {string} [options.cwd] - the child's working directory
 * @param {Object<string, string>} [options.env] - variables to set in the
 *   child's environment
 * @returns {{subprocess: Gio.Subprocess, stream: Gio.IOStream}} the child
 *   and this process's end of the pair
 */
export function spawn(argv, options = {}) {
    const [, stream, childStream] = Pp.stream_new_pair();
    const launcher = new Gio.SubprocessLauncher({flags: options.flags ?? Gio.SubprocessFlags.NONE});
    try {
        launcher.take_fd(Pp.stream_steal_fd(childStream), options.fd ?? 3);
        if (options.cwd)
            launcher.set_cwd(options.cwd);
        for (const [key, value] of Object.entries(options.env ?? {}))
            launcher.setenv(key, value, true);
        const subprocess = launcher.spawnv(argv);
        return {subprocess, stream};
    } catch (e) {
        stream.close(null);
        throw e;
    } finally {
        // Close our copy of the child's end, so that the child going away
        // ends the connection.
        launcher.close();
    }
}

/**
 * Resolves when a Pp.Listener or Pp.Proxy is closed, to the reason: a
 * GLib.Error (Pp.Error.DISCONNECTED when the peer went away or close() was
 * called, Pp.Error.PROTOCOL or LIMIT_EXCEEDED when the peer sent something
 * invalid), or null if it was already closed.
 *
 * @param {Pp.Listener|Pp.Proxy} object - a listener, proxy or wrapper
 * @returns {Promise<GLib.Error|null>} the reason
 */
export function closed(object) {
    object = unwrap(object);
    return new Promise(resolve => {
        if (object.is_closed()) {
            resolve(null);
            return;
        }
        const id = object.connect('closed', (self, error) => {
            object.disconnect(id);
            resolve(error ?? null);
        });
    });
}

export default {
    Pp,
    call,
    callSync,
    closed,
    exportMethods,
    getProperty,
    newProxy,
    newProxyForFd,
    newProxySync,
    packArguments,
    registerValueForm,
    serve,
    setProperty,
    setPropertySync,
    spawn,
    startPool,
    unpackResult,
    unwrap,
    wrap,
};
