/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The normal-form checker against GLib's own g_variant_is_normal_form().
 * The input is a type string, a nul, then the bytes of a value of that
 * type. With GLib's depth limit the checker must answer exactly as GLib
 * does; with its own, smaller one it must never accept what GLib refuses
 * (the library loads what it accepts as trusted), and what it accepts
 * must read the same trusted as untrusted. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pp-fuzz.h"
#include "pp-normal-form-private.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  pp_fuzz_fatal_criticals ();
  return 0;
}

static void G_GNUC_NORETURN
disagree (const char   *what,
          const char   *type,
          const guint8 *data,
          gsize         size)
{
  fprintf (stderr, "%s: type %s, %zu bytes:", what, type, size);
  for (gsize i = 0; i < size; i++)
    fprintf (stderr, " %02x", data[i]);
  fprintf (stderr, "\n");
  abort ();
}

/* The depth of the type at *@type, as GLib counts it, moving past it */
static gsize
type_depth (const char **type)
{
  char c = *(*type)++;
  gsize depth = 0;

  switch (c)
    {
    case 'a': case 'm':
      return type_depth (type) + 1;
    case '{':
      (*type)++;   /* the key does not count */
      depth = type_depth (type) + 1;
      (*type)++;
      return depth;
    case '(':
      while (**type != ')')
        {
          /* Once: MAX() evaluates its arguments twice */
          gsize member = type_depth (type) + 1;

          depth = MAX (depth, member);
        }
      (*type)++;
      return depth;
    default:
      return 1;
    }
}

/* Whether @value holds a variant whose type is deeper than GLib's limit
 * of 128, which GLib 2.74 lets through: gvs_variant_is_normal() compares
 * the variant's depth with 128 minus the type's depth, in unsigned
 * arithmetic */
static gboolean
holds_too_deep_type (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) child = g_variant_get_variant (value);
      const char *type = g_variant_get_type_string (child);

      return type_depth (&type) > 128 || holds_too_deep_type (child);
    }
  if (g_variant_is_container (value))
    for (gsize i = 0; i < g_variant_n_children (value); i++)
      {
        g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

        if (holds_too_deep_type (child))
          return TRUE;
      }
  return FALSE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *input,
                        size_t         input_size)
{
  const guint8 *nul = memchr (input, '\0', input_size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) untrusted = NULL;
  const GVariantType *type;
  const char *type_end;
  const guint8 *data;
  gsize size;
  gboolean theirs, exact, ours;

  /* The type string, definite, which GLib can scan */
  if (nul == NULL ||
      !g_variant_type_string_scan ((const char *) input, (const char *) nul, &type_end) ||
      type_end != (const char *) nul)
    return 0;
  type = (const GVariantType *) input;
  if (!g_variant_type_is_definite (type))
    return 0;

  data = nul + 1;
  size = input + input_size - data;
  /* Copied, so that the value is aligned as in a receive buffer */
  bytes = g_bytes_new (data, size);
  data = g_bytes_get_data (bytes, NULL);

  untrusted = g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, FALSE));
  theirs = g_variant_is_normal_form (untrusted);
  exact = pp_normal_form_check_with_depth (type, data, size, PP_NORMAL_FORM_GLIB_MAX_DEPTH);
  ours = pp_normal_form_check (type, data, size);

  /* Type strings longer than the checker's limit cannot be in an input
   * this short */
  if (input_size <= PP_NORMAL_FORM_MAX_TYPE_LENGTH && exact != theirs &&
      !(theirs && holds_too_deep_type (untrusted)))
    disagree (theirs ? "GLib says normal, the checker with GLib's depth does not"
                     : "GLib says not normal, the checker with GLib's depth says normal",
              (const char *) input, data, size);
  if (ours && !theirs)
    disagree ("GLib says not normal, the checker says normal", (const char *) input, data, size);

  if (ours)
    {
      g_autoptr(GVariant) trusted = g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, TRUE));
      g_autofree char *text = NULL;

      if (!g_variant_equal (trusted, untrusted))
        disagree ("Trusted and untrusted differ", (const char *) input, data, size);
      text = g_variant_print (trusted, TRUE);
    }
  return 0;
}

