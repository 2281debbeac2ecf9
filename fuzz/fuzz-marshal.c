/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The marshalling unit: a value from the peer, GVariant → C argument
 * (GIArgument storage) and GVariant → GValue, and back. The first byte
 * picks a type from the table below, the second how the C value is
 * handed over (transfer none, container or full); the rest is the
 * serialised value. It is loaded as the library loads bodies: trusted
 * when the normal-form checker accepts it, untrusted (for GLib to read
 * defensively) otherwise. A value that converts must convert back to the
 * same GVariant where the type's rules keep every value, and nothing may
 * leak, neither memory nor descriptors. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-fuzz.h"
#include "pp-marshal-private.h"
#include "pp-normal-form-private.h"

typedef struct
{
  const char *name;
  PpTypeDesc *desc;     /* a C argument, or */
  GType       gtype;    /* a GValue */
  gboolean    lossy;    /* converting back may give another value */
} Case;

static GPtrArray *cases;

static PpTypeDesc *
desc_new (PpTypeTag tag,
          gboolean  nullable)
{
  PpTypeDesc *desc = pp_type_desc_new (tag);

  desc->nullable = nullable;
  return desc;
}

static PpTypeDesc *
array_new (PpTypeDesc *element,
           int         length_arg,
           int         fixed_size,
           gboolean    zero_terminated)
{
  PpTypeDesc *desc = pp_type_desc_new (PP_TAG_C_ARRAY);

  desc->element = element;
  desc->length_arg = length_arg;
  desc->length_tag = PP_TAG_INT32;
  desc->fixed_size = fixed_size;
  desc->zero_terminated = zero_terminated;
  return desc;
}

static void
add_desc (const char *name,
          PpTypeDesc *desc,
          gboolean    lossy)
{
  Case *c = g_new0 (Case, 1);

  c->name = name;
  c->desc = desc;
  c->lossy = lossy;
  g_ptr_array_add (cases, c);
}

static void
add_gtype (const char *name,
           GType       gtype,
           gboolean    lossy)
{
  Case *c = g_new0 (Case, 1);

  c->name = name;
  c->gtype = gtype;
  c->lossy = lossy;
  g_ptr_array_add (cases, c);
}

