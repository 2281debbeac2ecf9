/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* offload: a CPU-heavy job in a worker process, with a responsive parent.
 *
 * The parent starts itself again with --worker through
 * pp_proxy_new_for_subprocess_sync(). The worker serves an OffloadHasher,
 * whose job is to compute the SHA-256 of a generated buffer hashed several
 * times over (256 MiB in all). While the worker hashes, the parent's main
 * loop ticks a 10 ms timer and records how late its ticks are; then it
 * starts the same job again and cancels it halfway with a GCancellable.
 *
 *   $ ./offload
 *
 * How the job is made cancellable, and why it is done this way:
 *
 * - OffloadHasher has no typelib, so nothing of it can be found by
 *   introspection: its methods are added by hand, on the listener that
 *   pp_listener_new_for_parent() makes (the first half of
 *   pp_serve_parent()).
 *
 * - A method added with pp_listener_add_method() is synchronous: while it
 *   runs, the worker's main context reads nothing, so no cancellation could
 *   reach it. "hash" is therefore answered through the listener's
 *   ::handle-method-call signal, whose PpInvocation may be answered later.
 *   The handler only starts the job: the buffer is hashed 1 MiB at a time
 *   from an idle source on the worker's main context, and the invocation
 *   is answered when the last slice is done. Between two slices (a few
 *   milliseconds) the listener reads and answers other calls.
 *
 * - When a call is cancelled, the proxy ends it at once with
 *   G_IO_ERROR_CANCELLED and sends a CANCEL frame, which cancels
 *   pp_invocation_get_cancellable() of the invocation the handler kept
 *   (examples/gtk-progress.c stops its job that way). Here the job is
 *   stopped explicitly instead, so that the parent learns from the answer
 *   whether the job was still running and how far it got: the parent watches the GCancellable it passed to the call and, when it
 *   is cancelled, calls the added method "cancel_job" with the job's
 *   number, which removes the job's idle source. Since slices and calls run
 *   in the same main context, a job is not touched again once
 *   "cancel_job" has answered. "status" reports what the worker has hashed
 *   in total, so the parent can check that it really stopped.
 *
 * - The worker also emits a "progress" signal after every slice. The
 *   listener describes it to the proxy (signals need no typelib), so the
 *   proxy has the same signal; the parent uses it to cancel the second job
 *   when it is half done rather than after a guessed time.
 *
 * The parent exits 0 only if the digests are right (one computed here on a
 * small size, one known answer for the big job), the cancelled call ended
 * with G_IO_ERROR_CANCELLED at once, and the worker stopped hashing.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pipeproxy/pipeproxy.h>

/* Each slice of a job hashes this much, so the worker's main context is
 * never busy for more than a few milliseconds at a time. A multiple of 4. */
#define SLICE_SIZE     (1024 * 1024)
/* Limits on a job, checked by the worker: the parent is a peer. */
#define MAX_JOB_SIZE   (64 * 1024 * 1024)
#define MAX_JOB_ROUNDS 1024
/* The generated buffer starts from this xorshift32 state. */
#define BUFFER_SEED    0x9e3779b9u

/* The big job: a 16 MiB buffer hashed 16 times over, 256 MiB in all */
#define BIG_SIZE       (16 * 1024 * 1024)
#define BIG_ROUNDS     16
/* SHA-256 of the big job's bytes, computed independently with Python's
 * hashlib from the same generator (see fill_buffer()). */
#define BIG_DIGEST     "b249bffcbbac6c407f3cd077d739b045ef08e2f665ec246a93adf5417a1fdbf1"

/* The small job, checked against a digest computed in the parent: an odd
 * size, so that a partial slice and a partial word are exercised. */
#define SMALL_SIZE     (3 * 1024 * 1024 + 4321)
#define SMALL_ROUNDS   3

/* The parent's timer */
#define TICK_MSEC      10

/* Fills @buffer with the xorshift32 sequence that follows *@state, four
 * little-endian bytes per step. @size is a multiple of 4 except at the
 * very end of the buffer, so the sequence continues across slices. */
