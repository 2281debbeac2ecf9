// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Both ends in GJS: a child gjs process (js-listener-child.js) serves a
// GObject class defined in JavaScript, with action signals and methods
// exported through the helper module; this process calls it through a
// wrapped Pp.Proxy.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Pp from 'gi://Pp?version=1.0';

import * as Pipeproxy from '../../introspection/pipeproxy.js';
import {assert, assertEqual, assertRejects, assertThrows, gjsPath, run, sibling, waitFor} from
    './harness.js';

const CHILD = sibling(import.meta.url, 'js-listener-child.js');

// The child's error domain; a remote error keeps its domain only if the
// domain's quark exists in this process too.
const ERROR_DOMAIN = GLib.quark_from_string('pp-js-test-error-quark');


// One child serves every case, which is cheaper than a gjs start-up each;
// each case starts from the object's initial state.
let child = null;

async function startChild() {
    const {subprocess, stream} = Pipeproxy.spawn([gjsPath(), '-m', CHILD],
        {flags: Gio.SubprocessFlags.STDOUT_PIPE});
    try {
        child = {subprocess, w: await Pipeproxy.newProxy(stream)};
    } catch (e) {
        subprocess.force_exit();
        throw e;
    }
}

async function withChild(fn) {
    if (child === null)
        await startChild();
    const {w} = child;
    await w.reset();
    await Pipeproxy.setProperty(w, 'label', 'initial');
    const ids = [];
    const connect = (signal, handler) => ids.push(w.connect(signal, handler));
    try {
        await fn(w, connect);
    } finally {
        ids.forEach(id => w.disconnect(id));
    }
}

// Closing the proxy ends the connection: the child's listener says why and
// the child exits 0.
async function finishChild() {
    const {subprocess, w} = child;
    child = null;
    try {
        Pipeproxy.unwrap(w).close();
        const [out] = await subprocess.communicate_utf8_async(null, null);
        assert(subprocess.get_if_exited(), 'the child exited');
        assertEqual(subprocess.get_exit_status(), 0, 'exit status of the child');
        assertEqual(out, '# closed: pp-error-quark 1\n', 'what the child said');
        await assertRejects(w.get_parameter(), Pp.Error, Pp.Error.DISCONNECTED);
    } finally {
        if (subprocess.get_identifier() !== null)
            subprocess.force_exit();
    }
}

function member(list, name) {
    for (let i = 0; i < list.get_n_items(); i++) {
        if (list.get_item(i).get_name() === name)
            return list.get_item(i);
    }
    return null;
}

