/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The C listener of the cross-language matrix: serves a MatrixCThing on the
 * connection inherited from the parent (PIPEPROXY_FD, as set by
 * pp_proxy_new_for_subprocess_sync()) until the parent goes away, then
 * exits 0; 1 if it could not serve or the parent broke the protocol.
 *
 * MatrixCThing has no typelib, so its methods are added by hand to the
 * listener pp_listener_new_for_parent() makes:
 *
 *   set_parameter (i)   sets "parameter" and emits "changed" (i)
 *   get_parameter () → (i)
 *   fail ()             fails with G_IO_ERROR_NOT_FOUND "nothing here"
 *   slow (u) → ()       answers after u milliseconds without blocking
 *                       (a handle-method-call::slow handler, so it is not
 *                       in the description)
 *
 * Nothing is written to stdout: the parent's TAP goes there. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include <pipeproxy/pipeproxy.h>

#define MATRIX_TYPE_C_THING (matrix_c_thing_get_type ())
G_DECLARE_FINAL_TYPE (MatrixCThing, matrix_c_thing, MATRIX, C_THING, GObject)

struct _MatrixCThing
{
  GObject parent_instance;
  int     parameter;
};

G_DEFINE_FINAL_TYPE (MatrixCThing, matrix_c_thing, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PARAMETER,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static void
matrix_c_thing_set_parameter (MatrixCThing *self,
                              int           parameter)
{
  if (self->parameter != parameter)
    {
      self->parameter = parameter;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PARAMETER]);
    }
}

static void
matrix_c_thing_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MatrixCThing *self = MATRIX_C_THING (object);

  switch (prop_id)
    {
    case PROP_PARAMETER:
      g_value_set_int (value, self->parameter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
matrix_c_thing_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  MatrixCThing *self = MATRIX_C_THING (object);

  switch (prop_id)
    {
    case PROP_PARAMETER:
      matrix_c_thing_set_parameter (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
matrix_c_thing_class_init (MatrixCThingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = matrix_c_thing_get_property;
  object_class->set_property = matrix_c_thing_set_property;

  properties[PROP_PARAMETER] =
    g_param_spec_int ("parameter", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
matrix_c_thing_init (MatrixCThing *self)
{
}

/* The exported methods; they run in the listener's main context, with the
 * arguments already checked against their in-types. */

static GVariant *
set_parameter_method (GObject   *object,
                      GVariant  *parameters,
                      gpointer   user_data,
                      GError   **error)
{
  int parameter;

  g_variant_get (parameters, "(i)", &parameter);
  matrix_c_thing_set_parameter (MATRIX_C_THING (object), parameter);
  g_signal_emit (object, signals[CHANGED], 0, parameter);
  return g_variant_new ("()");
}

static GVariant *
get_parameter_method (GObject   *object,
                      GVariant  *parameters,
                      gpointer   user_data,
                      GError   **error)
{
  return g_variant_new ("(i)", MATRIX_C_THING (object)->parameter);
}

static GVariant *
fail_method (GObject   *object,
             GVariant  *parameters,
             gpointer   user_data,
             GError   **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nothing here");
  return NULL;
}

static gboolean
slow_done (gpointer user_data)
{
  PpInvocation *invocation = user_data;

  /* After a time-out the caller has gone; the library drops the answer. */
  pp_invocation_return_value (invocation, g_variant_new ("()"));
  return G_SOURCE_REMOVE;
}

static gboolean
handle_slow (PpListener   *listener,
             const char   *method_name,
             GVariant     *parameters,
             PpInvocation *invocation,
             gpointer      user_data)
{
  guint32 msec;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(u)")))
    {
      pp_invocation_return_error_literal (invocation, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                                          "slow expects (u)");
      return TRUE;
    }
  g_variant_get (parameters, "(u)", &msec);
  g_timeout_add_full (G_PRIORITY_DEFAULT, msec, slow_done,
                      g_object_ref (invocation), g_object_unref);
  return TRUE;
}

static void
remember_end (PpListener   *listener,
              const GError *error,
              gpointer      user_data)
{
  GError **end = user_data;

  if (*end == NULL && error != NULL)
    *end = g_error_copy (error);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(MatrixCThing) thing = g_object_new (MATRIX_TYPE_C_THING, NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) end = NULL;

  listener = pp_listener_new_for_parent (G_OBJECT (thing), &error);
  if (listener == NULL)
    {
      g_printerr ("listener.c: %s\n", error->message);
      return EXIT_FAILURE;
    }

  pp_listener_add_method (listener, "set_parameter",
                          G_VARIANT_TYPE ("(i)"), G_VARIANT_TYPE_UNIT,
                          set_parameter_method, NULL, NULL);
  pp_listener_add_method (listener, "get_parameter",
                          G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE ("(i)"),
                          get_parameter_method, NULL, NULL);
  pp_listener_add_method (listener, "fail",
                          G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE_UNIT,
                          fail_method, NULL, NULL);
  g_signal_connect (listener, "handle-method-call::slow", G_CALLBACK (handle_slow), NULL);
  g_signal_connect (listener, "closed", G_CALLBACK (remember_end), &end);

  pp_listener_run (listener);

  if (end != NULL && !g_error_matches (end, PP_ERROR, PP_ERROR_DISCONNECTED))
    {
      g_printerr ("listener.c: the connection ended with: %s\n", end->message);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
