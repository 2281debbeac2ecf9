/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-normal-form-private.h"
#include "pp-error.h"
#include "pp-wire-private.h"

/* Reading a frame's body, which may be hostile: its type and normal form
 * checked before anything is built from it, its object table, the parts
 * of a CALL, SIGNAL or RETURN found by their framing offsets, and the
 * GError of an ERROR. Writing bodies is pp-wire.c's. */

static void locate_parts (GVariant     *body,
                          const char  **strings,
                          guint         n_strings,
                          gsize        *value_start,
                          gsize        *type_start,
                          gsize        *end);
static void locate_parts_in (const guint8  *data,
                             gsize          size,
                             const char   **strings,
                             guint          n_strings,
                             gsize         *value_start,
                             gsize         *type_start,
                             gsize         *end);

/* The kind's body of a body that may carry an object table */
static GVariant *
inner_body (const PpWireHeader *header,
            GVariant           *body)
{
  if (header->flags & PP_WIRE_FLAGS_OBJECTS)
    return g_variant_get_child_value (body, 0);
  return g_variant_ref (body);
}

/* A CALL too deep for us but not for GLib is a well-formed request that
 * fails on its own: the same CALL, without its arguments (but with its
 * object table, whose references must still be counted), and a flag that
 * says why */
static GVariant *
decode_call_too_deep (PpWireHeader *header,
                      GBytes       *body)
{
  const GVariantType *type = pp_wire_frame_body_type (header->kind, header->flags);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) call = NULL;
  GVariant *stripped;
  const char *method;

  if (!pp_normal_form_check_with_depth (type, g_bytes_get_data (body, NULL),
                                        header->body_size, PP_NORMAL_FORM_GLIB_MAX_DEPTH))
    return NULL;

  value = g_variant_new_from_bytes (type, body, TRUE);
  call = inner_body (header, value);
  pp_wire_split_body (call, &method, 1, NULL, NULL);
  header->flags |= PP_WIRE_FLAGS_ARGS_TOO_DEEP;
  stripped = g_variant_new ("(us@v)", pp_wire_body_handle (call), method,
                            g_variant_new_variant (g_variant_new ("()")));
  if (header->flags & PP_WIRE_FLAGS_OBJECTS)
    {
      g_autoptr(GVariant) objects = g_variant_get_child_value (value, 1);

      stripped = g_variant_new ("(@(usv)@a(bu))", stripped, objects);
    }
  return g_variant_ref_sink (stripped);
}

int
pp_wire_object_index (const char *path,
                      guint       n_objects)
{
  guint64 index = 0;

  /* "/N", N in decimal without leading zeros */
  if (path[0] != '/' || path[1] == '\0' || (path[1] == '0' && path[2] != '\0'))
    return -1;
  for (const char *p = path + 1; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return -1;
      index = index * 10 + (*p - '0');
      if (index >= n_objects)
        return -1;
    }
  return (int) index;
}

/* Every object value of @value, outside variants (inside one, an 'o' is
 * data), indexes the object table */
gboolean
pp_wire_check_object_values (GVariant *value,
                             guint     n_objects)
{
  const char *type = g_variant_get_type_string (value);
  gsize n;

  if (strchr (type, 'o') == NULL)
    return TRUE;
  if (type[0] == 'o')
    return pp_wire_object_index (g_variant_get_string (value, NULL), n_objects) >= 0;

  n = g_variant_n_children (value);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

      if (!pp_wire_check_object_values (child, n_objects))
        return FALSE;
    }
  return TRUE;
}

static guint
strings_of_kind (PpWireKind kind)
{
  return kind == PP_WIRE_KIND_CALL ? 1 : kind == PP_WIRE_KIND_SIGNAL ? 2 : 0;
}

/* Argument and result lists travel in a variant and must be tuples; they
 * may hold objects only with an object table, whose indexes they use */
