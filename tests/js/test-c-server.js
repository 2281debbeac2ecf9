// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A GJS proxy of the PpTestObject served by the C test server
// (tests/pp-test-server) in another process, through the Pp-1.0 typelib and
// the pipeproxy.js helper module.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import Pp from 'gi://Pp?version=1.0';
import PpTest from 'gi://PpTest?version=1.0';

import * as Pipeproxy from '../../introspection/pipeproxy.js';
import {assert, assertEqual, assertRejects, assertThrows, run, step, waitFor} from './harness.js';

const SERVER = GLib.getenv('PP_TEST_SERVER');
if (!SERVER)
    throw new Error('PP_TEST_SERVER must name the pp-test-server executable');

// A remote error keeps its domain only if that domain's quark exists here;
// resolving PpTest.Error registers pp-test-error-quark.
const PP_TEST_ERROR = PpTest.Error;

class Peer {
    constructor() {
        // The plain typelib way: a socket pair, one end as the child's fd 3.
        const [ok, ours, theirs] = Pp.stream_new_pair();
        assert(ok);
        const launcher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDOUT_PIPE});
        launcher.take_fd(Pp.stream_steal_fd(theirs), 3);
        this.process = launcher.spawnv([SERVER]);
        launcher.close();
        this.stream = ours;
    }

    async proxy() {
        step('the handshake');
        this.wrapped = await Pipeproxy.newProxy(this.stream);
        step(null);
        return this.wrapped;
    }

    // Closes the connection; the server then exits 0 saying why.
    async finish() {
        Pipeproxy.unwrap(this.wrapped).close();
        step('the server to exit');
        const [out] = await this.process.communicate_utf8_async(null, null);
        step(null);
        assert(this.process.get_if_exited(), 'the server exited');
        assertEqual(this.process.get_exit_status(), 0, 'exit status of the server');
        return out;
    }
}

async function withServer(fn) {
    const peer = new Peer();
    try {
        const wrapped = await peer.proxy();
        await fn(wrapped, peer);
        await peer.finish();
    } finally {
        if (peer.process.get_identifier() !== null)
            peer.process.force_exit();
    }
}

async function hasHandlers(wrapped, signal) {
    return await wrapped.has_handlers(signal);
}

