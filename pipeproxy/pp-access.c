/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE  /* struct ucred */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <glib/gi18n-lib.h>
#include <gio/gfiledescriptorbased.h>

#include "pp-access-private.h"
#include "pp-boxed-ref-private.h"
#include "pp-error.h"
#include "pp-introspection-private.h"
#include "pp-listener.h"
#include "pp-method-private.h"

struct _PpAccess
{
  GObject      *listener;          /* not referenced: it owns us */
  guint         authorize_signal;
  GCredentials *credentials;       /* NULL: cannot tell */
  gboolean      require_same_user;
  GStrv         allowed;           /* as given; NULL: every member */
  GHashTable   *members;           /* name → PpAccessMember, '-' for '_' */
};

/* Credentials --------------------------------------------------------- */

/* SO_PEERCRED of a descriptor that may be a socket */
static GCredentials *
credentials_for_fd (int fd)
{
  g_autoptr(GCredentials) credentials = NULL;
  struct ucred ucred;
  socklen_t length = sizeof ucred;

  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &ucred, &length) != 0 || length != sizeof ucred)
    return NULL;   /* ENOTSOCK: a pipe */
  credentials = g_credentials_new ();
  g_credentials_set_native (credentials, G_CREDENTIALS_TYPE_LINUX_UCRED, &ucred);
  return g_steal_pointer (&credentials);
}

static GCredentials *
credentials_for_stream (GIOStream *stream)
{
  GInputStream *input;

  if (G_IS_SOCKET_CONNECTION (stream))
    {
      GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));

      if (g_socket_get_family (socket) != G_SOCKET_FAMILY_UNIX)
        return NULL;
      return g_socket_get_credentials (socket, NULL);
    }

  /* Two descriptors, e.g. pp_stream_new_for_fds(): a socket only if the
   * one read from is */
  input = g_io_stream_get_input_stream (stream);
  if (G_IS_FILE_DESCRIPTOR_BASED (input))
    return credentials_for_fd (g_file_descriptor_based_get_fd (G_FILE_DESCRIPTOR_BASED (input)));
  return NULL;
}

PpAccess *
pp_access_new (GObject *listener,
               guint    authorize_signal)
{
  PpAccess *self = g_new0 (PpAccess, 1);

  self->listener = listener;
  self->authorize_signal = authorize_signal;
  return self;
}

void
pp_access_set_stream (PpAccess  *self,
                      GIOStream *stream)
{
  g_clear_object (&self->credentials);
  self->credentials = credentials_for_stream (stream);
}

void
pp_access_free (PpAccess *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->credentials);
  g_strfreev (self->allowed);
  g_clear_pointer (&self->members, g_hash_table_unref);
  g_free (self);
}

GCredentials *
pp_access_get_credentials (PpAccess *self)
{
  return self->credentials;
}

gboolean
pp_access_get_require_same_user (PpAccess *self)
{
  return self->require_same_user;
}

gboolean
pp_access_set_require_same_user (PpAccess *self,
                                 gboolean  require)
{
  if (self->require_same_user == !!require)
    return FALSE;
  self->require_same_user = !!require;
  return TRUE;
}

/* The type of @object, the listener's own when NULL; a boxed value's
 * for a reference to one */
static const char *
served_type_name (PpAccess *self,
                  GObject  *object)
{
  if (object == NULL)
    object = pp_listener_get_object (PP_LISTENER (self->listener));
  return g_type_name (pp_boxed_ref_method_type (object));
}

static gboolean
check_same_user (PpAccess  *self,
                 GError   **error)
{
  g_autoptr(GCredentials) own = g_credentials_new ();
  uid_t uid;

  if (self->credentials == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("This listener serves only its own user (%d), and cannot tell the proxy’s: "
                     "the connection is not a unix socket"),
                   (int) g_credentials_get_unix_user (own, NULL));
      return FALSE;
    }
  if (g_credentials_is_same_user (self->credentials, own, NULL))
    return TRUE;

  uid = g_credentials_get_unix_user (self->credentials, NULL);
  g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
               _("The proxy’s process runs as user %d, and this listener serves only its own "
                 "user (%d)"),
               (int) uid, (int) g_credentials_get_unix_user (own, NULL));
  return FALSE;
}

/* The handlers ------------------------------------------------------------ */

