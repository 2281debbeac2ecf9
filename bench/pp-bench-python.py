#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# pp-bench-python: the Python row of the benchmark. A Python proxy calling a
# C object through the Pp override, next to Python's own
# multiprocessing.managers.BaseManager proxy making the same calls.
#
#   /usr/bin/python3 bench/pp-bench-python.py [--quick] [--json FILE] [--reps N]
#                                             [--only sync,async,echo,echo16,spawn]
#                                             [--build-dir DIR]
#
# It runs against a build tree (by default _build next to this directory):
# the typelibs and libraries from it, and the override introspection/Pp.py
# from the source tree. Three systems do the same work:
#
#  - pipeproxy: a PpTestObject (tests/testlib) served by tests/pp-test-server,
#    a C program, called through the override: proxy.echo_int32(v);
#  - Pp.Proxy.call_sync: the same proxy and server, with the GLib.Variant
#    arguments built by hand and the plain GI call_sync(), i.e. what the
#    override's conversions cost on top of the library;
#  - BaseManager: a Python object with the same methods in the server
#    process of a multiprocessing.managers.BaseManager (pickle over a unix
#    socket, one server thread per connection), called through its proxy.
#
# Rows: sync calls, calls in flight, echoes of 1 MiB and 16 MiB, and the
# start of a Python worker (Pp.Proxy.new_for_subprocess_sync() to its first
# reply, then its exit) against a python3 that imports gi and exits.
#
# As in pp-bench, every measurement runs in two processes of its own: a
# client (--role=client) which starts its server; the process started by the
# user only hands out the work and prints the figures, and never loads gi.
# Every result is checked (echoed integers, every byte of every payload), so
# a fast wrong answer fails the run. Calls are written as a program writes
# them, proxy.method(...) every time: looking the method up is part of the
# cost, for the override as for BaseManager's proxy. The contenders of a row take turns, one
# repetition each, so that load from elsewhere on a shared machine hits them
# alike.
#
# The target (issue #4) is printed as PASS or MISS, never asserted: --quick
# runs as the test bench-python-smoke for correctness only. The exit status
# is 77 (skipped) when python3-gi is missing.

import argparse
import datetime
import importlib.util
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)

SYSTEMS = {
    'pp': 'pipeproxy',
    'pp-gi': 'Pp.Proxy.call_sync',
    'pp-gbytes': 'pipeproxy GLib.Bytes',
    'mp': 'BaseManager',
    'pp-spawn': 'Python worker',
    'c-spawn': 'C worker',
    'bare': 'python3 + gi, exits',
}

MIB = 1024 * 1024
ASYNC_DEPTH = 16

# group: (row label, systems, calls per repetition in full and quick mode,
#         payload bytes)
ROWS = {
    'sync': ('sync call i→i', ('pp', 'pp-gi', 'mp'), 10000, 300, 0),
    'async': ('%d in flight' % ASYNC_DEPTH, ('pp', 'mp'), 20000, 640, 0),
    'echo': ('echo ay 1 MiB', ('pp', 'pp-gbytes', 'pp-gi', 'mp'), 200, 10, MIB),
    'echo16': ('echo ay 16 MiB', ('pp', 'pp-gbytes', 'mp'), 12, 2, 16 * MIB),
    'spawn': ('worker start', ('pp-spawn', 'c-spawn', 'bare'), 10, 2, 0),
}

# The system each row is compared with (×baseline), BaseManager unless said
BASELINES = {'spawn': 'bare'}

TARGET = '≤ 1× BaseManager'


class BenchFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise BenchFailure(message)


def int32(n):
    """n wrapped into the int32 range, so that long runs keep sending
    values the C method accepts (and negative ones too)."""
    return (n + 2 ** 31) % 2 ** 32 - 2 ** 31