static void
fill_buffer (guint8  *buffer,
             gsize    size,
             guint32 *state)
{
  guint32 x = *state;

  for (gsize i = 0; i < size; i += 4)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      for (gsize j = 0; j < 4 && i + j < size; j++)
        buffer[i + j] = (guint8) (x >> (8 * j));
    }
  *state = x;
}

/* The worker: an object without a typelib ------------------------------- */

#define OFFLOAD_TYPE_HASHER (offload_hasher_get_type ())
G_DECLARE_FINAL_TYPE (OffloadHasher, offload_hasher, OFFLOAD, HASHER, GObject)

struct _OffloadHasher
{
  GObject     parent_instance;
  GHashTable *jobs;           /* job number → HashJob */
  guint64     bytes_hashed;   /* by every job, finished or not */
};

G_DEFINE_FINAL_TYPE (OffloadHasher, offload_hasher, G_TYPE_OBJECT)

enum {
  PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One "hash" call being worked on, owned by the hasher's table */
typedef struct
{
  OffloadHasher *hasher;
  PpInvocation  *invocation;   /* answered when the job ends */
  guint32        id;
  guint8        *buffer;
  gsize          size;
  guint          rounds;
  guint          round;
  gsize          offset;       /* in the buffer, in this round */
  guint32        state;        /* of the generator, during round 0 */
  guint64        done;         /* bytes hashed */
  GChecksum     *checksum;
  GSource       *source;       /* the idle source that runs the slices */
} HashJob;

static void
hash_job_free (gpointer data)
{
  HashJob *job = data;

  if (job->source != NULL)
    {
      g_source_destroy (job->source);
      g_source_unref (job->source);
    }
  g_checksum_free (job->checksum);
  g_free (job->buffer);
  g_object_unref (job->invocation);
  g_free (job);
}

/* One slice of a job, in the worker's main context */
static gboolean
hash_job_slice (gpointer user_data)
{
  HashJob *job = user_data;
  OffloadHasher *self = job->hasher;
  gsize n = MIN (SLICE_SIZE, job->size - job->offset);
  guint64 total = (guint64) job->size * job->rounds;

  /* The buffer is generated as it is hashed the first time. */
  if (job->round == 0)
    fill_buffer (job->buffer + job->offset, n, &job->state);
  g_checksum_update (job->checksum, job->buffer + job->offset, n);

  job->offset += n;
  job->done += n;
  self->bytes_hashed += n;
  if (job->offset == job->size)
    {
      job->offset = 0;
      job->round++;
    }

  g_signal_emit (self, signals[PROGRESS], 0, job->id, job->done, total);

  if (job->round < job->rounds)
    return G_SOURCE_CONTINUE;

  pp_invocation_return_value (job->invocation,
                              g_variant_new ("(s)", g_checksum_get_string (job->checksum)));
  /* The source ends by returning G_SOURCE_REMOVE, not by hash_job_free() */
  g_clear_pointer (&job->source, g_source_unref);
  g_hash_table_remove (self->jobs, GUINT_TO_POINTER (job->id));
  return G_SOURCE_REMOVE;
}

/* hash (u job, u size, u rounds) → (s digest). Answers later, so it goes
 * through ::handle-method-call rather than pp_listener_add_method(). */
static gboolean
on_handle_hash (PpListener   *listener,
                const char   *method_name,
                GVariant     *parameters,
                PpInvocation *invocation,
                gpointer      user_data)
{
  OffloadHasher *self = OFFLOAD_HASHER (pp_invocation_get_object (invocation));
  guint32 id, size, rounds;
  HashJob *job;

  /* Unlike those of an added method, these arguments are not checked. */
  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uuu)")))
    {
      g_autofree char *message =
        g_strdup_printf ("method “hash” expects (uuu), got %s",
                         g_variant_get_type_string (parameters));

      pp_invocation_return_error_literal (invocation, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                                          message);
      return TRUE;
    }
  g_variant_get (parameters, "(uuu)", &id, &size, &rounds);
  if (size == 0 || size > MAX_JOB_SIZE || rounds == 0 || rounds > MAX_JOB_ROUNDS)
    {
      pp_invocation_return_error_literal (invocation, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                                          "hash: size or rounds out of range");
      return TRUE;
    }
  if (g_hash_table_contains (self->jobs, GUINT_TO_POINTER (id)))
    {
      pp_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_EXISTS,
                                          "hash: a job of that number is running");
      return TRUE;
    }

  job = g_new0 (HashJob, 1);
  job->hasher = self;
  job->invocation = g_object_ref (invocation);
  job->id = id;
  job->buffer = g_malloc (size);
  job->size = size;
  job->rounds = rounds;
  job->state = BUFFER_SEED;
  job->checksum = g_checksum_new (G_CHECKSUM_SHA256);

  /* Below the default priority of the listener's own sources, so that a
   * call that arrives meanwhile (cancel_job) is read before the next slice. */
  job->source = g_idle_source_new ();
  g_source_set_priority (job->source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_static_name (job->source, "[offload] hash job");
  g_source_set_callback (job->source, hash_job_slice, job, NULL);
  g_source_attach (job->source, g_main_context_get_thread_default ());

  g_hash_table_insert (self->jobs, GUINT_TO_POINTER (id), job);
  return TRUE;
}

