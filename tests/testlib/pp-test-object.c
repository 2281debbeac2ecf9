/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include <stdlib.h>

#include "pp-test-object.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>

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

struct _PpTestObject
{
  PpTestBase      parent_instance;

  int             parameter;
  guint           call_count;
  guint           dangerous_calls;

  PpTestCallback  callback;
  gpointer        callback_data;
  GDestroyNotify  callback_destroy;

  gpointer        pointer;
  char           *name;
  GObject        *object;
  PpTestPoint     point;
  char           *label;
  guint           count;
  guint           cancelled_waits;
};

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

#define COUNT_CALL(self) \
  g_atomic_int_inc (&(self)->call_count)

#define COUNT_DANGEROUS_CALL(self) \
  G_STMT_START { \
    g_atomic_int_inc (&(self)->call_count); \
    g_atomic_int_inc (&(self)->dangerous_calls); \
  } G_STMT_END

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
   * A signal whose argument cannot cross a process boundary.
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
 * pp_test_object_echo_boolean:
 * @self: a [class@PpTest.Object]
 * @value: a boolean
 *
 * Returns its argument.
 *
 * Returns: @value
 */
gboolean
pp_test_object_echo_boolean (PpTestObject *self,
                             gboolean      value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), FALSE);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_int8:
 * @self: a [class@PpTest.Object]
 * @value: a signed 8-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