def payloads(size):
    """Two payloads of size bytes, one the other shifted by a byte; calls
    alternate between them, so an answer left over from the previous call
    cannot pass the check."""
    pattern = bytes(range(251)) * (size // 251 + 1)
    first = pattern[:size]
    second = pattern[1:size + 1]
    return first, second


# -- client: pipeproxy --------------------------------------------------------

def differs(what, sent, got):
    if isinstance(sent, bytes):
        return BenchFailure('%s of %d bytes gave %s' % (
            what, len(sent), '%d bytes that differ' % len(got) if isinstance(got, bytes)
            else repr(type(got))))
    return BenchFailure('%s(%r) gave %r' % (what, sent, got))


class PipeproxyClient:
    """The Python proxy of a PpTestObject served by tests/pp-test-server in a
    child process, through the override from the source tree."""

    def __init__(self):
        import gi
        import gi.overrides

        # PyGObject looks for gi.overrides.Pp along this path; the source
        # tree's override comes first (as in tests/python/pptest.py).
        overrides = os.environ['PP_BENCH_OVERRIDES_DIR']
        gi.overrides.__path__.insert(0, overrides)
        gi.require_version('Pp', '1.0')
        from gi.repository import GLib, Gio, Pp
        import gi.overrides.Pp as override
        check(os.path.samefile(override.__file__, os.path.join(overrides, 'Pp.py')),
              'the override in use is %s' % override.__file__)

        self.GLib = GLib
        self.Pp = Pp
        self.ay = GLib.VariantType.new('ay')
        _, here, there = Pp.stream_new_pair()
        fd = Pp.stream_steal_fd(there)
        launcher = Gio.SubprocessLauncher.new(Gio.SubprocessFlags.STDOUT_SILENCE)
        launcher.take_fd(fd, 3)
        self.process = launcher.spawnv([os.environ['PP_BENCH_SERVER']])
        # Our copy of the child's end, so that its exit ends the connection.
        launcher.close()
        self.proxy = Pp.Proxy.new_sync(here, None, None)
        check(self.proxy.get_remote_type_name() == 'PpTestObject',
              'the server serves a %s' % self.proxy.get_remote_type_name())

    def versions(self):
        import gi
        GLib = self.GLib
        # The typelib's constants are those of the headers it was made
        # from; the library in use may be a later micro version.
        micro = GLib.MICRO_VERSION
        while GLib.check_version(GLib.MAJOR_VERSION, GLib.MINOR_VERSION, micro + 1) is None:
            micro += 1
        return {'pygobject': gi.__version__,
                'glib': '%d.%d.%d' % (GLib.MAJOR_VERSION, GLib.MINOR_VERSION, micro),
                'pipeproxy': self.Pp.VERSION_S}

    def sync(self, n, counter):
        proxy = self.proxy
        for k in range(counter, counter + n):
            v = int32(k)
            got = proxy.echo_int32(v)
            if got != v:
                raise differs('echo_int32', v, got)

    def sync_gi(self, n, counter):
        new_tuple = self.GLib.Variant.new_tuple
        new_int32 = self.GLib.Variant.new_int32
        call_sync = self.proxy.call_sync
        for k in range(counter, counter + n):
            v = int32(k)
            got = call_sync('echo_int32', new_tuple(new_int32(v)), -1, None) \
                .get_child_value(0).get_int32()
            if got != v:
                raise differs('echo_int32', v, got)

    def async_(self, n, counter, depth):
        """n calls, depth of them in flight at any time: each answer sends
        the next call, from a GLib.MainLoop."""
        loop = self.GLib.MainLoop()
        state = {'sent': 0, 'done': 0, 'error': None}

        def send():
            v = int32(counter + state['sent'])
            state['sent'] += 1
            self.proxy.echo_int32_async(v, callback=answered, user_data=v)

        def answered(proxy, result, v):
            # An exception here would only be printed by PyGObject: keep it
            # and stop the loop.
            try:
                got = proxy.echo_int32_finish(result)
                if got != v:
                    raise differs('echo_int32', v, got)
            except Exception as error:
                state['error'] = error
                loop.quit()
                return
            state['done'] += 1
            if state['sent'] < n:
                send()
            elif state['done'] == n:
                loop.quit()

        for _ in range(min(depth, n)):
            send()
        loop.run()
        if state['error'] is not None:
            raise BenchFailure(str(state['error']))
        check(state['done'] == n, '%d answers of %d' % (state['done'], n))

    def echo(self, n, counter, data):
        proxy = self.proxy
        for k in range(n):
            sent = data[(counter + k) % 2]
            got = proxy.echo_bytes(sent)
            if got != sent:
                raise differs('echo_bytes', sent, got)

    def echo_gbytes(self, n, counter, data):
        """The override's call with a GLib.Bytes argument, as a program
        holding one (from Gio, GdkPixbuf) passes it: made once, outside
        the time measured, and taken without a copy."""
        if not hasattr(self, 'gbytes'):
            self.gbytes = [self.GLib.Bytes.new(d) for d in data]
        proxy = self.proxy
        for k in range(n):
            sent = data[(counter + k) % 2]
            got = proxy.echo_bytes(self.gbytes[(counter + k) % 2])
            if got != sent:
                raise differs('echo_bytes', sent, got)

    def echo_gi(self, n, counter, data):
        GLib = self.GLib
        call_sync = self.proxy.call_sync
        for k in range(n):
            sent = data[(counter + k) % 2]
            # One expression: a megabyte argument kept alive until the next
            # call changes how malloc serves the next one (fresh pages, a
            # page fault each), which would be measured instead of the call.
            got = call_sync('echo_bytes', GLib.Variant.new_tuple(
                GLib.Variant.new_from_bytes(self.ay, GLib.Bytes.new(sent), True)), -1, None) \
                .get_child_value(0).get_data_as_bytes().get_data()
            if got != sent:
                raise differs('echo_bytes', sent, got)

    def close(self):
        self.proxy.close()
        self.process.wait_check(None)

    def abandon(self):
        # The server exits when the connection ends, i.e. with this process.
        pass


# -- client: BaseManager ------------------------------------------------------

class EchoObject:
    """The BaseManager side: the same methods as PpTestObject's."""

    def echo_int32(self, value):
        return value

    def echo_bytes(self, value):
        return value


def _detach_from_main(client_pid):
    """In the manager's server process: let go of the pipes to the main
    process, which waits for them to close when a client fails, and end
    with the client, as pp-test-server does when its connection ends."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    os.close(devnull)
    try:
        import ctypes
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
    if os.getppid() != client_pid:
        os._exit(1)


class _ThreadCrew:
    """depth threads sharing one proxy; BaseProxy makes a connection for
    each thread, which the threads keep from one repetition to the next so
    that connecting is not measured. BaseManager has no asynchronous calls:
    threads are how a Python program has several calls in flight with it."""

    def __init__(self, proxy, depth):
        self.proxy = proxy
        self.depth = depth
        self.start = threading.Barrier(depth + 1)
        self.end = threading.Barrier(depth + 1)
        self.work = None
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(depth)]
        for thread in self.threads:
            thread.start()

    def _run(self, index):
        proxy = self.proxy
        while True:
            self.start.wait()
            if self.work is None:
                return
            n, counter = self.work
            share = n // self.depth
            try:
                base = counter + index * share
                for k in range(base, base + share):
                    v = int32(k)
                    got = proxy.echo_int32(v)
                    if got != v:
                        raise differs('echo_int32', v, got)
            except Exception as error:   # reported by the main thread
                self.errors.append(error)
            self.end.wait()

    def run(self, n, counter):
        check(n % self.depth == 0, '%d calls do not share among %d threads' % (n, self.depth))
        self.work = (n, counter)
        self.start.wait()
        self.end.wait()
        if self.errors:
            raise BenchFailure(str(self.errors[0]))

    def stop(self):
        self.work = None
        self.start.wait()
        for thread in self.threads:
            thread.join()


class BaseManagerClient:
    def __init__(self):
        import multiprocessing
        from multiprocessing.managers import BaseManager

        class EchoManager(BaseManager):
            pass

        EchoManager.register('EchoObject', EchoObject)
        # fork: the client has no thread yet, and its server starts as fast
        # as pp-test-server does; the calls do not depend on it.
        self.manager = EchoManager(ctx=multiprocessing.get_context('fork'))
        self.manager.start(_detach_from_main, (os.getpid(),))
        self.proxy = self.manager.EchoObject()
        self.crew = None

    def versions(self):
        return {}

    def sync(self, n, counter):
        proxy = self.proxy
        for k in range(counter, counter + n):
            v = int32(k)
            got = proxy.echo_int32(v)
            if got != v:
                raise differs('echo_int32', v, got)

    def async_(self, n, counter, depth):
        if self.crew is None:
            self.crew = _ThreadCrew(self.proxy, depth)
        self.crew.run(n, counter)

    def echo(self, n, counter, data):
        proxy = self.proxy
        for k in range(n):
            sent = data[(counter + k) % 2]
            got = proxy.echo_bytes(sent)
            if got != sent:
                raise differs('echo_bytes', sent, got)

    def close(self):
        if self.crew is not None:
            self.crew.stop()
        self.proxy = None
        self.manager.shutdown()
        check(self.manager._process.exitcode == 0,
              'the manager exited with %s' % self.manager._process.exitcode)

    def abandon(self):
        # Its server process would outlive this one.
        self.manager.shutdown()


# -- client: starting workers ------------------------------------------------

def import_pp():
    """gi and Pp, with the override from the source tree."""
    import gi
    import gi.overrides

    gi.overrides.__path__.insert(0, os.environ['PP_BENCH_OVERRIDES_DIR'])
    gi.require_version('Pp', '1.0')
    from gi.repository import GLib, GObject, Pp
    return gi, GLib, GObject, Pp


class SpawnClient:
    """Starts a Python worker (this file, --role=worker, serving with
    Pp.serve_parent()) with Pp.Proxy.new_for_subprocess_sync(), makes its
    first call, closes it and waits for its exit; or, as the baseline, a
    python3 that imports gi and GLib and exits. The figures of the
    children (CPU time, minor page faults) come from RUSAGE_CHILDREN."""

    BARE = 'import gi; from gi.repository import GLib'

    def __init__(self, system):
        self.gi, self.GLib, _, self.Pp = import_pp()
        from gi.repository import Gio
        self.Gio = Gio
        self.system = system
        self.script = os.path.abspath(__file__)

    def versions(self):
        return {'pygobject': self.gi.__version__}

    def spawn(self, n, counter):
        for k in range(n):
            if self.system == 'bare':
                process = self.Gio.Subprocess.new([sys.executable, '-c', self.BARE],
                                                  self.Gio.SubprocessFlags.NONE)
            else:
                if self.system == 'c-spawn':
                    argv = [os.environ['PP_BENCH_WORKER']]
                else:
                    argv = [sys.executable, self.script, '--role=worker']
                proxy = self.Pp.Proxy.new_for_subprocess_sync(None, argv, None, None)
                ping = proxy.echo_int32 if self.system == 'c-spawn' else proxy.ping
                got = ping(int32(counter + k))
                if got != int32(counter + k):
                    raise differs('ping', int32(counter + k), got)
                process = proxy.get_subprocess()
                proxy.close()
            process.wait_check(None)

    def close(self):
        pass

    def abandon(self):
        pass


def run_worker():
    """The Python worker of the spawn row."""
    gi, GLib, GObject, Pp = import_pp()

    class Worker(GObject.Object):
        __gtype_name__ = 'PpBenchPythonWorker'

        @Pp.method(in_signature='i', out_signature='i')
        def ping(self, value):
            return value

    Pp.serve_parent(Worker())
    return 0


# -- client role ----------------------------------------------------------------

def run_client(args):
    """One system of one row, in a process of its own with a server of its
    own. Commands on stdin, one answer line each on stdout:
       info    ->  a JSON object of versions
       warmup  ->  "ok"
       rep     ->  "WALL_NS CPU_NS MINOR_FAULTS" (this process's CPU time,
                   user and system, and page faults)
       close   ->  "ok", then the process exits."""
    if args.row == 'spawn':
        client = SpawnClient(args.system)
    else:
        client = BaseManagerClient() if args.system == 'mp' else PipeproxyClient()
    try:
        return serve_main(args, client)
    except BaseException:
        try:
            client.abandon()
        finally:
            raise


def serve_main(args, client):
    _, _, _, _, size = ROWS[args.row]
    data = payloads(size) if size else None

    # For the spawn row, the CPU time and page faults are the children's
    usage = resource.RUSAGE_CHILDREN if args.row == 'spawn' else resource.RUSAGE_SELF

    def cpu_ns():
        if args.row != 'spawn':
            return time.process_time_ns()
        r = resource.getrusage(usage)
        return int((r.ru_utime + r.ru_stime) * 1e9)

    if args.row == 'spawn':
        work = client.spawn
    elif args.row == 'sync':
        work = client.sync_gi if args.system == 'pp-gi' else client.sync
    elif args.row == 'async':
        def work(n, counter):
            client.async_(n, counter, ASYNC_DEPTH)
    else:
        func = getattr(client, {'pp-gi': 'echo_gi',
                                'pp-gbytes': 'echo_gbytes'}.get(args.system, 'echo'))

        def work(n, counter):
            func(n, counter, data)

    counter = -args.calls * 3   # the values cross zero during the run
    for line in sys.stdin:
        command = line.strip()
        if command == 'info':
            info = {'python': platform.python_version()}
            info.update(client.versions())
            answer = json.dumps(info)
        elif command == 'warmup':
            work(args.calls, counter)
            counter += args.calls
            answer = 'ok'
        elif command == 'rep':
            faults = resource.getrusage(usage).ru_minflt
            cpu = cpu_ns()
            wall = time.perf_counter_ns()
            work(args.calls, counter)
            wall = time.perf_counter_ns() - wall
            cpu = cpu_ns() - cpu
            faults = resource.getrusage(usage).ru_minflt - faults
            counter += args.calls
            answer = '%d %d %d' % (wall, cpu, faults)
        elif command == 'close':
            client.close()
            print('ok', flush=True)
            return 0
        else:
            raise BenchFailure('unknown command %r' % command)
        print(answer, flush=True)
    raise BenchFailure('the main process went away')


# -- main role ------------------------------------------------------------------

class Worker:
    def __init__(self, system, group, calls, env):
        self.system = system
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), '--role=client',
             '--system=' + system, '--row=' + group, '--calls=%d' % calls],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            universal_newlines=True, bufsize=1)

    def ask(self, command):
        self.process.stdin.write(command + '\n')
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise BenchFailure('the %s client failed (exit status %s)'
                               % (SYSTEMS[self.system], self.process.wait()))
        return answer.strip()

    def finish(self):
        if self.ask('close') != 'ok':
            raise BenchFailure('the %s client did not close' % SYSTEMS[self.system])
        status = self.process.wait()
        if status != 0:
            raise BenchFailure('the %s client exited with %d' % (SYSTEMS[self.system], status))

    def stop(self):
        """After a failure: the end of its stdin makes a client shut its
        server down and exit; one that hangs is killed."""
        if self.process.poll() is not None:
            return
        try:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def median(values):
    return statistics.median(values)


def measure(group, calls, reps, env):
    label, systems, _, _, size = ROWS[group]
    workers = []
    try:
        for system in systems:
            workers.append(Worker(system, group, calls, env))
            check(workers[-1].ask('warmup') == 'ok', 'the warm-up of ' + SYSTEMS[system])
        wall = [[] for _ in workers]
        cpu = [[] for _ in workers]
        faults = [[] for _ in workers]
        for r in range(reps):
            for k in range(len(workers)):
                i = (k + r) % len(workers)
                ns, cpu_ns, n_faults = (int(x) for x in workers[i].ask('rep').split())
                wall[i].append(ns / 1000.0 / calls)
                cpu[i].append(cpu_ns / 1000.0 / calls)
                faults[i].append(n_faults / calls)
        for worker in workers:
            worker.finish()
    finally:
        for worker in workers:
            worker.stop()

    results = []
    for i, system in enumerate(systems):
        results.append({
            'group': group,
            'row': label,
            'system': SYSTEMS[system],
            'ops_per_repetition': calls,
            'repetitions': reps,
            'us_per_op': {'median': median(wall[i]), 'min': min(wall[i]), 'max': max(wall[i])},
            'ops_per_s': 1e6 / median(wall[i]),
            'mb_per_s': size / median(wall[i]) if size else None,
            'payload_bytes': size,
            'client_cpu_us_per_op': median(cpu[i]),
            'client_minor_faults_per_op': median(faults[i]),
        })
        sys.stderr.write('  %-14s %-20s %10.2f µs/op\n'
                         % (label, SYSTEMS[system], results[-1]['us_per_op']['median']))
    baseline = next(r for r in results
                    if r['system'] == SYSTEMS[BASELINES.get(group, 'mp')])
    for result in results:
        ratio = result['us_per_op']['median'] / baseline['us_per_op']['median']
        result['x_basemanager'] = ratio
        if result['system'] == SYSTEMS['pp'] and group in ('sync', 'async', 'echo'):
            result['target'] = TARGET
            result['status'] = 'PASS' if ratio <= 1.0 else 'MISS'
    return results


def format_us(us):
    if us < 10:
        return '%.2f' % us
    if us < 1000:
        return '%.1f' % us
    return '%.0f' % us


def format_rate(per_s):
    if per_s >= 1e6:
        return '%.2f M' % (per_s / 1e6)
    if per_s >= 1e3:
        return '%.1f k' % (per_s / 1e3)
    return '%.1f' % per_s


def print_table(report):
    machine = report['machine']
    print('pipeproxy %s benchmark, Python row, %s mode: median of %d repetitions after a '
          'warm-up [min – max]' % (machine.get('pipeproxy', '?'), report['mode'],
                                   report['repetitions']))
    print('date     %s' % report['date'])
    print('machine  %d CPUs (nproc), %s, %s, Python %s, PyGObject %s, GLib %s'
          % (machine['nproc'], machine['cpu'], machine['kernel'], machine['python'],
             machine.get('pygobject', '?'), machine.get('glib', '?')))
    print()
    columns = (('row', 16, '<'), ('system', 20, '<'), ('µs/op', 8, '>'),
               ('[min – max]', 19, '<'), ('ops/s', 9, '>'), ('MB/s', 8, '>'),
               ('client CPU µs/op', 17, '>'), ('faults/op', 9, '>'), ('×baseline', 10, '>'),
               ('target', 0, '<'))

    def line(cells):
        text = ' '.join('{:{}{}}'.format(cell, align, width)
                        for cell, (_, width, align) in zip(cells, columns))
        print(text.rstrip())

    line([name for name, _, _ in columns])
    last = None
    for r in report['rows']:
        if last is not None and r['row'] != last:
            print()
        us = r['us_per_op']
        line([r['row'] if r['row'] != last else '', r['system'], format_us(us['median']),
              '[%s – %s]' % (format_us(us['min']), format_us(us['max'])),
              format_rate(r['ops_per_s']),
              '%.1f' % r['mb_per_s'] if r['mb_per_s'] else '',
              format_us(r['client_cpu_us_per_op']),
              '%.1f' % r['client_minor_faults_per_op'],
              '%.2f' % r['x_basemanager'],
              '%s %s' % (r['target'], r['status']) if 'target' in r else ''])
        last = r['row']
    print()
    print('pipeproxy: Python proxy → C PpTestObject in tests/pp-test-server, through the '
          'override; Pp.Proxy.call_sync: the same\nwithout the override\'s conversions; '
          'BaseManager: multiprocessing.managers proxy → Python object in the manager '
          'process.\n%d in flight: pipeproxy with *_async() calls from a GLib.MainLoop, '
          'BaseManager with %d threads, a connection each.\n'
          '×baseline: µs/op ÷ BaseManager\'s µs/op in the same row. client CPU: user + '
          'system time of the client process per call;\nfaults/op: its minor page faults per '
          'call (each costs microseconds in a virtual machine).\n'
          'worker start: Pp.Proxy.new_for_subprocess_sync() of a Python worker (Pp.serve_parent()'
          ' of an object with one\n@Pp.method; C: tests/pp-test-worker), its first call, close and exit, against '
          'starting a python3 that imports gi and GLib and exits\n(×baseline); there client '
          'CPU and faults/op are those of the child processes (RUSAGE_CHILDREN).\n'
          'Each system of each row runs in a client process and a server process of its own; '
          'the systems of a row take turns,\none repetition each.'
          % (ASYNC_DEPTH, ASYNC_DEPTH))


def machine_info():
    cpu = 'unknown'
    try:
        with open('/proc/cpuinfo') as f:
            for text in f:
                if text.startswith('model name'):
                    cpu = text.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    uname = os.uname()
    return {
        'nproc': os.cpu_count(),
        'cpu': cpu,
        'kernel': '%s %s %s' % (uname.sysname, uname.release, uname.machine),
        'python': platform.python_version(),
    }


def client_env(build_dir):
    """The environment of the clients: typelibs and libraries from the
    build tree, the override from the source tree."""
    paths = {
        'typelib': os.path.join(build_dir, 'introspection', 'Pp-1.0.typelib'),
        'test typelib': os.path.join(build_dir, 'tests', 'testlib', 'PpTest-1.0.typelib'),
        'server': os.path.join(build_dir, 'tests', 'pp-test-server'),
        'worker': os.path.join(build_dir, 'tests', 'pp-test-worker'),
    }
    for what, path in paths.items():
        if not os.path.exists(path):
            raise BenchFailure('no %s at %s (build with -Dintrospection and -Dtests)'
                               % (what, path))
    env = dict(os.environ)

    def prepend(variable, *dirs):
        env[variable] = os.pathsep.join(list(dirs) + list(filter(None, [env.get(variable)])))

    prepend('GI_TYPELIB_PATH', os.path.join(build_dir, 'introspection'),
            os.path.join(build_dir, 'tests', 'testlib'))
    prepend('LD_LIBRARY_PATH', os.path.join(build_dir, 'pipeproxy'),
            os.path.join(build_dir, 'tests', 'testlib'))
    env['PP_BENCH_SERVER'] = paths['server']
    env['PP_BENCH_WORKER'] = paths['worker']
    env['PP_BENCH_OVERRIDES_DIR'] = os.path.join(SOURCE_ROOT, 'introspection')
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    return env


def run_main(args):
    if importlib.util.find_spec('gi') is None:
        print('pp-bench-python: python3-gi (PyGObject) is not installed for %s: skipped'
              % sys.executable)
        return 77

    reps = args.reps if args.reps > 0 else 2 if args.quick else 5
    groups = list(ROWS)
    if args.only:
        groups = [g.strip() for g in args.only.split(',') if g.strip()]
        for g in groups:
            if g not in ROWS:
                raise BenchFailure('unknown row %r (rows: %s)' % (g, ', '.join(ROWS)))
    env = client_env(os.path.abspath(args.build_dir))

    report = {
        'benchmark': 'pp-bench-python',
        'mode': 'quick' if args.quick else 'full',
        'date': datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M:%S %z'),
        'machine': machine_info(),
        'repetitions': reps,
        'target': 'pipeproxy from Python at least as fast as BaseManager (µs/op ≤ 1×)',
        'rows': [],
    }
    sys.stderr.write('pp-bench-python: %s mode, %d repetitions after a warm-up\n'
                     % (report['mode'], reps))

    info = Worker('pp', 'sync', 1, env)
    try:
        report['machine'].update(json.loads(info.ask('info')))
        info.finish()
    finally:
        info.stop()

    for group in groups:
        _, _, full, quick, _ = ROWS[group]
        calls = quick if args.quick else full
        report['rows'].extend(measure(group, calls, reps, env))

    print_table(report)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(report, f, indent=2, ensure_ascii=False)
            f.write('\n')
    return 0


def main():
    parser = argparse.ArgumentParser(
        description='pipeproxy from Python against multiprocessing.managers.BaseManager')
    parser.add_argument('--quick', action='store_true',
                        help='small counts, a few seconds: a correctness smoke test')
    parser.add_argument('--json', metavar='FILE', help='also write the figures to FILE')
    parser.add_argument('--reps', type=int, default=0, help='repetitions after the warm-up')
    parser.add_argument('--only', metavar='ROWS', help='only these rows: ' + ','.join(ROWS))
    parser.add_argument('--build-dir', default=os.path.join(SOURCE_ROOT, '_build'),
                        help='the meson build directory (default: %(default)s)')
    parser.add_argument('--role', default='main', help=argparse.SUPPRESS)
    parser.add_argument('--system', choices=SYSTEMS, help=argparse.SUPPRESS)
    parser.add_argument('--row', choices=ROWS, help=argparse.SUPPRESS)
    parser.add_argument('--calls', type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    try:
        if args.role == 'client':
            return run_client(args)
        if args.role == 'worker':
            return run_worker()
        return run_main(args)
    except BenchFailure as error:
        who = args.role if args.role == 'main' else '%s client, %s' % (SYSTEMS[args.system],
                                                                      args.row)
        sys.stdout.flush()
        sys.stderr.write('pp-bench-python (%s): FAIL: %s\n' % (who, error))
        return 1


if __name__ == '__main__':
    sys.exit(main())