static gboolean
check_values (const PpWireHeader  *header,
              GVariant            *value,
              const guint8        *value_data,
              GError             **error)
{
  g_autoptr(GVariant) body = NULL;
  g_autofree char *inner_type = NULL;
  g_autoptr(GVariant) args = NULL;
  g_autoptr(GVariant) objects = NULL;
  const guint8 *data = value_data;
  gsize value_start, type_start, end;

  /* Without an object table, the kind's body is the whole value, whose
   * bytes are at hand */
  if (header->flags & PP_WIRE_FLAGS_OBJECTS)
    {
      body = inner_body (header, value);
      data = g_variant_get_data (body);
      locate_parts (body, NULL, strings_of_kind (header->kind), &value_start, &type_start, &end);
    }
  else
    locate_parts_in (data, header->body_size, NULL, strings_of_kind (header->kind), &value_start,
                     &type_start, &end);
  if (data[type_start] != '(')
    {
      inner_type = g_strndup ((const char *) data + type_start, end - type_start);
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s whose values are of type %s, not a tuple"),
                   pp_wire_kind_to_string (header->kind), inner_type);
      return FALSE;
    }

  /* The common case: no objects, and no 'o' in the type (a cheap look:
   * the type string is short) */
  if (!(header->flags & PP_WIRE_FLAGS_OBJECTS))
    {
      if (memchr (data + type_start, 'o', end - type_start) == NULL)
        return TRUE;
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s with objects but no object table"),
                   pp_wire_kind_to_string (header->kind));
      return FALSE;
    }

  objects = g_variant_get_child_value (value, 1);
  pp_wire_split_body (body, NULL, strings_of_kind (header->kind), &args, NULL);
  if (!pp_wire_check_object_values (args, g_variant_n_children (objects)))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s with an object that is not in its table"),
                   pp_wire_kind_to_string (header->kind));
      return FALSE;
    }
  return TRUE;
}

/* What decoding needs of the body types, made once and never freed (a
 * fixed, small set): their normal-form tables, and a value of each. GLib
 * 2.74 frees the type info of a container type with the last value of
 * that type and makes it again for the next one: for the body of every
 * frame, when no other is alive, at a greater cost than the rest of
 * making the value. The value, made from zero bytes, keeps it. */
typedef struct
{
  PpNormalFormType *checks[2][PP_WIRE_KIND_LAST + 1];
  GVariant         *kept[2][PP_WIRE_KIND_LAST + 1];
} BodyTypes;

static const BodyTypes *
body_types (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      BodyTypes *types = g_new0 (BodyTypes, 1);

      for (guint kind = PP_WIRE_KIND_HELLO; kind <= PP_WIRE_KIND_LAST; kind++)
        for (guint objects = 0; objects < 2; objects++)
          {
            const GVariantType *type =
              pp_wire_frame_body_type (kind, objects ? PP_WIRE_FLAGS_OBJECTS : PP_WIRE_FLAGS_NONE);

            if (type == NULL)
              continue;
            types->checks[objects][kind] = pp_normal_form_type_new (type);
            types->kept[objects][kind] =
              g_variant_ref_sink (g_variant_new_from_data (type, NULL, 0, FALSE, NULL, NULL));
          }
      g_once_init_leave (&once, GPOINTER_TO_SIZE (types));
    }
  return GSIZE_TO_POINTER (once);
}

GVariant *
pp_wire_decode_body (PpWireHeader  *header,
                     GBytes        *body,
                     GError       **error)
{
  const GVariantType *type;
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (g_bytes_get_size (body) == header->body_size, NULL);

  type = pp_wire_frame_body_type (header->kind, header->flags);
  if (type == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s with unknown flags set"),
                   pp_wire_kind_to_string (header->kind));
      return NULL;
    }
  if (!pp_normal_form_check_type (body_types ()->checks[(header->flags & PP_WIRE_FLAGS_OBJECTS) != 0]
                                                       [header->kind],
                                  g_bytes_get_data (body, NULL), header->body_size))
    {
      if (header->kind == PP_WIRE_KIND_CALL &&
          (value = decode_call_too_deep (header, body)) != NULL)
        return g_steal_pointer (&value);
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s whose body is not a valid %s value"),
                   pp_wire_kind_to_string (header->kind), (const char *) type);
      return NULL;
    }

  /* Trusted, i.e. in normal form, as just checked: GLib then skips the
   * checks it would otherwise make on every access */
  value = g_variant_new_from_bytes (type, body, TRUE);

#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    GVariant *swapped = g_variant_byteswap (value);
    g_variant_unref (value);
    value = swapped;
  }
#endif

  /* The framing offsets, strings and type strings it reads are the same
   * in either byte order */
  if ((header->kind == PP_WIRE_KIND_CALL ||
       header->kind == PP_WIRE_KIND_RETURN ||
       header->kind == PP_WIRE_KIND_SIGNAL) &&
      !check_values (header, value, g_bytes_get_data (body, NULL), error))
    return NULL;

  return g_steal_pointer (&value);
}

GVariant *
pp_wire_unwrap_objects (GVariant  *body,
                        GVariant **objects)
{
  *objects = g_variant_get_child_value (body, 1);
  return g_variant_get_child_value (body, 0);
}

guint32
pp_wire_body_handle (GVariant *body)
{
  guint32 handle;

  /* The first member of a tuple that starts with a 'u' is at offset 0, in
   * this machine's order once decoded */
  g_assert (g_variant_get_size (body) >= sizeof handle);
  memcpy (&handle, g_variant_get_data (body), sizeof handle);
  return handle;
}

