/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <gio/gio.h>

#include "pp-boxed-ref-private.h"
#include "pp-error.h"
#include "pp-introspection-gi-private.h"
#include "pp-marshal-private.h"

/* A type as GObject introspection gives it (of an argument, a return
 * value, an item), as the PpTypeDesc the marshaller converts it with. */

static PpTypeDesc *
desc_for_enum (GIEnumInfo *info,
               gboolean    flags)
{
  PpTypeDesc *desc = pp_type_desc_new (flags ? PP_TAG_FLAGS : PP_TAG_ENUM);
  guint n = g_enum_info_get_n_values (info);

  desc->gtype = pp_introspection_registered_gtype ((GIRegisteredTypeInfo *) info);
  if (desc->gtype == G_TYPE_INVALID)
    desc->gtype = G_TYPE_NONE;
  desc->enum_values = g_new0 (gint64, MAX (n, 1));
  desc->n_enum_values = n;
  for (guint i = 0; i < n; i++)
    {
      auto_info GIValueInfo *value = g_enum_info_get_value (info, i);

      desc->enum_values[i] = g_value_info_get_value (value);
      desc->flags_mask |= (guint64) desc->enum_values[i];
    }
  return desc;
}

/* Streams cross as descriptors, also one of a subclass (a
 * GFileInputStream) given by a method: the peer gets a stream on the
 * descriptor. A method taking a subclass expects something a descriptor
 * cannot stand for: pp_introspection_stream_takes_subclass() says so. */
static gboolean
tag_for_stream (GType      gtype,
                PpTypeTag *tag)
{
  if (g_type_is_a (gtype, G_TYPE_INPUT_STREAM))
    *tag = PP_TAG_INPUT_STREAM;
  else if (g_type_is_a (gtype, G_TYPE_OUTPUT_STREAM))
    *tag = PP_TAG_OUTPUT_STREAM;
  else
    return FALSE;
  return TRUE;
}

static PpTypeDesc *
desc_for_interface (GITypeInfo  *type_info,
                    GError     **error)
{
  auto_info GIBaseInfo *iface = g_type_info_get_interface (type_info);
  GIInfoType info_type = g_base_info_get_type (iface);
  PpTypeDesc *desc;
  PpTypeTag tag;
  GType gtype;

  if (info_type == GI_INFO_TYPE_ENUM || info_type == GI_INFO_TYPE_FLAGS)
    return desc_for_enum ((GIEnumInfo *) iface, info_type == GI_INFO_TYPE_FLAGS);

  if (info_type == GI_INFO_TYPE_CALLBACK)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("takes a callback (%s)"), g_base_info_get_name (iface));
      return NULL;
    }

  gtype = GI_IS_REGISTERED_TYPE_INFO (iface)
          ? pp_introspection_registered_gtype ((GIRegisteredTypeInfo *) iface) : G_TYPE_INVALID;
  if (info_type == GI_INFO_TYPE_OBJECT && tag_for_stream (gtype, &tag))
    {
      desc = pp_type_desc_new (tag);
      desc->gtype = gtype;
      return desc;
    }

  /* Any other object crosses as a reference */
  if ((info_type == GI_INFO_TYPE_OBJECT || info_type == GI_INFO_TYPE_INTERFACE) &&
      (G_TYPE_IS_OBJECT (gtype) || G_TYPE_IS_INTERFACE (gtype)) &&
      !g_type_is_a (gtype, G_TYPE_INPUT_STREAM) && !g_type_is_a (gtype, G_TYPE_OUTPUT_STREAM) &&
      g_type_info_is_pointer (type_info))
    {
      desc = pp_type_desc_new (PP_TAG_OBJECT);
      desc->gtype = gtype;
      return desc;
    }
  if (gtype == G_TYPE_VARIANT)
    return pp_type_desc_new (PP_TAG_VARIANT);

  /* A boxed value with a value form, by pointer */
  if ((info_type == GI_INFO_TYPE_STRUCT || info_type == GI_INFO_TYPE_BOXED ||
       info_type == GI_INFO_TYPE_UNION) && G_TYPE_IS_BOXED (gtype) &&
      g_type_info_is_pointer (type_info) && (desc = pp_marshal_desc_for_boxed (gtype)) != NULL)
    return desc;

  /* Any other boxed value, by reference to a copy the sender keeps */
  if ((info_type == GI_INFO_TYPE_STRUCT || info_type == GI_INFO_TYPE_BOXED ||
       info_type == GI_INFO_TYPE_UNION) && pp_boxed_ref_is_referenced (gtype) &&
      g_type_info_is_pointer (type_info))
    {
      desc = pp_type_desc_new (PP_TAG_BOXED_REF);
      desc->gtype = gtype;
      return desc;
    }

  g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
               _("has type %s.%s, which cannot be sent to another process"),
               g_base_info_get_namespace (iface), g_base_info_get_name (iface));
  return NULL;
}