/* cancel_job (u job) → (b was_running, t bytes_done) */
static GVariant *
cancel_job_method (GObject   *object,
                   GVariant  *parameters,
                   gpointer   user_data,
                   GError   **error)
{
  OffloadHasher *self = OFFLOAD_HASHER (object);
  guint32 id;
  HashJob *job;
  guint64 done;

  g_variant_get (parameters, "(u)", &id);
  job = g_hash_table_lookup (self->jobs, GUINT_TO_POINTER (id));
  if (job == NULL)
    return g_variant_new ("(bt)", FALSE, (guint64) 0);

  /* The caller has most likely given up on it already; the proxy drops
   * this answer then. */
  done = job->done;
  pp_invocation_return_error_literal (job->invocation, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                      "The job was cancelled");
  g_hash_table_remove (self->jobs, GUINT_TO_POINTER (id));
  return g_variant_new ("(bt)", TRUE, done);
}

/* status () → (u jobs_running, t bytes_hashed) */
static GVariant *
status_method (GObject   *object,
               GVariant  *parameters,
               gpointer   user_data,
               GError   **error)
{
  OffloadHasher *self = OFFLOAD_HASHER (object);

  return g_variant_new ("(ut)", g_hash_table_size (self->jobs), self->bytes_hashed);
}

static void
offload_hasher_finalize (GObject *object)
{
  OffloadHasher *self = OFFLOAD_HASHER (object);

  g_hash_table_unref (self->jobs);
  G_OBJECT_CLASS (offload_hasher_parent_class)->finalize (object);
}

static void
offload_hasher_class_init (OffloadHasherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = offload_hasher_finalize;

  /* progress (u job, t done, t total): mirrored on the parent's proxy */
  signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_UINT, G_TYPE_UINT64, G_TYPE_UINT64);
}

static void
offload_hasher_init (OffloadHasher *self)
{
  self->jobs = g_hash_table_new_full (NULL, NULL, NULL, hash_job_free);
}

static void
on_listener_closed (PpListener   *listener,
                    const GError *error,
                    gpointer      user_data)
{
  OffloadHasher *self = user_data;

  /* Nobody is left to answer: drop the jobs, and their sources with them. */
  g_hash_table_remove_all (self->jobs);
}

