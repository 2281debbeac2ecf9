// SPDX-License-Identifier: LGPL-2.1-or-later
//
// pp-bench-gjs: what starting a GJS worker costs. A worker written in
// JavaScript (this file, --role=worker: Pipeproxy.serveParent() of an
// object with one exported method) is started with
// Pp.Proxy.new_for_subprocess_sync(), called once, closed and waited for;
// next to it, the C worker tests/pp-test-worker the same way, and, as the
// baseline, a gjs that imports GLib and exits.
//
//   gjs -m bench/pp-bench-gjs.js [--quick] [--reps N] [--starts N] [--build-dir DIR]
//
// It runs against a build tree (by default _build next to this directory):
// the measuring process is started again with the typelibs and libraries of
// the build tree in its environment, and imports introspection/pipeproxy.js
// from the source tree. Every reply is checked. The systems take turns, one
// repetition each, so that load from elsewhere on a shared machine hits them
// alike. Besides the wall time of a start, it gives the CPU time and the
// minor page faults of the children (cutime, cstime and cminflt of
// /proc/self/stat), which load from elsewhere does not change.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';

const HERE = GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]);
const SOURCE_ROOT = GLib.path_get_dirname(HERE);
const SELF = GLib.build_filenamev([HERE, 'pp-bench-gjs.js']);

function option(name, fallback) {
    const args = System.programArgs;
    for (let i = 0; i < args.length; i++) {
        if (args[i] === name && i + 1 < args.length)
            return args[i + 1];
        if (args[i].startsWith(`${name}=`))
            return args[i].slice(name.length + 1);
    }
    return fallback;
}

function gjsPath() {
    return GLib.find_program_in_path('gjs') ?? '/usr/bin/gjs';
}

// -- the worker ---------------------------------------------------------------

async function runWorker() {
    const {default: GObject} = await import('gi://GObject');
    const Pipeproxy = await import('../introspection/pipeproxy.js');
    const Worker = GObject.registerClass({GTypeName: 'PpBenchGjsWorker'},
        class extends GObject.Object {});
    const listener = Pipeproxy.serveParent(new Worker(), {
        methods: {ping: {in: '(i)', out: '(i)', impl: value => value}},
    });
    await Pipeproxy.closed(listener);
}

// -- the measuring process ----------------------------------------------------

// cutime + cstime in µs and cminflt of this process: what its waited-for
// children used
function childUsage() {
    const [, bytes] = GLib.file_get_contents('/proc/self/stat');
    const text = new TextDecoder().decode(bytes);
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): cminflt is 11, cutime 16, cstime 17,
    // in clock ticks of USER_HZ, 100 on Linux
    return {
        cpuUs: (Number(fields[13]) + Number(fields[14])) * 1e6 / 100,
        faults: Number(fields[8]),
    };
}

