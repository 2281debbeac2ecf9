/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The marshalling unit: one table of rules between C values (GIArgument
 * storage, GValues) and GVariants. Values from the peer are untrusted.
 * This is its GIArgument side; the GValue rules are test-marshal-value.c. */

#include <string.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-marshal-private.h"
#include "pp-normal-form-private.h"

/* Local names, so that these cleanups cannot clash with any the library
 * may declare for its own types one day. */
typedef PpTypeDesc     TestDesc;
typedef PpMarshalScope TestScope;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestDesc, pp_type_desc_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestScope, pp_marshal_scope_free)

/* Compares with a floating @expected, and releases it. */
static void
assert_variant_equal (GVariant *actual,
                      GVariant *expected)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (expected);

  g_assert_cmpvariant (actual, owned);
}

static PpTypeDesc *
nullable_desc (PpTypeTag tag)
{
  PpTypeDesc *desc = pp_type_desc_new (tag);

  desc->nullable = TRUE;
  return desc;
}

static PpTypeDesc *
array_desc (PpTypeDesc *element,
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

static char *
signature_of (const PpTypeDesc *desc)
{
  GString *signature = g_string_new (NULL);

  pp_type_desc_append_signature (desc, signature);
  return g_string_free (signature, FALSE);
}

/* Marshals @value and checks the result against @expected, a GVariant in
 * text form whose type is the description's signature. */
static void
assert_to_variant (const PpTypeDesc *desc,
                   const PpArgValue *value,
                   gsize             length,
                   const char       *expected)
{
  g_autofree char *signature = signature_of (desc);
  g_autoptr(GVariant) expected_variant = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;

  expected_variant = g_variant_parse (G_VARIANT_TYPE (signature), expected, NULL, NULL, &error);
  g_assert_no_error (error);

  variant = pp_marshal_to_variant (desc, value, length, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (variant);
  g_variant_ref_sink (variant);
  g_assert_cmpstr (g_variant_get_type_string (variant), ==, signature);
  g_assert_cmpvariant (variant, expected_variant);
}

static void
assert_to_variant_fails (const PpTypeDesc *desc,
                         const PpArgValue *value,
                         gsize             length,
                         int               code)
{
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;

  variant = pp_marshal_to_variant (desc, value, length, NULL, &error);
  g_assert_error (error, PP_ERROR, code);
  g_assert_null (variant);
  g_test_message ("%s", error->message);
}

static GVariant *
parse (const PpTypeDesc *desc,
       const char       *text)
{
  g_autofree char *signature = signature_of (desc);
  g_autoptr(GError) error = NULL;
  GVariant *variant = g_variant_parse (G_VARIANT_TYPE (signature), text, NULL, NULL, &error);

  g_assert_no_error (error);
  /* Not floating */
  return variant;
}

/* Unmarshals @text (transfer none into a scope) and marshals the result
 * again: it must come back unchanged. Returns the C value in @out. */
static void
assert_round_trip (const PpTypeDesc *desc,
                   const char       *text,
                   PpArgValue       *out)
{
  g_autoptr(GVariant) variant = parse (desc, text);
  g_autoptr(GVariant) again = NULL;
  g_autoptr(TestScope) scope = pp_marshal_scope_new ();
  g_autoptr(GError) error = NULL;
  PpArgValue value;
  gsize length = 0;
  gboolean ok;

  ok = pp_marshal_from_variant (desc, variant, PP_TRANSFER_NONE, scope, &value, &length, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  again = pp_marshal_to_variant (desc, &value, length, NULL, &error);
  g_assert_no_error (error);
  g_variant_ref_sink (again);
  g_assert_cmpvariant (again, variant);
  if (out != NULL)
    *out = value;
}

static void
assert_from_variant_fails (const PpTypeDesc *desc,
                           const char       *text,
                           PpTransfer        transfer)
{
  g_autoptr(GVariant) variant = parse (desc, text);
  g_autoptr(TestScope) scope = pp_marshal_scope_new ();
  g_autoptr(GError) error = NULL;
  PpArgValue value;
  gsize length = 0;

  if (pp_marshal_from_variant (desc, variant, transfer, scope, &value, &length, &error))
    {
      /* Reported without aborting, so that the other cases still run */
      g_test_fail_printf ("%s was accepted as a %s", text, pp_type_tag_to_string (desc->tag));
      pp_marshal_free_value (desc, &value, length, transfer);
      return;
    }
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_test_message ("%s: %s", text, error->message);
}

static void
test_tag_names (void)
{
  g_assert_cmpstr (pp_type_tag_to_string (PP_TAG_BOOLEAN), ==, "gboolean");
  g_assert_cmpstr (pp_type_tag_to_string (PP_TAG_INT8), ==, "gint8");
  g_assert_cmpstr (pp_type_tag_to_string (PP_TAG_UINT64), ==, "guint64");
  g_assert_cmpstr (pp_type_tag_to_string (PP_TAG_STRING), ==, "string");
  g_assert_cmpstr (pp_type_tag_to_string (PP_TAG_FILENAME), ==, "filename");
  g_assert_cmpstr (pp_type_tag_to_string (PP_TAG_STRV), ==, "GStrv");
  g_assert_cmpstr (pp_type_tag_to_string (PP_TAG_C_ARRAY), ==, "C array");

  for (PpTypeTag tag = PP_TAG_BOOLEAN; tag <= PP_TAG_LAST; tag++)
    {
      g_assert_nonnull (pp_type_tag_to_string (tag));
      g_assert_cmpstr (pp_type_tag_to_string (tag), !=, "");
    }
}

static void
test_signatures (void)
{
  const struct { PpTypeTag tag; const char *signature; } scalars[] = {
    { PP_TAG_BOOLEAN, "b" },
    { PP_TAG_INT8, "n" },
    { PP_TAG_UINT8, "y" },
    { PP_TAG_INT16, "n" },
    { PP_TAG_UINT16, "q" },
    { PP_TAG_INT32, "i" },
    { PP_TAG_UINT32, "u" },
    { PP_TAG_INT64, "x" },
    { PP_TAG_UINT64, "t" },
    { PP_TAG_FLOAT, "d" },
    { PP_TAG_DOUBLE, "d" },
    { PP_TAG_UNICHAR, "u" },
    { PP_TAG_STRING, "s" },
    { PP_TAG_FILENAME, "ay" },
    { PP_TAG_GTYPE, "s" },
    { PP_TAG_ENUM, "i" },
    { PP_TAG_FLAGS, "u" },
    { PP_TAG_VARIANT, "v" },
    { PP_TAG_BYTES, "ay" },
    { PP_TAG_BYTE_ARRAY, "ay" },
    { PP_TAG_STRV, "as" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (scalars); i++)
    {
      g_autoptr(TestDesc) plain = pp_type_desc_new (scalars[i].tag);
      g_autoptr(TestDesc) nullable = nullable_desc (scalars[i].tag);
      g_autoptr(TestDesc) array = array_desc (pp_type_desc_new (scalars[i].tag), 1, -1, FALSE);
      g_autofree char *sig = signature_of (plain);
      g_autofree char *nullable_sig = signature_of (nullable);
      g_autofree char *array_sig = signature_of (array);
      g_autofree char *expected_nullable = g_strconcat ("m", scalars[i].signature, NULL);
      g_autofree char *expected_array = g_strconcat ("a", scalars[i].signature, NULL);

      g_assert_cmpstr (sig, ==, scalars[i].signature);
      g_assert_cmpstr (nullable_sig, ==, expected_nullable);
      g_assert_cmpstr (array_sig, ==, expected_array);
      g_assert_true (g_variant_type_string_is_valid (nullable_sig));
      g_assert_true (g_variant_type_string_is_valid (array_sig));
    }

  {
    g_autoptr(TestDesc) nested = array_desc (array_desc (nullable_desc (PP_TAG_STRING),
                                                         -1, -1, TRUE), -1, 2, FALSE);
    g_autofree char *sig = NULL;

    nested->nullable = TRUE;
    sig = signature_of (nested);
    g_assert_cmpstr (sig, ==, "maams");
  }
}

/* @back is @expected, as the C type of @tag */
static void
assert_same_number (PpTypeTag         tag,
                    const PpArgValue *back,
                    const PpArgValue *expected)
{
  switch (tag)
    {
    case PP_TAG_BOOLEAN:
      g_assert_cmpint (back->v_boolean, ==, expected->v_boolean);
      break;
    case PP_TAG_INT8:
      g_assert_cmpint (back->v_int8, ==, expected->v_int8);
      break;
    case PP_TAG_UINT8:
      g_assert_cmpuint (back->v_uint8, ==, expected->v_uint8);
      break;
    case PP_TAG_INT16:
      g_assert_cmpint (back->v_int16, ==, expected->v_int16);
      break;
    case PP_TAG_UINT16:
      g_assert_cmpuint (back->v_uint16, ==, expected->v_uint16);
      break;
    case PP_TAG_INT32:
      g_assert_cmpint (back->v_int32, ==, expected->v_int32);
      break;
    case PP_TAG_UINT32:
    case PP_TAG_UNICHAR:
      g_assert_cmpuint (back->v_uint32, ==, expected->v_uint32);
      break;
    case PP_TAG_INT64:
      g_assert_cmpint (back->v_int64, ==, expected->v_int64);
      break;
    case PP_TAG_UINT64:
      g_assert_cmpuint (back->v_uint64, ==, expected->v_uint64);
      break;
    case PP_TAG_FLOAT:
      g_assert_cmpfloat (back->v_float, ==, expected->v_float);
      break;
    case PP_TAG_DOUBLE:
      g_assert_cmpfloat (back->v_double, ==, expected->v_double);
      break;
    case PP_TAG_STRING:
    case PP_TAG_FILENAME:
    case PP_TAG_GTYPE:
    case PP_TAG_ENUM:
    case PP_TAG_FLAGS:
    case PP_TAG_VARIANT:
    case PP_TAG_BYTES:
    case PP_TAG_BYTE_ARRAY:
    case PP_TAG_STRV:
    case PP_TAG_INPUT_STREAM:
    case PP_TAG_OUTPUT_STREAM:
    case PP_TAG_C_ARRAY:
    case PP_TAG_DATE_TIME:
    case PP_TAG_VARIANT_TYPE:
    case PP_TAG_ERROR:
    case PP_TAG_VALUE:
    case PP_TAG_BOXED:
    case PP_TAG_LIST:
    case PP_TAG_SLIST:
    case PP_TAG_PTR_ARRAY:
    case PP_TAG_HASH_TABLE:
    case PP_TAG_OBJECT:
    case PP_TAG_BOXED_REF:
    case PP_TAG_OUTPUT_VECTOR:
    default:
      g_assert_not_reached ();
    }
}

static void
test_scalars (void)
{
  const struct { PpTypeTag tag; PpArgValue value; const char *text; } cases[] = {
    { PP_TAG_BOOLEAN, { .v_boolean = TRUE }, "true" },
    { PP_TAG_BOOLEAN, { .v_boolean = FALSE }, "false" },
    { PP_TAG_INT8, { .v_int8 = G_MININT8 }, "@n -128" },
    { PP_TAG_INT8, { .v_int8 = G_MAXINT8 }, "@n 127" },
    { PP_TAG_UINT8, { .v_uint8 = G_MAXUINT8 }, "@y 255" },
    { PP_TAG_INT16, { .v_int16 = G_MININT16 }, "@n -32768" },
    { PP_TAG_UINT16, { .v_uint16 = G_MAXUINT16 }, "@q 65535" },
    { PP_TAG_INT32, { .v_int32 = G_MININT32 }, "-2147483648" },
    { PP_TAG_UINT32, { .v_uint32 = G_MAXUINT32 }, "@u 4294967295" },
    { PP_TAG_INT64, { .v_int64 = G_MININT64 }, "@x -9223372036854775808" },
    { PP_TAG_UINT64, { .v_uint64 = G_MAXUINT64 }, "@t 18446744073709551615" },
    { PP_TAG_FLOAT, { .v_float = 1.5f }, "1.5" },
    { PP_TAG_FLOAT, { .v_float = -0.25f }, "-0.25" },
    { PP_TAG_DOUBLE, { .v_double = 1e300 }, "1e300" },
    { PP_TAG_UNICHAR, { .v_uint32 = 0x1f600 }, "@u 128512" },
    { PP_TAG_UNICHAR, { .v_uint32 = 'A' }, "@u 65" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestDesc) desc = pp_type_desc_new (cases[i].tag);
      PpArgValue back;

      assert_to_variant (desc, &cases[i].value, 0, cases[i].text);
      assert_round_trip (desc, cases[i].text, &back);
      assert_same_number (cases[i].tag, &back, &cases[i].value);
    }

  /* Any non-zero gboolean is TRUE */
  {
    g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_BOOLEAN);
    PpArgValue value = { .v_boolean = 42 };

    assert_to_variant (desc, &value, 0, "true");
  }
}

static void
test_int8_range (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_INT8);
  g_autoptr(TestDesc) array = array_desc (pp_type_desc_new (PP_TAG_INT8), 1, -1, FALSE);
  PpArgValue value;

  assert_from_variant_fails (desc, "@n 128", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "@n -129", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "@n 32767", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "@n -32768", PP_TRANSFER_NONE);
  assert_round_trip (desc, "@n 127", &value);
  g_assert_cmpint (value.v_int8, ==, 127);
  assert_round_trip (desc, "@n -128", &value);
  g_assert_cmpint (value.v_int8, ==, -128);

  /* Also as an array item, in every transfer mode */
  assert_from_variant_fails (array, "@an [1, 2, 300]", PP_TRANSFER_NONE);
  assert_from_variant_fails (array, "@an [1, 2, 300]", PP_TRANSFER_CONTAINER);
  assert_from_variant_fails (array, "@an [1, 2, 300]", PP_TRANSFER_FULL);
  assert_round_trip (array, "@an [-128, 0, 127]", NULL);
}

static void
test_unichar (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_UNICHAR);

  assert_from_variant_fails (desc, "@u 55296", PP_TRANSFER_NONE);      /* U+D800, a surrogate */
  assert_from_variant_fails (desc, "@u 1114112", PP_TRANSFER_NONE);    /* past U+10FFFF */
  assert_from_variant_fails (desc, "@u 4294967295", PP_TRANSFER_NONE);
  assert_round_trip (desc, "@u 1114111", NULL);
  assert_round_trip (desc, "@u 0", NULL);
}

/* A C array of gunichar from the peer follows the same rule as one gunichar. */
static void
test_unichar_array (void)
{
  g_autoptr(TestDesc) array = array_desc (pp_type_desc_new (PP_TAG_UNICHAR), 1, -1, FALSE);

  assert_round_trip (array, "@au [65, 128512]", NULL);
  assert_from_variant_fails (array, "@au [65, 55296]", PP_TRANSFER_NONE);
  assert_from_variant_fails (array, "@au [1114112]", PP_TRANSFER_FULL);
}

static void
test_string (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_STRING);
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value = { .v_string = (char *) "grüße, 世界" };

  assert_to_variant (desc, &value, 0, "'grüße, 世界'");
  assert_to_variant (desc, &(PpArgValue) { .v_string = (char *) "" }, 0, "''");

  /* Transfer none points into the variant; full is a copy of our own */
  variant = parse (desc, "'abc'");
  g_assert_true (pp_marshal_from_variant (desc, variant, PP_TRANSFER_NONE, NULL, &value, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_true (value.v_string == g_variant_get_string (variant, NULL));

  g_assert_true (pp_marshal_from_variant (desc, variant, PP_TRANSFER_FULL, NULL, &value, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpstr (value.v_string, ==, "abc");
  g_assert_true (value.v_string != g_variant_get_string (variant, NULL));
  pp_marshal_free_value (desc, &value, 0, PP_TRANSFER_FULL);
}

/* Invalid UTF-8 is refused with an error, never passed to GVariant (which
 * would only log a critical and make up a value). */
static void
test_string_invalid_utf8 (void)
{
  const char *invalid[] = {
    "\xff",
    "abc\xc3",             /* cut short */
    "\xc0\xaf",            /* overlong */
    "\xed\xa0\x80",        /* surrogate */
    "ok then \xf8\x88\x80\x80\x80",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_STRING);
      g_autoptr(TestDesc) nullable = nullable_desc (PP_TAG_STRING);
      g_autoptr(TestDesc) strv = pp_type_desc_new (PP_TAG_STRV);
      g_autoptr(TestDesc) array = array_desc (pp_type_desc_new (PP_TAG_STRING), -1, -1, TRUE);
      const char *items[] = { "fine", invalid[i], NULL };
      PpArgValue value = { .v_string = (char *) invalid[i] };
      PpArgValue items_value = { .v_pointer = items };

      assert_to_variant_fails (desc, &value, 0, PP_ERROR_INVALID_ARGUMENTS);
      assert_to_variant_fails (nullable, &value, 0, PP_ERROR_INVALID_ARGUMENTS);
      assert_to_variant_fails (strv, &items_value, 0, PP_ERROR_INVALID_ARGUMENTS);
      assert_to_variant_fails (array, &items_value, 0, PP_ERROR_INVALID_ARGUMENTS);
    }

  /* The string array's message says which item */
  {
    g_autoptr(TestDesc) strv = pp_type_desc_new (PP_TAG_STRV);
    const char *items[] = { "a", "b", "\xff", NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) variant = pp_marshal_to_variant (strv, &(PpArgValue) { .v_pointer = items },
                                                         0, NULL, &error);

    g_assert_null (variant);
    g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
    g_assert_nonnull (strstr (error->message, "2"));
  }
}

static void
test_nullable (void)
{
  const struct { PpTypeTag tag; const char *some; } cases[] = {
    { PP_TAG_STRING, "@ms 'x'" },
    { PP_TAG_FILENAME, "@may b'x'" },
    { PP_TAG_VARIANT, "@mv <1>" },
    { PP_TAG_BYTES, "@may b'x'" },
    { PP_TAG_BYTE_ARRAY, "@may b'x'" },
    { PP_TAG_STRV, "@mas ['x']" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestDesc) plain = pp_type_desc_new (cases[i].tag);
      g_autoptr(TestDesc) nullable = nullable_desc (cases[i].tag);
      g_autoptr(GVariant) nothing = NULL;
      g_autoptr(TestScope) scope = pp_marshal_scope_new ();
      g_autoptr(GError) error = NULL;
      PpArgValue null_value = { .v_pointer = NULL };
      PpArgValue value;

      /* NULL where it may not be: an error, not a critical */
      assert_to_variant_fails (plain, &null_value, 0, PP_ERROR_INVALID_ARGUMENTS);

      /* NULL where it may be: nothing, and back to NULL */
      assert_to_variant (nullable, &null_value, 0, "nothing");
      nothing = parse (nullable, "nothing");
      memset (&value, 0xaa, sizeof value);
      g_assert_true (pp_marshal_from_variant (nullable, nothing, PP_TRANSFER_FULL, scope, &value,
                                              NULL, &error));
      g_assert_no_error (error);
      g_assert_null (value.v_pointer);

      /* A value: just that */
      assert_round_trip (nullable, cases[i].some, NULL);
    }

  /* A nullable C array */
  {
    g_autoptr(TestDesc) array = array_desc (pp_type_desc_new (PP_TAG_INT32), -1, -1, TRUE);
    g_autoptr(TestDesc) plain = array_desc (pp_type_desc_new (PP_TAG_INT32), -1, -1, TRUE);
    int items[] = { 4, 5, 0 };

    array->nullable = TRUE;
    assert_to_variant (array, &(PpArgValue) { .v_pointer = NULL }, 0, "@mai nothing");
    assert_to_variant (array, &(PpArgValue) { .v_pointer = items }, 0, "@mai [4, 5]");
    assert_to_variant_fails (plain, &(PpArgValue) { .v_pointer = NULL }, 0,
                             PP_ERROR_INVALID_ARGUMENTS);
  }

  /* Nullable scalars are maybes too */
  {
    g_autoptr(TestDesc) desc = nullable_desc (PP_TAG_INT32);

    assert_to_variant (desc, &(PpArgValue) { .v_int32 = -3 }, 0, "@mi -3");
    assert_round_trip (desc, "@mi 17", NULL);
  }
}

static void
test_filename (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_FILENAME);
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value = { .v_string = (char *) "/tmp/caf\xe9" };

  /* Not UTF-8, and that is fine for a file name; the nul goes along */
  assert_to_variant (desc, &value, 0,
                     "@ay [0x2f, 0x74, 0x6d, 0x70, 0x2f, 0x63, 0x61, 0x66, 0xe9, 0]");
  assert_round_trip (desc, "@ay [0x2f, 0xe9, 0xff, 0]", &value);

  variant = parse (desc, "b'/etc/passwd'");
  g_assert_true (pp_marshal_from_variant (desc, variant, PP_TRANSFER_FULL, NULL, &value, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpstr (value.v_string, ==, "/etc/passwd");
  pp_marshal_free_value (desc, &value, 0, PP_TRANSFER_FULL);

  /* From the peer: exactly one nul, at the end */
  assert_from_variant_fails (desc, "@ay []", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "@ay [0x61, 0x62]", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "@ay [0x61, 0x00, 0x62, 0x00]", PP_TRANSFER_FULL);
}

static void
test_gtype (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_GTYPE);
  PpArgValue value;

  assert_to_variant (desc, &(PpArgValue) { .v_size = G_TYPE_STRING }, 0, "'gchararray'");
  assert_to_variant (desc, &(PpArgValue) { .v_size = G_TYPE_OBJECT }, 0, "'GObject'");
  assert_to_variant (desc, &(PpArgValue) { .v_size = G_TYPE_INVALID }, 0, "''");

  /* Only types registered in this process can be named */
  g_type_ensure (G_TYPE_FILE_INFO);
  assert_round_trip (desc, "'GFileInfo'", &value);
  g_assert_cmpuint (value.v_size, ==, G_TYPE_FILE_INFO);
  assert_round_trip (desc, "''", &value);
  g_assert_cmpuint (value.v_size, ==, G_TYPE_INVALID);
  assert_from_variant_fails (desc, "'PpNoSuchTypeAnywhere'", PP_TRANSFER_NONE);
}

static void
test_enum_gtype (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_ENUM);
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value;

  desc->gtype = G_TYPE_IO_ERROR_ENUM;
  assert_to_variant (desc, &(PpArgValue) { .v_int32 = G_IO_ERROR_NOT_FOUND }, 0, "1");
  assert_round_trip (desc, "0", &value);
  g_assert_cmpint (value.v_int32, ==, G_IO_ERROR_FAILED);
  assert_round_trip (desc, "14", &value);
  g_assert_cmpint (value.v_int32, ==, G_IO_ERROR_PERMISSION_DENIED);
  assert_from_variant_fails (desc, "-1", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "9999", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "-2147483648", PP_TRANSFER_NONE);

  /* The message names the enumeration */
  variant = parse (desc, "4242");
  g_assert_false (pp_marshal_from_variant (desc, variant, PP_TRANSFER_NONE, NULL, &value, NULL,
                                           &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "GIOErrorEnum"));
  g_assert_nonnull (strstr (error->message, "4242"));
}

static void
test_enum_values (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_ENUM);
  const gint64 values[] = { 1, 5, -3 };

  desc->enum_values = g_memdup2 (values, sizeof values);
  desc->n_enum_values = G_N_ELEMENTS (values);

  assert_round_trip (desc, "1", NULL);
  assert_round_trip (desc, "5", NULL);
  assert_round_trip (desc, "-3", NULL);
  assert_from_variant_fails (desc, "0", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "2", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "-5", PP_TRANSFER_NONE);

  /* No values at all: nothing is valid */
  {
    g_autoptr(TestDesc) empty = pp_type_desc_new (PP_TAG_ENUM);

    assert_from_variant_fails (empty, "0", PP_TRANSFER_NONE);
  }
}

static void
test_flags_gtype (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_FLAGS);
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value;

  desc->gtype = G_TYPE_FILE_ATTRIBUTE_INFO_FLAGS;
  assert_to_variant (desc, &(PpArgValue) { .v_uint32 = G_FILE_ATTRIBUTE_INFO_COPY_WHEN_MOVED },
                     0, "@u 2");
  assert_round_trip (desc, "@u 0", NULL);
  assert_round_trip (desc, "@u 3", &value);
  g_assert_cmpuint (value.v_uint32, ==, G_FILE_ATTRIBUTE_INFO_COPY_WITH_FILE |
                                        G_FILE_ATTRIBUTE_INFO_COPY_WHEN_MOVED);
  assert_from_variant_fails (desc, "@u 4", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "@u 4294967295", PP_TRANSFER_NONE);

  variant = parse (desc, "@u 0x80000001");
  g_assert_false (pp_marshal_from_variant (desc, variant, PP_TRANSFER_NONE, NULL, &value, NULL,
                                           &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "GFileAttributeInfoFlags"));
}

