/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The marshalling unit, its GValue rules: which GType has which signature,
 * and GValues to GVariants and back. Values from the peer are untrusted.
 * The GIArgument rules are test-marshal.c. */

#include <string.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-marshal-private.h"

static void
test_gtype_signature (void)
{
  const struct { GType type; const char *signature; } cases[] = {
    { G_TYPE_BOOLEAN, "b" },
    { G_TYPE_CHAR, "n" },
    { G_TYPE_UCHAR, "y" },
    { G_TYPE_INT, "i" },
    { G_TYPE_UINT, "u" },
    { G_TYPE_LONG, "x" },
    { G_TYPE_ULONG, "t" },
    { G_TYPE_INT64, "x" },
    { G_TYPE_UINT64, "t" },
    { G_TYPE_FLOAT, "d" },
    { G_TYPE_DOUBLE, "d" },
    { G_TYPE_STRING, "s" },
    { G_TYPE_VARIANT, "v" },
    { G_TYPE_STRV, "as" },
    { G_TYPE_BYTES, "ay" },
    { G_TYPE_BYTE_ARRAY, "ay" },
    { G_TYPE_ENUM, "i" },
    { G_TYPE_FLAGS, "u" },
    { G_TYPE_IO_ERROR_ENUM, "i" },
    { G_TYPE_FILE_ATTRIBUTE_INFO_FLAGS, "u" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) signature = g_string_new ("(");
      g_autoptr(GError) error = NULL;

      g_assert_true (pp_marshal_gtype_signature (cases[i].type, signature, &error));
      g_assert_no_error (error);
      /* Appends */
      g_assert_cmpstr (signature->str + 1, ==, cases[i].signature);
    }

  {
    g_autoptr(GString) signature = g_string_new (NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true (pp_marshal_gtype_signature (G_TYPE_GTYPE, signature, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (signature->str, ==, "s");
  }
}

static void
test_gtype_signature_unsupported (void)
{
  const GType types[] = {
    G_TYPE_POINTER, G_TYPE_OBJECT, G_TYPE_FILE_INFO, G_TYPE_HASH_TABLE, G_TYPE_MAIN_LOOP,
    G_TYPE_PARAM, G_TYPE_CLOSURE, G_TYPE_FILE, G_TYPE_NONE,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GString) signature = g_string_new ("keep");
      g_autoptr(GError) error = NULL;

      g_assert_false (pp_marshal_gtype_signature (types[i], signature, &error));
      g_assert_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE);
      /* The message names the type */
      g_assert_nonnull (strstr (error->message, g_type_name (types[i])));
      g_assert_cmpstr (signature->str, ==, "keep");
    }
}

static void
assert_value_round_trip (const GValue *value,
                         const char   *expected)
{
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GVariant) expected_variant = NULL;
  g_auto(GValue) back = G_VALUE_INIT;
  g_autoptr(GString) signature = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (pp_marshal_gtype_signature (G_VALUE_TYPE (value), signature, &error));
  expected_variant = g_variant_parse (G_VARIANT_TYPE (signature->str), expected, NULL, NULL,
                                      &error);
  g_assert_no_error (error);

  variant = pp_marshal_value_to_variant (value, &error);
  g_assert_no_error (error);
  g_assert_nonnull (variant);
  g_variant_ref_sink (variant);
  g_assert_cmpvariant (variant, expected_variant);

  g_assert_true (pp_marshal_value_from_variant (variant, G_VALUE_TYPE (value), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (G_VALUE_TYPE (&back), ==, G_VALUE_TYPE (value));

  /* Same value: compare through the variant again */
  {
    g_autoptr(GVariant) again = pp_marshal_value_to_variant (&back, &error);

    g_assert_no_error (error);
    g_variant_ref_sink (again);
    g_assert_cmpvariant (again, variant);
  }
}

static void
test_value_round_trip (void)
{
  g_auto(GValue) value = G_VALUE_INIT;

#define CHECK(gtype, setter, v, text) \
  G_STMT_START { \
    g_value_init (&value, gtype); \
    setter (&value, v); \
    assert_value_round_trip (&value, text); \
    g_value_unset (&value); \
  } G_STMT_END

  CHECK (G_TYPE_BOOLEAN, g_value_set_boolean, TRUE, "true");
  CHECK (G_TYPE_CHAR, g_value_set_schar, -128, "@n -128");
  CHECK (G_TYPE_CHAR, g_value_set_schar, 127, "@n 127");
  CHECK (G_TYPE_UCHAR, g_value_set_uchar, 255, "@y 255");
  CHECK (G_TYPE_INT, g_value_set_int, G_MININT, "-2147483648");
  CHECK (G_TYPE_UINT, g_value_set_uint, G_MAXUINT, "@u 4294967295");
  CHECK (G_TYPE_LONG, g_value_set_long, -5, "@x -5");
  CHECK (G_TYPE_ULONG, g_value_set_ulong, 5, "@t 5");
  CHECK (G_TYPE_INT64, g_value_set_int64, G_MININT64, "@x -9223372036854775808");
  CHECK (G_TYPE_UINT64, g_value_set_uint64, G_MAXUINT64, "@t 18446744073709551615");
  CHECK (G_TYPE_FLOAT, g_value_set_float, 0.75f, "0.75");
  CHECK (G_TYPE_DOUBLE, g_value_set_double, -1e-10, "-1e-10");
  CHECK (G_TYPE_STRING, g_value_set_string, "ünïcödé", "'ünïcödé'");
  CHECK (G_TYPE_STRING, g_value_set_string, "", "''");
  CHECK (G_TYPE_VARIANT, g_value_set_variant, g_variant_new ("(ai)", NULL), "<@(ai) ([],)>");
  CHECK (G_TYPE_IO_ERROR_ENUM, g_value_set_enum, G_IO_ERROR_CLOSED, "18");
  CHECK (G_TYPE_FILE_ATTRIBUTE_INFO_FLAGS, g_value_set_flags, 3, "@u 3");
  CHECK (G_TYPE_GTYPE, g_value_set_gtype, G_TYPE_FILE_INFO, "'GFileInfo'");
  CHECK (G_TYPE_GTYPE, g_value_set_gtype, G_TYPE_INVALID, "''");
  CHECK (G_TYPE_STRV, g_value_set_static_boxed, ((const char * const[]) { "a", "b", NULL }),
         "['a', 'b']");
  CHECK (G_TYPE_STRV, g_value_set_static_boxed, ((const char * const[]) { NULL }), "@as []");

  {
    g_autoptr(GBytes) bytes = g_bytes_new_static ("\x01\x00\x02", 3);

    CHECK (G_TYPE_BYTES, g_value_set_boxed, bytes, "@ay [1, 0, 2]");
  }
  {
    g_autoptr(GByteArray) array = g_byte_array_new ();

    g_byte_array_append (array, (const guint8 *) "xy", 2);
    CHECK (G_TYPE_BYTE_ARRAY, g_value_set_boxed, array, "@ay [0x78, 0x79]");
  }

#undef CHECK
}

static void
assert_value_from_variant_fails (GVariant   *variant,
                                 GType       type,
                                 int         code,
                                 const char *needle)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (variant);
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_false (pp_marshal_value_from_variant (owned, type, &value, &error));
  g_assert_error (error, PP_ERROR, code);
  g_test_message ("%s: %s", g_type_name (type), error->message);
  if (needle != NULL)
    g_assert_nonnull (strstr (error->message, needle));
}

static void
test_value_from_variant_errors (void)
{
  /* Wrong variant type */
  assert_value_from_variant_fails (g_variant_new_string ("5"), G_TYPE_INT,
                                   PP_ERROR_INVALID_ARGUMENTS, NULL);
  assert_value_from_variant_fails (g_variant_new_int32 (5), G_TYPE_STRV,
                                   PP_ERROR_INVALID_ARGUMENTS, NULL);
  assert_value_from_variant_fails (g_variant_new_int32 (5), G_TYPE_FLOAT,
                                   PP_ERROR_INVALID_ARGUMENTS, NULL);
  /* gchar travels as int16: range-checked */
  assert_value_from_variant_fails (g_variant_new_int16 (128), G_TYPE_CHAR,
                                   PP_ERROR_INVALID_ARGUMENTS, "128");
  assert_value_from_variant_fails (g_variant_new_int16 (-129), G_TYPE_CHAR,
                                   PP_ERROR_INVALID_ARGUMENTS, "-129");
  /* Enumerations and flags are checked against their type */
  assert_value_from_variant_fails (g_variant_new_int32 (4242), G_TYPE_IO_ERROR_ENUM,
                                   PP_ERROR_INVALID_ARGUMENTS, "GIOErrorEnum");
  assert_value_from_variant_fails (g_variant_new_uint32 (0x10), G_TYPE_FILE_ATTRIBUTE_INFO_FLAGS,
                                   PP_ERROR_INVALID_ARGUMENTS, "GFileAttributeInfoFlags");
  /* Unknown type names */
  assert_value_from_variant_fails (g_variant_new_string ("PpNotAType"), G_TYPE_GTYPE,
                                   PP_ERROR_INVALID_ARGUMENTS, "PpNotAType");
  /* Unsupported target types, named */
  assert_value_from_variant_fails (g_variant_new_string ("x"), G_TYPE_POINTER,
                                   PP_ERROR_UNSUPPORTED_TYPE, "gpointer");
  assert_value_from_variant_fails (g_variant_new_string ("x"), G_TYPE_FILE_INFO,
                                   PP_ERROR_UNSUPPORTED_TYPE, "GFileInfo");
  assert_value_from_variant_fails (g_variant_new_string ("x"), G_TYPE_HASH_TABLE,
                                   PP_ERROR_UNSUPPORTED_TYPE, "GHashTable");
}

/* @value cannot cross: @code, and a message naming @needle. The value is
 * unset afterwards, ready for the next type. */
static void
assert_value_to_variant_fails (GValue     *value,
                               int         code,
                               const char *needle)
{
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;

  variant = pp_marshal_value_to_variant (value, &error);
  g_assert_error (error, PP_ERROR, code);
  g_assert_null (variant);
  if (needle != NULL)
    g_assert_nonnull (strstr (error->message, needle));
  g_value_unset (value);
}

static void
test_value_to_variant_errors (void)
{
  const GType pointer_types[] = { G_TYPE_STRING, G_TYPE_VARIANT, G_TYPE_STRV, G_TYPE_BYTES };
  GValue value = G_VALUE_INIT;

  /* NULL where a value is needed */
  for (gsize i = 0; i < G_N_ELEMENTS (pointer_types); i++)
    {
      g_value_init (&value, pointer_types[i]);
      assert_value_to_variant_fails (&value, PP_ERROR_INVALID_ARGUMENTS, NULL);
    }

  /* Invalid UTF-8: an error, not a critical */
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_static_string (&value, "bad \xfe\xff");
  assert_value_to_variant_fails (&value, PP_ERROR_INVALID_ARGUMENTS, NULL);

  g_value_init (&value, G_TYPE_STRV);
  g_value_set_static_boxed (&value, ((const char * const[]) { "good", "\xc3", NULL }));
  assert_value_to_variant_fails (&value, PP_ERROR_INVALID_ARGUMENTS, NULL);
}

/* A value of a type that cannot cross gives PP_ERROR_UNSUPPORTED_TYPE
 * naming the type. */
static void
test_value_unsupported (void)
{
  g_autoptr(GFileInfo) info = g_file_info_new ();
  g_autoptr(GHashTable) table = g_hash_table_new (NULL, NULL);
  GValue value = G_VALUE_INIT;
  int anything;

  g_value_init (&value, G_TYPE_FILE_INFO);
  g_value_set_object (&value, info);
  assert_value_to_variant_fails (&value, PP_ERROR_UNSUPPORTED_TYPE, "GFileInfo");

  g_value_init (&value, G_TYPE_POINTER);
  g_value_set_pointer (&value, &anything);
  assert_value_to_variant_fails (&value, PP_ERROR_UNSUPPORTED_TYPE, "gpointer");

  g_value_init (&value, G_TYPE_HASH_TABLE);
  g_value_set_boxed (&value, table);
  assert_value_to_variant_fails (&value, PP_ERROR_UNSUPPORTED_TYPE, "GHashTable");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Marshal/gtype-signature", test_gtype_signature);
  g_test_add_func ("/Pp/Marshal/gtype-signature-unsupported", test_gtype_signature_unsupported);
  g_test_add_func ("/Pp/Marshal/value-round-trip", test_value_round_trip);
  g_test_add_func ("/Pp/Marshal/value-from-variant-errors", test_value_from_variant_errors);
  g_test_add_func ("/Pp/Marshal/value-to-variant-errors", test_value_to_variant_errors);
  g_test_add_func ("/Pp/Marshal/value-unsupported", test_value_unsupported);

  return g_test_run ();
}
