/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The normal-form checker (pp-normal-form.c), which decides whether a
 * peer's body may be loaded as trusted: it must never accept what GLib's
 * g_variant_is_normal_form() refuses, its time must grow with the size of
 * the body alone, and it must not do arithmetic on a NULL pointer. Wider
 * agreement with GLib is /Pp/Wire/normal-form-agrees-with-glib and the
 * fuzz-normal-form target's. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-normal-form-private.h"
#include "pp-wire-private.h"

static gboolean
glib_says_normal (const GVariantType *type,
                  const guint8       *data,
                  gsize               size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, FALSE));

  return g_variant_is_normal_form (value);
}

/* With GLib's depth, the same answer as GLib; with ours, never "normal"
 * where GLib says otherwise. Returns our answer. */
static gboolean
check_against_glib (const GVariantType *type,
                    const guint8       *data,
                    gsize               size)
{
  gboolean theirs = glib_says_normal (type, data, size);
  gboolean exact = pp_normal_form_check_with_depth (type, data, size,
                                                    PP_NORMAL_FORM_GLIB_MAX_DEPTH);
  gboolean ours = pp_normal_form_check (type, data, size);

  g_assert_cmpint (exact, ==, theirs);
  g_assert_true (!ours || theirs);
  return ours;
}

/* A CALL of 79 bytes whose argument is a tuple nested 33 levels deep: the
 * alignment of a tuple was found by asking each member twice, 2^33 times
 * in all, for which an unoptimised or sanitizer build of a listener took
 * half a minute. */
static GByteArray *
nested_tuple_call_body (void)
{
  GByteArray *body = g_byte_array_new ();
  const guint8 method[8] = { 0, 0, 0, 0, 'm', 0 };  /* the handle, the name */
  const guint8 value[3] = { 0, 0, 0 };   /* the int16, the variant's nul */
  const guint8 offset = 6;               /* where the method name ends */

  g_byte_array_append (body, method, sizeof method);
  g_byte_array_append (body, value, sizeof value);
  for (guint i = 0; i < 33; i++)
    g_byte_array_append (body, (const guint8 *) "(", 1);
  g_byte_array_append (body, (const guint8 *) "n", 1);
  for (guint i = 0; i < 33; i++)
    g_byte_array_append (body, (const guint8 *) ")", 1);
  g_byte_array_append (body, &offset, 1);
  g_assert_cmpuint (body->len, ==, 79);
  return body;
}

static void
test_nested_tuple (void)
{
  g_autoptr(GByteArray) body = nested_tuple_call_body ();

  g_assert_true (check_against_glib (G_VARIANT_TYPE ("(usv)"), body->data, body->len));
}