static void
test_flags_mask (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_FLAGS);

  desc->flags_mask = 0x5;
  assert_round_trip (desc, "@u 0", NULL);
  assert_round_trip (desc, "@u 1", NULL);
  assert_round_trip (desc, "@u 5", NULL);
  assert_from_variant_fails (desc, "@u 2", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "@u 0x100", PP_TRANSFER_NONE);
}

static void
test_variant (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_VARIANT);
  g_autoptr(GVariant) inner = g_variant_ref_sink (g_variant_new ("(sa{sv})", "x", NULL));
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value = { .v_pointer = inner };

  assert_to_variant (desc, &value, 0, "<('x', @a{sv} {})>");
  assert_round_trip (desc, "<[1, 2]>", NULL);

  variant = parse (desc, "<@mi 3>");
  g_assert_true (pp_marshal_from_variant (desc, variant, PP_TRANSFER_FULL, NULL, &value, NULL,
                                          &error));
  g_assert_no_error (error);
  assert_variant_equal (value.v_pointer, g_variant_new ("mi", TRUE, 3));
  pp_marshal_free_value (desc, &value, 0, PP_TRANSFER_FULL);
}

/* GLib hands back a floating "()" for a variant nested too deep in data it
 * does not trust: the conversion must own it like any other child */
static void
test_variant_nested_too_deep (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_VARIANT);
  g_autoptr(GString) data = g_string_new (NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GVariant) back = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value;
  guint i;

  g_string_append_len (data, "\0\0\0\0\0\0", 7);  /* the value, then the nul before its type */
  g_string_append_c (data, '(');
  for (i = 0; i < PP_NORMAL_FORM_GLIB_MAX_DEPTH; i++)
    g_string_append_c (data, 'm');
  g_string_append (data, "s)");
  bytes = g_bytes_new (data->str, data->len);
  variant = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARIANT, bytes, FALSE));

  g_assert_true (pp_marshal_from_variant (desc, variant, PP_TRANSFER_CONTAINER, NULL, &value,
                                          NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_variant_is_floating (value.v_pointer));
  g_assert_cmpstr (g_variant_get_type_string (value.v_pointer), ==, "()");
  back = g_variant_ref_sink (pp_marshal_to_variant (desc, &value, 0, NULL, &error));
  g_assert_no_error (error);
  pp_marshal_free_value (desc, &value, 0, PP_TRANSFER_CONTAINER);
  assert_variant_equal (back, g_variant_new_variant (g_variant_new ("()")));
}