/* An item of a GList, GSList, GPtrArray or GHashTable, which is a pointer */
static PpTypeDesc *
desc_for_item (GITypeInfo  *type_info,
               int          index,
               gboolean     key,
               GError     **error)
{
  auto_info GITypeInfo *item_info = g_type_info_get_param_type (type_info, index);
  PpTypeDesc *item = item_info
                     ? pp_introspection_desc_for_type_info (item_info, FALSE, error) : NULL;
  PpTypeRuleFlags needed = key ? PP_RULE_DICT_KEY : PP_RULE_IN_POINTER;

  if (item_info == NULL)
    g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                 _("is a container whose items have no type"));
  if (item == NULL || (pp_type_rules[item->tag].flags & needed))
    return item;

  g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
               key ? _("is a GHashTable whose keys are of type %s, which cannot be a key")
                   : _("is a container of %s, which cannot be an item"),
               pp_type_tag_to_string (item->tag));
  pp_type_desc_free (item);
  return NULL;
}

static PpTypeDesc *
desc_for_container (GITypeInfo  *type_info,
                    PpTypeTag    tag,
                    GError     **error)
{
  PpTypeDesc *element = desc_for_item (type_info, tag == PP_TAG_HASH_TABLE ? 1 : 0, FALSE, error);
  PpTypeDesc *key = NULL;
  PpTypeDesc *desc;

  if (element == NULL)
    return NULL;
  if (tag == PP_TAG_HASH_TABLE && (key = desc_for_item (type_info, 0, TRUE, error)) == NULL)
    {
      pp_type_desc_free (element);
      return NULL;
    }
  desc = pp_type_desc_new (tag);
  desc->element = element;
  desc->key = key;
  return desc;
}

static gboolean
tag_for_basic (GITypeTag  tag,
               PpTypeTag *out)
{
  switch (tag)
    {
    case GI_TYPE_TAG_BOOLEAN:  *out = PP_TAG_BOOLEAN; return TRUE;
    case GI_TYPE_TAG_INT8:     *out = PP_TAG_INT8; return TRUE;
    case GI_TYPE_TAG_UINT8:    *out = PP_TAG_UINT8; return TRUE;
    case GI_TYPE_TAG_INT16:    *out = PP_TAG_INT16; return TRUE;
    case GI_TYPE_TAG_UINT16:   *out = PP_TAG_UINT16; return TRUE;
    case GI_TYPE_TAG_INT32:    *out = PP_TAG_INT32; return TRUE;
    case GI_TYPE_TAG_UINT32:   *out = PP_TAG_UINT32; return TRUE;
    case GI_TYPE_TAG_INT64:    *out = PP_TAG_INT64; return TRUE;
    case GI_TYPE_TAG_UINT64:   *out = PP_TAG_UINT64; return TRUE;
    case GI_TYPE_TAG_FLOAT:    *out = PP_TAG_FLOAT; return TRUE;
    case GI_TYPE_TAG_DOUBLE:   *out = PP_TAG_DOUBLE; return TRUE;
    case GI_TYPE_TAG_UNICHAR:  *out = PP_TAG_UNICHAR; return TRUE;
    case GI_TYPE_TAG_GTYPE:    *out = PP_TAG_GTYPE; return TRUE;
    case GI_TYPE_TAG_UTF8:     *out = PP_TAG_STRING; return TRUE;
    case GI_TYPE_TAG_FILENAME: *out = PP_TAG_FILENAME; return TRUE;
    case GI_TYPE_TAG_VOID:
    case GI_TYPE_TAG_ARRAY:
    case GI_TYPE_TAG_INTERFACE:
    case GI_TYPE_TAG_GLIST:
    case GI_TYPE_TAG_GSLIST:
    case GI_TYPE_TAG_GHASH:
    case GI_TYPE_TAG_ERROR:
    default:
      return FALSE;
    }
}

/* An item of a C array: an object is a pointer there whatever the typelib
 * says of the item (g_list_store_splice()'s additions); a GOutputVector
 * is its bytes */