async function runClient() {
    const {default: Pp} = await import('gi://Pp?version=1.0');
    await import('../introspection/pipeproxy.js');
    const quick = System.programArgs.includes('--quick');
    const reps = Number(option('--reps', quick ? '2' : '5'));
    const starts = Number(option('--starts', quick ? '2' : '10'));
    const worker = GLib.getenv('PP_BENCH_WORKER');
    const gjs = gjsPath();

    // Starts a worker, checks its first reply, closes it and waits for it
    const startWorker = (argv, method, k) => {
        const proxy = Pp.Proxy.new_for_subprocess_sync(null, argv, null, null);
        const [got] = proxy.call_sync(method, new GLib.Variant('(i)', [k]), -1, null)
            .deepUnpack();
        if (got !== k)
            throw new Error(`${method}(${k}) gave ${got}`);
        const process = proxy.get_subprocess();
        proxy.close();
        process.wait_check(null);
    };
    const systems = [
        {name: 'GJS worker', start: k => startWorker([gjs, '-m', SELF, '--role=worker'], 'ping', k)},
        {name: 'C worker', start: k => startWorker([worker], 'echo_int32', k)},
        {name: 'gjs + GLib, exits', start() {
            Gio.Subprocess.new([gjs, '-c', 'imports.gi.GLib'], Gio.SubprocessFlags.NONE)
                .wait_check(null);
        }},
    ];

    for (const system of systems) {
        system.start(1);   // warm-up: files in the page cache
        system.wall = [];
        system.cpu = [];
        system.faults = [];
    }
    let k = 2;
    for (let r = 0; r < reps; r++) {
        for (let i = 0; i < systems.length; i++) {
            const system = systems[(i + r) % systems.length];
            const before = childUsage();
            const t = GLib.get_monotonic_time();
            for (let n = 0; n < starts; n++)
                system.start(k++);
            const wall = (GLib.get_monotonic_time() - t) / starts;
            const after = childUsage();
            system.wall.push(wall / 1000);
            system.cpu.push((after.cpuUs - before.cpuUs) / starts / 1000);
            system.faults.push((after.faults - before.faults) / starts);
        }
    }

    const median = values => {
        const sorted = [...values].sort((a, b) => a - b);
        const m = sorted.length >> 1;
        return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    };
    const base = median(systems[systems.length - 1].wall);
    print(`pipeproxy ${Pp.VERSION_S} benchmark, GJS worker start, ${quick ? 'quick' : 'full'} ` +
        `mode: median of ${reps} repetitions of ${starts} starts after a warm-up [min – max]`);
    print(`date     ${GLib.DateTime.new_now_local().format('%F %T %z')}`);
    print(`machine  ${GLib.get_num_processors()} CPUs, gjs ${System.version}, load average ` +
        `${new TextDecoder().decode(GLib.file_get_contents('/proc/loadavg')[1]).split(' ')
            .slice(0, 3).join(' ')}`);
    print('');
    print('system              ms/start [min – max]        children CPU ms  faults/start  ×baseline');
    for (const s of systems) {
        const min = Math.min(...s.wall).toFixed(1);
        const max = Math.max(...s.wall).toFixed(1);
        print(`${s.name.padEnd(19)} ${median(s.wall).toFixed(1).padStart(8)} ` +
            `${`[${min} – ${max}]`.padEnd(19)} ${median(s.cpu).toFixed(1).padStart(15)} ` +
            `${median(s.faults).toFixed(0).padStart(13)} ${(median(s.wall) / base).toFixed(2).padStart(10)}`);
    }
    print('');
    print('GJS worker: Pp.Proxy.new_for_subprocess_sync() of gjs -m on a module that serves an ' +
        'object with\nPipeproxy.serveParent(), its first call, close and exit; C worker: the ' +
        'same with tests/pp-test-worker;\nbaseline: gjs -c \'imports.gi.GLib\'. children CPU ' +
        'and faults: cutime + cstime and cminflt of this process\n(/proc/self/stat), per start.');
}

// -- main: the measuring process, with the build tree's environment -------------

function runMain() {
    const buildDir = option('--build-dir', GLib.build_filenamev([SOURCE_ROOT, '_build']));
    const typelib = GLib.build_filenamev([buildDir, 'introspection', 'Pp-1.0.typelib']);
    const worker = GLib.build_filenamev([buildDir, 'tests', 'pp-test-worker']);
    for (const path of [typelib, worker]) {
        if (!GLib.file_test(path, GLib.FileTest.EXISTS)) {
            printerr(`pp-bench-gjs: no ${path} (build with -Dintrospection and -Dtests)`);
            return 1;
        }
    }
    const launcher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.NONE});
    const prepend = (name, ...dirs) => launcher.setenv(name,
        [...dirs, GLib.getenv(name)].filter(Boolean).join(':'), true);
    prepend('GI_TYPELIB_PATH', GLib.build_filenamev([buildDir, 'introspection']),
        GLib.build_filenamev([buildDir, 'tests', 'testlib']));
    prepend('LD_LIBRARY_PATH', GLib.build_filenamev([buildDir, 'pipeproxy']),
        GLib.build_filenamev([buildDir, 'tests', 'testlib']));
    launcher.setenv('PP_BENCH_WORKER', worker, true);
    const args = System.programArgs.filter(a => !a.startsWith('--role'));
    const process = launcher.spawnv([gjsPath(), '-m', SELF, '--role=client', ...args]);
    process.wait(null);
    return process.get_if_exited() ? process.get_exit_status() : 1;
}

const role = option('--role', 'main');
if (role === 'worker')
    await runWorker();
else if (role === 'client')
    await runClient();
else
    System.exit(runMain());