static void
closed_cb (PpListener   *listener,
           const GError *error,
           gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* The same CALL, to a real listener: answered at once (with an error: no
 * such method), in every build */
static void
test_nested_tuple_listener (void)
{
  g_autoptr(GByteArray) body = nested_tuple_call_body ();
  g_autoptr(GSimpleAction) action = g_simple_action_new ("x", NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(GByteArray) output = g_byte_array_new ();
  g_autoptr(GBytes) hello = NULL;
  guint8 header[PP_WIRE_HEADER_SIZE];
  const guint8 padding[8] = { 0 };
  gboolean answered = FALSE, closed = FALSE;
  gint64 start;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  listener = pp_listener_new (G_OBJECT (action), stream, &error);
  g_assert_no_error (error);
  g_signal_connect (listener, "closed", G_CALLBACK (closed_cb), &closed);

  hello = pp_wire_encode (PP_WIRE_KIND_HELLO, PP_WIRE_FLAGS_NONE, 1, 0,
                          g_variant_new ("(sua{sv})", PP_WIRE_MAGIC,
                                         (guint32) PP_WIRE_PROTOCOL_VERSION, NULL));
  g_byte_array_append (input, g_bytes_get_data (hello, NULL), g_bytes_get_size (hello));
  pp_wire_write_header (&(PpWireHeader) { .body_size = body->len, .kind = PP_WIRE_KIND_CALL,
                                          .serial = 2 }, header);
  g_byte_array_append (input, header, sizeof header);
  g_byte_array_append (input, body->data, body->len);
  g_byte_array_append (input, padding, pp_wire_frame_size (body->len) - PP_WIRE_HEADER_SIZE - body->len);
  g_assert_cmpint (write (fds[1], input->data, input->len), ==, input->len);
  g_assert_cmpint (fcntl (fds[1], F_SETFL, O_NONBLOCK), ==, 0);

  /* Ten seconds is a thousand times what it takes, under valgrind too */
  start = g_get_monotonic_time ();
  while (!answered && !closed && g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
    {
      guint8 buffer[4096];
      gssize n;

      g_main_context_iteration (NULL, FALSE);
      n = read (fds[1], buffer, sizeof buffer);
      if (n > 0)
        g_byte_array_append (output, buffer, n);
      else
        g_usleep (1000);

      /* The WELCOME, then the answer to serial 2 */
      for (gsize at = 0; at + PP_WIRE_HEADER_SIZE <= output->len && !answered; )
        {
          PpWireHeader reply;

          g_assert_true (pp_wire_parse_header (output->data + at, G_MAXUINT32, &reply, NULL));
          answered = reply.serial == 2 && reply.kind == PP_WIRE_KIND_ERROR;
          at += pp_wire_frame_size (reply.body_size);
        }
    }
  g_test_message ("answered after %.3f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_false (closed);
  g_assert_true (answered);

  close (fds[1]);
  while (!closed)
    g_main_context_iteration (NULL, TRUE);
}

/* Values nested in @n variants, the innermost an empty array of a type
 * @k + 1 levels deep (a^k y, @k at least 1). GLib counts the depth of a variant's type
 * where the variant is, and refuses a type that would take a value past
 * its limit of 128 levels even where, as in an empty array, no value of
 * it is there: the checker refuses the same, at its own limit. */
static GVariant *
variants_around_empty_array (guint n,
                             guint k)
{
  g_autoptr(GString) type = g_string_new (NULL);
  GVariant *value;

  for (guint i = 0; i < k; i++)
    g_string_append_c (type, 'a');
  g_string_append_c (type, 'y');
  value = g_variant_new_array (G_VARIANT_TYPE (type->str + 1), NULL, 0);
  for (guint i = 0; i < n; i++)
    value = g_variant_new_variant (value);
  return g_variant_ref_sink (value);
}

static void
test_variant_type_depth (void)
{
  for (guint n = 1; n <= 70; n++)
    for (guint j = 0; j < 7; j++)
      {
        /* Around each limit: n + k = 64 and n + k = 127 */
        const int ks[] = { 1, 63 - (int) n, 64 - (int) n, 65 - (int) n,
                           126 - (int) n, 127 - (int) n, 128 - (int) n };
        g_autoptr(GVariant) value = NULL;
        const guint8 *data;
        gsize size;
        gboolean ours;
        guint k;

        if (ks[j] < 1 || ks[j] > 127)
          continue;
        k = ks[j];
        value = variants_around_empty_array (n, k);
        data = g_variant_get_data (value);
        size = g_variant_get_size (value);

        /* The innermost variant is at depth n - 1, its type k + 1 deep */
        g_assert_cmpint (glib_says_normal (G_VARIANT_TYPE_VARIANT, data, size), ==,
                         n + k <= PP_NORMAL_FORM_GLIB_MAX_DEPTH);
        ours = check_against_glib (G_VARIANT_TYPE_VARIANT, data, size);
        g_assert_cmpint (ours, ==, n + k <= PP_NORMAL_FORM_MAX_DEPTH);
      }

  /* A type of depth 129, which GLib's scanner lets through (its limit is
   * on nesting), passes GLib's check too: 128 minus 129 wraps around in
   * its unsigned arithmetic. Not here. */
  {
    g_autoptr(GVariant) value = variants_around_empty_array (1, 128);

    g_assert_true (glib_says_normal (G_VARIANT_TYPE_VARIANT, g_variant_get_data (value),
                                     g_variant_get_size (value)));
    g_assert_false (pp_normal_form_check_with_depth (G_VARIANT_TYPE_VARIANT,
                                                     g_variant_get_data (value),
                                                     g_variant_get_size (value),
                                                     PP_NORMAL_FORM_GLIB_MAX_DEPTH));
  }
}

static GByteArray *
bytes_from_hex (const char *hex)
{
  GByteArray *bytes = g_byte_array_new ();

  for (const char *p = hex; p[0] != '\0'; p++)
    if (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]))
      {
        guint8 byte = g_ascii_xdigit_value (p[0]) * 16 + g_ascii_xdigit_value (p[1]);

        g_byte_array_append (bytes, &byte, 1);
        p++;
      }
  return bytes;
}

/* Inputs on which the checker and GLib disagreed, found by fuzzing them
 * against each other (fuzz/fuzz-normal-form.c); they are in
 * fuzz/corpus/normal-form too */
static void
test_fuzz_findings (void)
{
  struct {
    const char *type;
    const char *hex;   /* or, for a repeated byte, see below */
    gboolean    normal;
  } findings[] = {
    /* Seven arrays, six framing offsets two bytes wide where one byte
     * would do: GLib wants the narrowest offsets */
    { "(aiaa(saiayi)aqaaaia(ii)an)",
      "62 00 00 00 00 00 00 05 6e 62 29 00 01 00 61 28 61 6d 73 29 00 00 00 00 00 00 00 00"
      " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
      " 00 00 00 00 00 00 00 00 00 00 00 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98"
      " 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98"
      " 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98"
      " 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98 98"
      " 98 98 98 98 00 00 00 00 00 00 00 00 00 00 00 00 00 00 86 00 00 00 3f 00 00 00 00 00"
      " 00 00 98 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
      " 00 00 00 00 00 00 00 00 00 00 00 00 00 01 02 04 00 00 00 00 00 00 00 00 00 00 00 00"
      " 00 00 00 00 00 00",
      FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (findings); i++)
    {
      g_autoptr(GByteArray) bytes = bytes_from_hex (findings[i].hex);
      const GVariantType *type = G_VARIANT_TYPE (findings[i].type);

      g_assert_cmpint (glib_says_normal (type, bytes->data, bytes->len), ==, findings[i].normal);
      check_against_glib (type, bytes->data, bytes->len);
    }

  /* A variant in a variant…, 64 deep, the innermost holding an empty
   * array of a type 73 levels deep; and a byte, then a variant holding
   * an empty array of a type 127 deep: too deep at that depth for GLib,
   * loaded as trusted before */
  {
    g_autoptr(GVariant) value = variants_around_empty_array (64, 72);

    g_assert_false (check_against_glib (G_VARIANT_TYPE_VARIANT, g_variant_get_data (value),
                                        g_variant_get_size (value)));
  }
  {
    g_autoptr(GVariant) inner = variants_around_empty_array (1, 126);
    g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new ("(y@v)", 0, inner));

    g_assert_false (glib_says_normal (G_VARIANT_TYPE ("(yv)"), g_variant_get_data (value),
                                      g_variant_get_size (value)));
    g_assert_false (check_against_glib (G_VARIANT_TYPE ("(yv)"), g_variant_get_data (value),
                                        g_variant_get_size (value)));
  }
}

/* No bytes at all, as an empty GBytes gives them: NULL. Nothing may be
 * computed from that pointer (not even NULL + 0, which is undefined). */
static void
test_empty (void)
{
  const char *types[] = {
    "y", "s", "v", "ay", "as", "a{sv}", "mi", "ms", "()", "(ay)", "(ayay)", "(yay)",
    "(sv)", "(ssv)", "(sua{sv})", "(smv)", "((()))", "(a(ii)s)",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      const GVariantType *type = G_VARIANT_TYPE (types[i]);
      g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_from_data (type, NULL, 0, FALSE,
                                                                                NULL, NULL));

      g_test_message ("%s", types[i]);
      g_assert_cmpint (pp_normal_form_check (type, NULL, 0), ==, g_variant_is_normal_form (value));
      g_assert_cmpint (pp_normal_form_check_with_depth (type, NULL, 0, PP_NORMAL_FORM_GLIB_MAX_DEPTH),
                       ==, g_variant_is_normal_form (value));
    }

  /* Bytes promised but missing */
  g_assert_false (pp_normal_form_check (G_VARIANT_TYPE ("ay"), NULL, 1));

  {
    gsize starts[2], sizes[2], type_lengths[2];
    const char *member_types[2];

    g_assert_cmpuint (pp_normal_form_tuple_members ("(ay)", NULL, 0, starts, sizes, member_types,
                                                    type_lengths, 2), ==, 1);
    g_assert_cmpuint (sizes[0], ==, 0);
  }
}

/* The value of @type that is all zeros and empty strings */
static GVariant *
default_value (const GVariantType *type)
{
  if (g_variant_type_is_tuple (type))
    {
      g_autoptr(GPtrArray) members = g_ptr_array_new ();

      for (const GVariantType *member = g_variant_type_first (type); member != NULL;
           member = g_variant_type_next (member))
        g_ptr_array_add (members, default_value (member));
      return g_variant_new_tuple ((GVariant **) members->pdata, members->len);
    }

  switch (*g_variant_type_peek_string (type))
    {
    case 'b': return g_variant_new_boolean (FALSE);
    case 'y': return g_variant_new_byte (0);
    case 'n': return g_variant_new_int16 (0);
    case 'i': return g_variant_new_int32 (0);
    case 'x': return g_variant_new_int64 (0);
    case 's': return g_variant_new_string ("");
    default: g_assert_not_reached ();
    }
}

/* An array of @n values of @element, all zeros and empty strings */
static GVariant *
array_of_defaults (const GVariantType *element,
                   guint               n)
{
  g_autoptr(GVariant) zero = g_variant_ref_sink (default_value (element));
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  /* Serialised once, copied n times */
  g_variant_get_data (zero);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, zero);
  return g_variant_ref_sink (g_variant_new_array (element, (GVariant **) items->pdata,
                                                  items->len));
}

