// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A Pp.Pool of C workers (tests/pp-pool-worker, which answer with their
// process id) from GJS, through the pipeproxy.js helper: calls by name
// spread over the workers, signals with the worker they came from, a killed
// worker replaced, and closing. Then pools of two gjs workers
// (js-listener-child.js) and of two GListStores hosted by pipeproxy-host,
// to which calls pass descriptors and objects both ways, as to a proxy.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
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

const GJS_WORKER = GLib.build_filenamev([GLib.path_get_dirname(GLib.filename_from_uri(
    import.meta.url)[0]), 'js-listener-child.js']);

// A pool of two workers, both running, wrapped
async function startTwo(pool) {
    pool.set_max_workers(2);
    const pooled = await Pipeproxy.startPool(pool);
    const workers = pool.get_workers();
    assertEqual(workers.get_n_items(), 2, 'two workers');
    return [pooled, [0, 1].map(i => Pipeproxy.wrap(workers.get_item(i)))];
}

// A socket holding `text`: the descriptor to read it from
function fdWith(text) {
    const [, here, there] = Pp.stream_new_pair();
    here.get_output_stream().write_all(new TextEncoder().encode(text), null);
    here.close(null);
    return Pp.stream_steal_fd(there);
}

function readAll(fd) {
    const input = Gio.UnixInputStream.new(fd, true);
    const bytes = input.read_bytes(65536, null).toArray();
    input.close(null);
    return new TextDecoder().decode(bytes);
}

const Item = GObject.registerClass({GTypeName: 'PpJsPoolItem'}, class extends GObject.Object {});

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
    ['descriptors cross a pool of two workers both ways', async () => {
        const pool = Pp.Pool.new_for_subprocess([GLib.getenv('PP_TEST_GJS'), '-m', GJS_WORKER],
            null);
        const [pooled] = await startTwo(pool);
        // Two calls at once, one on each worker; the caller keeps what it passes
        const fds = ['first', 'the second', 'blocking', 'by name'].map(fdWith);
        const answers = await Promise.all([pooled.reverse_fd(fds[0]), pooled.reverse_fd(fds[1])]);
        answers.push(pooled.sync.reverse_fd(fds[2]));
        answers.push(await Pipeproxy.call(pool, 'reverse_fd', [fds[3]]));
        fds.forEach(fd => GLib.close(fd));
        assertEqual(answers.map(([fd, length]) => [readAll(fd), length]),
            [['tsrif', 5], ['dnoces eht', 10], ['gnikcolb', 8], ['eman yb', 7]]);
        pool.close();
    }],

    ['objects cross a pool of two workers both ways', async () => {
        const pool = Pp.Pool.new_for_type('Gio', '2.0', 'ListStore', ['item-type=GObject'], null);
        const [pooled, workers] = await startTwo(pool);
        const first = Gio.SimpleAction.new('first', null);
        for (const worker of workers)
            worker.sync.append(first);
        // Objects of this process, exported on the connection of the
        // worker each call goes to: two calls at once, one on each worker
        const items = [Gio.SimpleAction.new('a', null), new Item()];
        await Promise.all(items.map(item => pooled.append(item)));
        assertEqual(workers.map(worker => worker.sync.get_n_items()), [2, 2]);
        const held = workers.map(worker => worker.sync.get_item(1));
        assert(held.includes(items[0]) && held.includes(items[1]), 'each came back as itself');
        // Object results through the pool, awaited, blocking and by name
        assert(await pooled.get_item(0) === first, 'awaited');
        assert(pooled.sync.get_item(0) === first, 'blocking');
        assert(await Pipeproxy.call(pool, 'get_item', [0]) === first, 'by name');
        assertEqual(await pooled.get_item(5), null);
        // A method a worker refuses says why, through the pool too
        let refused = null;
        try {
            pooled.sort;
        } catch (e) {
            refused = e;
        }
        assert(refused instanceof TypeError && refused.message.includes('compare_func'),
            `refused: ${refused}`);
        pool.close();
    }],
], 60);
