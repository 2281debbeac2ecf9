// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A Pp.Pool of C workers (tests/pp-pool-worker, which answer with their
// process id) from GJS, through the pipeproxy.js helper: calls by name
// spread over the workers, signals with the worker they came from, a killed
// worker replaced, and closing.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Pp from 'gi://Pp?version=1.0';

import * as Pipeproxy from '../../introspection/pipeproxy.js';
import {assert, assertEqual, assertRejects, run, waitFor} from './harness.js';

const WORKER = GLib.getenv('PP_POOL_WORKER');
if (!WORKER)
    throw new Error('PP_POOL_WORKER must name the pp-pool-worker executable');

function workerPid(worker) {
    return Number(worker.get_subprocess().get_identifier());
}

function workerPids(pool) {
    const workers = pool.get_workers();
    const pids = [];
    for (let i = 0; i < workers.get_n_items(); i++)
        pids.push(workerPid(workers.get_item(i)));
    return pids;
}

function gone(pid) {
    // Exited and reaped
    return !GLib.file_test(`/proc/${pid}`, GLib.FileTest.EXISTS);
}

await run([
    ['calls by name spread over the workers', async () => {
        const pool = new Pp.Pool({argv: [WORKER], max_workers: 2});
        const pooled = await Pipeproxy.startPool(pool);
        const pids = workerPids(pool);
        assertEqual(pids.length, 2);

        const answers = await Promise.all([1, 2, 3, 4].map(() => pooled.sleep(150)));
        assertEqual(new Set(answers).size, 2, 'both workers answered');
        for (const pid of answers)
            assert(pids.includes(pid), `${pid} is a worker`);
        assert(pids.includes(pooled.sync.pid()), 'the blocking form');
        assert(pids.includes(await Pipeproxy.call(pool, 'pid')), 'call() on the pool');
        await assertRejects(pooled.sleep('ten'), Pp.Error, Pp.Error.INVALID_ARGUMENTS);
        pool.close();
        await waitFor(() => pids.every(gone), 'the workers to end');
    }],

    ['signals come with their worker', async () => {
        const pool = Pp.Pool.new_for_subprocess([WORKER], null);
        pool.set_max_workers(2);
        const pooled = await Pipeproxy.startPool(pool);
        const seen = [];
        pooled.connect('worker-signal::progress', (self, worker, name, args) => {
            const [pid, step] = args.deepUnpack();
            assertEqual(name, 'progress');
            assertEqual(pid, workerPid(worker));
            seen.push([pid, step]);
        });
        const pids = await Promise.all([pooled.emit(3), pooled.emit(3)]);
        assert(pids[0] !== pids[1], 'one call on each worker');
        for (const pid of pids) {
            assertEqual(seen.filter(([p]) => p === pid).map(([, step]) => step), [0, 1, 2],
                `the signals of ${pid}, before its result`);
        }
        pool.close();
    }],

    ['a killed worker fails its call and is replaced', async () => {
        const pool = new Pp.Pool({argv: [WORKER], max_workers: 1});
        const pooled = await Pipeproxy.startPool(pool);
        const ended = [];
        pool.connect('worker-ended', (self, worker, error) => ended.push(error));
        const [first] = workerPids(pool);
        const pending = pooled.sleep(60000, {timeout: GLib.MAXINT32});
        pool.get_workers().get_item(0).get_subprocess().force_exit();
        const error = await assertRejects(pending, Pp.Error, Pp.Error.DISCONNECTED, 'signal 9');
        await waitFor(() => ended.length === 1, 'worker-ended');
        assertEqual(ended[0].message, error.message);
        const second = await pooled.pid();
        assert(second !== first, 'a new worker');
        pool.close();
        await assertRejects(pooled.pid(), Pp.Error, Pp.Error.DISCONNECTED);
    }],

    ['a worker that ignores a cancel is stopped and replaced', async () => {
        const options = new Pp.Options({cancel_timeout: 20});
        assertEqual(options.cancel_timeout, 20);
        const pool = Pp.Pool.new_for_subprocess([WORKER], options);
        pool.set_max_workers(1);
        const pooled = await Pipeproxy.startPool(pool);
        const worker = pool.get_workers().get_item(0);
        assertEqual(worker.cancel_timeout, 20, 'the worker has the options\' time-out');
        const ended = [];
        pool.connect('worker-ended', (self, w, error) => ended.push(error));
        const [first] = workerPids(pool);
        const cancellable = new Gio.Cancellable();
        const pending = pooled.sleep(60000, {timeout: GLib.MAXINT32, cancellable});
        cancellable.cancel();
        await assertRejects(pending, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);
        await waitFor(() => ended.length === 1, 'worker-ended');
        assert(ended[0].matches(Pp.Error, Pp.Error.DISCONNECTED), 'disconnected');
        assertEqual(ended[0].message,
            'The worker process was stopped because it did not answer a cancel within 20 ms');
        await waitFor(() => gone(first), 'the worker to end');
        assert(await pooled.pid() !== first, 'a new worker');
        pool.close();
    }],
], 60);
