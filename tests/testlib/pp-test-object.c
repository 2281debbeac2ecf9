/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "pp-test-object-private.h"

/**
 * PpTestObject:
 *
 * An object to export through a pipeproxy connection in the test suites.
 *
 * It has one method per basic introspectable type (`echo_*`), methods with
 * arrays, out, inout and nullable arguments, methods that fail with a
 * [struct@GLib.Error] from a registered domain ([error@PpTest.Error]) or from
 * `G_IO_ERROR`, an inherited method ([method@PpTest.Base.get_base_name]), an
 * interface method ([method@PpTest.Greeter.greet]), a property, a signal and
 * two action signals.
 *
 * It also has methods that a remote peer must never be able to invoke:
 * methods that take callbacks or raw pointers, steal internal state, or take
 * arguments whose type cannot cross a process boundary. Each of them counts
 * itself in [method@PpTest.Object.get_dangerous_call_count], so a test can
 * check that a call was refused before it reached the object.
 *
 * Every `pp_test_object_*` method except [method@PpTest.Object.get_call_count]
 * (and the constructor) counts itself in
 * [method@PpTest.Object.get_call_count]. Property access, signal class
 * handlers, [method@PpTest.Greeter.greet] and
 * [method@PpTest.Base.get_base_name] are not counted.
 *
 * The two counters are updated atomically. Everything else is not
 * thread-safe; signals are emitted in the thread that called the method.
 */


enum {
  PROP_0,
  PROP_PARAMETER,
  PROP_LABEL,
  PROP_COUNT,
  N_PROPS
};

enum {
  CHANGED,
  RESET,
  ADD_NUMBERS,
  PING,
  STREAM_READY,
  NUMBERS,
  INTEGERS,
  MANY,
  DETAILED,
  WITH_OBJECT,
  N_SIGNALS
};

static GParamSpec *properties [N_PROPS];
static guint signals [N_SIGNALS];

static void pp_test_object_greeter_iface_init (PpTestGreeterInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PpTestObject, pp_test_object, PP_TEST_TYPE_BASE,
                               G_IMPLEMENT_INTERFACE (PP_TEST_TYPE_GREETER,
                                                      pp_test_object_greeter_iface_init))

static void
pp_test_object_store_parameter (PpTestObject *self,
                                int           value)
{
  if (self->parameter != value)
    {
      self->parameter = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_PARAMETER]);
    }

  if (self->callback != NULL)
    self->callback (value, self->callback_data);

  g_signal_emit (self, signals [CHANGED], 0, value);
}

static void
pp_test_object_real_reset (PpTestObject *self)
{
  pp_test_object_store_parameter (self, 0);
}

static int
pp_test_object_real_add_numbers (PpTestObject *self,
                                 int           a,
                                 int           b)
{
  return a + b;
}

static char *
pp_test_object_greeter_greet (PpTestGreeter *greeter,
                              const char    *name)
{
  return g_strdup_printf ("Hello, %s!", name);
}

static void
pp_test_object_greeter_iface_init (PpTestGreeterInterface *iface)
{
  iface->greet = pp_test_object_greeter_greet;
}

static void
pp_test_object_dispose (GObject *object)
{
  PpTestObject *self = (PpTestObject *)object;
  GDestroyNotify destroy = g_steal_pointer (&self->callback_destroy);
  gpointer data = g_steal_pointer (&self->callback_data);

  self->callback = NULL;
  if (destroy != NULL)
    destroy (data);

  g_clear_object (&self->object);

  G_OBJECT_CLASS (pp_test_object_parent_class)->dispose (object);
}

static void
pp_test_object_finalize (GObject *object)
{
  PpTestObject *self = (PpTestObject *)object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->label, g_free);

  G_OBJECT_CLASS (pp_test_object_parent_class)->finalize (object);
}