static PpTypeDesc *
desc_for_c_array_item (GITypeInfo  *element_info,
                       GError     **error)
{
  auto_info GIBaseInfo *iface = NULL;
  GIInfoType info_type;
  PpTypeDesc *desc;
  PpTypeTag stream;
  GType gtype;

  if (g_type_info_get_tag (element_info) != GI_TYPE_TAG_INTERFACE)
    return pp_introspection_desc_for_type_info (element_info, FALSE, error);

  iface = g_type_info_get_interface (element_info);
  info_type = g_base_info_get_type (iface);
  if (info_type == GI_INFO_TYPE_STRUCT && g_str_equal (g_base_info_get_namespace (iface), "Gio") &&
      g_str_equal (g_base_info_get_name (iface), "OutputVector"))
    return pp_type_desc_new (PP_TAG_OUTPUT_VECTOR);

  gtype = GI_IS_REGISTERED_TYPE_INFO (iface)
          ? pp_introspection_registered_gtype ((GIRegisteredTypeInfo *) iface) : G_TYPE_INVALID;
  if ((info_type == GI_INFO_TYPE_OBJECT || info_type == GI_INFO_TYPE_INTERFACE) &&
      (G_TYPE_IS_OBJECT (gtype) || G_TYPE_IS_INTERFACE (gtype)) &&
      !tag_for_stream (gtype, &stream))
    {
      desc = pp_type_desc_new (PP_TAG_OBJECT);
      desc->gtype = gtype;
      return desc;
    }
  return pp_introspection_desc_for_type_info (element_info, FALSE, error);
}

static PpTypeDesc *
desc_for_c_array (GITypeInfo  *type_info,
                  GError     **error)
{
  auto_info GITypeInfo *element_info = g_type_info_get_param_type (type_info, 0);
  PpTypeDesc *element = desc_for_c_array_item (element_info, error);
  int length = g_type_info_get_array_length (type_info);
  int fixed = g_type_info_get_array_fixed_size (type_info);
  gboolean zero_terminated = g_type_info_is_zero_terminated (type_info);
  PpTypeDesc *desc;

  if (element == NULL)
    return NULL;

  if (pp_type_rules[element->tag].flags & PP_RULE_CONTAINER)
    g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                 _("is an array of containers, which cannot be sent to another process"));
  else if (pp_type_rules[element->tag].flags & PP_RULE_STREAM)
    g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                 _("is an array of streams, which cannot be sent to another process"));
  else if (length < 0 && fixed < 0 && !zero_terminated)
    g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                 _("is a C array of unknown length"));
  else if (element->tag == PP_TAG_STRING && length < 0 && fixed < 0)
    {
      pp_type_desc_free (element);
      return pp_type_desc_new (PP_TAG_STRV);
    }
  else
    {
      desc = pp_type_desc_new (PP_TAG_C_ARRAY);
      desc->element = element;
      desc->length_arg = length;
      desc->fixed_size = fixed;
      desc->zero_terminated = zero_terminated;
      return desc;
    }

  pp_type_desc_free (element);
  return NULL;
}

static PpTypeDesc *
desc_for_array (GITypeInfo  *type_info,
                GError     **error)
{
  GIArrayType array_type = g_type_info_get_array_type (type_info);

  if (array_type == GI_ARRAY_TYPE_BYTE_ARRAY)
    return pp_type_desc_new (PP_TAG_BYTE_ARRAY);
  if (array_type == GI_ARRAY_TYPE_C)
    return desc_for_c_array (type_info, error);
  if (array_type == GI_ARRAY_TYPE_PTR_ARRAY)
    return desc_for_container (type_info, PP_TAG_PTR_ARRAY, error);

  g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
               _("is a %s, which cannot be sent to another process"),
               array_type == GI_ARRAY_TYPE_PTR_ARRAY ? "GPtrArray" : "GArray");
  return NULL;
}

PpTypeDesc *
pp_introspection_desc_for_type_info (GITypeInfo  *type_info,
                                     gboolean     nullable,
                                     GError     **error)
{
  GITypeTag tag = g_type_info_get_tag (type_info);
  PpTypeDesc *desc;
  PpTypeTag basic;

  if (tag_for_basic (tag, &basic))
    desc = pp_type_desc_new (basic);
  else if (tag == GI_TYPE_TAG_INTERFACE)
    desc = desc_for_interface (type_info, error);
  else if (tag == GI_TYPE_TAG_ARRAY)
    desc = desc_for_array (type_info, error);
  else if (tag == GI_TYPE_TAG_GLIST)
    desc = desc_for_container (type_info, PP_TAG_LIST, error);
  else if (tag == GI_TYPE_TAG_GSLIST)
    desc = desc_for_container (type_info, PP_TAG_SLIST, error);
  else if (tag == GI_TYPE_TAG_GHASH)
    desc = desc_for_container (type_info, PP_TAG_HASH_TABLE, error);
  else if (tag == GI_TYPE_TAG_ERROR)
    desc = pp_marshal_desc_for_boxed (G_TYPE_ERROR);
  else if (tag == GI_TYPE_TAG_VOID)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED, _("is a raw pointer"));
      return NULL;
    }
  else
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("has type %s, which cannot be sent to another process"),
                   g_type_tag_to_string (tag));
      return NULL;
    }

  if (desc != NULL && nullable && (pp_type_rules[desc->tag].flags & PP_RULE_NULLABLE))
    desc->nullable = TRUE;
  return desc;
}
