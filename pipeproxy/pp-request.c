/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-boxed-ref-private.h"
#include "pp-access-private.h"
#include "pp-error.h"
#include "pp-request.h"

/**
 * PpRequest:
 *
 * What the peer of a [class@Pp.Listener] asks for, as a handler of
 * [signal@Pp.Listener::authorize] sees it: to be served at all, a call, a
 * property write or a subscription to a signal; by whom
 * ([method@Pp.Request.get_credentials]), with which arguments.
 *
 * A handler refuses the request by returning %FALSE, the peer then gets
 * %PP_ERROR_ACCESS_DENIED, or by calling [method@Pp.Request.refuse] with
 * the error the peer is to get.
 *
 * A request is made in the listener's main context for one emission and
 * is read-only but for its refusal: refusing it after the emission has
 * no effect. It may be read from any thread.
 *
 * Since: 1.0
 */
struct _PpRequest
{
  GObject        parent_instance;

  PpRequestKind  kind;
  char          *name;
  GVariant      *parameters;
  GCredentials  *credentials;
  GObject       *object;
  GError        *refusal;
};

G_DEFINE_FINAL_TYPE (PpRequest, pp_request, G_TYPE_OBJECT)

static void
pp_request_finalize (GObject *object)
{
  PpRequest *self = PP_REQUEST (object);

  g_free (self->name);
  g_clear_pointer (&self->parameters, g_variant_unref);
  g_clear_object (&self->credentials);
  g_clear_object (&self->object);
  g_clear_error (&self->refusal);

  G_OBJECT_CLASS (pp_request_parent_class)->finalize (object);
}

static void
pp_request_class_init (PpRequestClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pp_request_finalize;
}

static void
pp_request_init (PpRequest *self)
{
}

PpRequest *
pp_request_new (PpRequestKind  kind,
                GObject       *object,
                const char    *name,
                GVariant      *parameters,
                GCredentials  *credentials)
{
  PpRequest *self = g_object_new (PP_TYPE_REQUEST, NULL);

  /* A boxed value by reference has no object a handler could use */
  if (object != NULL && !PP_IS_BOXED_REF (object))
    self->object = g_object_ref (object);

  self->kind = kind;
  self->name = g_strdup (name);
  self->parameters = g_variant_ref_sink (parameters);
  self->credentials = credentials ? g_object_ref (credentials) : NULL;
  return self;
}

gboolean
pp_request_refused (PpRequest   *self,
                    gboolean     allowed,
                    const char  *type_name,
                    GError     **error)
{
  if (allowed && self->refusal == NULL)
    return FALSE;

  if (self->refusal != NULL)
    g_propagate_error (error, g_steal_pointer (&self->refusal));
  else if (self->kind == PP_REQUEST_SET_PROPERTY)
    g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                 _("Writing property “%s” of %s was refused"), self->name, type_name);
  else if (self->kind == PP_REQUEST_CONNECT)
    g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                 _("The listener of %s refused to serve this peer"), type_name);
  else if (self->kind == PP_REQUEST_SUBSCRIBE)
    g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                 _("Subscribing to signal “%s” of %s was refused"), self->name, type_name);
  else
    g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                 _("Calling “%s” of %s was refused"), self->name, type_name);
  return TRUE;
}

/**
 * pp_request_get_kind:
 * @self: a #PpRequest
 *
 * Gets what the peer asks for.
 *
 * Returns: a call, a property write or a subscription
 *
 * Since: 1.0
 */
PpRequestKind
pp_request_get_kind (PpRequest *self)
{
  g_return_val_if_fail (PP_IS_REQUEST (self), PP_REQUEST_CALL);
  return self->kind;
}

/**
 * pp_request_get_name:
 * @self: a #PpRequest
 *
 * Gets the name of the method, property or signal. For a method of the
 * object it is the method's own name (`-` in the name of an action
 * signal); for a call that only a [signal@Pp.Listener::handle-method-call]
 * handler can answer, the name the peer sent; for a property or a
 * signal, its canonical name, with `-`.
 *
 * Returns: (nullable): the name of the member, %NULL for
 *   %PP_REQUEST_CONNECT
 *
 * Since: 1.0
 */
const char *
pp_request_get_name (PpRequest *self)
{
  g_return_val_if_fail (PP_IS_REQUEST (self), NULL);
  return self->name;
}

/**
 * pp_request_get_parameters:
 * @self: a #PpRequest
 *
 * Gets the arguments, a tuple: for a call, its arguments, checked against
 * the method's signature (those of a call that only a
 * [signal@Pp.Listener::handle-method-call] handler can answer are as the
 * peer sent them); for a property write, `(mv)`, the new value (nothing
 * for %NULL); for a subscription and a connection, `()`.
 *
 * Returns: (transfer none): the arguments
 *
 * Since: 1.0
 */
GVariant *
pp_request_get_parameters (PpRequest *self)
{
  g_return_val_if_fail (PP_IS_REQUEST (self), NULL);
  return self->parameters;
}

/**
 * pp_request_get_credentials:
 * @self: a #PpRequest
 *
 * Gets the credentials of the peer's process, as
 * [method@Pp.Listener.get_peer_credentials] does.
 *
 * Returns: (transfer none) (nullable): the peer's credentials, or %NULL
 *   when the connection cannot tell them (a pair of pipes)
 *
 * Since: 1.0
 */
GCredentials *
pp_request_get_credentials (PpRequest *self)
{
  g_return_val_if_fail (PP_IS_REQUEST (self), NULL);
  return self->credentials;
}

/**
 * pp_request_get_object:
 * @self: a #PpRequest
 *
 * Gets the object the request is about: the listener's own object, or
 * one of the objects its methods gave the peer (a `GListStore`'s item, a
 * `GMenu`'s section), which the peer calls through a proxy of its own.
 * The allowlist and the handlers of [signal@Pp.Listener::authorize] see
 * the requests for all of them.
 *
 * Returns: (transfer none) (nullable): the object; %NULL for a request
 *   to connect, and for a call of a method of a boxed value the peer
 *   holds a reference to (a `GtkTextIter`)
 *
 * Since: 1.0
 */
GObject *
pp_request_get_object (PpRequest *self)
{
  g_return_val_if_fail (PP_IS_REQUEST (self), NULL);
  return self->object;
}

/**
 * pp_request_refuse:
 * @self: a #PpRequest
 * @error: what the peer gets: its domain, code and message
 *
 * Refuses the request with @error, for a handler of
 * [signal@Pp.Listener::authorize]: the request is refused even if the
 * handler returns %TRUE, and the peer gets @error, its domain, code and
 * message. The first error given is kept.
 *
 * Since: 1.0
 */
void
pp_request_refuse (PpRequest    *self,
                   const GError *error)
{
  g_return_if_fail (PP_IS_REQUEST (self));
  g_return_if_fail (error != NULL);

  if (self->refusal == NULL)
    self->refusal = g_error_copy (error);
}

/**
 * pp_request_refuse_literal:
 * @self: a #PpRequest
 * @domain: an error domain
 * @code: an error code
 * @message: the error message
 *
 * Like [method@Pp.Request.refuse], with an error made of @domain, @code
 * and @message.
 *
 * Since: 1.0
 */
void
pp_request_refuse_literal (PpRequest  *self,
                           GQuark      domain,
                           int         code,
                           const char *message)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PP_IS_REQUEST (self));
  g_return_if_fail (message != NULL);

  error = g_error_new_literal (domain, code, message);
  pp_request_refuse (self, error);
}