static void
pp_test_object_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PpTestObject *self = PP_TEST_OBJECT (object);

  switch (prop_id)
    {
    case PROP_PARAMETER:
      g_value_set_int (value, self->parameter);
      break;

    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;

    case PROP_COUNT:
      g_value_set_uint (value, self->count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_test_object_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  PpTestObject *self = PP_TEST_OBJECT (object);

  switch (prop_id)
    {
    case PROP_PARAMETER:
      pp_test_object_store_parameter (self, g_value_get_int (value));
      break;

    case PROP_LABEL:
      g_free (self->label);
      self->label = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_test_object_class_init (PpTestObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pp_test_object_dispose;
  object_class->finalize = pp_test_object_finalize;
  object_class->get_property = pp_test_object_get_property;
  object_class->set_property = pp_test_object_set_property;

  /**
   * PpTestObject:parameter:
   *
   * An integer, changed by [method@PpTest.Object.set_parameter] and reset to 0
   * by [signal@PpTest.Object::reset]. Notified only when its value changes.
   */
  properties [PROP_PARAMETER] =
    g_param_spec_int ("parameter", NULL, NULL,
                      G_MININT, G_MAXINT, 0,
                      (G_PARAM_READWRITE |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  /**
   * PpTestObject:label:
   *
   * A string set once, at construction.
   */
  properties [PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, "initial",
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * PpTestObject:count:
   *
   * A read-only counter, raised by [method@PpTest.Object.bump_count].
   */
  properties [PROP_COUNT] =
    g_param_spec_uint ("count", NULL, NULL, 0, G_MAXUINT, 0,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PpTestObject::ping:
   * @self: the object
   *
   * A signal without arguments, emitted by [method@PpTest.Object.emit_ping].
   */
  signals [PING] =
    g_signal_new ("ping", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * PpTestObject::stream-ready:
   * @self: the object
   * @stream: (nullable): a stream to read
   *
   * A signal carrying a stream, emitted by
   * [method@PpTest.Object.emit_stream_ready].
   */
  signals [STREAM_READY] =
    g_signal_new ("stream-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INPUT_STREAM);

  /**
   * PpTestObject::numbers:
   * @self: the object
   * @b: a boolean
   * @c: a char
   * @uc: an unsigned char
   * @l: a long
   * @ul: an unsigned long
   * @f: a float
   * @d: a double
   *
   * A signal with one argument of each of these number types, emitted by
   * [method@PpTest.Object.emit_numbers].
   */
  signals [NUMBERS] =
    g_signal_new ("numbers", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 7,
                  G_TYPE_BOOLEAN, G_TYPE_CHAR, G_TYPE_UCHAR, G_TYPE_LONG, G_TYPE_ULONG,
                  G_TYPE_FLOAT, G_TYPE_DOUBLE);

  /**
   * PpTestObject::integers:
   * @self: the object
   * @i: an int
   * @u: an unsigned int
   * @x: a 64-bit integer
   * @t: an unsigned 64-bit integer
   * @s: (nullable): a string
   *
   * A signal with integers and a string that may be %NULL, emitted by
   * [method@PpTest.Object.emit_numbers].
   */
  signals [INTEGERS] =
    g_signal_new ("integers", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 5,
                  G_TYPE_INT, G_TYPE_UINT, G_TYPE_INT64, G_TYPE_UINT64, G_TYPE_STRING);

  /**
   * PpTestObject::many:
   * @self: the object
   * @i: an integer
   * @s: a string
   * @d: a double
   * @b: a boolean
   * @t: an unsigned 64-bit integer
   * @strv: (array zero-terminated=1): a string array
   *
   * A signal with six arguments, emitted by [method@PpTest.Object.emit_many].
   */
  signals [MANY] =
    g_signal_new ("many", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 6,
                  G_TYPE_INT, G_TYPE_STRING, G_TYPE_DOUBLE, G_TYPE_BOOLEAN, G_TYPE_UINT64,
                  G_TYPE_STRV);

  /**
   * PpTestObject::detailed:
   * @self: the object
   * @text: a string
   *
   * A detailed signal, emitted by [method@PpTest.Object.emit_detailed].
   */
  signals [DETAILED] =
    g_signal_new ("detailed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * PpTestObject::with-object:
   * @self: the object
   * @object: another object
   *
   * A signal whose argument is an object: a proxy receives a proxy of it.
   */
  signals [WITH_OBJECT] =
    g_signal_new ("with-object", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_OBJECT);

  /**
   * PpTestObject::changed:
   * @self: the object
   * @value: the value that was set
   *
   * Emitted each time [property@PpTest.Object:parameter] is set, whether
   * or not its value changed, and by
   * [method@PpTest.Object.emit_changed_times].
   */
  signals [CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  g_cclosure_marshal_VOID__INT,
                  G_TYPE_NONE, 1, G_TYPE_INT);
  g_signal_set_va_marshaller (signals [CHANGED],
                              G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__INTv);

  /**
   * PpTestObject::reset:
   * @self: the object
   *
   * An action signal whose class handler sets
   * [property@PpTest.Object:parameter] to 0.
   */
  signals [RESET] =
    g_signal_new_class_handler ("reset",
                                G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (pp_test_object_real_reset),
                                NULL, NULL,
                                g_cclosure_marshal_VOID__VOID,
                                G_TYPE_NONE, 0);
  g_signal_set_va_marshaller (signals [RESET],
                              G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__VOIDv);

  /**
   * PpTestObject::add-numbers:
   * @self: the object
   * @a: a number
   * @b: another number
   *
   * An action signal whose class handler returns the sum of its arguments.
   *
   * Returns: @a + @b
   */
  signals [ADD_NUMBERS] =
    g_signal_new_class_handler ("add-numbers",
                                G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (pp_test_object_real_add_numbers),
                                NULL, NULL,
                                NULL,
                                G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
}

static void
pp_test_object_init (PpTestObject *self)
{
  self->name = g_strdup ("pp-test-object");
}

/**
 * pp_test_object_end_process:
 * @self: a [class@PpTest.Object]
 * @how: "abort" to abort, "exit" to exit with status 0, "exit3" for 3
 *
 * Ends the process that owns @self, after writing a line to stderr, to test
 * what a caller in another process sees.
 */
void
pp_test_object_end_process (PpTestObject *self,
                            const char   *how)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));

  g_printerr ("worker: ending with %s\n", how);
  if (g_str_equal (how, "abort"))
    abort ();
  exit (g_str_equal (how, "exit3") ? 3 : 0);
}

typedef struct
{
  PpTestObject *self;
  GSource      *timeout;
  gulong        cancel_id;
} Wait;

static void
wait_free (gpointer data)
{
  Wait *wait = data;

  if (wait->timeout != NULL)
    {
      g_source_destroy (wait->timeout);
      g_source_unref (wait->timeout);
    }
  g_free (wait);
}

static gboolean
wait_elapsed (gpointer data)
{
  GTask *task = data;
  Wait *wait = g_task_get_task_data (task);

  g_clear_pointer (&wait->timeout, g_source_unref);
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
  if (wait->cancel_id != 0)
    {
      /* The cancellation's reference is not needed any more */
      g_cancellable_disconnect (g_task_get_cancellable (task), wait->cancel_id);
      wait->cancel_id = 0;
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

static void
wait_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  GTask *task = data;
  Wait *wait = g_task_get_task_data (task);

  g_atomic_int_inc (&wait->self->cancelled_waits);
  if (wait->timeout != NULL)
    {
      g_source_destroy (wait->timeout);
      g_clear_pointer (&wait->timeout, g_source_unref);
      g_task_return_error_if_cancelled (task);
      /* The handler stays connected until the cancellable goes */
      wait->cancel_id = 0;
      g_object_unref (task);
    }
}

/**
 * pp_test_object_wait_async:
 * @self: a [class@PpTest.Object]
 * @msec: how long to wait
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the time has passed or the wait was cancelled
 * @user_data: data for @callback
 *
 * Waits without blocking; cancelling it is counted by
 * [method@PpTest.Object.get_cancelled_count].
 */
void
pp_test_object_wait_async (PpTestObject        *self,
                           guint                msec,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  Wait *wait;

  g_return_if_fail (PP_TEST_IS_OBJECT (self));

  COUNT_CALL (self);
  task = g_task_new (self, cancellable, callback, user_data);
  wait = g_new0 (Wait, 1);
  wait->self = self;
  g_task_set_task_data (task, wait, wait_free);

  /* The task holds one reference for the timeout and one for the
   * cancellation; whichever ends the wait drops the other's too. */
  wait->timeout = g_timeout_source_new (msec);
  g_source_set_callback (wait->timeout, wait_elapsed, g_object_ref (task), g_object_unref);
  g_source_attach (wait->timeout, g_main_context_get_thread_default ());
  if (cancellable != NULL)
    wait->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (wait_cancelled), task, NULL);
  if (wait->cancel_id == 0)
    g_object_unref (task);
}

/**
 * pp_test_object_wait_finish:
 * @self: a [class@PpTest.Object]
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@PpTest.Object.wait_async].
 *
 * Returns: %TRUE when the time has passed
 */
gboolean
pp_test_object_wait_finish (PpTestObject  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pp_test_object_get_cancelled_count:
 * @self: a [class@PpTest.Object]
 *
 * Returns: how many waits were cancelled
 */
guint
pp_test_object_get_cancelled_count (PpTestObject *self)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);
  return g_atomic_int_get (&self->cancelled_waits);
}

/**
 * pp_test_object_work:
 * @self: a [class@PpTest.Object]
 * @msec: how long to work
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Emits [signal@PpTest.Object::ping], then blocks the calling thread for
 * @msec milliseconds, or until @cancellable is cancelled, which
 * [method@PpTest.Object.get_cancelled_count] counts.
 *
 * Returns: %TRUE when the time has passed, %FALSE when cancelled
 */
gboolean
pp_test_object_work (PpTestObject  *self,
                     guint          msec,
                     GCancellable  *cancellable,
                     GError       **error)
{
  gint64 end = g_get_monotonic_time () + (gint64) msec * 1000;

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), FALSE);

  COUNT_CALL (self);
  g_signal_emit (self, signals [PING], 0);
  while (g_get_monotonic_time () < end)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_atomic_int_inc (&self->cancelled_waits);
          return FALSE;
        }
      g_usleep (1000);
    }
  return TRUE;
}

/**
 * pp_test_object_emit_ping:
 * @self: a [class@PpTest.Object]
 *
 * Emits [signal@PpTest.Object::ping].
 */
void
pp_test_object_emit_ping (PpTestObject *self)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  g_signal_emit (self, signals [PING], 0);
}

/**
 * pp_test_object_emit_stream_ready:
 * @self: a [class@PpTest.Object]
 * @data: (nullable): what the stream holds, or %NULL to emit no stream
 *
 * Emits [signal@PpTest.Object::stream-ready] with a memory stream of @data.
 */
void
pp_test_object_emit_stream_ready (PpTestObject *self,
                                  GBytes       *data)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  if (data != NULL)
    stream = g_memory_input_stream_new_from_bytes (data);
  g_signal_emit (self, signals [STREAM_READY], 0, stream);
}

/**
 * pp_test_object_emit_numbers:
 * @self: a [class@PpTest.Object]
 * @extreme: whether to emit the extremes of each type rather than small
 *   values
 *
 * Emits [signal@PpTest.Object::numbers] and [signal@PpTest.Object::integers]:
 * the smallest values of the signed types and the largest of the unsigned
 * ones with a %NULL string, or small values with a string.
 */
void
pp_test_object_emit_numbers (PpTestObject *self,
                             gboolean      extreme)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  if (extreme)
    {
      g_signal_emit (self, signals [NUMBERS], 0, TRUE, (gchar) G_MININT8, (guchar) G_MAXUINT8,
                     (glong) G_MINLONG, (gulong) G_MAXULONG, -G_MAXFLOAT, G_MAXDOUBLE);
      g_signal_emit (self, signals [INTEGERS], 0, G_MININT32, G_MAXUINT32, G_MININT64,
                     G_MAXUINT64, NULL);
    }
  else
    {
      g_signal_emit (self, signals [NUMBERS], 0, FALSE, (gchar) 'x', (guchar) 7,
                     (glong) -3, (gulong) 4, 1.5f, -2.25);
      g_signal_emit (self, signals [INTEGERS], 0, -1, 2u, (gint64) -3, (guint64) 4,
                     "h\u00e9llo");
    }
}