/* Serves the hasher to the parent, with methods added before serving */
static int
run_worker (void)
{
  g_autoptr(OffloadHasher) hasher = g_object_new (OFFLOAD_TYPE_HASHER, NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  listener = pp_listener_new_for_parent (G_OBJECT (hasher), &error);
  if (listener == NULL)
    {
      g_printerr ("worker: %s (run me without --worker)\n", error->message);
      return EXIT_FAILURE;
    }

  /* Added before the handshake, so that the parent's proxy knows them and
   * checks their arguments before sending. */
  pp_listener_add_method (listener, "cancel_job",
                          G_VARIANT_TYPE ("(u)"), G_VARIANT_TYPE ("(bt)"),
                          cancel_job_method, NULL, NULL);
  pp_listener_add_method (listener, "status",
                          G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE ("(ut)"),
                          status_method, NULL, NULL);
  g_signal_connect (listener, "handle-method-call::hash", G_CALLBACK (on_handle_hash), NULL);
  g_signal_connect (listener, "closed", G_CALLBACK (on_listener_closed), hasher);

  /* Until the parent closes its proxy or dies */
  pp_listener_run (listener);
  return EXIT_SUCCESS;
}

/* The parent ------------------------------------------------------------ */

typedef struct
{
  GMainLoop    *loop;
  PpProxy      *proxy;
  guint         pending;        /* the loop quits when this drops to 0 */

  /* The timer */
  gint64        last_tick;
  gint64        max_lateness;   /* µs, since the last reset */
  gint64        sum_lateness;   /* µs, since the last reset */
  guint         ticks;          /* since the last reset */

  /* The job running now */
  guint32       job_id;
  gint64        job_started;
  gint64        job_ended;
  char         *digest;
  GError       *job_error;

  /* Cancelling it */
  GCancellable *cancellable;
  gint64        cancelled_at;
  guint64       progress_at_cancel;
  guint64       job_total;
  gboolean      cancel_answered;
  gboolean      was_running;
  guint64       stopped_after;  /* bytes the worker had hashed of the job */
  GError       *cancel_error;
} Parent;

static void
done_one (Parent *parent)
{
  if (--parent->pending == 0)
    g_main_loop_quit (parent->loop);
}

static void
parent_clear (Parent *parent)
{
  g_clear_pointer (&parent->digest, g_free);
  g_clear_error (&parent->job_error);
  g_clear_error (&parent->cancel_error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Parent, parent_clear)

static gboolean
on_tick (gpointer user_data)
{
  Parent *parent = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 lateness = now - (parent->last_tick + TICK_MSEC * 1000);

  /* A GLib timeout is due TICK_MSEC after its last dispatch */
  parent->max_lateness = MAX (parent->max_lateness, lateness);
  parent->sum_lateness += lateness;
  parent->last_tick = now;
  parent->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
reset_timer_figures (Parent *parent)
{
  parent->max_lateness = 0;
  parent->sum_lateness = 0;
  parent->ticks = 0;
}

static void
on_progress (PpProxy *proxy,
             guint    job_id,
             guint64  done,
             guint64  total,
             gpointer user_data)
{
  Parent *parent = user_data;

  /* Cancel the job that has a cancellable once it is half done */
  if (job_id != parent->job_id || parent->cancellable == NULL ||
      g_cancellable_is_cancelled (parent->cancellable) || done * 2 < total)
    return;

  g_print ("parent: job %u is at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
           " MiB: cancelling it\n", job_id, done >> 20, total >> 20);
  parent->progress_at_cancel = done;
  parent->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (parent->cancellable);
}

static void
cancel_job_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Parent *parent = user_data;
  g_autoptr(GVariant) reply = pp_proxy_call_finish (PP_PROXY (source), result,
                                                    &parent->cancel_error);

  if (reply != NULL)
    g_variant_get (reply, "(bt)", &parent->was_running, &parent->stopped_after);
  parent->cancel_answered = TRUE;
  done_one (parent);
}

/* The proxy ends a cancelled call at once but cannot stop a job that was
 * taken by ::handle-method-call: tell the worker. Runs in g_cancellable_cancel(). */
static void
on_job_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  Parent *parent = user_data;

  parent->pending++;
  pp_proxy_call_async (parent->proxy, "cancel_job", g_variant_new ("(u)", parent->job_id),
                       -1, NULL, cancel_job_done, parent);
}

static void
hash_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Parent *parent = user_data;
  g_autoptr(GVariant) reply = pp_proxy_call_finish (PP_PROXY (source), result,
                                                    &parent->job_error);

  parent->job_ended = g_get_monotonic_time ();
  if (reply != NULL)
    g_variant_get (reply, "(s)", &parent->digest);
  done_one (parent);
}

/* Starts a job in the worker and runs the main loop until it has ended
 * (and, when it was cancelled, until the worker has been told). */