static void
test_bytes (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_BYTES);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("a\0b", 3);
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value = { .v_pointer = bytes };

  assert_to_variant (desc, &value, 0, "@ay [0x61, 0x00, 0x62]");
  {
    g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);

    assert_to_variant (desc, &(PpArgValue) { .v_pointer = empty }, 0, "@ay []");
  }
  assert_round_trip (desc, "@ay [1, 2, 3, 0, 255]", NULL);

  variant = parse (desc, "@ay [9, 8]");
  g_assert_true (pp_marshal_from_variant (desc, variant, PP_TRANSFER_FULL, NULL, &value, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (value.v_pointer, NULL), g_bytes_get_size (value.v_pointer),
                   "\x09\x08", 2);
  pp_marshal_free_value (desc, &value, 0, PP_TRANSFER_FULL);
}

static void
test_byte_array (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_BYTE_ARRAY);
  g_autoptr(GByteArray) array = g_byte_array_new ();
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value = { .v_pointer = array };

  assert_to_variant (desc, &value, 0, "@ay []");
  g_byte_array_append (array, (const guint8 *) "\x00\xff\x10", 3);
  assert_to_variant (desc, &value, 0, "@ay [0, 255, 16]");
  assert_round_trip (desc, "@ay [7]", NULL);

  variant = parse (desc, "@ay [1, 2]");
  g_assert_true (pp_marshal_from_variant (desc, variant, PP_TRANSFER_FULL, NULL, &value, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpmem (((GByteArray *) value.v_pointer)->data, ((GByteArray *) value.v_pointer)->len,
                   "\x01\x02", 2);
  pp_marshal_free_value (desc, &value, 0, PP_TRANSFER_FULL);
}

static void
test_strv (void)
{
  g_autoptr(TestDesc) desc = pp_type_desc_new (PP_TAG_STRV);
  const char *items[] = { "one", "twö", "", NULL };
  const char *none[] = { NULL };
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value;

  assert_to_variant (desc, &(PpArgValue) { .v_pointer = items }, 0, "['one', 'twö', '']");
  assert_to_variant (desc, &(PpArgValue) { .v_pointer = none }, 0, "@as []");
  assert_round_trip (desc, "['a', 'b']", NULL);

  variant = parse (desc, "['x', 'y']");
  for (PpTransfer transfer = PP_TRANSFER_NONE; transfer <= PP_TRANSFER_FULL; transfer++)
    {
      g_autoptr(TestScope) scope = pp_marshal_scope_new ();

      g_assert_true (pp_marshal_from_variant (desc, variant, transfer, scope, &value, NULL,
                                              &error));
      g_assert_no_error (error);
      g_assert_cmpstrv (value.v_pointer, ((const char * const[]) { "x", "y", NULL }));
      pp_marshal_free_value (desc, &value, 0, transfer);
    }
}

static void
test_c_array_length (void)
{
  g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_INT32), 1, -1, FALSE);
  int items[] = { 1, -2, 3, 99 };
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value = { .v_pointer = items };
  gsize length = 0;

  /* The length argument decides, not a terminator */
  assert_to_variant (desc, &value, 3, "[1, -2, 3]");
  assert_to_variant (desc, &value, 0, "@ai []");
  /* A NULL array of length 0 is an empty array */
  assert_to_variant (desc, &(PpArgValue) { .v_pointer = NULL }, 0, "@ai []");
  assert_to_variant_fails (desc, &(PpArgValue) { .v_pointer = NULL }, 2,
                           PP_ERROR_INVALID_ARGUMENTS);

  variant = parse (desc, "[5, 6, 7, 8, 9]");
  g_assert_true (pp_marshal_from_variant (desc, variant, PP_TRANSFER_FULL, NULL, &value, &length,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 5);
  g_assert_cmpmem (value.v_pointer, 5 * sizeof (int), ((int[]) { 5, 6, 7, 8, 9 }),
                   5 * sizeof (int));
  pp_marshal_free_value (desc, &value, length, PP_TRANSFER_FULL);

  /* The length goes back into the argument of its integer type */
  {
    const PpTypeTag tags[] = { PP_TAG_INT8, PP_TAG_UINT8, PP_TAG_INT16, PP_TAG_UINT16,
                               PP_TAG_INT32, PP_TAG_UINT32, PP_TAG_INT64, PP_TAG_UINT64 };

    for (gsize i = 0; i < G_N_ELEMENTS (tags); i++)
      {
        PpArgValue arg;
        gsize back = 0;

        pp_marshal_write_length (tags[i], 100, &arg);
        g_assert_true (pp_marshal_read_length (tags[i], &arg, &back));
        g_assert_cmpuint (back, ==, 100);
      }

    g_assert_false (pp_marshal_read_length (PP_TAG_INT32, &(PpArgValue) { .v_int32 = -1 },
                                            &length));
    g_assert_false (pp_marshal_read_length (PP_TAG_INT8, &(PpArgValue) { .v_int8 = -1 },
                                            &length));
    g_assert_false (pp_marshal_read_length (PP_TAG_STRING, &(PpArgValue) { .v_pointer = NULL },
                                            &length));
  }
}