gint8
pp_test_object_echo_int8 (PpTestObject *self,
                          gint8         value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_uint8:
 * @self: a [class@PpTest.Object]
 * @value: an unsigned 8-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
guint8
pp_test_object_echo_uint8 (PpTestObject *self,
                           guint8        value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_int16:
 * @self: a [class@PpTest.Object]
 * @value: a signed 16-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
gint16
pp_test_object_echo_int16 (PpTestObject *self,
                           gint16        value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_uint16:
 * @self: a [class@PpTest.Object]
 * @value: an unsigned 16-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
guint16
pp_test_object_echo_uint16 (PpTestObject *self,
                            guint16       value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_int32:
 * @self: a [class@PpTest.Object]
 * @value: a signed 32-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
gint32
pp_test_object_echo_int32 (PpTestObject *self,
                           gint32        value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_uint32:
 * @self: a [class@PpTest.Object]
 * @value: an unsigned 32-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
guint32
pp_test_object_echo_uint32 (PpTestObject *self,
                            guint32       value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_int64:
 * @self: a [class@PpTest.Object]
 * @value: a signed 64-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
gint64
pp_test_object_echo_int64 (PpTestObject *self,
                           gint64        value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_uint64:
 * @self: a [class@PpTest.Object]
 * @value: an unsigned 64-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
guint64
pp_test_object_echo_uint64 (PpTestObject *self,
                            guint64       value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_float:
 * @self: a [class@PpTest.Object]
 * @value: a single-precision number
 *
 * Returns its argument.
 *
 * Returns: @value
 */
float
pp_test_object_echo_float (PpTestObject *self,
                           float         value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0.0f);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_double:
 * @self: a [class@PpTest.Object]
 * @value: a double-precision number
 *
 * Returns its argument.
 *
 * Returns: @value
 */
double
pp_test_object_echo_double (PpTestObject *self,
                            double        value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0.0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_string:
 * @self: a [class@PpTest.Object]
 * @value: a UTF-8 string
 *
 * Returns a copy of its argument.
 *
 * Returns: (transfer full): a copy of @value
 */
char *
pp_test_object_echo_string (PpTestObject *self,
                            const char   *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  return g_strdup (value);
}

/**
 * pp_test_object_echo_filename:
 * @self: a [class@PpTest.Object]
 * @value: (type filename): a file name, in the encoding of the file system
 *
 * Returns a copy of its argument, which need not be valid UTF-8.
 *
 * Returns: (type filename) (transfer full): a copy of @value
 */
char *
pp_test_object_echo_filename (PpTestObject *self,
                              const char   *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  return g_strdup (value);
}

/**
 * pp_test_object_echo_strv:
 * @self: a [class@PpTest.Object]
 * @value: (array zero-terminated=1): a %NULL-terminated array of strings
 *
 * Returns a copy of its argument.
 *
 * Returns: (array zero-terminated=1) (transfer full): a copy of @value
 */
char **
pp_test_object_echo_strv (PpTestObject       *self,
                          const char * const *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  return g_strdupv ((char **)value);
}

/**
 * pp_test_object_echo_bytes:
 * @self: a [class@PpTest.Object]
 * @value: some bytes
 *
 * Returns its argument.
 *
 * Returns: (transfer full): a new reference to @value
 */
GBytes *
pp_test_object_echo_bytes (PpTestObject *self,
                           GBytes       *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  return g_bytes_ref (value);
}

/**
 * pp_test_object_read_stream:
 * @self: a [class@PpTest.Object]
 * @stream: a stream to read to its end
 * @error: return location for an error
 *
 * Reads @stream to its end.
 *
 * Returns: (transfer full): everything read
 */
GBytes *
pp_test_object_read_stream (PpTestObject  *self,
                            GInputStream  *stream,
                            GError       **error)
{
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  COUNT_CALL (self);
  if (g_output_stream_splice (memory, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                              NULL, error) < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/**
 * pp_test_object_write_stream:
 * @self: a [class@PpTest.Object]
 * @stream: a stream to write to
 * @data: what to write
 * @error: return location for an error
 *
 * Writes @data to @stream and closes it.
 *
 * Returns: whether all of @data was written
 */
gboolean
pp_test_object_write_stream (PpTestObject  *self,
                             GOutputStream *stream,
                             GBytes        *data,
                             GError       **error)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);

  COUNT_CALL (self);
  return g_output_stream_write_all (stream, g_bytes_get_data (data, NULL),
                                    g_bytes_get_size (data), NULL, NULL, error) &&
         g_output_stream_close (stream, NULL, error);
}

/**
 * pp_test_object_open_bytes:
 * @self: a [class@PpTest.Object]
 * @data: the stream's content
 *
 * Makes a stream of @data that has no file descriptor of its own.
 *
 * Returns: (transfer full): a memory stream reading @data
 */
GInputStream *
pp_test_object_open_bytes (PpTestObject *self,
                           GBytes       *data)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);

  COUNT_CALL (self);
  return g_memory_input_stream_new_from_bytes (data);
}

/**
 * pp_test_object_open_file:
 * @self: a [class@PpTest.Object]
 * @path: (type filename): a file to open
 * @error: return location for an error
 *
 * Opens a file for reading.
 *
 * Returns: (transfer full): a stream on the open file's descriptor
 */
GInputStream *
pp_test_object_open_file (PpTestObject  *self,
                          const char    *path,
                          GError       **error)
{
  int fd;

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);

  COUNT_CALL (self);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "%s: %s", path, g_strerror (saved));
      return NULL;
    }
  return g_unix_input_stream_new (fd, TRUE);
}

/**
 * pp_test_object_echo_byte_array:
 * @self: a [class@PpTest.Object]
 * @value: a byte array
 *
 * Returns a copy of its argument.
 *
 * Returns: (transfer full): a new byte array with the contents of @value
 */
GByteArray *
pp_test_object_echo_byte_array (PpTestObject *self,
                                GByteArray   *value)
{
  GByteArray *copy;

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  copy = g_byte_array_sized_new (value->len);
  g_byte_array_append (copy, value->data, value->len);
  return copy;
}

/**
 * pp_test_object_echo_variant:
 * @self: a [class@PpTest.Object]
 * @value: a variant; a floating reference is consumed
 *
 * Returns its argument.
 *
 * Returns: (transfer full): a reference to @value
 */
GVariant *
pp_test_object_echo_variant (PpTestObject *self,
                             GVariant     *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  return g_variant_ref_sink (value);
}

/**
 * pp_test_object_echo_color:
 * @self: a [class@PpTest.Object]
 * @value: a color
 *
 * Returns its argument.
 *
 * Returns: @value
 */
PpTestColor
pp_test_object_echo_color (PpTestObject *self,
                           PpTestColor   value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), PP_TEST_COLOR_RED);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_flags:
 * @self: a [class@PpTest.Object]
 * @value: flags
 *
 * Returns its argument.
 *
 * Returns: @value
 */
PpTestFlags
pp_test_object_echo_flags (PpTestObject *self,
                           PpTestFlags   value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), PP_TEST_FLAGS_NONE);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_gtype:
 * @self: a [class@PpTest.Object]
 * @value: a type
 *
 * Returns its argument.
 *
 * Returns: @value
 */
GType
pp_test_object_echo_gtype (PpTestObject *self,
                           GType         value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), G_TYPE_INVALID);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_nullable_string:
 * @self: a [class@PpTest.Object]
 * @value: (nullable): a UTF-8 string, or %NULL
 *
 * Returns a copy of its argument, which may be %NULL.
 *
 * Returns: (transfer full) (nullable): a copy of @value
 */
char *
pp_test_object_echo_nullable_string (PpTestObject *self,
                                     const char   *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);

  COUNT_CALL (self);
  return g_strdup (value);
}

/**
 * pp_test_object_sum_int_array:
 * @self: a [class@PpTest.Object]
 * @values: (array length=n_values): integers to add up
 * @n_values: the length of @values
 *
 * Adds up @values, without overflow.
 *
 * Returns: the sum of @values, 0 if the array is empty
 */
