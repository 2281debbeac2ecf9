# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A Pp.Pool of C workers (tests/pp-pool-worker, which answer with their
# process id) from Python: calls by name with conversion, asynchronous calls
# spread over the workers, signals with the worker they came from, crashes
# and closing. Then pools of two Python workers (async_child.py) and of two
# GListStores hosted by pipeproxy-host, to which calls pass descriptors and
# objects both ways, as to a proxy.

import os
import signal
import sys
import unittest

import pptest
from pptest import Gio, GLib, GObject, Pp

WORKER = os.environ['PP_POOL_WORKER']
PY_WORKER = os.path.join(pptest.HERE, 'async_child.py')


def worker_pid(worker):
    return int(worker.get_subprocess().get_identifier())


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class PoolTestCase(unittest.TestCase):
    def setUp(self):
        pptest.check_override()
        self.pool = Pp.Pool.new_for_subprocess([WORKER], None)
        self.pool.props.max_workers = 2

    def tearDown(self):
        self.pool.close()

    def test_properties(self):
        pool = Pp.Pool(argv=[WORKER], max_workers=3, idle_timeout=500)
        self.assertIsInstance(pool, Pp.Pool)
        self.assertEqual(pool.props.max_workers, 3)
        self.assertEqual(pool.get_idle_timeout(), 500)
        self.assertEqual(pool.props.workers.get_n_items(), 0)
        self.assertIsNone(pool.get_remote_type_name())
        workers = pool.get_workers()
        self.assertIn(pool.pid(), [worker_pid(workers.get_item(i)) for i in range(3)])
        self.assertEqual(pool.get_remote_type_name(), 'PoolThing')
        pool.close()

    def test_calls_by_name(self):
        pid = self.pool.pid()
        self.assertIsInstance(pid, int)
        # The first call by name started every worker to learn the methods
        self.assertEqual(self.pool.get_workers().get_n_items(), 2)
        workers = self.pool.get_workers()
        pids = {worker_pid(workers.get_item(i)) for i in range(workers.get_n_items())}
        self.assertIn(pid, pids)
        self.assertIn(self.pool.sleep(10), pids)
        self.assertIn(self.pool.call_method('sleep', 1), pids)
        with self.assertRaises(TypeError):
            self.pool.sleep('ten')
        with self.assertRaises(AttributeError):
            self.pool.no_such_method()
        self.assertIn('sleep_async', dir(self.pool))
        # The GI API is there too
        value = self.pool.call_sync('pid', None, -1, None)
        self.assertIn(value.unpack()[0], pids)

    def test_async_spread(self):
        results = []
        for _ in range(6):
            self.pool.sleep_async(150, callback=lambda pool, result:
                                  results.append(pool.sleep_finish(result)))
        pptest.wait_for(lambda: len(results) == 6, 10.0, 'six calls')
        self.assertEqual(len(set(results)), 2)

        done = []
        self.pool.call_method_async('pid', callback=lambda pool, result, data:
                                    done.append((pool.call_method_finish(result), data)),
                                    user_data='data')
        pptest.wait_for(lambda: done, 5.0, 'a call')
        self.assertIn(done[0][0], set(results))
        self.assertEqual(done[0][1], 'data')

    def test_worker_signal(self):
        seen = []

        def on_progress(pool, worker, name, args):
            pid, step = args.unpack()
            self.assertEqual(name, 'progress')
            self.assertEqual(pid, worker_pid(worker))
            seen.append((pid, step))

        self.pool.connect('worker-signal::progress', on_progress)
        pids = []
        for _ in range(2):
            self.pool.emit_async(3, callback=lambda pool, result:
                                 pids.append(pool.emit_finish(result)))
        pptest.wait_for(lambda: len(pids) == 2, 10.0, 'two calls')
        self.assertNotEqual(pids[0], pids[1])
        for pid in pids:
            self.assertEqual([step for p, step in seen if p == pid], [0, 1, 2])

    def test_crash_and_close(self):
        ended = []
        self.pool.connect('worker-ended', lambda pool, worker, error: ended.append(error))
        self.pool.props.max_workers = 1
        failed = []
        self.pool.sleep_async(60000, timeout=GLib.MAXINT32, callback=lambda pool, result:
                              self._finish_into(pool, result, failed))
        pptest.wait_for(lambda: self.pool.get_workers().get_n_items() == 1, 10.0,
                        'a worker')
        first = worker_pid(self.pool.get_workers().get_item(0))
        os.kill(first, signal.SIGKILL)
        pptest.wait_for(lambda: failed, 10.0, 'the call to fail')
        self.assertTrue(failed[0].matches(Pp.error_quark(), Pp.Error.DISCONNECTED))
        self.assertIn('signal 9', failed[0].message)
        self.assertEqual(ended[0].message, failed[0].message)

        second = self.pool.pid()
        self.assertNotEqual(second, first)
        self.pool.close()
        pptest.wait_for(lambda: gone(second), 10.0, 'the worker to end')
        with self.assertRaises(GLib.Error) as raised:
            self.pool.pid()
        self.assertTrue(raised.exception.matches(Pp.error_quark(), Pp.Error.DISCONNECTED))

    def test_cancel_timeout(self):
        # Set from Python on the options and on a proxy
        options = Pp.Options(cancel_timeout=20)
        self.assertEqual(options.props.cancel_timeout, 20)
        proxy = Pp.Proxy.new_for_subprocess_sync(None, [WORKER], options, None)
        self.assertEqual(proxy.props.cancel_timeout, 20)
        proxy.props.cancel_timeout = 30
        self.assertEqual(proxy.get_cancel_timeout(), 30)
        proxy.close()

        # A worker that ignores a cancel (sleep does) is stopped and replaced
        pool = Pp.Pool.new_for_subprocess([WORKER], options)
        pool.props.max_workers = 1
        ended = []
        pool.connect('worker-ended', lambda pool, worker, error: ended.append(error))
        first = pool.pid()
        cancellable = Gio.Cancellable()
        failed = []
        pool.sleep_async(60000, timeout=GLib.MAXINT32, cancellable=cancellable,
                         callback=lambda pool, result: self._finish_into(pool, result, failed))
        cancellable.cancel()
        pptest.wait_for(lambda: failed, 10.0, 'the call to be cancelled')
        self.assertTrue(failed[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))
        pptest.wait_for(lambda: ended, 10.0, 'the worker to be stopped')
        self.assertTrue(ended[0].matches(Pp.error_quark(), Pp.Error.DISCONNECTED))
        self.assertEqual(ended[0].message, 'The worker process was stopped because it did '
                         'not answer a cancel within 20 ms')
        pptest.wait_for(lambda: gone(first), 10.0, 'the worker to end')
        self.assertNotEqual(pool.pid(), first)
        pool.close()

    @staticmethod
    def _finish_into(pool, result, errors):
        try:
            pool.sleep_finish(result)
        except GLib.Error as error:
            errors.append(error)