static void
run_job (Parent       *parent,
         guint32       job_id,
         guint32       size,
         guint32       rounds,
         GCancellable *cancellable)
{
  gulong cancel_id = 0;

  g_clear_pointer (&parent->digest, g_free);
  g_clear_error (&parent->job_error);
  parent->job_id = job_id;
  parent->job_total = (guint64) size * rounds;
  parent->cancellable = cancellable;
  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_job_cancelled), parent, NULL);

  reset_timer_figures (parent);
  parent->job_started = g_get_monotonic_time ();
  parent->pending = 1;
  pp_proxy_call_async (parent->proxy, "hash", g_variant_new ("(uuu)", job_id, size, rounds),
                       -1, cancellable, hash_done, parent);
  g_main_loop_run (parent->loop);

  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, cancel_id);
  parent->cancellable = NULL;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
print_timer_figures (Parent     *parent,
                     const char *when)
{
  g_print ("parent: %s the %d ms timer ticked %u times, %.2f ms late on average, "
           "%.2f ms at most\n", when, TICK_MSEC, parent->ticks,
           parent->ticks ? parent->sum_lateness / 1000.0 / parent->ticks : 0.0,
           parent->max_lateness / 1000.0);
}

static char *
local_digest (gsize size,
              guint rounds)
{
  g_autofree guint8 *buffer = g_malloc (size);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint32 state = BUFFER_SEED;

  fill_buffer (buffer, size, &state);
  for (guint i = 0; i < rounds; i++)
    g_checksum_update (checksum, buffer, size);
  return g_strdup (g_checksum_get_string (checksum));
}

static char *
self_path (const char *argv0)
{
  char *path = g_file_read_link ("/proc/self/exe", NULL);

  return path != NULL ? path : g_strdup (argv0);
}