/* The checker's time per byte of @array, the best of five, so that a
 * moment without the CPU is not taken for its own */
/* The work a check of @array takes, in values and type nodes looked at,
 * per byte */
static double
steps_per_byte (GVariant *array)
{
  guint64 steps = 0;

  g_assert_true (pp_normal_form_check_counting (g_variant_get_type (array),
                                                g_variant_get_data (array),
                                                g_variant_get_size (array), &steps));
  return (double) steps / g_variant_get_size (array);
}

/* The same members as @type's element, in one tuple: a(…) */
static char *
flattened (const char *type)
{
  GString *flat = g_string_new ("a(");

  for (const char *c = type + 1; *c != '\0'; c++)
    if (*c != '(' && *c != ')')
      g_string_append_c (flat, *c);
    else if (c[0] == '(' && c[1] == ')')
      {
        g_string_append (flat, "()");
        c++;
      }
  g_string_append_c (flat, ')');
  return g_string_free (flat, FALSE);
}

/* Arrays of deeply nested tuples: each element's type was looked at
 * again and again (the alignment and size of every member, all the way
 * down, at every level: a fourth power of the depth per element), so 100
 * KB of a type 30 levels deep took 35 s. Now a byte of them takes about
 * the work a byte of the same members in one flat tuple takes, counted in
 * values and type nodes looked at: at most ten times as much. (How long
 * either takes is for bench/, not for a test on a shared machine.) */