static void
test_c_array_fixed_size (void)
{
  g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_UINT16), -1, 3, FALSE);
  guint16 items[] = { 1, 2, 65535, 4 };
  PpArgValue value = { .v_pointer = items };

  /* The fixed size decides, whatever length is passed */
  assert_to_variant (desc, &value, 0, "@aq [1, 2, 65535]");
  assert_to_variant (desc, &value, 4, "@aq [1, 2, 65535]");
  assert_round_trip (desc, "@aq [7, 8, 9]", NULL);

  assert_from_variant_fails (desc, "@aq [7, 8]", PP_TRANSFER_NONE);
  assert_from_variant_fails (desc, "@aq [7, 8, 9, 10]", PP_TRANSFER_FULL);
  assert_from_variant_fails (desc, "@aq []", PP_TRANSFER_CONTAINER);
}

static void
test_c_array_zero_terminated (void)
{
  /* Of integers */
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_INT32), -1, -1, TRUE);
    int items[] = { 5, 6, 0, 7 };
    g_autoptr(GVariant) variant = NULL;
    g_autoptr(GError) error = NULL;
    PpArgValue value = { .v_pointer = items };
    gsize length = 0;

    assert_to_variant (desc, &value, 0, "[5, 6]");

    variant = parse (desc, "[1, 2, 3]");
    g_assert_true (pp_marshal_from_variant (desc, variant, PP_TRANSFER_FULL, NULL, &value,
                                            &length, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (length, ==, 3);
    /* Terminated, so a C caller can walk it */
    g_assert_cmpmem (value.v_pointer, 4 * sizeof (int), ((int[]) { 1, 2, 3, 0 }),
                     4 * sizeof (int));
    pp_marshal_free_value (desc, &value, 0, PP_TRANSFER_FULL);
  }

  /* Of strings, in every transfer mode */
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_STRING), -1, -1, TRUE);
    const char *items[] = { "α", "β", NULL };
    g_autoptr(GVariant) variant = NULL;
    g_autoptr(GError) error = NULL;
    PpArgValue value = { .v_pointer = items };

    assert_to_variant (desc, &value, 0, "['α', 'β']");

    variant = parse (desc, "['p', 'q', 'r']");
    for (PpTransfer transfer = PP_TRANSFER_NONE; transfer <= PP_TRANSFER_FULL; transfer++)
      {
        g_autoptr(TestScope) scope = pp_marshal_scope_new ();

        g_assert_true (pp_marshal_from_variant (desc, variant, transfer, scope, &value, NULL,
                                                &error));
        g_assert_no_error (error);
        g_assert_cmpstrv (value.v_pointer, ((const char * const[]) { "p", "q", "r", NULL }));
        pp_marshal_free_value (desc, &value, 0, transfer);
      }
  }
}