static int
run_parent (const char *argv0)
{
  g_autofree char *program = self_path (argv0);
  const char *worker_argv[] = { program, "--worker", NULL };
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GSubprocess) worker = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_auto(Parent) parent = { .loop = loop };
  guint64 total_before, bytes_hashed;
  guint timer_id, jobs_running;
  gboolean ok = TRUE;
  double job_msec, cancel_msec;

  proxy = pp_proxy_new_for_subprocess_sync (NULL, worker_argv, NULL, NULL, &error);
  if (proxy == NULL)
    {
      g_printerr ("parent: cannot start the worker: %s\n", error->message);
      return EXIT_FAILURE;
    }
  worker = g_object_ref (pp_proxy_get_subprocess (proxy));
  parent.proxy = proxy;
  g_print ("parent: the worker (pid %s) serves an %s\n",
           g_subprocess_get_identifier (worker), pp_proxy_get_remote_type_name (proxy));

  /* The proxy mirrors the worker object's signal */
  g_signal_connect (proxy, "progress", G_CALLBACK (on_progress), &parent);

  /* 1. A small job, checked against the same digest computed here */
  reply = pp_proxy_call_sync (proxy, "hash", g_variant_new ("(uuu)", 1, SMALL_SIZE, SMALL_ROUNDS),
                              -1, NULL, &error);
  if (reply == NULL)
    {
      g_printerr ("parent: the small job failed: %s\n", error->message);
      return EXIT_FAILURE;
    }
  {
    const char *digest;

    expected = local_digest (SMALL_SIZE, SMALL_ROUNDS);
    g_variant_get (reply, "(&s)", &digest);
    g_print ("parent: small job: %s (%s)\n", digest,
             g_str_equal (digest, expected) ? "same as computed here" : "WRONG");
    ok &= g_str_equal (digest, expected);
  }
  g_clear_pointer (&reply, g_variant_unref);

  /* 2. The timer alone for a moment, for comparison */
  parent.last_tick = g_get_monotonic_time ();
  timer_id = g_timeout_add (TICK_MSEC, on_tick, &parent);
  g_timeout_add (300, quit_loop, loop);
  g_main_loop_run (loop);
  print_timer_figures (&parent, "with no job,");

  /* 3. The big job, while the timer ticks */
  run_job (&parent, 2, BIG_SIZE, BIG_ROUNDS, NULL);
  if (parent.digest == NULL)
    {
      g_printerr ("parent: the big job failed: %s\n", parent.job_error->message);
      return EXIT_FAILURE;
    }
  job_msec = (parent.job_ended - parent.job_started) / 1000.0;
  g_print ("parent: big job: %d MiB hashed in the worker in %.0f ms: %s (%s)\n",
           (BIG_SIZE >> 20) * BIG_ROUNDS, job_msec, parent.digest,
           g_str_equal (parent.digest, BIG_DIGEST) ? "right" : "WRONG");
  print_timer_figures (&parent, "meanwhile");
  ok &= g_str_equal (parent.digest, BIG_DIGEST);

  /* 4. The same job again, cancelled halfway by on_progress() */
  reply = pp_proxy_call_sync (proxy, "status", NULL, -1, NULL, &error);
  if (reply == NULL)
    {
      g_printerr ("parent: status failed: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_variant_get (reply, "(ut)", &jobs_running, &total_before);
  g_clear_pointer (&reply, g_variant_unref);

  run_job (&parent, 3, BIG_SIZE, BIG_ROUNDS, cancellable);
  cancel_msec = (parent.job_ended - parent.cancelled_at) / 1000.0;
  if (parent.cancelled_at == 0)
    {
      g_printerr ("parent: the job ended before it could be cancelled\n");
      ok = FALSE;
    }
  else if (g_error_matches (parent.job_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_print ("parent: the call ended with G_IO_ERROR_CANCELLED %.2f ms after the cancel\n",
             cancel_msec);
  else
    {
      g_printerr ("parent: the cancelled call ended with %s\n",
                  parent.job_error ? parent.job_error->message : "a result");
      ok = FALSE;
    }
  /* "Promptly": long before the other half of the job could have been
   * done. Measured against the first job, not in absolute terms, so that
   * it holds on a loaded machine and under valgrind too. */
  if (parent.cancelled_at != 0 && cancel_msec > job_msec / 4)
    {
      g_printerr ("parent: that is not prompt: the whole job took %.0f ms\n", job_msec);
      ok = FALSE;
    }

  if (!parent.cancel_answered || parent.cancel_error != NULL)
    {
      g_printerr ("parent: cancel_job failed: %s\n",
                  parent.cancel_error ? parent.cancel_error->message : "no answer");
      ok = FALSE;
    }
  else if (!parent.was_running)
    {
      g_printerr ("parent: the worker had already finished the job\n");
      ok = FALSE;
    }
  else
    g_print ("parent: the worker stopped the job after %" G_GUINT64_FORMAT " of %"
             G_GUINT64_FORMAT " MiB (%" G_GUINT64_FORMAT " MiB after the cancel)\n",
             parent.stopped_after >> 20, parent.job_total >> 20,
             (parent.stopped_after - parent.progress_at_cancel) >> 20);

  /* Let the worker run a while, and check that it hashed nothing more */
  g_timeout_add (200, quit_loop, loop);
  g_main_loop_run (loop);
  reply = pp_proxy_call_sync (proxy, "status", NULL, -1, NULL, &error);
  if (reply == NULL)
    {
      g_printerr ("parent: status failed: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_variant_get (reply, "(ut)", &jobs_running, &bytes_hashed);
  if (jobs_running != 0 || bytes_hashed != total_before + parent.stopped_after)
    {
      g_printerr ("parent: the worker went on: %u jobs, %" G_GUINT64_FORMAT " bytes hashed "
                  "instead of %" G_GUINT64_FORMAT "\n", jobs_running, bytes_hashed,
                  total_before + parent.stopped_after);
      ok = FALSE;
    }
  else
    g_print ("parent: 200 ms later the worker has no job and has hashed nothing more\n");
  print_timer_figures (&parent, "during and after the cancelled job,");

  g_source_remove (timer_id);
  g_signal_handlers_disconnect_by_func (proxy, on_progress, &parent);

  /* Closing the proxy ends the worker's pp_listener_run() */
  pp_proxy_close (proxy);
  if (!g_subprocess_wait_check (worker, NULL, &error))
    {
      g_printerr ("parent: the worker failed: %s\n", error->message);
      ok = FALSE;
    }

  g_print ("parent: %s\n", ok ? "all good" : "FAILED");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 2 && strcmp (argv[1], "--worker") == 0)
    return run_worker ();
  if (argc != 1)
    {
      g_printerr ("Usage: %s\n", argv[0]);
      return EXIT_FAILURE;
    }
  return run_parent (argv[0]);
}