gint64
pp_test_object_sum_int_array (PpTestObject *self,
                              const int    *values,
                              gsize         n_values)
{
  gint64 sum = 0;

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);
  g_return_val_if_fail (values != NULL || n_values == 0, 0);

  COUNT_CALL (self);
  for (gsize i = 0; i < n_values; i++)
    sum += values[i];

  return sum;
}

/**
 * pp_test_object_make_double_array:
 * @self: a [class@PpTest.Object]
 * @n: how many numbers to make
 * @out_len: (out): the length of the returned array, @n
 *
 * Makes the array `[0.5, 1.5, 2.5, …]` of @n numbers.
 *
 * Returns: (array length=out_len) (transfer full): the new array
 */
double *
pp_test_object_make_double_array (PpTestObject *self,
                                  guint         n,
                                  gsize        *out_len)
{
  double *values;

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (out_len != NULL, NULL);

  COUNT_CALL (self);

  /* Never return NULL, even for an empty array. */
  values = g_new0 (double, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    values[i] = i + 0.5;

  *out_len = n;
  return values;
}

/**
 * pp_test_object_divide:
 * @self: a [class@PpTest.Object]
 * @a: the dividend
 * @b: the divisor
 * @quotient: (out) (optional): where to store @a / @b
 * @remainder: (out) (optional): where to store @a % @b
 * @error: return location for an error
 *
 * Divides @a by @b, rounding towards zero as C does.
 *
 * Fails with %PP_TEST_ERROR_DIVIDE_BY_ZERO, message
 * `"Division of A by zero"`, when @b is 0, and with %PP_TEST_ERROR_OTHER
 * when the quotient does not fit in an int (`G_MININT / -1`). The out
 * arguments are left untouched on failure.
 *
 * Returns: %TRUE on success, %FALSE if @error is set
 */
gboolean
pp_test_object_divide (PpTestObject  *self,
                       int            a,
                       int            b,
                       int           *quotient,
                       int           *remainder,
                       GError       **error)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  COUNT_CALL (self);

  if (b == 0)
    {
      g_set_error (error, PP_TEST_ERROR, PP_TEST_ERROR_DIVIDE_BY_ZERO,
                   "Division of %d by zero", a);
      return FALSE;
    }

  if (a == G_MININT && b == -1)
    {
      g_set_error (error, PP_TEST_ERROR, PP_TEST_ERROR_OTHER,
                   "Division of %d by %d overflows", a, b);
      return FALSE;
    }

  if (quotient != NULL)
    *quotient = a / b;
  if (remainder != NULL)
    *remainder = a % b;

  return TRUE;
}

/**
 * pp_test_object_increment:
 * @self: a [class@PpTest.Object]
 * @value: (inout): the number to increment
 *
 * Adds 1 to @value, wrapping around from `G_MAXINT` to `G_MININT`.
 */
void
pp_test_object_increment (PpTestObject *self,
                          int          *value)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  g_return_if_fail (value != NULL);

  COUNT_CALL (self);
  *value = (int)((guint)*value + 1u);
}

/**
 * pp_test_object_split_string:
 * @self: a [class@PpTest.Object]
 * @text: the string to split
 * @first: (out) (optional) (transfer full): where to store the part of @text
 *   before its first space, or all of @text if it has no space
 * @rest: (out) (optional) (nullable) (transfer full): where to store the part
 *   of @text after its first space, or %NULL if it has no space
 *
 * Splits @text at its first space.
 */
void
pp_test_object_split_string (PpTestObject  *self,
                             const char    *text,
                             char         **first,
                             char         **rest)
{
  const char *space;

  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  g_return_if_fail (text != NULL);

  COUNT_CALL (self);

  space = strchr (text, ' ');

  if (first != NULL)
    *first = space != NULL ? g_strndup (text, space - text) : g_strdup (text);
  if (rest != NULL)
    *rest = space != NULL ? g_strdup (space + 1) : NULL;
}

/**
 * pp_test_object_fail_with_io_error:
 * @self: a [class@PpTest.Object]
 * @error: return location for an error
 *
 * Always fails with `G_IO_ERROR_NOT_FOUND`, message `"No such thing"`.
 *
 * Returns: %FALSE, always
 */
gboolean
pp_test_object_fail_with_io_error (PpTestObject  *self,
                                   GError       **error)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  COUNT_CALL (self);

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No such thing");
  return FALSE;
}

/**
 * pp_test_object_sleep_msec:
 * @self: a [class@PpTest.Object]
 * @msec: how long to sleep, in milliseconds
 *
 * Blocks the calling thread for @msec milliseconds.
 */
void
pp_test_object_sleep_msec (PpTestObject *self,
                           guint         msec)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));

  COUNT_CALL (self);
  g_usleep ((gulong)msec * 1000);
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