/**
 * pp_test_object_emit_many:
 * @self: a [class@PpTest.Object]
 * @i: an integer
 *
 * Emits [signal@PpTest.Object::many] with @i, "text @i", @i / 2.0,
 * whether @i is odd, @i * 2^33, and ["a", "b"].
 */
void
pp_test_object_emit_many (PpTestObject *self,
                          int           i)
{
  static const char * const strv[] = { "a", "b", NULL };
  g_autofree char *text = NULL;

  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  text = g_strdup_printf ("text %d", i);
  g_signal_emit (self, signals [MANY], 0, i, text, i / 2.0, (gboolean) (i & 1),
                 (guint64) i << 33, strv);
}

/**
 * pp_test_object_emit_detailed:
 * @self: a [class@PpTest.Object]
 * @detail: the detail to emit with
 * @text: the argument
 *
 * Emits [signal@PpTest.Object::detailed] with a detail.
 */
void
pp_test_object_emit_detailed (PpTestObject *self,
                              const char   *detail,
                              const char   *text)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  g_signal_emit (self, signals [DETAILED], g_quark_from_string (detail), text);
}

/**
 * pp_test_object_bump_count:
 * @self: a [class@PpTest.Object]
 *
 * Adds one to [property@PpTest.Object:count].
 */
void
pp_test_object_bump_count (PpTestObject *self)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  self->count++;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_COUNT]);
}

