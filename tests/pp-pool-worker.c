/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A worker of the pool tests (C, Python, JavaScript): serves an object whose
 * methods say which process answered, until the parent goes away.
 *
 *   pid ()            → (i)  its process id
 *   sleep (u msec)    → (i)  sleeps (synchronously), then its process id
 *   emit (u n)        → (i)  emits ::progress (pid, step) n times, 20 ms apart
 *   read_fd (h)       → (ti) reads the descriptor to its end: byte count, pid
 *   hold ()           → (i)  answers only at the next let_go, even when cancelled
 *   let_go ()         → (u)  answers the held calls (with the pid), says how many
 *   make (s name)     → (i)  emits ::made with a GSimpleAction called name and a
 *                            GKeyFile whose start group is name (a boxed value
 *                            with no value form), then its pid
 */

#include <stdio.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <pipeproxy/pipeproxy.h>

#define POOL_TYPE_THING (pool_thing_get_type ())
G_DECLARE_FINAL_TYPE (PoolThing, pool_thing, POOL, THING, GObject)

struct _PoolThing
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (PoolThing, pool_thing, G_TYPE_OBJECT)

static guint progress_signal;
static guint made_signal;

static void
pool_thing_class_init (PoolThingClass *klass)
{
  progress_signal = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  made_signal = g_signal_new ("made", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                              0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_OBJECT,
                              G_TYPE_KEY_FILE);
}

static void
pool_thing_init (PoolThing *self)
{
}

static GVariant *
pid_method (GObject   *object,
            GVariant  *parameters,
            gpointer   user_data,
            GError   **error)
{
  return g_variant_new ("(i)", (gint32) getpid ());
}

static GVariant *
sleep_method (GObject   *object,
              GVariant  *parameters,
              gpointer   user_data,
              GError   **error)
{
  guint32 msec;

  g_variant_get (parameters, "(u)", &msec);
  g_usleep ((gulong) msec * 1000);
  return g_variant_new ("(i)", (gint32) getpid ());
}

static GVariant *
emit_method (GObject   *object,
             GVariant  *parameters,
             gpointer   user_data,
             GError   **error)
{
  guint32 n;

  g_variant_get (parameters, "(u)", &n);
  for (guint32 i = 0; i < n; i++)
    {
      if (i > 0)
        g_usleep (20000);
      g_signal_emit (object, progress_signal, 0, (int) getpid (), (int) i);
    }
  return g_variant_new ("(i)", (gint32) getpid ());
}

static gboolean
read_fd (PpListener   *listener,
         const char   *method,
         GVariant     *parameters,
         PpInvocation *invocation,
         gpointer      user_data)
{
  GUnixFDList *fds = pp_invocation_get_unix_fd_list (invocation);
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) sink = NULL;
  g_autoptr(GError) error = NULL;
  gint32 handle;
  gssize n;
  int fd;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(h)")) || fds == NULL)
    {
      pp_invocation_return_error_literal (invocation, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                                          "read_fd takes (h) and a descriptor");
      return TRUE;
    }
  g_variant_get (parameters, "(h)", &handle);
  fd = g_unix_fd_list_get (fds, handle, &error);
  if (fd < 0)
    {
      pp_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  input = g_unix_input_stream_new (fd, TRUE);
  sink = g_memory_output_stream_new_resizable ();
  n = g_output_stream_splice (sink, input, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, NULL, &error);
  if (n < 0)
    pp_invocation_return_gerror (invocation, error);
  else
    pp_invocation_return_value (invocation, g_variant_new ("(ti)", (guint64) n,
                                                           (gint32) getpid ()));
  return TRUE;
}

static GVariant *
make_method (GObject   *object,
             GVariant  *parameters,
             gpointer   user_data,
             GError   **error)
{
  g_autoptr(GSimpleAction) action = NULL;
  g_autoptr(GKeyFile) file = g_key_file_new ();
  const char *name;

  g_variant_get (parameters, "(&s)", &name);
  action = g_simple_action_new (name, NULL);
  g_key_file_set_boolean (file, name, "made", TRUE);
  g_signal_emit (object, made_signal, 0, action, file);
  return g_variant_new ("(i)", (gint32) getpid ());
}

/* The calls hold() keeps, answered by let_go() */
static GPtrArray *held;

static gboolean
hold (PpListener   *listener,
      const char   *method,
      GVariant     *parameters,
      PpInvocation *invocation,
      gpointer      user_data)
{
  g_ptr_array_add (held, g_object_ref (invocation));
  return TRUE;
}

static GVariant *
let_go_method (GObject   *object,
               GVariant  *parameters,
               gpointer   user_data,
               GError   **error)
{
  guint n = held->len;

  for (guint i = 0; i < held->len; i++)
    pp_invocation_return_value (g_ptr_array_index (held, i),
                                g_variant_new ("(i)", (gint32) getpid ()));
  g_ptr_array_set_size (held, 0);
  return g_variant_new ("(u)", n);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PoolThing) thing = g_object_new (POOL_TYPE_THING, NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  listener = pp_listener_new_for_parent (G_OBJECT (thing), &error);
  if (listener == NULL)
    {
      fprintf (stderr, "pool worker: %s\n", error->message);
      return 1;
    }
  pp_listener_add_method (listener, "pid", G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE ("(i)"),
                          pid_method, NULL, NULL);
  pp_listener_add_method (listener, "sleep", G_VARIANT_TYPE ("(u)"), G_VARIANT_TYPE ("(i)"),
                          sleep_method, NULL, NULL);
  pp_listener_add_method (listener, "emit", G_VARIANT_TYPE ("(u)"), G_VARIANT_TYPE ("(i)"),
                          emit_method, NULL, NULL);
  g_signal_connect (listener, "handle-method-call::read_fd", G_CALLBACK (read_fd), NULL);
  held = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (listener, "handle-method-call::hold", G_CALLBACK (hold), NULL);
  pp_listener_add_method (listener, "make", G_VARIANT_TYPE ("(s)"), G_VARIANT_TYPE ("(i)"),
                          make_method, NULL, NULL);
  pp_listener_add_method (listener, "let_go", G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE ("(u)"),
                          let_go_method, NULL, NULL);
  pp_listener_run (listener);
  g_ptr_array_unref (held);
  return 0;
}