gboolean
pp_access_accumulate (GSignalInvocationHint *hint,
                      GValue                *return_accu,
                      const GValue          *handler_return,
                      gpointer               data)
{
  gboolean allowed = g_value_get_boolean (handler_return);

  g_value_set_boolean (return_accu, allowed);
  return allowed;
}

/* The detail of a request: its name, if anybody made it a quark (a
 * handler connected with it did); names from the peer never become
 * quarks */
static GQuark
detail_of (const char *name)
{
  return name != NULL ? g_quark_try_string (name) : 0;
}

static gboolean
handler_pending (PpAccess *self,
                 GQuark    detail)
{
  return g_signal_has_handler_pending (self->listener, self->authorize_signal, 0, FALSE) ||
         (detail != 0 &&
          g_signal_has_handler_pending (self->listener, self->authorize_signal, detail, FALSE));
}

/* Asks the handlers, if there are any; @parameters are borrowed */
static gboolean
authorize (PpAccess       *self,
           PpRequestKind   kind,
           GObject        *object,
           const char     *name,
           GVariant       *parameters,
           GError        **error)
{
  g_autoptr(PpRequest) request = NULL;
  GQuark detail = detail_of (name);
  gboolean allowed = TRUE;

  if (!handler_pending (self, detail))
    return TRUE;

  request = pp_request_new (kind, object, name, parameters, self->credentials);
  g_signal_emit (self->listener, self->authorize_signal, detail, request, &allowed);
  return !pp_request_refused (request, allowed, served_type_name (self, object), error);
}

gboolean
pp_access_admit_peer (PpAccess  *self,
                      GError   **error)
{
  g_autoptr(GVariant) none = g_variant_ref_sink (g_variant_new ("()"));

  if (self->require_same_user && !check_same_user (self, error))
    return FALSE;
  return authorize (self, PP_REQUEST_CONNECT, NULL, NULL, none, error);
}

/* The allowlist ------------------------------------------------------- */

/* Names where '-' and '_' are the same */
static guint
name_hash (gconstpointer key)
{
  guint hash = 5381;

  for (const char *p = key; *p != '\0'; p++)
    hash = hash * 33 + (*p == '-' ? '_' : *p);
  return hash;
}

static gboolean
name_equal (gconstpointer a,
            gconstpointer b)
{
  const char *p = a, *q = b;

  for (; *p != '\0' && *q != '\0'; p++, q++)
    if (*p != *q && !((*p == '-' || *p == '_') && (*q == '-' || *q == '_')))
      return FALSE;
  return *p == *q;
}

const char * const *
pp_access_get_allowed (PpAccess *self)
{
  return (const char * const *) self->allowed;
}

gboolean
pp_access_set_allowed (PpAccess           *self,
                       const char * const *names)
{
  static const struct { const char *prefix; PpAccessMember member; } prefixes[] = {
    { "method:", PP_ACCESS_METHOD },
    { "signal:", PP_ACCESS_SIGNAL },
    { "property:", PP_ACCESS_PROPERTY },
  };

  if (names == NULL && self->allowed == NULL)
    return FALSE;
  if (names != NULL && self->allowed != NULL &&
      g_strv_equal ((const char * const *) self->allowed, names))
    return FALSE;

  g_strfreev (self->allowed);
  g_clear_pointer (&self->members, g_hash_table_unref);
  self->allowed = g_strdupv ((char **) names);
  if (names == NULL)
    return TRUE;

  self->members = g_hash_table_new_full (name_hash, name_equal, g_free, NULL);
  for (gsize i = 0; names[i] != NULL; i++)
    {
      PpAccessMember member = PP_ACCESS_METHOD | PP_ACCESS_SIGNAL | PP_ACCESS_PROPERTY;
      const char *name = names[i];

      for (gsize j = 0; j < G_N_ELEMENTS (prefixes); j++)
        if (g_str_has_prefix (name, prefixes[j].prefix))
          {
            member = prefixes[j].member;
            name += strlen (prefixes[j].prefix);
            break;
          }
      member |= GPOINTER_TO_UINT (g_hash_table_lookup (self->members, name));
      g_hash_table_replace (self->members, g_strdup (name), GUINT_TO_POINTER (member));
    }
  return TRUE;
}