/**
 * pp_test_object_has_handlers:
 * @self: a [class@PpTest.Object]
 * @signal_name: the name of a signal of @self
 *
 * Tells whether anything is connected to a signal, e.g. a listener that
 * forwards it.
 *
 * Returns: %TRUE if @signal_name has handlers
 */
gboolean
pp_test_object_has_handlers (PpTestObject *self,
                             const char   *signal_name)
{
  guint id;

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), FALSE);
  id = g_signal_lookup (signal_name, G_OBJECT_TYPE (self));
  return id != 0 && g_signal_handler_find (self, G_SIGNAL_MATCH_ID, id, 0, NULL, NULL, NULL) != 0;
}

/**
 * pp_test_object_new:
 *
 * Creates a new [class@PpTest.Object] with both counters at 0.
 *
 * Returns: (transfer full): a new [class@PpTest.Object]
 */
PpTestObject *
pp_test_object_new (void)
{
  return g_object_new (PP_TEST_TYPE_OBJECT, NULL);
}

/**
 * pp_test_object_set_parameter:
 * @self: a [class@PpTest.Object]
 * @value: the new value
 *
 * Sets [property@PpTest.Object:parameter] and emits
 * [signal@PpTest.Object::changed] with @value.
 */
void
pp_test_object_set_parameter (PpTestObject *self,
                              int           value)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));

  COUNT_CALL (self);
  pp_test_object_store_parameter (self, value);
}