static void
test_deep_arrays (void)
{
  const char *types[] = {
    /* tuples of one member, around a string */
    "a((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((s))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))",
    /* tuples of two, around an empty tuple */
    "a(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y(y()))))))))))))))))))))))))))))))",
    /* fixed-size tuples with padding */
    "a(y(n(y(i(y(x(y(n(y(i(y(x(y(n(y(i(y(x(y(n(y(i(b)))))))))))))))))))))))",
  };

  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autofree char *flat_type = flattened (types[t]);
      g_autoptr(GVariant) deep = array_of_defaults (g_variant_type_element (G_VARIANT_TYPE (types[t])),
                                                    20000);
      g_autoptr(GVariant) flat = array_of_defaults (g_variant_type_element (G_VARIANT_TYPE (flat_type)),
                                                    20000);
      double deep_steps = steps_per_byte (deep);
      double flat_steps = steps_per_byte (flat);

      g_test_message ("%s: %.3f steps a byte; %s: %.3f steps a byte", types[t], deep_steps,
                      flat_type, flat_steps);
      g_assert_cmpfloat (deep_steps, <, 10 * flat_steps);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/NormalForm/nested-tuple", test_nested_tuple);
  g_test_add_func ("/Pp/NormalForm/nested-tuple-listener", test_nested_tuple_listener);
  g_test_add_func ("/Pp/NormalForm/variant-type-depth", test_variant_type_depth);
  g_test_add_func ("/Pp/NormalForm/fuzz-findings", test_fuzz_findings);
  g_test_add_func ("/Pp/NormalForm/empty", test_empty);
  g_test_add_func ("/Pp/NormalForm/deep-arrays", test_deep_arrays);

  return g_test_run ();
}