gboolean
pp_access_shows (PpAccess       *self,
                 PpAccessMember  member,
                 const char     *name)
{
  return self->members == NULL ||
         (GPOINTER_TO_UINT (g_hash_table_lookup (self->members, name)) & member) != 0;
}

PpDescription *
pp_access_filter_description (PpAccess      *self,
                              PpDescription *full,
                              GType          type)
{
  PpDescription *description;

  if (self->members == NULL)
    return full;

  description = pp_description_new (pp_description_get_type_name (full));
  pp_introspection_describe_type (type, description);

  for (guint i = 0; i < pp_description_get_n_methods (full); i++)
    {
      const PpDescribedMethod *m = pp_description_get_method (full, i);

      if (!pp_access_shows (self, PP_ACCESS_METHOD, m->name))
        continue;
      if (*m->reason != '\0')
        pp_description_add_refused_method (description, m->name, m->reason);
      else
        pp_description_add_method (description, m->name, m->in_signature, m->out_signature,
                                   m->throws, m->dispatch);
    }
  for (guint i = 0; i < pp_description_get_n_signals (full); i++)
    {
      const PpDescribedSignal *s = pp_description_get_signal (full, i);

      if (pp_access_shows (self, PP_ACCESS_SIGNAL, s->name))
        pp_description_add_signal (description, s->name, s->flags, s->n_args,
                                   s->arg_type_names, s->signature, s->reason);
    }
  for (guint i = 0; i < pp_description_get_n_properties (full); i++)
    {
      const PpDescribedProperty *p = pp_description_get_property (full, i);

      if (pp_access_shows (self, PP_ACCESS_PROPERTY, p->name))
        pp_description_add_property (description, p->name, p->flags, p->type_name,
                                     p->signature, p->reason, p->value);
    }
  pp_description_unref (full);
  return description;
}

/* Requests ------------------------------------------------------------ */

static gboolean
not_allowed (PpAccess        *self,
             PpRequestKind    kind,
             GObject         *object,
             const char      *name,
             GError         **error)
{
  static const PpAccessMember members[] = {
    [PP_REQUEST_CALL] = PP_ACCESS_METHOD,
    [PP_REQUEST_SET_PROPERTY] = PP_ACCESS_PROPERTY,
    [PP_REQUEST_SUBSCRIBE] = PP_ACCESS_SIGNAL,
  };

  if (pp_access_shows (self, members[kind], name))
    return FALSE;

  if (kind == PP_REQUEST_SET_PROPERTY)
    g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                 _("Property “%s” of %s is not on the listener’s list of allowed members"),
                 name, served_type_name (self, object));
  else if (kind == PP_REQUEST_SUBSCRIBE)
    g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                 _("Signal “%s” of %s is not on the listener’s list of allowed members"),
                 name, served_type_name (self, object));
  else
    g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                 _("Method “%s” of %s is not on the listener’s list of allowed members"),
                 name, served_type_name (self, object));
  return TRUE;
}

gboolean
pp_access_checks_calls (PpAccess *self)
{
  /* Any handler, with a detail or without */
  return self->members != NULL ||
         g_signal_handler_find (self->listener, G_SIGNAL_MATCH_ID, self->authorize_signal, 0,
                                NULL, NULL, NULL) != 0;
}

gboolean
pp_access_admit_call (PpAccess            *self,
                      GObject             *object,
                      const char          *name,
                      const GVariantType  *in_type,
                      GVariant            *parameters,
                      GError             **error)
{
  if (not_allowed (self, PP_REQUEST_CALL, object, name, error))
    return FALSE;
  /* A handler sees arguments of the method's signature */
  if (in_type != NULL && handler_pending (self, detail_of (name)) &&
      !pp_method_check_args (name, in_type, parameters, error))
    return FALSE;
  return authorize (self, PP_REQUEST_CALL, object, name, parameters, error);
}

gboolean
pp_access_admit (PpAccess       *self,
                 PpRequestKind   kind,
                 GObject        *object,
                 const char     *name,
                 GVariant       *parameters,
                 GError        **error)
{
  g_return_val_if_fail (kind == PP_REQUEST_SET_PROPERTY || kind == PP_REQUEST_SUBSCRIBE, FALSE);

  return !not_allowed (self, kind, object, name, error) &&
         authorize (self, kind, object, name, parameters, error);
}