static void
add_cases (void)
{
  static gint64 enum_values[] = { -1, 0, 5, G_MAXINT32 };
  PpTypeDesc *desc;

  cases = g_ptr_array_new ();

  add_desc ("boolean", desc_new (PP_TAG_BOOLEAN, FALSE), FALSE);
  add_desc ("int8", desc_new (PP_TAG_INT8, FALSE), FALSE);
  add_desc ("uint8", desc_new (PP_TAG_UINT8, FALSE), FALSE);
  add_desc ("int16", desc_new (PP_TAG_INT16, FALSE), FALSE);
  add_desc ("uint16", desc_new (PP_TAG_UINT16, FALSE), FALSE);
  add_desc ("int32", desc_new (PP_TAG_INT32, FALSE), FALSE);
  add_desc ("uint32", desc_new (PP_TAG_UINT32, FALSE), FALSE);
  add_desc ("int64", desc_new (PP_TAG_INT64, FALSE), FALSE);
  add_desc ("uint64", desc_new (PP_TAG_UINT64, FALSE), FALSE);
  add_desc ("float", desc_new (PP_TAG_FLOAT, FALSE), TRUE);
  add_desc ("double", desc_new (PP_TAG_DOUBLE, FALSE), FALSE);
  add_desc ("unichar", desc_new (PP_TAG_UNICHAR, FALSE), FALSE);
  add_desc ("string", desc_new (PP_TAG_STRING, FALSE), FALSE);
  add_desc ("nullable-string", desc_new (PP_TAG_STRING, TRUE), FALSE);
  add_desc ("filename", desc_new (PP_TAG_FILENAME, FALSE), FALSE);
  add_desc ("gtype", desc_new (PP_TAG_GTYPE, FALSE), FALSE);
  desc = desc_new (PP_TAG_ENUM, FALSE);
  desc->gtype = G_TYPE_IO_ERROR_ENUM;
  add_desc ("enum-registered", desc, FALSE);
  desc = desc_new (PP_TAG_ENUM, FALSE);
  desc->gtype = G_TYPE_NONE;
  desc->enum_values = enum_values;
  desc->n_enum_values = G_N_ELEMENTS (enum_values);
  add_desc ("enum-from-typelib", desc, FALSE);
  desc = desc_new (PP_TAG_FLAGS, FALSE);
  desc->gtype = G_TYPE_APPLICATION_FLAGS;
  add_desc ("flags-registered", desc, FALSE);
  desc = desc_new (PP_TAG_FLAGS, FALSE);
  desc->gtype = G_TYPE_NONE;
  desc->flags_mask = 0x8000000f;
  add_desc ("flags-from-typelib", desc, FALSE);
  add_desc ("variant", desc_new (PP_TAG_VARIANT, FALSE), FALSE);
  add_desc ("nullable-variant", desc_new (PP_TAG_VARIANT, TRUE), FALSE);
  add_desc ("bytes", desc_new (PP_TAG_BYTES, FALSE), FALSE);
  add_desc ("byte-array", desc_new (PP_TAG_BYTE_ARRAY, TRUE), FALSE);
  add_desc ("strv", desc_new (PP_TAG_STRV, FALSE), FALSE);
  add_desc ("nullable-strv", desc_new (PP_TAG_STRV, TRUE), FALSE);
  add_desc ("input-stream", desc_new (PP_TAG_INPUT_STREAM, FALSE), TRUE);
  add_desc ("output-stream", desc_new (PP_TAG_OUTPUT_STREAM, TRUE), TRUE);
  add_desc ("int32-array-with-length", array_new (desc_new (PP_TAG_INT32, FALSE), 1, -1, FALSE), FALSE);
  add_desc ("int16-array-of-3", array_new (desc_new (PP_TAG_INT16, FALSE), -1, 3, FALSE), FALSE);
  /* A terminator cannot be told from an item that equals it */
  add_desc ("string-array-zero-terminated",
            array_new (desc_new (PP_TAG_STRING, FALSE), -1, -1, TRUE), TRUE);
  add_desc ("uint8-array-zero-terminated",
            array_new (desc_new (PP_TAG_UINT8, FALSE), -1, -1, TRUE), TRUE);
  add_desc ("nullable-string-array",
            array_new (desc_new (PP_TAG_STRING, TRUE), 1, -1, FALSE), FALSE);
  desc = desc_new (PP_TAG_ENUM, FALSE);
  desc->gtype = G_TYPE_NONE;
  desc->enum_values = enum_values;
  desc->n_enum_values = G_N_ELEMENTS (enum_values);
  add_desc ("enum-array", array_new (desc, 1, -1, FALSE), FALSE);
  desc = desc_new (PP_TAG_ENUM, FALSE);
  desc->gtype = G_TYPE_IO_ERROR_ENUM;
  add_desc ("enum-array-registered", array_new (desc, 1, -1, FALSE), FALSE);
  add_desc ("gtype-array", array_new (desc_new (PP_TAG_GTYPE, FALSE), 1, -1, FALSE), FALSE);
  add_desc ("filename-array", array_new (desc_new (PP_TAG_FILENAME, FALSE), 1, -1, FALSE), FALSE);
  add_desc ("double-array", array_new (desc_new (PP_TAG_DOUBLE, FALSE), 1, -1, FALSE), FALSE);
  add_desc ("boolean-array", array_new (desc_new (PP_TAG_BOOLEAN, FALSE), 1, -1, FALSE), FALSE);
  add_desc ("int8-array", array_new (desc_new (PP_TAG_INT8, FALSE), 1, -1, FALSE), FALSE);
  /* NULL with a length of 0 is sent as an empty array, as C APIs mean it */
  add_desc ("nullable-int32-array",
            array_new (desc_new (PP_TAG_INT32, FALSE), 1, -1, FALSE), TRUE);
  ((PpTypeDesc *) ((Case *) g_ptr_array_index (cases, cases->len - 1))->desc)->nullable = TRUE;

  add_gtype ("value-boolean", G_TYPE_BOOLEAN, FALSE);
  add_gtype ("value-char", G_TYPE_CHAR, FALSE);
  add_gtype ("value-uchar", G_TYPE_UCHAR, FALSE);
  add_gtype ("value-int", G_TYPE_INT, FALSE);
  add_gtype ("value-uint", G_TYPE_UINT, FALSE);
  add_gtype ("value-long", G_TYPE_LONG, FALSE);
  add_gtype ("value-ulong", G_TYPE_ULONG, FALSE);
  add_gtype ("value-int64", G_TYPE_INT64, FALSE);
  add_gtype ("value-uint64", G_TYPE_UINT64, FALSE);
  add_gtype ("value-float", G_TYPE_FLOAT, TRUE);
  add_gtype ("value-double", G_TYPE_DOUBLE, FALSE);
  add_gtype ("value-string", G_TYPE_STRING, FALSE);
  add_gtype ("value-variant", G_TYPE_VARIANT, FALSE);
  add_gtype ("value-strv", G_TYPE_STRV, FALSE);
  add_gtype ("value-bytes", G_TYPE_BYTES, FALSE);
  add_gtype ("value-byte-array", G_TYPE_BYTE_ARRAY, FALSE);
  add_gtype ("value-gtype", G_TYPE_GTYPE, FALSE);
  add_gtype ("value-enum", G_TYPE_IO_ERROR_ENUM, FALSE);
  add_gtype ("value-flags", G_TYPE_APPLICATION_FLAGS, FALSE);
  add_gtype ("value-input-stream", G_TYPE_INPUT_STREAM, TRUE);
  add_gtype ("value-output-stream", G_TYPE_OUTPUT_STREAM, TRUE);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  pp_fuzz_fatal_criticals ();
  add_cases ();
  return 0;
}

