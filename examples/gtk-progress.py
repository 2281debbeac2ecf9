#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# gtk-progress.py: examples/gtk-progress.c in Python. A GTK 4 window with
# Start, a progress bar and Cancel; Start hashes generated data (SHA-256) in
# a worker process, this script run again with --worker, which reports
# progress with a signal and stops when the call is cancelled.
#
#   $ ./gtk-progress.py                the window; the job is 512 MiB
#   $ ./gtk-progress.py --self-test    clicks the buttons itself: a job to the
#                                      end, one cancelled a quarter of the way,
#                                      one during which the worker aborts
#
# The worker answers "hash" from a handle-method-call handler: a method
# marked with Pp.method runs in the worker's main context and could not see
# the cancel. The handler starts a thread, which answers the invocation, and
# stops when the invocation's cancellable is cancelled.

import hashlib
import os
import sys
import threading
import time

import gi
gi.require_version('Pp', '1.0')
from gi.repository import GLib, GObject, Gio, Pp  # noqa: E402

CHUNK_SIZE = 1024 * 1024
PROGRESS_EVERY = 2          # chunks
WINDOW_JOB_MIB = 512
TEST_JOB_MIB = 64
# The same data as gtk-progress.c, so the same digest
TEST_JOB_DIGEST = '6b5ca5cdb971a54ec3be4e284afc55efc9cd7cb5c13af3deadaad52330ca9203'