/**
 * pp_test_object_get_parameter:
 * @self: a [class@PpTest.Object]
 *
 * Gets [property@PpTest.Object:parameter].
 *
 * Returns: the value of the parameter
 */
int
pp_test_object_get_parameter (PpTestObject *self)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return self->parameter;
}

/**
 * pp_test_object_emit_changed_times:
 * @self: a [class@PpTest.Object]
 * @n: how many times to emit the signal
 *
 * Emits [signal@PpTest.Object::changed] @n times, with the values 1 to @n,
 * without changing [property@PpTest.Object:parameter].
 */
void
pp_test_object_emit_changed_times (PpTestObject *self,
                                   guint         n)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  g_return_if_fail (n <= G_MAXINT);

  COUNT_CALL (self);
  for (guint i = 1; i <= n; i++)
    g_signal_emit (self, signals [CHANGED], 0, (int)i);
}

/**
 * pp_test_object_get_call_count:
 * @self: a [class@PpTest.Object]
 *
 * Gets how many `pp_test_object_*` methods were called on @self so far,
 * the dangerous ones included. This method does not count itself.
 *
 * Returns: the number of method calls
 */
guint
pp_test_object_get_call_count (PpTestObject *self)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  return (guint)g_atomic_int_get (&self->call_count);
}