/* Finds the strings and the variant of a body that
 * gather_strings_and_args() lays out, which was checked to be in normal
 * form: the variant's value is at [@value_start, @type_start - 1), its type
 * string at [@type_start, @end). */
static void
locate_parts_in (const guint8  *data,
                 gsize          size,
                 const char   **strings,
                 guint          n_strings,
                 gsize         *value_start,
                 gsize         *type_start,
                 gsize         *end)
{
  gsize width = n_strings > 0 ? pp_normal_form_offset_size (size) : 0;
  gsize offset = n_strings > 0 ? sizeof (guint32) : 0;
  gsize nul;

  g_assert (n_strings <= PP_WIRE_MAX_BODY_STRINGS);

  for (guint i = 0; i < n_strings; i++)
    {
      gsize string_end = pp_normal_form_read_offset (data + size - (i + 1) * width, width);

      if (strings != NULL)
        strings[i] = (const char *) data + offset;
      offset = string_end;
    }

  *value_start = n_strings > 0 ? (offset + 7) & ~(gsize) 7 : 0;
  *end = size - n_strings * width;
  for (nul = *end; nul > *value_start && data[nul - 1] != '\0'; nul--)
    ;
  g_assert (nul > *value_start);
  *type_start = nul;
}

static void
locate_parts (GVariant     *body,
              const char  **strings,
              guint         n_strings,
              gsize        *value_start,
              gsize        *type_start,
              gsize        *end)
{
  locate_parts_in (g_variant_get_data (body), g_variant_get_size (body), strings, n_strings,
                   value_start, type_start, end);
}

/* Like pp_wire_split_body(), but gives the argument tuple as its type
 * string and bytes, pointers into @body, for readers that need no GVariant.
 * Returns FALSE if it is not a tuple. */
gboolean
pp_wire_locate_args (GVariant      *body,
                     const char   **strings,
                     guint          n_strings,
                     const char   **type_string,
                     const guint8 **args_data,
                     gsize         *args_size)
{
  const guint8 *data = g_variant_get_data (body);
  gsize value_start, type_start, end;

  locate_parts (body, strings, n_strings, &value_start, &type_start, &end);
  *type_string = (const char *) data + type_start;
  *args_data = data + value_start;
  *args_size = type_start - 1 - value_start;
  return data[type_start] == '(';
}

/* The strings of a decoded CALL, SIGNAL or RETURN body point into @body;
 * @args is a new reference to the argument tuple, sharing its memory.
 * Returns FALSE, with the type found in @type_string if not NULL, when the
 * variant holds something else than a tuple. */
gboolean
pp_wire_split_body (GVariant     *body,
                    const char  **strings,
                    guint         n_strings,
                    GVariant    **args,
                    char        **type_string)
{
  const guint8 *data = g_variant_get_data (body);
  gsize value_start, type_start, end;

  locate_parts (body, strings, n_strings, &value_start, &type_start, &end);
  if (data[type_start] != '(')
    {
      if (type_string != NULL)
        *type_string = g_strndup ((const char *) data + type_start, end - type_start);
      return FALSE;
    }

  if (args != NULL)
    {
      /* A GVariantType is its type string, which ends where the type is
       * complete: the one in the body can be used in place, since the
       * body's check found it valid. */
      const GVariantType *type = (const GVariantType *) (data + type_start);

      /* Not floating, as g_variant_get_variant() would give it */
      *args = g_variant_ref_sink (g_variant_new_from_data (type,
                                                           data + value_start,
                                                           type_start - 1 - value_start, TRUE,
                                                           (GDestroyNotify) g_variant_unref,
                                                           g_variant_ref (body)));
    }
  return TRUE;
}

/* The GError an ERROR body stands for. Only domains this process already
 * knows are used as such: a peer's strings never create quarks, which are
 * never freed; any other domain becomes PP_ERROR_REMOTE_ERROR naming it. */
GError *
pp_wire_decode_error (GVariant *body)
{
  const char *domain_name;
  const char *message;
  GQuark domain;
  int code;

  g_variant_get (body, "(&si&s)", &domain_name, &code, &message);

  /* Our own domain is known even before anything here made its quark */
  domain = PP_ERROR;
  if (strcmp (domain_name, g_quark_to_string (domain)) != 0)
    domain = g_quark_try_string (domain_name);
  if (domain != 0)
    return g_error_new_literal (domain, code, message);

  return g_error_new (PP_ERROR, PP_ERROR_REMOTE_ERROR, "%s:%d: %s", domain_name, code, message);
}