/* Elements whose C size differs from their GVariant size go one by one. */
static void
test_c_array_elements (void)
{
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_BOOLEAN), 1, -1, FALSE);
    gboolean items[] = { TRUE, FALSE, 7 };
    PpArgValue value;

    assert_to_variant (desc, &(PpArgValue) { .v_pointer = items }, 3, "[true, false, true]");
    assert_round_trip (desc, "[false, true]", &value);
  }
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_INT8), 1, -1, FALSE);
    gint8 items[] = { -128, 0, 127 };

    assert_to_variant (desc, &(PpArgValue) { .v_pointer = items }, 3, "@an [-128, 0, 127]");
  }
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_FLOAT), 1, -1, FALSE);
    float items[] = { 0.5f, -2.0f };

    assert_to_variant (desc, &(PpArgValue) { .v_pointer = items }, 2, "[0.5, -2.0]");
    assert_round_trip (desc, "[1.25, 3.0]", NULL);
  }
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_DOUBLE), -1, 2, FALSE);
    double items[] = { 1e-300, 2.5 };

    assert_to_variant (desc, &(PpArgValue) { .v_pointer = items }, 0, "[1e-300, 2.5]");
  }
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_UINT8), 1, -1, FALSE);
    guint8 items[] = { 0, 1, 255 };

    assert_to_variant (desc, &(PpArgValue) { .v_pointer = items }, 3, "@ay [0, 1, 255]");
    assert_round_trip (desc, "@ay [4, 5]", NULL);
  }
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_INT64), 1, -1, FALSE);
    gint64 items[] = { G_MININT64, G_MAXINT64 };

    assert_to_variant (desc, &(PpArgValue) { .v_pointer = items }, 2,
                       "@ax [-9223372036854775808, 9223372036854775807]");
  }
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_GTYPE), 1, -1, FALSE);
    GType items[] = { G_TYPE_INT, G_TYPE_FILE_INFO };

    assert_to_variant (desc, &(PpArgValue) { .v_pointer = items }, 2, "['gint', 'GFileInfo']");
    assert_round_trip (desc, "['GObject', 'gchararray']", NULL);
    assert_from_variant_fails (desc, "['GObject', 'PpNoSuchType']", PP_TRANSFER_FULL);
  }
  {
    g_autoptr(TestDesc) desc = array_desc (nullable_desc (PP_TAG_STRING), 1, -1, FALSE);
    const char *items[] = { "a", NULL, "c" };

    assert_to_variant (desc, &(PpArgValue) { .v_pointer = items }, 3,
                       "[just 'a', nothing, just 'c']");
    assert_round_trip (desc, "[nothing, just 'z']", NULL);
  }
}