static int
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  int n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Two descriptors came with the message: handles 0 and 1 */
static GUnixFDList *
in_fds_new (void)
{
  GUnixFDList *fds = g_unix_fd_list_new ();
  int pipe_fds[2];

  g_assert_cmpint (pipe (pipe_fds), ==, 0);
  g_unix_fd_list_append (fds, pipe_fds[0], NULL);
  g_unix_fd_list_append (fds, pipe_fds[1], NULL);
  close (pipe_fds[0]);
  close (pipe_fds[1]);
  return fds;
}

static GVariant *
load (const char   *signature,
      const guint8 *data,
      gsize         size)
{
  const GVariantType *type = G_VARIANT_TYPE (signature);
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  gboolean normal = pp_normal_form_check (type, g_bytes_get_data (bytes, NULL), size);

  return g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, normal));
}

static void
check_same (const Case *c,
            GVariant   *in,
            GVariant   *out)
{
  if (c->lossy || g_variant_equal (in, out))
    return;
  {
    g_autofree char *a = g_variant_print (in, TRUE);
    g_autofree char *b = g_variant_print (out, TRUE);

    fprintf (stderr, "%s: %s came back as %s\n", c->name, a, b);
    abort ();
  }
}

static void
fuzz_desc (const Case   *c,
           PpTransfer    transfer,
           const guint8 *data,
           gsize         size)
{
  g_autoptr(GString) signature = g_string_new (NULL);
  g_autoptr(GVariant) in = NULL;
  g_autoptr(GVariant) out = NULL;
  g_autoptr(GError) error = NULL;
  PpMarshalScope *scope = pp_marshal_scope_new ();
  g_autoptr(GUnixFDList) fds = in_fds_new ();
  g_autoptr(GUnixFDList) out_fds = NULL;
  PpArgValue value;
  gsize length = 0;

  pp_type_desc_append_signature (c->desc, signature);
  in = load (signature->str, data, size);
  pp_marshal_scope_set_in_fds (scope, fds);

  if (pp_marshal_from_variant (c->desc, in, transfer, scope, &value, &length, &error))
    {
      g_assert_no_error (error);
      out = pp_marshal_to_variant (c->desc, &value, length, scope, &error);
      if (out != NULL)
        {
          g_variant_ref_sink (out);
          check_same (c, in, out);
        }
      else
        g_assert_nonnull (error);
      pp_marshal_free_value (c->desc, &value, length, transfer);
    }
  else
    g_assert_nonnull (error);
  out_fds = pp_marshal_scope_steal_out_fds (scope);
  pp_marshal_scope_free (scope);
}