await run([
    ['the description of a class defined in JavaScript', () => withChild(async w => {
        assertEqual(w.get_remote_type_name(), 'PpJsTestThing');
        const methods = w.list_methods();
        assertEqual(member(methods, 'set_parameter').get_in_signature(), '(i)');
        assertEqual(member(methods, 'set_parameter').get_dispatch(), Pp.MethodDispatch.ADDED);
        assertEqual(member(methods, 'divide').get_out_signature(), '(ii)');
        assertEqual(member(methods, 'add-numbers').get_dispatch(), Pp.MethodDispatch.ACTION_SIGNAL);
        assertEqual(member(methods, 'add-numbers').get_out_signature(), '(i)');
        assertEqual(member(methods, 'slow').get_in_signature(), '(u)', 'an async export');
        assertEqual(member(methods, 'slow').get_dispatch(), Pp.MethodDispatch.ADDED);
        assertEqual(member(methods, 'reverse_fd').get_out_signature(), '(hu)');
        assertEqual(member(w.list_signals(), 'changed').get_signature(), '(i)');
        assertEqual(member(w.list_properties(), 'parameter').get_signature(), 'i');
    })],

    ['set and get a parameter', () => withChild(async w => {
        assertEqual(await w.get_parameter(), 0);
        assertEqual(await w.set_parameter(5), undefined);
        assertEqual(await w.get_parameter(), 5);
        assertEqual(w.sync.set_parameter(6), undefined);
        assertEqual(w.sync.get_parameter(), 6);
        assertEqual(await w.divide(7, 2), [3, 1]);
        // Containers: a{sv} and as in, a string and an a{sv} out
        const [text, info] = await w.describe({b: new GLib.Variant('b', true),
            a: new GLib.Variant('s', 'x')}, ['p', 'q']);
        assertEqual(text, 'a,b|p,q');
        assertEqual(info.count.unpack(), 2);
        // Action signals: the class handler answers, '_' stands for '-'
        assertEqual(await w.add_numbers(2, 3), 5);
        await w.reset();
        assertEqual(await w.get_parameter(), 0);
        // Answered later by an async implementation
        assertEqual(await w.slow(20), 20);
        assertEqual(await Pipeproxy.call(w, 'slow', [10], {signature: '(u)'}), 10);
        // The arguments of an async export are checked by the listener
        await assertRejects(Pipeproxy.call(w, 'slow', new GLib.Variant('(s)', ['x'])), Pp.Error,
            Pp.Error.INVALID_ARGUMENTS, 'expects (u), got (s)');
    })],

    ['a method that throws', () => withChild(async w => {
        await assertRejects(w.divide(1, 0), ERROR_DOMAIN, 7, 'Division of 1 by zero');
        assertThrows(() => w.sync.divide(2, 0), ERROR_DOMAIN, 7, 'Division of 2 by zero');
        await assertRejects(w.slow_fail('later'), ERROR_DOMAIN, 8, 'later');

        // A domain only the child knows
        const e = await assertRejects(w.fail_child_only(), Pp.Error, Pp.Error.REMOTE_ERROR);
        const [isRemote, domain, code] = Pp.error_get_remote(e);
        assert(isRemote);
        assertEqual([domain, code], ['pp-js-child-only-error-quark', 3]);

        // Bugs in the implementation fail the call, and only the call
        await assertRejects(w.buggy(), Pp.Error, Pp.Error.FAILED, 'TypeError');
        await assertRejects(w.wrong_result(), Pp.Error, Pp.Error.FAILED,
            'returned a value that is not (i)');
        await assertRejects(w.forgot_async(), Pp.Error, Pp.Error.FAILED, 'async: true');
        await assertRejects(Pipeproxy.call(w, 'nothing', null), Pp.Error,
            Pp.Error.UNKNOWN_METHOD);
        assertEqual(await w.get_parameter(), 0, 'still serving');
    })],

    ['an authorize handler in JavaScript', () => withChild(async w => {
        await assertRejects(w.divide(666, 1), ERROR_DOMAIN, 9, 'Not that number');
        await assertRejects(w.divide(13, 1), Pp.Error, Pp.Error.ACCESS_DENIED,
            'Calling “divide” of PpJsTestThing was refused');
        // Calls in flight with refused ones end as they would have
        const results = await Promise.allSettled([w.set_parameter(2), w.divide(13, 2),
            w.divide(9, 2), w.get_parameter()]);
        assertEqual(results.map(r => r.status), ['fulfilled', 'rejected', 'fulfilled',
            'fulfilled']);
        assertEqual(results[2].value, [4, 1]);
        assertEqual(results[3].value, 2);
    })],

    ['a signal', () => withChild(async w => {
        const seen = [];
        assertEqual(await w.has_handlers('changed'), false);
        const id = w.connect('changed', (proxy, value) => seen.push(value));
        assertEqual(await w.has_handlers('changed'), true, 'connect subscribes');
        await w.set_parameter(3);
        assertEqual(seen, [3], 'the signal arrives before the reply');
        await w.set_parameter(3);
        assertEqual(seen, [3, 3]);
        w.disconnect(id);
        assertEqual(await w.has_handlers('changed'), false, 'disconnect unsubscribes');
        await w.set_parameter(4);
        assertEqual(seen, [3, 3]);
    })],

    ['a property change and its notify', () => withChild(async (w, connect) => {
        let notified = 0;
        assertEqual(w.parameter, 0);
        assertEqual(w.label, 'initial');
        connect('notify::parameter', () => notified++);

        await w.set_parameter(42);
        assertEqual(notified, 1);
        assertEqual(w.parameter, 42);
        await w.set_parameter(42);
        assertEqual(notified, 1, 'no change, no notify');

        await Pipeproxy.setProperty(w, 'parameter', 7);
        assertEqual(w.parameter, 7);
        assertEqual(await w.get_parameter(), 7);
        assertEqual(notified, 2);

        await Pipeproxy.setProperty(w, 'label', 'new');
        assertEqual(w.label, 'new');
        assertEqual(Pipeproxy.getProperty(w, 'label'), 'new');
        w.label = 'plain';
        await waitFor(() => w.label === 'plain', 'the plain write to come back');

        // A property changed by the object itself
        const calls = w.calls;
        await w.get_parameter();
        assertEqual(w.calls, calls + 1);
        await assertRejects(Pipeproxy.setProperty(w, 'calls', 0), Pp.Error,
            Pp.Error.ACCESS_DENIED);
    })],

    ['a timeout', () => withChild(async w => {
        const start = GLib.get_monotonic_time();
        // 20 s, longer than the whole run may take: only the time-out can
        // end this call, and the error says it did
        await assertRejects(w.slow(20000, {timeout: 100}), Pp.Error, Pp.Error.TIMED_OUT);
        const elapsed = (GLib.get_monotonic_time() - start) / 1000;
        assert(elapsed >= 90, `timed out after ${elapsed} ms`);
        // The listener did not block on the call that still runs there: it
        // answers these long before that call ends
        assertEqual(await w.get_parameter(), 0);
        assertEqual(await w.slow(10), 10);
    })],

    ['a cancel reaches an async method', () => withChild(async (w, connect) => {
        const started = [];
        const seen = [];
        connect('started', (proxy, name) => started.push(name));
        connect('cancel-seen', (proxy, name) => seen.push(name));
        const cancellable = new Gio.Cancellable();
        // 20 s with no time-out: only the cancel ends it in time
        const call = w.wait(20000, {timeout: GLib.MAXINT32, cancellable});
        await waitFor(() => started.length === 1, 'the method to start');
        cancellable.cancel();
        await assertRejects(call, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);
        // The method saw its cancellable fire, and said so
        await waitFor(() => seen.length === 1, 'the method to see the cancel');
        assertEqual(seen[0], 'wait');
        // Not cancelled, it answers
        assertEqual(await w.wait(1), 1);
    })],

    ['an async method takes and gives descriptors', () => withChild(async w => {
        const [, here, there] = Pp.stream_new_pair();
        here.get_output_stream().write_all(new TextEncoder().encode('descriptors'), null);
        here.close(null);
        const fd = Pp.stream_steal_fd(there);
        const [out, length] = await w.reverse_fd(fd);
        GLib.close(fd);             // the caller keeps what it passes
        assertEqual(length, 11);
        const input = Gio.UnixInputStream.new(out, true);
        assertEqual(new TextDecoder().decode(input.read_bytes(64, null).toArray()),
            'srotpircsed');
        input.close(null);
    })],

    ['closing the proxy ends the child', finishChild],
]);
