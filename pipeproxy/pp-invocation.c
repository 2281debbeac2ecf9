/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-invocation-private.h"

/**
 * PpInvocation:
 *
 * One call from the peer, handed to a handler of
 * [signal@Pp.Listener::handle-method-call] or to nobody else.
 *
 * The handler answers exactly once, now or later, with
 * [method@Pp.Invocation.return_value] or one of the error variants. An
 * invocation dropped without an answer answers the caller with
 * %PP_ERROR_FAILED, so the caller never waits for nothing.
 *
 * An invocation belongs to the listener's main context; answer it from
 * there or from any other thread (answering is thread-safe). Its
 * [method@Pp.Invocation.get_cancellable] tells when the caller gave up.
 *
 * Since: 1.0
 */
struct _PpInvocation
{
  GObject        parent_instance;

  PpConnection  *connection;
  GObject       *object;
  char          *method_name;
  GVariant      *parameters;
  GUnixFDList   *fd_list;
  GVariantType  *out_type;
  GCancellable  *cancellable;
  GDestroyNotify answered_func;
  gpointer       answered_data;
  guint32        serial;
  gboolean       no_reply;
  gboolean       answered;
};

G_DEFINE_FINAL_TYPE (PpInvocation, pp_invocation, G_TYPE_OBJECT)

static void
send_answer (PpInvocation *self,
             GBytes       *frame,
             GUnixFDList  *fds)
{
  g_autoptr(GError) error = NULL;

  if (self->answered)
    {
      g_critical ("The call to “%s” was already answered", self->method_name);
      return;
    }
  self->answered = TRUE;
  /* A result whose descriptors cannot pass is answered with why */
  if (!self->no_reply && !pp_connection_send_with_fds (self->connection, frame, fds, &error) &&
      !g_error_matches (error, PP_ERROR, PP_ERROR_DISCONNECTED))
    {
      g_autoptr(GBytes) refusal = pp_wire_encode_error (self->serial, error);

      pp_connection_send (self->connection, refusal, NULL);
    }
  if (self->answered_func != NULL)
    {
      GDestroyNotify func = g_steal_pointer (&self->answered_func);
      func (g_steal_pointer (&self->answered_data));
    }
}

void
pp_invocation_set_answered_func (PpInvocation   *self,
                                 GDestroyNotify  func,
                                 gpointer        data)
{
  self->answered_func = func;
  self->answered_data = data;
}

static void
pp_invocation_finalize (GObject *object)
{
  PpInvocation *self = PP_INVOCATION (object);

  if (!self->answered)
    {
      g_autoptr(GError) error = g_error_new (PP_ERROR, PP_ERROR_FAILED,
                                             _("Method “%s” returned no answer"),
                                             self->method_name);
      g_autoptr(GBytes) frame = pp_wire_encode_error (self->serial, error);

      send_answer (self, frame, NULL);
    }

  g_clear_pointer (&self->connection, pp_connection_unref);
  g_clear_object (&self->fd_list);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->object);
  g_clear_pointer (&self->method_name, g_free);
  g_clear_pointer (&self->parameters, g_variant_unref);
  g_clear_pointer (&self->out_type, g_variant_type_free);

  G_OBJECT_CLASS (pp_invocation_parent_class)->finalize (object);
}

static void
pp_invocation_class_init (PpInvocationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pp_invocation_finalize;
}

static void
pp_invocation_init (PpInvocation *self)
{
}

PpInvocation *
pp_invocation_new (PpConnection       *connection,
                   GObject            *object,
                   guint32             serial,
                   gboolean            no_reply,
                   const char         *method_name,
                   GVariant           *parameters,
                   GUnixFDList        *fd_list,
                   const GVariantType *out_type)
{
  PpInvocation *self = g_object_new (PP_TYPE_INVOCATION, NULL);

  self->connection = pp_connection_ref (connection);
  self->object = g_object_ref (object);
  self->serial = serial;
  self->no_reply = no_reply;
  self->method_name = g_strdup (method_name);
  self->parameters = g_variant_ref (parameters);
  self->fd_list = fd_list ? g_object_ref (fd_list) : NULL;
  self->out_type = out_type ? g_variant_type_copy (out_type) : NULL;
  self->cancellable = g_cancellable_new ();
  return self;
}

/**
 * pp_invocation_get_cancellable:
 * @self: a #PpInvocation
 *
 * Gets a cancellable that is cancelled when the caller gives up on the call:
 * it cancelled it or it timed out (the proxy then sends a cancel), or the
 * connection ended. A handler that answers later can stop its work then;
 * it should still answer, e.g. with %G_IO_ERROR_CANCELLED (the caller
 * drops that late answer).
 *
 * Returns: (transfer none): the cancellable of this call
 *
 * Since: 1.0
 */
GCancellable *
pp_invocation_get_cancellable (PpInvocation *self)
{
  g_return_val_if_fail (PP_IS_INVOCATION (self), NULL);
  return self->cancellable;
}

/**
 * pp_invocation_get_method_name:
 * @self: a #PpInvocation
 *
 * Gets the name of the method the peer called.
 *
 * Returns: the name of the method the peer called
 *
 * Since: 1.0
 */
const char *
pp_invocation_get_method_name (PpInvocation *self)
{
  g_return_val_if_fail (PP_IS_INVOCATION (self), NULL);
  return self->method_name;
}