def started_pool(pool):
    """pool with two workers, both running."""
    pool.props.max_workers = 2
    pool.start_sync(None)
    workers = pool.get_workers()
    return [workers.get_item(i) for i in range(workers.get_n_items())]


class PoolPassesTestCase(unittest.TestCase):
    """Descriptors and objects through a pool of two workers, both ways."""

    def test_descriptors(self):
        pool = Pp.Pool.new_for_subprocess([sys.executable, PY_WORKER], None)
        self.addCleanup(pool.close)
        self.assertEqual(len(started_pool(pool)), 2)

        def pipe_with(data):
            r, w = os.pipe()
            os.write(w, data)
            os.close(w)
            self.addCleanup(os.close, r)    # the caller keeps what it passes
            return r

        # Two calls at once: one on each worker (each answers from an idle)
        answers = {}
        for data in (b'first', b'the second'):
            pool.reverse_fd_async(pipe_with(data), user_data=data,
                                  callback=lambda pool, result, data:
                                  answers.setdefault(data, pool.reverse_fd_finish(result)))
        pptest.wait_for(lambda: len(answers) == 2, 10.0, 'two calls')
        fd, length = pool.reverse_fd(pipe_with(b'blocking'))
        answers[b'blocking'] = (fd, length)
        for data, (fd, length) in answers.items():
            self.assertIsInstance(fd, int)
            self.assertEqual(length, len(data))
            with os.fdopen(fd, 'rb') as f:
                self.assertEqual(f.read(), data[::-1])
        done = []
        pool.call_method_async('reverse_fd', pipe_with(b'by name'), callback=lambda pool, r:
                               done.append(pool.call_method_finish(r)))
        pptest.wait_for(lambda: done, 10.0, 'a call by name')
        with os.fdopen(done[0][0], 'rb') as f:
            self.assertEqual(f.read(), b'eman yb')

    def test_objects(self):
        pool = Pp.Pool.new_for_type('Gio', '2.0', 'ListStore', ['item-type=GObject'], None)
        self.addCleanup(pool.close)
        workers = started_pool(pool)
        self.assertEqual(len(workers), 2)
        first = Gio.SimpleAction.new('first', None)
        for worker in workers:
            worker.append(first)

        # An object of this process, exported on the connection of the
        # worker each call goes to: two calls at once, one on each worker
        items = [Gio.SimpleAction.new('a', None), Item(label='b')]
        done = []
        for item in items:
            pool.append_async(item, callback=lambda pool, result:
                              done.append(pool.append_finish(result)))
        pptest.wait_for(lambda: len(done) == 2, 10.0, 'two calls')
        self.assertEqual([worker.get_n_items() for worker in workers], [2, 2])
        # Each came back from its worker as itself
        held = [worker.get_item(1) for worker in workers]
        self.assertTrue(held[0] is items[0] and held[1] is items[1] or
                        held[0] is items[1] and held[1] is items[0], held)

        # Object results through the pool, waiting or not, and by name
        self.assertIs(pool.get_item(0), first)
        self.assertIs(pool.call_method('get_item', 0), first)
        got = []
        pool.get_item_async(0, callback=lambda pool, result:
                            got.append(pool.get_item_finish(result)))
        pptest.wait_for(lambda: got, 10.0, 'a call')
        self.assertIs(got[0], first)
        self.assertIsNone(pool.get_item(5))
        # A method a worker refuses says why, through the pool too
        with self.assertRaises(AttributeError) as raised:
            pool.sort
        self.assertIn('compare_func', str(raised.exception))


class Item(GObject.Object):
    __gtype_name__ = 'PpPyPoolItem'

    label = GObject.Property(type=str, default='')


if __name__ == '__main__':
    pptest.main()