/* Enumerations and flags are checked item by item */
static void
test_c_array_checked_items (void)
{
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_ENUM), 1, -1, FALSE);

    desc->element->gtype = G_TYPE_IO_ERROR_ENUM;
    assert_round_trip (desc, "[0, 1, 14]", NULL);
    assert_from_variant_fails (desc, "[0, 1, 9999]", PP_TRANSFER_NONE);
    assert_from_variant_fails (desc, "[-7]", PP_TRANSFER_FULL);
  }
  {
    g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_FLAGS), 1, -1, FALSE);

    desc->element->gtype = G_TYPE_FILE_ATTRIBUTE_INFO_FLAGS;
    assert_round_trip (desc, "@au [0, 1, 3]", NULL);
    assert_from_variant_fails (desc, "@au [1, 8]", PP_TRANSFER_CONTAINER);
  }
}

static void
test_c_array_of_arrays (void)
{
  g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_STRV), -1, -1, TRUE);
  const char *first[] = { "a", NULL };
  const char *second[] = { NULL };
  const char * const *items[] = { first, second, NULL };
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  PpArgValue value;

  assert_to_variant (desc, &(PpArgValue) { .v_pointer = items }, 0, "[['a'], []]");

  variant = parse (desc, "[['x', 'y'], ['z']]");
  g_assert_true (pp_marshal_from_variant (desc, variant, PP_TRANSFER_FULL, NULL, &value, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpstrv (((char ***) value.v_pointer)[0], ((const char * const[]) { "x", "y", NULL }));
  g_assert_cmpstrv (((char ***) value.v_pointer)[1], ((const char * const[]) { "z", NULL }));
  g_assert_null (((char ***) value.v_pointer)[2]);
  pp_marshal_free_value (desc, &value, 0, PP_TRANSFER_FULL);
}

/* When one item of an array from the peer is invalid, what was already
 * converted is released, in every transfer mode (valgrind checks this). */
static void
test_c_array_invalid_item (void)
{
  for (PpTransfer transfer = PP_TRANSFER_NONE; transfer <= PP_TRANSFER_FULL; transfer++)
    {
      g_autoptr(TestDesc) desc = array_desc (pp_type_desc_new (PP_TAG_FILENAME), -1, -1, TRUE);

      assert_from_variant_fails (desc, "[b'/ok', b'/also-ok', @ay [0x61]]", transfer);
    }

  /* Arrays of arrays: the inner arrays already made are released */
  for (PpTransfer transfer = PP_TRANSFER_NONE; transfer <= PP_TRANSFER_FULL; transfer++)
    {
      g_autoptr(TestDesc) desc = array_desc (array_desc (pp_type_desc_new (PP_TAG_ENUM),
                                                         -1, -1, TRUE),
                                             -1, -1, TRUE);

      desc->element->element->gtype = G_TYPE_IO_ERROR_ENUM;
      assert_from_variant_fails (desc, "[[0, 1], [2, 12345]]", transfer);
    }
}

typedef struct
{
  GString *log;
  char     name;
} ScopeItem;

static void
scope_item_free (gpointer data)
{
  ScopeItem *item = data;

  g_string_append_c (item->log, item->name);
  g_free (item);
}

static void
never_called (gpointer data)
{
  g_assert_not_reached ();
}

static void
test_scope (void)
{
  g_autoptr(GString) log = g_string_new (NULL);
  PpMarshalScope *scope = pp_marshal_scope_new ();

  for (char c = 'a'; c <= 'd'; c++)
    {
      ScopeItem *item = g_new0 (ScopeItem, 1);

      item->log = log;
      item->name = c;
      pp_marshal_scope_add (scope, scope_item_free, item);
    }
  /* NULL data is not recorded */
  pp_marshal_scope_add (scope, never_called, NULL);

  pp_marshal_scope_free (scope);
  /* Released in the reverse order */
  g_assert_cmpstr (log->str, ==, "dcba");

  pp_marshal_scope_free (NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Marshal/tag-names", test_tag_names);
  g_test_add_func ("/Pp/Marshal/signatures", test_signatures);
  g_test_add_func ("/Pp/Marshal/scalars", test_scalars);
  g_test_add_func ("/Pp/Marshal/int8-range", test_int8_range);
  g_test_add_func ("/Pp/Marshal/unichar", test_unichar);
  g_test_add_func ("/Pp/Marshal/unichar-array", test_unichar_array);
  g_test_add_func ("/Pp/Marshal/string", test_string);
  g_test_add_func ("/Pp/Marshal/string-invalid-utf8", test_string_invalid_utf8);
  g_test_add_func ("/Pp/Marshal/nullable", test_nullable);
  g_test_add_func ("/Pp/Marshal/filename", test_filename);
  g_test_add_func ("/Pp/Marshal/gtype", test_gtype);
  g_test_add_func ("/Pp/Marshal/enum-gtype", test_enum_gtype);
  g_test_add_func ("/Pp/Marshal/enum-values", test_enum_values);
  g_test_add_func ("/Pp/Marshal/flags-gtype", test_flags_gtype);
  g_test_add_func ("/Pp/Marshal/flags-mask", test_flags_mask);
  g_test_add_func ("/Pp/Marshal/variant", test_variant);
  g_test_add_func ("/Pp/Marshal/variant-nested-too-deep", test_variant_nested_too_deep);
  g_test_add_func ("/Pp/Marshal/bytes", test_bytes);
  g_test_add_func ("/Pp/Marshal/byte-array", test_byte_array);
  g_test_add_func ("/Pp/Marshal/strv", test_strv);
  g_test_add_func ("/Pp/Marshal/c-array-length", test_c_array_length);
  g_test_add_func ("/Pp/Marshal/c-array-fixed-size", test_c_array_fixed_size);
  g_test_add_func ("/Pp/Marshal/c-array-zero-terminated", test_c_array_zero_terminated);
  g_test_add_func ("/Pp/Marshal/c-array-elements", test_c_array_elements);
  g_test_add_func ("/Pp/Marshal/c-array-checked-items", test_c_array_checked_items);
  g_test_add_func ("/Pp/Marshal/c-array-of-arrays", test_c_array_of_arrays);
  g_test_add_func ("/Pp/Marshal/c-array-invalid-item", test_c_array_invalid_item);
  g_test_add_func ("/Pp/Marshal/scope", test_scope);

  return g_test_run ();
}