/**
 * pp_invocation_get_parameters:
 * @self: a #PpInvocation
 *
 * Gets the arguments of the call.
 *
 * Returns: (transfer none): the arguments, a tuple. For a method added with
 *   [method@Pp.Listener.add_method] it was checked against the method's
 *   in-type; otherwise it is exactly what the peer sent.
 *
 * Since: 1.0
 */
GVariant *
pp_invocation_get_parameters (PpInvocation *self)
{
  g_return_val_if_fail (PP_IS_INVOCATION (self), NULL);
  return self->parameters;
}

/**
 * pp_invocation_get_unix_fd_list:
 * @self: a #PpInvocation
 *
 * Gets the file descriptors that came with the call; the handle (`h`)
 * values of the parameters index it.
 *
 * Returns: (transfer none) (nullable): the file descriptors, or %NULL if
 *   none came
 *
 * Since: 1.0
 */
GUnixFDList *
pp_invocation_get_unix_fd_list (PpInvocation *self)
{
  g_return_val_if_fail (PP_IS_INVOCATION (self), NULL);
  return self->fd_list;
}

/**
 * pp_invocation_get_object:
 * @self: a #PpInvocation
 *
 * Gets the object the call is for.
 *
 * Returns: (transfer none): the exported object
 *
 * Since: 1.0
 */
GObject *
pp_invocation_get_object (PpInvocation *self)
{
  g_return_val_if_fail (PP_IS_INVOCATION (self), NULL);
  return self->object;
}

/**
 * pp_invocation_return_value:
 * @self: a #PpInvocation
 * @result: (nullable): the result, a tuple; a floating reference is
 *   consumed. %NULL means the empty tuple.
 *
 * Answers the call with a result.
 *
 * Since: 1.0
 */
void
pp_invocation_return_value (PpInvocation *self,
                            GVariant     *result)
{
  g_return_if_fail (PP_IS_INVOCATION (self));
  g_return_if_fail (result == NULL || g_variant_is_of_type (result, G_VARIANT_TYPE_TUPLE));

  pp_invocation_return_value_with_unix_fd_list (self, result, NULL);
}

/**
 * pp_invocation_return_value_with_unix_fd_list:
 * @self: a #PpInvocation
 * @result: (nullable): the result, a tuple whose handle (`h`) values index
 *   @fd_list; a floating reference is consumed. %NULL means the empty
 *   tuple.
 * @fd_list: (nullable): the file descriptors that go with the result
 *
 * Answers the call with a result and file descriptors. They pass only over
 * a unix socket; elsewhere the caller gets %PP_ERROR_UNSUPPORTED_TYPE
 * instead of the result. The kernel duplicates the descriptors as the
 * answer is sent: @fd_list keeps its own.
 *
 * Since: 1.0
 */
void
pp_invocation_return_value_with_unix_fd_list (PpInvocation *self,
                                              GVariant     *result,
                                              GUnixFDList  *fd_list)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GBytes) frame = NULL;

  g_return_if_fail (PP_IS_INVOCATION (self));
  g_return_if_fail (result == NULL || g_variant_is_of_type (result, G_VARIANT_TYPE_TUPLE));
  g_return_if_fail (fd_list == NULL || G_IS_UNIX_FD_LIST (fd_list));

  owned = result ? g_variant_ref_sink (result) : g_variant_ref_sink (g_variant_new ("()"));

  if (self->out_type != NULL && !g_variant_is_of_type (owned, self->out_type))
    {
      g_autoptr(GError) error = NULL;

      g_warning ("Method “%s” must return %.*s, not %s", self->method_name,
                 (int) g_variant_type_get_string_length (self->out_type),
                 g_variant_type_peek_string (self->out_type),
                 g_variant_get_type_string (owned));
      error = g_error_new (PP_ERROR, PP_ERROR_FAILED,
                           _("Method “%s” returned a value of the wrong type"),
                           self->method_name);
      pp_invocation_return_gerror (self, error);
      return;
    }

  frame = pp_wire_encode_return (self->serial, owned);
  send_answer (self, frame, fd_list);
}

/**
 * pp_invocation_return_gerror:
 * @self: a #PpInvocation
 * @error: the error
 *
 * Answers the call with an error. The caller gets the same domain, code and
 * message.
 *
 * Since: 1.0
 */
void
pp_invocation_return_gerror (PpInvocation *self,
                             const GError *error)
{
  g_autoptr(GBytes) frame = NULL;

  g_return_if_fail (PP_IS_INVOCATION (self));
  g_return_if_fail (error != NULL);

  frame = pp_wire_encode_error (self->serial, error);
  send_answer (self, frame, NULL);
}

/**
 * pp_invocation_return_error_literal:
 * @self: a #PpInvocation
 * @domain: an error domain
 * @code: an error code
 * @message: the error message
 *
 * Answers the call with an error.
 *
 * Since: 1.0
 */
void
pp_invocation_return_error_literal (PpInvocation *self,
                                    GQuark        domain,
                                    int           code,
                                    const char   *message)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PP_IS_INVOCATION (self));
  g_return_if_fail (message != NULL);

  error = g_error_new_literal (domain, code, message);
  pp_invocation_return_gerror (self, error);
}