def chunk(index):
    """Chunk @index of a job's data: the bytes (j + 7 * index) mod 256"""
    return bytes((j + 7 * index) & 255 for j in range(256)) * (CHUNK_SIZE // 256)


# The worker ------------------------------------------------------------

class Hasher(GObject.Object):
    __gtype_name__ = 'GtkProgressPyHasher'

    # progress (u job, t done, t total)
    @GObject.Signal(arg_types=(GObject.TYPE_UINT, GObject.TYPE_UINT64, GObject.TYPE_UINT64))
    def progress(self, job, done, total):
        pass

    # stopped (u job, t done): the job saw its call cancelled and stopped
    @GObject.Signal(arg_types=(GObject.TYPE_UINT, GObject.TYPE_UINT64))
    def stopped(self, job, done):
        pass


def hash_job(hasher, invocation, job, mib, crash_at_mib):
    cancellable = invocation.get_cancellable()
    checksum = hashlib.sha256()
    total = mib * CHUNK_SIZE
    for i in range(mib):
        done = i * CHUNK_SIZE
        if cancellable.is_cancelled():
            hasher.emit('stopped', job, done)
            invocation.return_error_literal(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED,
                                            'The job was cancelled')
            return
        if crash_at_mib and i == crash_at_mib:
            print('worker: crashing on purpose after %d MiB' % i, file=sys.stderr, flush=True)
            os.abort()
        checksum.update(chunk(i))
        if (i + 1) % PROGRESS_EVERY == 0 and i + 1 < mib:
            hasher.emit('progress', job, done + CHUNK_SIZE, total)
    invocation.return_value(GLib.Variant('(s)', (checksum.hexdigest(),)))


def on_handle_hash(listener, method_name, parameters, invocation):
    # A handler gets the arguments as the peer sent them, unchecked
    if parameters.get_type_string() != '(uuu)':
        invocation.return_error_literal(Pp.error_quark(), Pp.Error.INVALID_ARGUMENTS,
                                        'method “hash” expects (uuu)')
        return True
    job, mib, crash_at_mib = parameters.unpack()
    threading.Thread(target=hash_job, daemon=True,
                     args=(invocation.get_object(), invocation, job, mib, crash_at_mib)).start()
    return True     # answered later, by the thread


def run_worker():
    hasher = Hasher()
    listener = Pp.Listener.new_for_parent(hasher)
    listener.connect('handle-method-call::hash', on_handle_hash)
    listener.run()      # until the window closes its proxy or goes away
    return 0


# The window ------------------------------------------------------------

class App:
    def __init__(self, self_test):
        gi.require_version('Gtk', '4.0')
        from gi.repository import Gtk
        self.Gtk = Gtk
        self.self_test = self_test
        self.ok = True
        self.step = None
        self.worker = None
        self.cancellable = None
        self.job_id = 0
        self.job_mib = TEST_JOB_MIB if self_test else WINDOW_JOB_MIB
        self.crash_at_mib = 0
        self.app = Gtk.Application(flags=Gio.ApplicationFlags.NON_UNIQUE)
        self.app.connect('activate', self.activate)
        self.last_tick = time.monotonic()
        self.worst_tick_gap = 0
        GLib.timeout_add(16, self.on_tick)

    def check(self, condition, what):
        print('%s: %s' % ('ok' if condition else 'FAILED', what), flush=True)
        self.ok = self.ok and condition

    def on_tick(self):
        now = time.monotonic()
        self.worst_tick_gap = max(self.worst_tick_gap, now - self.last_tick)
        self.last_tick = now
        return GLib.SOURCE_CONTINUE

    def activate(self, app):
        Gtk = self.Gtk
        self.window = Gtk.ApplicationWindow(application=app, title='Hash in a worker',
                                            default_width=420)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=12, margin_top=18,
                      margin_bottom=18, margin_start=18, margin_end=18)
        self.window.set_child(box)
        self.progress_bar = Gtk.ProgressBar(show_text=True)
        box.append(self.progress_bar)
        self.status_label = Gtk.Label(label='Press Start to hash in a worker process',
                                      wrap=True, xalign=0)
        box.append(self.status_label)
        buttons = Gtk.Box(spacing=6, halign=Gtk.Align.END)
        box.append(buttons)
        self.cancel_button = Gtk.Button(label='Cancel')
        self.cancel_button.connect('clicked', self.on_cancel_clicked)
        buttons.append(self.cancel_button)
        self.start_button = Gtk.Button(label='Start')
        self.start_button.add_css_class('suggested-action')
        self.start_button.connect('clicked', self.on_start_clicked)
        buttons.append(self.start_button)
        self.set_running(False)
        self.window.present()
        if self.self_test:
            GLib.idle_add(self.test_next)

    def set_running(self, running):
        self.start_button.set_sensitive(not running)
        self.cancel_button.set_sensitive(running)

    def on_start_clicked(self, button):
        self.cancellable = Gio.Cancellable()
        self.set_running(True)
        if self.worker is None:
            self.status_label.set_text('Starting the worker…')
            Pp.Proxy.new_for_subprocess_async(None, [sys.executable, __file__, '--worker'],
                                              None, self.cancellable, self.worker_started)
        else:
            self.call_hash()

    def worker_started(self, source, result):
        try:
            self.worker = Pp.Proxy.new_for_subprocess_finish(result)
        except GLib.Error as error:
            self.cancellable = None
            self.set_running(False)
            self.status_label.set_text('The worker did not start: ' + error.message)
            if self.self_test:
                self.check(False, error.message)
                self.app.quit()
            return
        self.worker.connect('progress', self.on_progress)
        self.worker.connect('stopped', self.on_stopped)
        self.call_hash()

    def call_hash(self):
        self.job_id += 1
        self.updates = 0
        self.cancelled_at = None
        self.stopped = False
        self.job_started = self.last_tick = time.monotonic()
        self.worst_tick_gap = 0
        self.progress_bar.set_fraction(0)
        self.status_label.set_text('Hashing…')
        # No time-out: the job takes as long as it takes, and Cancel ends it
        # "hash" is answered by a handler, so the proxy's description does not
        # list it: it is called by name, with its arguments as GLib.Variants
        self.worker.call_method_async('hash', GLib.Variant('u', self.job_id),
                                      GLib.Variant('u', self.job_mib),
                                      GLib.Variant('u', self.crash_at_mib),
                                      timeout=GLib.MAXINT32, cancellable=self.cancellable,
                                      callback=self.job_done, user_data=self.cancellable)

    def on_cancel_clicked(self, button):
        if self.cancellable is not None:
            self.cancelled_at = time.monotonic()
            self.cancellable.cancel()

    def on_progress(self, worker, job, done, total):
        if self.cancellable is None or job != self.job_id:
            return      # a job that already ended
        self.updates += 1
        self.progress_bar.set_fraction(done / total)
        self.status_label.set_text('Hashing… %d of %d MiB' % (done >> 20, total >> 20))
        if self.self_test and self.step == 'cancel' and self.cancelled_at is None \
                and done * 4 >= total:
            self.cancel_button.emit('clicked')

    def on_stopped(self, worker, job, done):
        if job != self.job_id:
            return
        self.stopped = True
        self.status_label.set_text('Cancelled; the worker stopped after %d MiB' % (done >> 20))
        if self.self_test and self.step == 'cancel':
            print('the worker\'s "stopped" came %.2f ms after the click, after %d MiB'
                  % ((time.monotonic() - self.cancelled_at) * 1e3, done >> 20))
            if self.cancellable is None:
                self.test_next()

    def job_done(self, worker, result, cancellable):
        elapsed = time.monotonic() - self.job_started
        self.cancellable = None
        self.set_running(False)
        digest = error = None
        try:
            digest = worker.call_method_finish(result)
            self.progress_bar.set_fraction(1)
            self.status_label.set_text('Done: %d MiB in %.1f s, SHA-256 %.16s…'
                                       % (self.job_mib, elapsed, digest))
        except GLib.Error as e:
            error = e
            if error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
                if not self.stopped:
                    self.status_label.set_text('Cancelled')
            else:
                self.status_label.set_text('The job failed: ' + error.message)
                if worker.is_closed():
                    self.worker = None      # the next Start starts a new worker
        if not self.self_test:
            return
        print('job %d (%d MiB) ended after %.0f ms with %s; %d progress updates before the '
              'reply; the 16 ms timer\'s worst gap meanwhile: %.1f ms'
              % (self.job_id, self.job_mib, elapsed * 1e3, error.message if error else 'a result',
                 self.updates, self.worst_tick_gap * 1e3), flush=True)
        if self.step == 'complete':
            self.check(digest == TEST_JOB_DIGEST, 'the job ended with the right digest')
            self.check(self.updates == TEST_JOB_MIB // PROGRESS_EVERY - 1,
                       'every progress update arrived before the reply')
            self.test_next()
        elif self.step == 'cancel':
            self.check(error is not None
                       and error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED),
                       'the cancelled job ended with G_IO_ERROR_CANCELLED')
            print('cancel latency (click to the call\'s end): %.2f ms'
                  % ((time.monotonic() - self.cancelled_at) * 1e3))
            # A job that ran to its end before the cancel reached the worker
            # sends no "stopped": the check above has failed, go on
            if self.stopped or error is None:
                self.test_next()
        elif self.step == 'crash':
            self.check(error is not None and error.matches(Pp.error_quark(),
                                                           Pp.Error.DISCONNECTED),
                       'the job ended with Pp.Error.DISCONNECTED when the worker crashed')
            self.check('killed by signal 6' in self.status_label.get_text(),
                       'the window says how the worker ended')
            print('the window shows: ' + self.status_label.get_text())
            self.test_next()

    def test_next(self):
        if self.step is None:
            self.step = 'complete'
            self.start_button.emit('clicked')
        elif self.step == 'complete':
            self.step = 'cancel'
            # A longer job, so that a loaded machine still cancels it midway
            self.job_mib = WINDOW_JOB_MIB
            self.start_button.emit('clicked')
        elif self.step == 'cancel':
            self.check(self.stopped, 'the worker stopped the job')
            self.step = 'crash'
            self.job_mib = TEST_JOB_MIB
            self.crash_at_mib = TEST_JOB_MIB // 2
            self.start_button.emit('clicked')
        else:
            self.step = 'done'
            self.app.quit()
        return GLib.SOURCE_REMOVE

    def run(self):
        status = self.app.run([sys.argv[0]])
        if self.worker is not None:
            self.worker.close()     # the worker's listener.run() returns
        if self.self_test:
            self.check(self.step == 'done', 'every step ran')
            print('all good' if self.ok else 'FAILED')
            return 0 if status == 0 and self.ok else 1
        return status


if __name__ == '__main__':
    if sys.argv[1:] == ['--worker']:
        sys.exit(run_worker())
    if sys.argv[1:] not in ([], ['--self-test']):
        sys.exit('Usage: %s [--self-test]' % sys.argv[0])
    sys.exit(App(sys.argv[1:] == ['--self-test']).run())
