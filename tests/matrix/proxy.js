// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The JavaScript proxy of the cross-language matrix:
//
//   gjs -m proxy.js LISTENER-COMMAND...
//
// starts the listener command with Pp.Proxy.new_for_subprocess_sync(),
// wraps the proxy with the helper module, runs the scenario against the
// object it serves (see README.md here) and prints TAP, one line per step,
// with the harness of the GJS suites; exits 1 if a step failed.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Pp from 'gi://Pp?version=1.0';
import System from 'system';

import * as Pipeproxy from '../../introspection/pipeproxy.js';
import {AssertionError, assert, assertEqual, assertRejects, run, sleep} from '../js/harness.js';

const WAIT_MSEC = 3000;

const argv = System.programArgs;
if (argv.length < 1) {
    printerr('usage: gjs -m proxy.js LISTENER-COMMAND...');
    System.exit(2);
}

let w;
try {
    w = Pipeproxy.wrap(Pp.Proxy.new_for_subprocess_sync(null, argv, null, null));
} catch (e) {
    print(`1..7\nBail out! no proxy for ${argv[0]}: ${e.message}`);
    System.exit(1);
}

/** Runs the main context until predicate() holds or msec have passed. */
async function waitUntil(predicate, msec = WAIT_MSEC) {
    const until = GLib.get_monotonic_time() + msec * 1000;
    while (!predicate() && GLib.get_monotonic_time() < until)
        await sleep(5);
    return predicate();
}

await run([
    ["the proxy stands for the listener's object", () => {
        const typeName = w.get_remote_type_name();
        print(`# the listener serves a ${typeName}`);
        assert(typeName.startsWith('Matrix'), `unexpected remote type ${typeName}`);
    }],

    ['set_parameter(5), then get_parameter() == 5 and the property reads 5', async () => {
        assertEqual(await w.set_parameter(5), undefined, 'set_parameter(5)');
        assertEqual(await w.get_parameter(), 5, 'get_parameter()');
        // The PROPERTY frame came before the replies; the cache is updated
        // when the main context runs, as it does while this awaits
        assertEqual(w.parameter, 5, "the proxy's parameter property");
    }],

    ['fail() rejects with g-io-error-quark NOT_FOUND “nothing here”', async () => {
        const e = await assertRejects(w.fail(), Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND);
        assertEqual(e.message, 'nothing here', 'the message');
    }],

    ['async set_parameter(7): “changed” (7), “notify::parameter”, the property reads 7',
        async () => {
            const changed = [];
            const notifiedWith = [];
            let returned = false, failure = null;
            const ids = [
                w.connect('changed', (proxy, value) => changed.push(value)),
                w.connect('notify::parameter', proxy => notifiedWith.push(proxy.parameter)),
            ];
            try {
                w.set_parameter(7).then(() => {
                    returned = true;
                }, e => {
                    failure = e;
                });
                await waitUntil(() => failure ||
                    (returned && changed.length > 0 && notifiedWith.length > 0));
                if (failure)
                    throw failure;
                const local = w.parameter;
                if (!returned || changed.length !== 1 || changed[0] !== 7 ||
                    notifiedWith.length !== 1 || notifiedWith[0] !== 7 || local !== 7) {
                    throw new AssertionError(`after ${WAIT_MSEC} ms: returned ${returned}, ` +
                        `“changed” with ${JSON.stringify(changed)}, “notify::parameter” with ` +
                        `the property at ${JSON.stringify(notifiedWith)}, ` +
                        `the property reads ${local}`);
                }
            } finally {
                ids.forEach(id => w.disconnect(id));
            }
        }],

    ['slow(2000) with a 100 ms time-out rejects with Pp.Error.TIMED_OUT', async () => {
        const start = GLib.get_monotonic_time();
        // slow may be undescribed (the C and JS listeners answer it later,
        // from a handle-method-call handler): give its signature
        await assertRejects(Pipeproxy.call(w, 'slow', [2000], {signature: '(u)', timeout: 100}),
            Pp.Error, Pp.Error.TIMED_OUT);
        const elapsed = (GLib.get_monotonic_time() - start) / 1000;
        assert(elapsed >= 90 && elapsed <= 1500,
            `timed out after ${elapsed.toFixed(0)} ms, not about 100`);
    }],

    ['after the time-out, get_parameter() == 7', async () => {
        assertEqual(await w.get_parameter(), 7, 'get_parameter()');
    }],

    ['closing the proxy ends the listener with status 0', async () => {
        const subprocess = w.get_subprocess();
        assert(subprocess !== null, 'the proxy has a subprocess');
        Pipeproxy.unwrap(w).close();
        let exited = false;
        subprocess.wait_async(null).then(() => {
            exited = true;
        });
        if (!await waitUntil(() => exited)) {
            subprocess.force_exit();
            throw new AssertionError(
                `the listener still runs ${WAIT_MSEC} ms after the proxy was closed`);
        }
        if (!subprocess.get_if_exited())
            throw new AssertionError(
                `the listener was killed by signal ${subprocess.get_term_sig()}`);
        assertEqual(subprocess.get_exit_status(), 0, 'the exit status of the listener');
    }],
], 8);