await run([
    ['the proxy is a Pp.Proxy for the remote type', () => withServer(async (w, peer) => {
        const proxy = Pipeproxy.unwrap(w);
        assert(proxy instanceof Pp.Proxy);
        assert(w instanceof Pp.Proxy, 'a wrapper passes instanceof');
        assert(proxy !== w);
        assertEqual(w.get_remote_type_name(), 'PpTestObject');
        assertEqual(Pipeproxy.unwrap(proxy), proxy);
        assert('set_parameter' in w && 'sync' in w && 'connect' in w);
        assert(!('no_such_method' in w));
        assertEqual(w.no_such_method, undefined);
    })],

    ['set and get a parameter', () => withServer(async w => {
        assertEqual(await w.get_parameter(), 0);
        assertEqual(await w.set_parameter(5), undefined);
        assertEqual(await w.get_parameter(), 5);
        // The blocking twins
        assertEqual(w.sync.set_parameter(6), undefined);
        assertEqual(w.sync.get_parameter(), 6);
        // Several results give an Array: (bii) → [ok, quotient, remainder]
        assertEqual(await w.divide(7, 2), [true, 3, 1]);
        assertEqual(w.sync.divide(9, 4), [true, 2, 1]);
        assertEqual(await w.echo_string('grüß'), 'grüß');
        assertEqual(await w.echo_strv(['a', 'b']), ['a', 'b']);
        assertEqual(await w.echo_int64(2 ** 40), 2 ** 40);
        assertEqual(await w.echo_int64(-(2n ** 40n)), -(2 ** 40), 'a BigInt in, a Number out');
        assertEqual(await w.echo_double(0.25), 0.25);
        assertEqual(await w.echo_boolean(true), true);
        assertEqual(await w.echo_uint8(255), 255);
        assertEqual(await w.echo_nullable_string(null), null);
        const variant = await w.echo_variant(new GLib.Variant('s', 'v'));
        assert(variant instanceof GLib.Variant, "deepUnpack keeps a 'v' a GLib.Variant");
        assertEqual(variant.unpack(), 'v');
        // An action signal, with '_' for '-'
        assertEqual(await w.add_numbers(2, 3), 5);
        assertEqual(await w['add-numbers'](4, 5), 9);
        // The plain typelib API, awaitable once the helper is imported
        const result = await Pipeproxy.unwrap(w).call_async('get_parameter', null, -1, null);
        assertEqual(result.print(true), '(6,)');
        // call() and an options object with the unpack mode
        assertEqual(await Pipeproxy.call(w, 'get_parameter'), 6);
        assertEqual(Pipeproxy.callSync(w, 'divide', [8, 3]), [true, 2, 2]);
        assertEqual((await Pipeproxy.call(w, 'get_parameter', null, {unpack: 'none'})).print(true),
            '(6,)');
        const recursive = Pipeproxy.wrap(w, {unpack: 'recursive'});
        assertEqual(await recursive.echo_variant(new GLib.Variant('s', 'r')), 'r');
    })],

    ['a big byte array crosses without a copy here', () => withServer(async w => {
        // Page faults of this process: 2048 for a copy of 8 MiB
        const faults = () => Number(new TextDecoder().decode(
            GLib.file_get_contents('/proc/self/stat')[1]).split(') ')[1].split(' ')[7]);
        const size = 8 << 20;
        const data = new Uint8Array(size);
        for (let i = 0; i < size; i += 4096)
            data[i] = i / 4096 & 255;
        const bytes = new GLib.Bytes(data);
        // The reply as the library gives it, then what the helper makes of it
        const reply = Pipeproxy.unwrap(w).call_sync('echo_bytes',
            Pipeproxy.packArguments('(ay)', [bytes]), -1, null);
        const before = faults();
        const echoed = Pipeproxy.unpackResult(reply);
        const taken = faults() - before;
        print(`# unpacking a 2048-page byte array into a Uint8Array: ${taken} page faults`);
        assert(echoed instanceof Uint8Array && echoed.length === size, 'a Uint8Array');
        assert(taken < 512, `${taken} page faults: a copy was made`);
        assertEqual(echoed[4096 * 7], 7);
    })],

    ['streams cross as file descriptors', () => withServer(async w => {
        const data = new TextEncoder().encode('bytes for a stream '.repeat(1000));
        // A returned stream is a descriptor we own...
        const fd = await w.open_bytes(data);
        assertEqual(typeof fd, 'number');
        // ...which a stream argument takes back, here as a Gio stream
        const echoed = await w.read_stream(Gio.UnixInputStream.new(fd, true));
        assertEqual(new TextDecoder().decode(echoed instanceof GLib.Bytes ? echoed.toArray() : echoed),
            new TextDecoder().decode(data));
        // The blocking twins
        const fd2 = w.sync.open_bytes(new TextEncoder().encode('sync'));
        const stream = Gio.UnixInputStream.new(fd2, true);
        const bytes = stream.read_bytes(100, null);
        assertEqual(new TextDecoder().decode(bytes.toArray()), 'sync');
    })],

    ['wrong arguments fail before anything is sent', () => withServer(async w => {
        const before = await w.get_call_count();
        await assertRejects(w.set_parameter('x'), Pp.Error, Pp.Error.INVALID_ARGUMENTS,
            'argument 1 is not a i: expected i, got string "x"');
        await assertRejects(w.set_parameter(2 ** 31), Pp.Error, Pp.Error.INVALID_ARGUMENTS,
            'not an integer in its range');
        await assertRejects(w.set_parameter(1.5), Pp.Error, Pp.Error.INVALID_ARGUMENTS);
        await assertRejects(w.echo_string(5), Pp.Error, Pp.Error.INVALID_ARGUMENTS);
        await assertRejects(w.echo_strv(['a', 1]), Pp.Error, Pp.Error.INVALID_ARGUMENTS);
        await assertRejects(w.echo_variant(5), Pp.Error, Pp.Error.INVALID_ARGUMENTS,
            'expected v, got number');
        await assertRejects(w.set_parameter(), Pp.Error, Pp.Error.INVALID_ARGUMENTS,
            '1 argument(s), got 0');
        await assertRejects(w.set_parameter(1, 2), Pp.Error, Pp.Error.INVALID_ARGUMENTS,
            'optionally {timeout, cancellable}');
        assertThrows(() => w.sync.set_parameter('x'), Pp.Error, Pp.Error.INVALID_ARGUMENTS);
        // The library checks too, for a hand-made tuple
        await assertRejects(Pipeproxy.call(w, 'set_parameter', new GLib.Variant('(s)', ['x'])),
            Pp.Error, Pp.Error.INVALID_ARGUMENTS, 'expects (i), got (s)');
        await assertRejects(Pipeproxy.call(w, 'no_such_method', []), Pp.Error,
            Pp.Error.INVALID_ARGUMENTS, 'has no method');
        assertEqual(await w.get_call_count(), before, 'nothing reached the object');
    })],

    ['a method that throws rejects with the remote domain and code', () => withServer(async w => {
        const e = await assertRejects(w.divide(1, 0), PP_TEST_ERROR,
            PP_TEST_ERROR.DIVIDE_BY_ZERO, 'Division of 1 by zero');
        assert(e instanceof GLib.Error);
        assertThrows(() => w.sync.divide(1, 0), PP_TEST_ERROR, PP_TEST_ERROR.DIVIDE_BY_ZERO);
        await assertRejects(w.fail_with_io_error(), Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND,
            'No such thing');
        await assertRejects(Pipeproxy.unwrap(w).call_async('divide',
            new GLib.Variant('(ii)', [3, 0]), -1, null), PP_TEST_ERROR, PP_TEST_ERROR.DIVIDE_BY_ZERO);
        // A domain this process does not know, answered by a handle-method-call handler
        const remote = await assertRejects(Pipeproxy.call(w, 'hook_fail', null), Pp.Error,
            Pp.Error.REMOTE_ERROR, 'only the server knows this domain');
        const [isRemote, domain, code] = Pp.error_get_remote(remote);
        assert(isRemote);
        assertEqual(domain, 'pp-server-only-error-quark');
        assertEqual(code, 42);
        await assertRejects(Pipeproxy.call(w, 'nope', null), Pp.Error, Pp.Error.UNKNOWN_METHOD);
        // A method with a callback is not callable: the description says why
        let thrown = null;
        try {
            void w.set_callback;
        } catch (e) {
            thrown = e;
        }
        assert(thrown instanceof TypeError && thrown.message.includes('callback'), `${thrown}`);
        assert(!('set_callback' in w));
        await assertRejects(Pipeproxy.call(w, 'set_callback', []), Pp.Error,
            Pp.Error.ACCESS_DENIED);
    })],

    ['a signal is forwarded while connected, in order before the reply', () => withServer(async w => {
        const log = [];
        assertEqual(await hasHandlers(w, 'changed'), false, 'nothing forwarded before connect');
        const id = w.connect('changed', (proxy, value) => log.push(`changed ${value}`));
        assertEqual(await hasHandlers(w, 'changed'), true, 'connect subscribes');
        const manyId = w.connect('many', (proxy, i, s, d, b, t, strv) =>
            log.push(`many ${i} ${s} ${d} ${b} ${t} ${strv.join(',')}`));
        const pingId = w.connect('ping', () => log.push('ping'));

        await w.emit_changed_times(3);
        log.push('reply');
        await w.emit_many(3);
        log.push('reply');
        await w.emit_ping();
        log.push('reply');
        assertEqual(log.join('|'),
            'changed 1|changed 2|changed 3|reply|many 3 text 3 1.5 true 25769803776 a,b|reply|' +
            'ping|reply');

        // After a sync call the signals follow when the main context runs
        log.length = 0;
        w.sync.emit_changed_times(2);
        await waitFor(() => log.length === 2, 'the signals of a sync call');
        assertEqual(log, ['changed 1', 'changed 2']);

        w.disconnect(id);
        w.disconnect(manyId);
        w.disconnect(pingId);
        assertEqual(await hasHandlers(w, 'changed'), false, 'disconnect unsubscribes');
    })],

    ['a property change and its notify', () => withServer(async w => {
        let notified = 0;
        assertEqual(w.parameter, 0);
        assertEqual(w.label, 'initial');
        assertEqual(Pipeproxy.getProperty(w, 'parameter'), 0);
        w.connect('notify::parameter', () => notified++);

        // A change made by a method reaches the cache before the reply
        await w.set_parameter(42);
        assertEqual(notified, 1, 'notify before the reply');
        assertEqual(w.parameter, 42);
        assertEqual(Pipeproxy.unwrap(w).parameter, 42);
        assertEqual(Pipeproxy.getProperty(w, 'parameter'), 42);

        // GObject.Object.get_property needs a typed GObject.Value in GJS 1.74
        const value = new GObject.Value();
        value.init(GObject.TYPE_INT);
        Pipeproxy.unwrap(w).get_property('parameter', value);
        assertEqual(value.get_int(), 42);

        // Writes go to the remote object; the cache follows its answer
        await Pipeproxy.setProperty(w, 'parameter', 7);
        assertEqual(w.parameter, 7);
        assertEqual(notified, 2);
        assertEqual(await w.get_parameter(), 7);
        Pipeproxy.setPropertySync(w, 'parameter', 8);
        assertEqual(w.parameter, 8);
        await Pipeproxy.unwrap(w).set_property_async('parameter', new GLib.Variant('i', 9), null);
        assertEqual(w.parameter, 9);
        // Setting the same value changes nothing, so no notify
        await Pipeproxy.setProperty(w, 'parameter', 9);
        await waitFor(() => notified >= 4, 'notify of the writes');
        assertEqual(notified, 4);

        // A plain assignment sends the write without waiting; order is kept
        w.parameter = 11;
        assertEqual(await w.get_parameter(), 11);
        await waitFor(() => w.parameter === 11, 'the cache to follow');

        await assertRejects(Pipeproxy.setProperty(w, 'count', 3), Pp.Error,
            Pp.Error.ACCESS_DENIED, 'read-only');
        await assertRejects(Pipeproxy.setProperty(w, 'parameter', 'x'), Pp.Error,
            Pp.Error.INVALID_ARGUMENTS, 'expects i');
        await assertRejects(Pipeproxy.setProperty(w, 'parameter', new GLib.Variant('s', 'x')),
            Pp.Error, Pp.Error.INVALID_ARGUMENTS, 'expects i, got s');
        await assertRejects(Pipeproxy.setProperty(w, 'nothing', 1), Pp.Error,
            Pp.Error.INVALID_ARGUMENTS, 'no property');
        assertThrows(() => Pipeproxy.getProperty(w, 'nothing'), Pp.Error,
            Pp.Error.INVALID_ARGUMENTS);

        let counted = 0;
        w.connect('notify::count', () => counted++);
        await w.bump_count();
        assertEqual(counted, 1);
        assertEqual(w.count, 1);
    })],

    ['a timeout, then the connection still works', () => withServer(async w => {
        const start = GLib.get_monotonic_time();
        await assertRejects(w.sleep_msec(400, {timeout: 100}), Pp.Error, Pp.Error.TIMED_OUT);
        const elapsed = (GLib.get_monotonic_time() - start) / 1000;
        // No upper bound: the reply cannot come before 400 ms, and the
        // error says the time-out ended the call
        assert(elapsed >= 90, `timed out after ${elapsed} ms`);
        assertThrows(() => w.sync.sleep_msec(400, {timeout: 50}), Pp.Error, Pp.Error.TIMED_OUT);

        // A wrapper-wide default
        const impatient = Pipeproxy.wrap(w, {timeout: 50});
        await assertRejects(impatient.sleep_msec(400), Pp.Error, Pp.Error.TIMED_OUT);

        // Cancellation
        const cancellable = new Gio.Cancellable();
        const pending = w.sleep_msec(400, {cancellable});
        cancellable.cancel();
        await assertRejects(pending, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);

        // The server runs methods to completion, then answers this one
        assertEqual(await w.get_parameter({timeout: 5000}), 0);
    })],

    ['closing ends the calls and the server', async () => {
        const peer = new Peer();
        const w = await peer.proxy();
        const closed = Pipeproxy.closed(w);
        const out = await peer.finish();
        const reason = await closed;
        assert(reason instanceof GLib.Error && reason.matches(Pp.Error, Pp.Error.DISCONNECTED),
            `closed with ${reason}`);
        assertEqual(await Pipeproxy.closed(w), null, 'already closed: no reason to give');
        assert(Pipeproxy.unwrap(w).is_closed());
        assert(out.startsWith('# closed: pp-error-quark'), `the server said ${out}`);
        await assertRejects(w.get_parameter(), Pp.Error, Pp.Error.DISCONNECTED);
    }],

    ['the proxy side reports a dead server', async () => {
        const peer = new Peer();
        const w = await peer.proxy();
        const closed = Pipeproxy.closed(w);
        const pending = w.sleep_msec(5000);
        peer.process.force_exit();
        step('the pending call to fail');
        await assertRejects(pending, Pp.Error, Pp.Error.DISCONNECTED);
        step('the proxy to close');
        const reason = await closed;
        assert(reason instanceof GLib.Error && reason.matches(Pp.Error, Pp.Error.DISCONNECTED),
            `closed with ${reason}`);
        step('the server to be reaped');
        await peer.process.wait_async(null);
    }],
]);
