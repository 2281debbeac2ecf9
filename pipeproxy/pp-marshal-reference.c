/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "pp-boxed-ref-private.h"
#include "pp-error.h"
#include "pp-marshal-rules-private.h"
#include "pp-stream-private.h"
#include "pp-wire-private.h"

/* Values that cross as a reference to something that travels beside the
 * frame: a stream as a descriptor ('h'), an object or a boxed value with
 * no value form as a path ('o'). */

/* Streams ----------------------------------------------------------------
 *
 * A stream crosses as a descriptor. One that has none of its own (a
 * memory stream, a converter) crosses as a pipe that the library's pump
 * thread moves its bytes through (pp-stream-pump.c). */

/* Appends the stream's descriptor to *@out_fds, made on demand */
GVariant *
pp_marshal_stream_to_handle (GObject       *stream,
                             GUnixFDList  **out_fds,
                             GError       **error)
{
  int fd;
  int handle;

  if (out_fds == NULL)
    {
      g_set_error_literal (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                           _("A stream cannot be sent here"));
      return NULL;
    }

  fd = pp_stream_dup_fd (stream, error);
  if (fd < 0)
    return NULL;

  if (*out_fds == NULL)
    *out_fds = g_unix_fd_list_new ();
  handle = g_unix_fd_list_append (*out_fds, fd, error);
  close (fd);
  if (handle < 0)
    return NULL;
  return g_variant_new_handle (handle);
}

GObject *
pp_marshal_stream_from_handle (gboolean      input,
                               GVariant     *variant,
                               GUnixFDList  *in_fds,
                               GError      **error)
{
  gint32 handle = g_variant_get_handle (variant);
  int fd;

  if (in_fds == NULL || handle < 0 || handle >= g_unix_fd_list_get_length (in_fds))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Handle %d does not name a file descriptor that came with the message"),
                   handle);
      return NULL;
    }

  fd = g_unix_fd_list_get (in_fds, handle, error);
  if (fd < 0)
    return NULL;
  if (input)
    return G_OBJECT (g_unix_input_stream_new (fd, TRUE));
  return G_OBJECT (g_unix_output_stream_new (fd, TRUE));
}

GVariant *
pp_rule_stream_to_variant (const PpTypeDesc  *desc,
                           const PpArgValue  *value,
                           gsize              length,
                           PpMarshalScope    *scope,
                           GError           **error)
{
  return pp_marshal_stream_to_handle (value->v_pointer, scope ? &scope->out_fds : NULL, error);
}

gboolean
pp_rule_stream_from_variant (const PpTypeDesc  *desc,
                             GVariant          *variant,
                             PpTransfer         transfer,
                             PpMarshalScope    *scope,
                             PpArgValue        *value,
                             gsize             *length,
                             GError           **error)
{
  GObject *stream = pp_marshal_stream_from_handle (desc->tag == PP_TAG_INPUT_STREAM, variant,
                                                   scope ? scope->in_fds : NULL, error);

  return stream != NULL && pp_marshal_keep_new (desc, stream, transfer, scope, value);
}

/* Objects -----------------------------------------------------------------
 *
 * An object crosses as a reference: the value is "/N", an index into the
 * objects that travel with the frame, which the handle tables (see
 * pp-exports.c and pp-imports.c) turn into handles and back. */

GVariant *
pp_marshal_object_to_path (GObject     *object,
                           GPtrArray  **out_objects,
                           GError     **error)
{
  char path[16];

  if (out_objects == NULL)
    {
      g_set_error_literal (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                           _("An object cannot be sent here"));
      return NULL;
    }
  if (*out_objects == NULL)
    *out_objects = g_ptr_array_new_with_free_func (g_object_unref);
  g_snprintf (path, sizeof path, "/%u", (*out_objects)->len);
  g_ptr_array_add (*out_objects, g_object_ref (object));
  return g_variant_new_object_path (path);
}

GObject *
pp_marshal_object_from_path (GVariant    *variant,
                             GType        type,
                             GPtrArray   *in_objects,
                             GError     **error)
{
  const char *path = g_variant_get_string (variant, NULL);
  int index = pp_wire_object_index (path, in_objects ? in_objects->len : 0);
  GObject *object;

  if (index < 0)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s” does not name an object that came with the message"), path);
      return NULL;
    }
  object = g_ptr_array_index (in_objects, index);
  if (!g_type_is_a (G_OBJECT_TYPE (object), type))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Expected a %s, got a %s"), g_type_name (type), G_OBJECT_TYPE_NAME (object));
      return NULL;
    }
  return object;
}

GVariant *
pp_rule_object_to_variant (const PpTypeDesc  *desc,
                           const PpArgValue  *value,
                           gsize              length,
                           PpMarshalScope    *scope,
                           GError           **error)
{
  return pp_marshal_object_to_path (value->v_pointer, scope ? &scope->out_objects : NULL, error);
}

gboolean
pp_rule_object_from_variant (const PpTypeDesc  *desc,
                             GVariant          *variant,
                             PpTransfer         transfer,
                             PpMarshalScope    *scope,
                             PpArgValue        *value,
                             gsize             *length,
                             GError           **error)
{
  GObject *object = pp_marshal_object_from_path (variant, desc->gtype,
                                                 scope ? scope->in_objects : NULL, error);

  if (object == NULL)
    return FALSE;
  /* The list holds it while the scope lives */
  value->v_pointer = transfer == PP_TRANSFER_NONE ? object : g_object_ref (object);
  return TRUE;
}

/* Boxed values by reference -------------------------------------------------
 *
 * A boxed value with no value form crosses as a reference to a copy the
 * sending side keeps (a PpBoxedRef in the object list, see
 * pp-boxed-ref.c): the peer gets a proxy whose methods are the boxed
 * type's, and a reference passed back is the copy itself. */

GVariant *
pp_rule_boxed_ref_to_variant (const PpTypeDesc  *desc,
                              const PpArgValue  *value,
                              gsize              length,
                              PpMarshalScope    *scope,
                              GError           **error)
{
  g_autoptr(GObject) ref = NULL;

  if (scope == NULL)
    return pp_marshal_object_to_path (NULL, NULL, error);
  ref = pp_boxed_ref_new (desc->gtype, value->v_pointer, scope->instance);
  return pp_marshal_object_to_path (ref, &scope->out_objects, error);
}

gboolean
pp_rule_boxed_ref_from_variant (const PpTypeDesc  *desc,
                                GVariant          *variant,
                                PpTransfer         transfer,
                                PpMarshalScope    *scope,
                                PpArgValue        *value,
                                gsize             *length,
                                GError           **error)
{
  GObject *ref = pp_marshal_object_from_path (variant, G_TYPE_OBJECT,
                                              scope ? scope->in_objects : NULL, error);
  GType type;

  if (ref == NULL)
    return FALSE;
  type = pp_boxed_ref_method_type (ref);
  if (!PP_IS_BOXED_REF (ref) || !g_type_is_a (type, desc->gtype))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Expected a %s of this process, got a %s"), g_type_name (desc->gtype),
                   g_type_name (type));
      return FALSE;
    }
  /* The copy itself; the list holds it while the scope lives */
  value->v_pointer = pp_boxed_ref_get_boxed (PP_BOXED_REF (ref));
  if (transfer != PP_TRANSFER_NONE)
    value->v_pointer = g_boxed_copy (desc->gtype, value->v_pointer);
  return TRUE;
}