static void
fuzz_gvalue (const Case   *c,
             guint8        how,
             const guint8 *data,
             gsize         size)
{
  g_autoptr(GString) signature = g_string_new (NULL);
  g_autoptr(GVariant) in = NULL;
  g_autoptr(GVariant) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) fds = in_fds_new ();
  g_autoptr(PpMarshalScope) in_scope = pp_marshal_scope_new ();
  g_autoptr(PpMarshalScope) out_scope = pp_marshal_scope_new ();
  GValue value = G_VALUE_INIT;
  gboolean ok;

  pp_marshal_scope_set_in_fds (in_scope, fds);

  switch (how % 4)
    {
    case 0:   /* a property's value or an action signal's argument */
      if (!pp_marshal_gtype_signature (c->gtype, signature, &error))
        return;
      in = load (signature->str, data, size);
      ok = pp_marshal_value_from_variant (in, c->gtype, &value, &error);
      if (ok)
        out = pp_marshal_value_to_variant (&value, &error);
      break;
    case 1:   /* a property's value that may be NULL, as a maybe variant */
      if (!pp_marshal_gtype_signature (c->gtype, signature, &error))
        return;
      g_string_assign (signature, "mv");
      in = load (signature->str, data, size);
      ok = pp_marshal_value_from_maybe (in, c->gtype, &value, &error);
      if (ok)
        out = pp_marshal_value_to_maybe (&value, &error);
      break;
    case 2:   /* a signal's argument */
      if (!pp_marshal_gtype_nullable_signature (c->gtype, signature, &error))
        return;
      in = load (signature->str, data, size);
      ok = pp_marshal_value_from_nullable (in, c->gtype, in_scope, &value, &error);
      if (ok)
        out = pp_marshal_value_to_nullable (&value, out_scope, &error);
      break;
    default:  /* a signal's argument, read straight from its bytes */
      if (!pp_marshal_gtype_nullable_signature (c->gtype, signature, &error))
        return;
      in = load (signature->str, data, size);
      if (!g_variant_is_normal_form (in))
        return;  /* only checked bytes are read so */
      ok = pp_marshal_value_from_serialised (c->gtype, signature->str, signature->len,
                                             g_variant_get_data (in), g_variant_get_size (in),
                                             &value);
      if (ok)
        out = pp_marshal_value_to_nullable (&value, out_scope, &error);
      else
        g_clear_error (&error);
      break;
    }

  if (out != NULL)
    {
      g_variant_ref_sink (out);
      check_same (c, in, out);
    }
  else if (ok)
    g_assert_nonnull (error);
  if (!ok && (how % 4) != 3)
    g_assert_nonnull (error);
  if (G_IS_VALUE (&value))
    g_value_unset (&value);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const Case *c;
  int fds_before;

  if (size < 2)
    return 0;

  fds_before = count_fds ();
  c = g_ptr_array_index (cases, data[0] % cases->len);
  if (c->desc != NULL)
    fuzz_desc (c, data[1] % 3, data + 2, size - 2);
  else
    fuzz_gvalue (c, data[1], data + 2, size - 2);

  if (count_fds () != fds_before)
    {
      fprintf (stderr, "%s: %d descriptors open before, %d after\n", c->name, fds_before,
               count_fds ());
      abort ();
    }
  return 0;
}