/**
 * pp_test_object_get_dangerous_call_count:
 * @self: a [class@PpTest.Object]
 *
 * Gets how many calls to methods a remote peer must never reach were made on
 * @self so far: [method@PpTest.Object.set_callback],
 * [method@PpTest.Object.get_pointer], [method@PpTest.Object.take_pointer],
 * [method@PpTest.Object.steal_name], [method@PpTest.Object.take_object] and
 * [method@PpTest.Object.take_point].
 *
 * Returns: the number of dangerous calls
 */
guint
pp_test_object_get_dangerous_call_count (PpTestObject *self)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return (guint)g_atomic_int_get (&self->dangerous_calls);
}

/**
 * pp_test_object_set_callback:
 * @self: a [class@PpTest.Object]
 * @callback: (scope notified) (closure user_data) (destroy destroy) (nullable):
 *   a function to call with the new value each time
 *   [property@PpTest.Object:parameter] is set
 * @user_data: data for @callback
 * @destroy: (nullable): a function to free @user_data with
 *
 * Sets a callback. Dangerous: a remote peer must not reach it.
 */
void
pp_test_object_set_callback (PpTestObject   *self,
                             PpTestCallback  callback,
                             gpointer        user_data,
                             GDestroyNotify  destroy)
{
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (PP_TEST_IS_OBJECT (self));

  COUNT_DANGEROUS_CALL (self);

  old_destroy = self->callback_destroy;
  old_data = self->callback_data;

  self->callback = callback;
  self->callback_data = user_data;
  self->callback_destroy = destroy;

  if (old_destroy != NULL)
    old_destroy (old_data);
}

/**
 * pp_test_object_get_pointer:
 * @self: a [class@PpTest.Object]
 *
 * Gets the pointer given to [method@PpTest.Object.take_pointer]. Dangerous:
 * a remote peer must not reach it.
 *
 * Returns: (transfer none) (nullable): the stored pointer
 */
gpointer
pp_test_object_get_pointer (PpTestObject *self)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);

  COUNT_DANGEROUS_CALL (self);
  return self->pointer;
}

/**
 * pp_test_object_take_pointer:
 * @self: a [class@PpTest.Object]
 * @data: (nullable): an opaque pointer
 *
 * Stores @data, which is never dereferenced nor freed. Dangerous: a remote
 * peer must not reach it.
 */
void
pp_test_object_take_pointer (PpTestObject *self,
                             gpointer      data)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));

  COUNT_DANGEROUS_CALL (self);
  self->pointer = data;
}

/**
 * pp_test_object_steal_name:
 * @self: a [class@PpTest.Object]
 *
 * Takes the internal name of @self away from it: the first call returns
 * `"pp-test-object"`, later calls %NULL. Dangerous: a remote peer must not
 * reach it.
 *
 * Returns: (transfer full) (nullable): the name, or %NULL if it was stolen
 *   already
 */
char *
pp_test_object_steal_name (PpTestObject *self)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);

  COUNT_DANGEROUS_CALL (self);
  return g_steal_pointer (&self->name);
}

/**
 * pp_test_object_take_object:
 * @self: a [class@PpTest.Object]
 * @object: (transfer full): an object
 *
 * Keeps @object until @self is disposed. Its argument is an object, which
 * cannot cross a process boundary, so a remote peer must not reach it.
 */
void
pp_test_object_take_object (PpTestObject *self,
                            GObject      *object)
{
  GObject *old;

  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  g_return_if_fail (G_IS_OBJECT (object));

  COUNT_DANGEROUS_CALL (self);

  old = g_steal_pointer (&self->object);
  self->object = object;
  g_clear_object (&old);
}

/**
 * pp_test_object_take_point:
 * @self: a [class@PpTest.Object]
 * @point: a point, copied
 *
 * Stores a copy of @point. Its argument is a plain C structure, which
 * cannot cross a process boundary, so a remote peer must not reach it.
 */
void
pp_test_object_take_point (PpTestObject *self,
                           PpTestPoint  *point)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  g_return_if_fail (point != NULL);

  COUNT_DANGEROUS_CALL (self);
  self->point = *point;
}