static void
add_value (PpFuzzSeeds *seeds,
           const char  *name,
           const char  *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_variant_parse (NULL, text, NULL, NULL, &error);
  g_autoptr(GByteArray) input = g_byte_array_new ();
  const char *type;

  g_assert_no_error (error);
  type = g_variant_get_type_string (value);
  g_byte_array_append (input, (const guint8 *) type, strlen (type) + 1);
  g_byte_array_append (input, g_variant_get_data (value), g_variant_get_size (value));
  pp_fuzz_seed_add (seeds, name, input->data, input->len);
}

/* A type, then bytes given in hex */
static void
add_raw (PpFuzzSeeds *seeds,
         const char  *name,
         const char  *type,
         const char  *hex)
{
  g_autoptr(GByteArray) input = g_byte_array_new ();

  g_byte_array_append (input, (const guint8 *) type, strlen (type) + 1);
  for (const char *p = hex; *p != '\0'; p++)
    if (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]))
      {
        guint8 byte = g_ascii_xdigit_value (p[0]) * 16 + g_ascii_xdigit_value (p[1]);

        g_byte_array_append (input, &byte, 1);
        p++;
      }
  pp_fuzz_seed_add (seeds, name, input->data, input->len);
}

void
pp_fuzz_seeds (PpFuzzSeeds *seeds)
{
  /* Every kind of type, and the frame bodies */
  add_value (seeds, "numbers", "(true, byte 0xff, int16 -5, uint16 7, -100000, uint32 4, "
                               "int64 -1, uint64 18446744073709551615, handle 3, 3.25)");
  add_value (seeds, "strings", "('h\u00e9llo', objectpath '/org/gtk/x', signature 'a{sv}')");
  add_value (seeds, "variants", "[<42>, <'x'>, <<<(1, 'deep')>>>, <@a{sv} {'k': <1>}>]");
  add_value (seeds, "maybes", "(just 5, @mi nothing, just 'x', @ms nothing, just (1, 'a'), "
                              "just just true, [just 'a', nothing, just ''])");
  add_value (seeds, "arrays", "([1, 2, 3], @ai [], ['a', 'bc', ''], [[1, 2], [3]], "
                              "[(1, 'a'), (2, 'bb')], [(byte 1, 2), (byte 3, 4)], [true, false])");
  add_value (seeds, "dicts", "({'a': 1, 'b': 2}, {'k': <'v'>, 'n': <[1, 2]>})");
  add_value (seeds, "units", "((), [(), ()], ((),), (byte 1, ()))");
  add_value (seeds, "padding", "(byte 1, 2, byte 3, int64 4, byte 5)");
  add_value (seeds, "hello", "('pipeproxy', uint32 1, {'clock-ms': <uint32 5>, 'unix-fds': <false>})");
  add_value (seeds, "call", "('frobnicate', <(1, 'two', [byte 3, 4])>)");
  add_value (seeds, "signal", "('changed', 'detail', <(@ms nothing, 2.5)>)");
  add_value (seeds, "property", "('name', @mv just <'x'>)");
  add_value (seeds, "error", "('g-io-error-quark', 1, 'Not found')");
  add_value (seeds, "wrappers", "[((((byte 1,),),),), ((((byte 2,),),),)]");
  add_value (seeds, "deep-variant", "<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<[[[[[[[[[[[[[[1]]]]]]]]]]]]]]>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>");

  /* Near misses: a framing offset, padding, a boolean, a string's nul */
  add_raw (seeds, "bad-offset", "(sv)", "6d 00 00 00 00 00 00 00 2a 00 00 00 00 69 05");
  add_raw (seeds, "bad-padding", "(yx)", "01 ff 00 00 00 00 00 00 2a 00 00 00 00 00 00 00");
  add_raw (seeds, "bad-boolean", "ab", "00 01 02");
  add_raw (seeds, "bad-string", "(ss)", "61 62 63 61 00 03");
  /* A variant's type nested deeper than GLib allows at that depth, in an
   * empty array, where no value of it is looked at */
  {
    g_autoptr(GString) type = g_string_new ("");
    g_autoptr(GString) hex = g_string_new ("");

    for (guint i = 0; i < 126; i++)
      g_string_append_c (type, 'a');
    g_string_append_c (type, 'y');
    /* the byte, padding to 8, the empty array, the nul, the type */
    g_string_append (hex, "00 00 00 00 00 00 00 00 00");
    for (gsize i = 0; i < type->len; i++)
      g_string_append_printf (hex, " %02x", type->str[i]);
    add_raw (seeds, "deep-type-in-variant", "(yv)", hex->str);
  }
}