/* A value in text form for the case called @name */
static void
add_value (PpFuzzSeeds *seeds,
           const char  *name,
           guint8       how,
           const char  *text)
{
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(GString) signature = g_string_new (NULL);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *seed_name = g_strdup_printf ("%s-%u", name, how);
  const Case *c = NULL;
  guint8 index;

  for (index = 0; index < cases->len; index++)
    {
      c = g_ptr_array_index (cases, index);
      if (g_str_equal (c->name, name))
        break;
    }
  g_assert_cmpuint (index, <, cases->len);

  if (c->desc != NULL)
    pp_type_desc_append_signature (c->desc, signature);
  else if (how % 4 == 0)
    pp_marshal_gtype_signature (c->gtype, signature, &error);
  else if (how % 4 == 1)
    g_string_assign (signature, "mv");
  else
    pp_marshal_gtype_nullable_signature (c->gtype, signature, &error);
  g_assert_no_error (error);

  value = g_variant_parse (G_VARIANT_TYPE (signature->str), text, NULL, NULL, &error);
  g_assert_no_error (error);
  g_byte_array_append (input, &index, 1);
  g_byte_array_append (input, &how, 1);
  g_byte_array_append (input, g_variant_get_data (value), g_variant_get_size (value));
  pp_fuzz_seed_add (seeds, seed_name, input->data, input->len);
}

void
pp_fuzz_seeds (PpFuzzSeeds *seeds)
{
  add_value (seeds, "boolean", 0, "true");
  add_value (seeds, "int8", 2, "-128");
  add_value (seeds, "int64", 1, "-5");
  add_value (seeds, "float", 0, "1.5");
  add_value (seeds, "unichar", 0, "0x1f600");
  add_value (seeds, "string", 0, "'h\u00e9llo'");
  add_value (seeds, "nullable-string", 2, "just 'x'");
  add_value (seeds, "filename", 1, "b'/tmp/x'");
  add_value (seeds, "gtype", 0, "'GObject'");
  add_value (seeds, "enum-registered", 0, "1");
  add_value (seeds, "enum-from-typelib", 0, "5");
  add_value (seeds, "flags-registered", 0, "uint32 4");
  add_value (seeds, "flags-from-typelib", 0, "uint32 0x80000001");
  add_value (seeds, "variant", 2, "<(1, 'two')>");
  add_value (seeds, "nullable-variant", 0, "nothing");
  add_value (seeds, "bytes", 0, "b'abc'");
  add_value (seeds, "byte-array", 0, "just b'abc'");
  add_value (seeds, "strv", 1, "['a', 'b']");
  add_value (seeds, "input-stream", 0, "handle 0");
  add_value (seeds, "output-stream", 0, "just handle 1");
  add_value (seeds, "int32-array-with-length", 2, "[1, 2, 3]");
  add_value (seeds, "int16-array-of-3", 0, "[int16 1, 2, 3]");
  add_value (seeds, "string-array-zero-terminated", 2, "['a', '']");
  add_value (seeds, "uint8-array-zero-terminated", 1, "b'ab'");
  add_value (seeds, "nullable-string-array", 2, "[just 'a', nothing]");
  add_value (seeds, "enum-array", 1, "[-1, 0, 5]");
  add_value (seeds, "enum-array-registered", 1, "[0, 1]");
  add_value (seeds, "gtype-array", 2, "['GObject', '']");
  add_value (seeds, "filename-array", 2, "[b'a', b'b']");
  add_value (seeds, "double-array", 0, "[1.0, -2.5]");
  add_value (seeds, "boolean-array", 0, "[true, false]");
  add_value (seeds, "int8-array", 0, "[int16 1, -1]");
  add_value (seeds, "nullable-int32-array", 2, "just [1, 2]");
  add_value (seeds, "value-char", 0, "int16 -3");
  add_value (seeds, "value-long", 1, "just <int64 7>");
  add_value (seeds, "value-string", 2, "just 'x'");
  add_value (seeds, "value-string", 3, "@ms nothing");
  add_value (seeds, "value-int", 3, "5");
  add_value (seeds, "value-double", 3, "2.5");
  add_value (seeds, "value-variant", 2, "just <5>");
  add_value (seeds, "value-strv", 0, "['a']");
  add_value (seeds, "value-bytes", 1, "just <b'x'>");
  add_value (seeds, "value-byte-array", 0, "b'x'");
  add_value (seeds, "value-gtype", 0, "'GMenu'");
  add_value (seeds, "value-enum", 0, "3");
  add_value (seeds, "value-flags", 1, "just <uint32 1>");
  add_value (seeds, "value-input-stream", 2, "just handle 0");
  add_value (seeds, "value-output-stream", 2, "@mh nothing");
}
