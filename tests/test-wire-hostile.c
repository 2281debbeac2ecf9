/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The wire unit, hostile bytes: headers and bodies from the peer that are
 * wrong in every way the decoder must refuse (unknown kinds, descriptor
 * counts, flags, sizes over the limit, bodies not in normal form, of the
 * wrong type or random), and the normal-form check agreeing with GLib's.
 * Encoding and round trips are test-wire.c. */

#include <string.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-connection-private.h"
#include "pp-normal-form-private.h"
#include "pp-test-raw.h"
#include "pp-wire-private.h"

static void
test_header_unknown_kind (void)
{
  const guint8 kinds[] = { 0, PP_WIRE_KIND_LAST + 1, 17, 18, 0x7f, 0x80, 0xff };

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree guint8 *data = make_header (8, kinds[i], 0, 0, 1, 0);
      g_autoptr(GError) error = NULL;
      PpWireHeader header;

      g_assert_false (pp_wire_parse_header (data, 1024, &header, &error));
      g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
      g_test_message ("kind %u: %s", kinds[i], error->message);
    }
}

/* More descriptors than one SCM_RIGHTS message can carry, or a body said
 * to be in a descriptor with none to be in */
static void
test_header_fd_count (void)
{
  const guint16 n_fds[] = { PP_WIRE_MAX_FDS + 1, 0x0100, 0x8000, 0xffff };

  for (gsize i = 0; i < G_N_ELEMENTS (n_fds); i++)
    ALL_KINDS_FOREACH (kind)
      {
        g_autofree guint8 *data = make_header (8, kind, 0, n_fds[i], 1, 0);
        g_autoptr(GError) error = NULL;
        PpWireHeader header;

        g_assert_false (pp_wire_parse_header (data, 1024, &header, &error));
        g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
      }

  ALL_KINDS_FOREACH (kind)
    {
      g_autofree guint8 *data = make_header (8, kind, PP_WIRE_FLAGS_BODY_IN_FD, 0, 1, 0);
      g_autofree guint8 *with_fd = make_header (8, kind, PP_WIRE_FLAGS_BODY_IN_FD, 1, 1, 0);
      g_autoptr(GError) error = NULL;
      PpWireHeader header;

      g_assert_false (pp_wire_parse_header (data, 1024, &header, &error));
      g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
      g_assert_true (pp_wire_parse_header (with_fd, 1024, &header, NULL));
      g_assert_cmpuint (header.n_fds, ==, 1);
      g_assert_cmpuint (pp_wire_stream_size (&header), ==, PP_WIRE_HEADER_SIZE);
    }
}

static void
test_header_flags (void)
{
  ALL_KINDS_FOREACH (kind)
    {
      for (guint flags = 0; flags <= 0xff; flags++)
        {
          /* a body in a descriptor needs one to be in */
          guint16 n_fds = (flags & PP_WIRE_FLAGS_BODY_IN_FD) ? 1 : 0;
          g_autofree guint8 *data = make_header (8, kind, flags, n_fds, 1, 0);
          g_autoptr(GError) error = NULL;
          PpWireHeader header;
          gboolean ok = pp_wire_parse_header (data, 1024, &header, &error);

          /* objects travel with calls, their results, signals and
           * property writes */
          gboolean objects_ok = kind == PP_WIRE_KIND_CALL || kind == PP_WIRE_KIND_RETURN ||
                                kind == PP_WIRE_KIND_SIGNAL || kind == PP_WIRE_KIND_SET_PROPERTY;

          if ((flags & ~PP_WIRE_FLAGS_ALL) == 0 &&
              (objects_ok || !(flags & PP_WIRE_FLAGS_OBJECTS)))
            {
              g_assert_no_error (error);
              g_assert_true (ok);
              g_assert_cmpuint (header.flags, ==, flags);
            }
          else
            {
              g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
              g_assert_false (ok);
            }
        }
    }
}

/* The size check needs the 16 header bytes only: a frame that is too big is
 * refused before anybody allocates or reads its body. */
static void
test_header_over_limit (void)
{
  const struct { guint32 size; gsize limit; gboolean ok; } cases[] = {
    { 0, 0, TRUE },
    { 1, 0, FALSE },
    { 1024, 1024, TRUE },
    { 1025, 1024, FALSE },
    { PP_DEFAULT_MAX_MESSAGE_SIZE, PP_DEFAULT_MAX_MESSAGE_SIZE, TRUE },
    { PP_DEFAULT_MAX_MESSAGE_SIZE + 1, PP_DEFAULT_MAX_MESSAGE_SIZE, FALSE },
    { G_MAXUINT32, PP_DEFAULT_MAX_MESSAGE_SIZE, FALSE },
    { G_MAXUINT32, G_MAXUINT32 - 1, FALSE },
    { G_MAXUINT32, G_MAXUINT32, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    ALL_KINDS_FOREACH (kind)
      {
        g_autofree guint8 *data = make_header (cases[i].size, kind, 0, 0, 5, 0);
        g_autoptr(GError) error = NULL;
        PpWireHeader header;
        gboolean ok = pp_wire_parse_header (data, cases[i].limit, &header, &error);

        if (cases[i].ok)
          {
            g_assert_no_error (error);
            g_assert_true (ok);
            g_assert_cmpuint (header.body_size, ==, cases[i].size);
          }
        else
          {
            g_assert_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
            g_assert_false (ok);
          }
      }

  /* A bad kind is reported before the size. */
  {
    g_autofree guint8 *data = make_header (G_MAXUINT32, 0x42, 0, 0, 5, 0);
    g_autoptr(GError) error = NULL;
    PpWireHeader header;

    g_assert_false (pp_wire_parse_header (data, 1024, &header, &error));
    g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
  }
}

static void
assert_decode_fails (PpWireKind    kind,
                     const guint8 *bytes,
                     gsize         size)
{
  g_autoptr(GBytes) body = g_bytes_new (bytes, size);
  g_autoptr(GVariant) decoded = NULL;
  g_autoptr(GError) error = NULL;
  PpWireHeader header = { .body_size = size, .kind = kind };

  decoded = pp_wire_decode_body (&header, body, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
  g_assert_null (decoded);
  g_test_message ("%s: %s", pp_wire_kind_to_string (kind), error->message);
}

/* Bytes of a valid body of @kind, in a new array. */
static GByteArray *
valid_body_bytes (GVariant *body)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (body);
  GByteArray *array = g_byte_array_new ();

  g_byte_array_append (array, g_variant_get_data (owned), g_variant_get_size (owned));
  return array;
}

static void
test_decode_not_normal_form (void)
{
  /* Non-zero padding between the string and the int of (sis) */
  {
    g_autoptr(GByteArray) bytes = valid_body_bytes (g_variant_new ("(sis)", "a", 1, "b"));

    g_assert_cmpuint (bytes->len, ==, 11);
    g_assert_cmpuint (bytes->data[2], ==, 0);
    bytes->data[2] = 0xff;
    assert_decode_fails (PP_WIRE_KIND_ERROR, bytes->data, bytes->len);
  }

  /* Invalid UTF-8 in a string */
  {
    g_autoptr(GByteArray) bytes = valid_body_bytes (g_variant_new ("(sua{sv})", "pipeXproxy",
                                                                   1, NULL));
    guint8 *x = memchr (bytes->data, 'X', bytes->len);

    g_assert_nonnull (x);
    *x = 0xff;
    assert_decode_fails (PP_WIRE_KIND_HELLO, bytes->data, bytes->len);
  }

  /* A string that is not nul-terminated */
  {
    g_autoptr(GByteArray) bytes = valid_body_bytes (g_variant_new ("(usv)", 0, "m",
                                                                   g_variant_new ("()")));

    g_assert_cmpuint (bytes->data[5], ==, 0);
    bytes->data[5] = 'n';
    assert_decode_fails (PP_WIRE_KIND_CALL, bytes->data, bytes->len);
  }

  /* A framing offset that points outside the body */
  {
    g_autoptr(GByteArray) bytes = valid_body_bytes (g_variant_new ("(ussv)", 0, "a", "b",
                                                                   g_variant_new ("()")));

    bytes->data[bytes->len - 1] = 0xfe;
    assert_decode_fails (PP_WIRE_KIND_SIGNAL, bytes->data, bytes->len);
  }

  /* A variant whose type string is not a type */
  {
    const guint8 bytes[] = { 0, 0, '(', 'i' };

    assert_decode_fails (PP_WIRE_KIND_RETURN, bytes, sizeof bytes);
  }

  /* An array of {sv} whose length is not a multiple of anything sensible */
  {
    g_autoptr(GByteArray) bytes = valid_body_bytes (g_variant_new ("(sua{sv})", PP_WIRE_MAGIC,
                                                                   1, NULL));
    /* Claim that the string ends past the end */
    bytes->data[bytes->len - 1] = 0xff;
    assert_decode_fails (PP_WIRE_KIND_WELCOME, bytes->data, bytes->len);
  }
}

/* Bytes that cannot be a value of the kind's body type at all. */
static void
test_decode_wrong_size (void)
{
  const guint8 zeros[16] = { 0 };
  const guint8 ones[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

  /* () is exactly one zero byte */
  assert_decode_fails (PP_WIRE_KIND_CANCEL, zeros, 0);
  assert_decode_fails (PP_WIRE_KIND_CANCEL, zeros, 2);
  assert_decode_fails (PP_WIRE_KIND_CANCEL, zeros, 8);
  assert_decode_fails (PP_WIRE_KIND_CANCEL, ones, 1);

  /* Empty bodies of every other kind but the lists of the handle tables,
   * for which they are the empty list */
  ALL_KINDS_FOREACH (kind)
    if (kind != PP_WIRE_KIND_CANCEL && !g_variant_type_is_array (pp_wire_body_type (kind)))
      assert_decode_fails (kind, zeros, 0);

  /* Too short for the fixed part */
  assert_decode_fails (PP_WIRE_KIND_ERROR, zeros, 2);
  assert_decode_fails (PP_WIRE_KIND_HELLO, ones, 3);
  assert_decode_fails (PP_WIRE_KIND_CALL, ones, 16);
  assert_decode_fails (PP_WIRE_KIND_RETURN, ones, 1);
}

/* The body of one kind under the header of another */
static void
test_decode_wrong_type (void)
{
  ALL_KINDS_FOREACH (encoded)
    ALL_KINDS_FOREACH (declared)
      {
        g_autoptr(GVariant) value = g_variant_ref_sink (sample_body (encoded));
        g_autoptr(GBytes) body = g_variant_get_data_as_bytes (value);
        g_autoptr(GVariant) decoded = NULL;
        g_autoptr(GError) error = NULL;
        PpWireHeader header = { .body_size = g_bytes_get_size (body), .kind = declared };

        decoded = pp_wire_decode_body (&header, body, &error);
        if (g_variant_type_equal (pp_wire_body_type (encoded), pp_wire_body_type (declared)))
          {
            g_assert_no_error (error);
            g_assert_cmpvariant (decoded, value);
          }
        else if (decoded != NULL)
          {
            /* The bytes happen to be a value of the declared type too:
             * then it is in normal form and of that type. */
            g_assert_no_error (error);
            g_assert_true (g_variant_is_of_type (decoded, pp_wire_body_type (declared)));
            g_assert_true (g_variant_is_normal_form (decoded));
          }
        else
          g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
      }
}

static void
assert_not_tuple (PpWireKind kind,
                  GVariant  *body,
                  const char *inner_type)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (body);
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (owned);
  g_autoptr(GVariant) decoded = NULL;
  g_autoptr(GError) error = NULL;
  PpWireHeader header = { .body_size = g_bytes_get_size (bytes), .kind = kind };

  g_assert_true (g_variant_is_normal_form (owned));
  decoded = pp_wire_decode_body (&header, bytes, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
  g_assert_null (decoded);
  /* The message names the kind and what was there instead */
  g_assert_nonnull (strstr (error->message, pp_wire_kind_to_string (kind)));
  g_assert_nonnull (strstr (error->message, inner_type));
}

static void
test_decode_not_tuple (void)
{
  assert_not_tuple (PP_WIRE_KIND_CALL,
                    g_variant_new ("(usv)", 0, "echo_int32", g_variant_new_int32 (5)), "i");
  assert_not_tuple (PP_WIRE_KIND_CALL,
                    g_variant_new ("(usv)", 0, "echo_strv", g_variant_new_strv (NULL, 0)), "as");
  assert_not_tuple (PP_WIRE_KIND_CALL,
                    g_variant_new ("(usv)", 0, "nested",
                                   g_variant_new_variant (g_variant_new ("()"))), "v");
  assert_not_tuple (PP_WIRE_KIND_RETURN, g_variant_new_variant (g_variant_new_string ("x")), "s");
  assert_not_tuple (PP_WIRE_KIND_RETURN,
                    g_variant_new_variant (g_variant_new ("{sv}", "k", g_variant_new ("()"))),
                    "{sv}");
  assert_not_tuple (PP_WIRE_KIND_SIGNAL,
                    g_variant_new ("(ussv)", 0, "notify", "", g_variant_new_uint32 (1)), "u");
  assert_not_tuple (PP_WIRE_KIND_SIGNAL,
                    g_variant_new ("(ussv)", 0, "changed", "", g_variant_new ("mi", NULL)), "mi");

  /* The empty tuple and nested tuples are fine */
  {
    g_autoptr(GVariant) body = g_variant_ref_sink (
      g_variant_new ("(usv)", 0, "m", g_variant_new ("((i)(s))", 1, "x")));
    g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (body);
    g_autoptr(GVariant) decoded = NULL;
    g_autoptr(GError) error = NULL;
    PpWireHeader header = { .body_size = g_bytes_get_size (bytes), .kind = PP_WIRE_KIND_CALL };

    decoded = pp_wire_decode_body (&header, bytes, &error);
    g_assert_no_error (error);
    g_assert_cmpvariant (decoded, body);
  }
}

/* Whatever arrives decodes to a value of the right type in normal form, or
 * fails with PP_ERROR_PROTOCOL; nothing else happens. */
static void
check_hostile_body (PpWireKind    kind,
                    const guint8 *bytes,
                    gsize         size)
{
  g_autoptr(GBytes) body = g_bytes_new (bytes, size);
  g_autoptr(GVariant) decoded = NULL;
  g_autoptr(GError) error = NULL;
  PpWireHeader header = { .body_size = size, .kind = kind };

  decoded = pp_wire_decode_body (&header, body, &error);
  if (decoded == NULL)
    {
      g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
      return;
    }

  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (decoded, pp_wire_body_type (kind)));
  g_assert_true (g_variant_is_normal_form (decoded));
  if (kind == PP_WIRE_KIND_CALL || kind == PP_WIRE_KIND_SIGNAL || kind == PP_WIRE_KIND_RETURN)
    {
      g_autoptr(GVariant) boxed = kind == PP_WIRE_KIND_RETURN
        ? g_variant_ref (decoded)
        : g_variant_get_child_value (decoded, g_variant_n_children (decoded) - 1);
      g_autoptr(GVariant) inner = g_variant_get_variant (boxed);

      g_assert_true (g_variant_is_of_type (inner, G_VARIANT_TYPE_TUPLE));
    }
}

static void
test_decode_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x5eed);
  guint8 buffer[256];

  for (guint round = 0; round < 3000; round++)
    {
      gsize size = g_rand_int_range (rand, 0, sizeof buffer + 1);

      for (gsize i = 0; i < size; i++)
        buffer[i] = g_rand_int_range (rand, 0, 256);
      ALL_KINDS_FOREACH (kind)
        check_hostile_body (kind, buffer, size);
    }
}

/* Valid bodies with a few bytes changed, cut short or grown */
static void
test_decode_mutated (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);

  ALL_KINDS_FOREACH (kind)
    {
      g_autoptr(GByteArray) valid = valid_body_bytes (sample_body (kind));

      for (guint round = 0; round < 500; round++)
        {
          g_autoptr(GByteArray) bytes = g_byte_array_new ();
          guint n_changes = g_rand_int_range (rand, 1, 4);

          g_byte_array_append (bytes, valid->data, valid->len);
          for (guint c = 0; c < n_changes; c++)
            {
              switch (g_rand_int_range (rand, 0, 3))
                {
                case 0:
                  if (bytes->len > 0)
                    {
                      guint at = g_rand_int_range (rand, 0, bytes->len);

                      bytes->data[at] = g_rand_int_range (rand, 0, 256);
                    }
                  break;
                case 1:
                  if (bytes->len > 0)
                    g_byte_array_set_size (bytes, g_rand_int_range (rand, 0, bytes->len));
                  break;
                default:
                  {
                    guint8 extra = g_rand_int_range (rand, 0, 256);
                    g_byte_array_append (bytes, &extra, 1);
                  }
                  break;
                }
            }
          check_hostile_body (kind, bytes->data, bytes->len);
        }
    }
}

/* Big bodies take a faster normal-form check; it must refuse the same */
static void
test_decode_not_normal_form_large (void)
{
  gsize n = 20000;
  g_autofree gboolean *flags = g_new (gboolean, n);
  g_autofree guint8 *bytes = g_malloc0 (n);
  GVariantBuilder builder;
  const char *cases[] = { "bool", "offset", "fine" };

  for (gsize i = 0; i < n; i++)
    flags[i] = TRUE;

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GVariant) body = NULL;
      g_autoptr(GVariant) decoded = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) data = NULL;
      PpWireHeader header = { .kind = PP_WIRE_KIND_CALL };
      guint8 *raw;
      gsize size;

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("ab"));
      for (gsize i = 0; i < n; i++)
        g_variant_builder_add (&builder, "b", flags[i]);
      body = g_variant_ref_sink (g_variant_new ("(usv)", 0, "frobnicate",
                                                g_variant_new ("(@ab@ays)",
                                                               g_variant_builder_end (&builder),
                                                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                                                          bytes, n, 1),
                                                               "tail")));
      size = g_variant_get_size (body);
      raw = g_memdup2 (g_variant_get_data (body), size);
      if (g_str_equal (cases[c], "bool"))
        raw[100] = 2;                     /* a boolean that is neither 0 nor 1 */
      else if (g_str_equal (cases[c], "offset"))
        raw[size - 1] ^= 1;               /* the outer tuple's framing offset */
      data = g_bytes_new_take (raw, size);
      header.body_size = size;

      decoded = pp_wire_decode_body (&header, data, &error);
      if (g_str_equal (cases[c], "fine"))
        {
          g_assert_no_error (error);
          g_assert_true (g_variant_equal (decoded, body));
        }
      else
        {
          g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
          g_assert_null (decoded);
        }
    }
}

/* The faster check of big bodies accepts exactly what GLib's own
 * g_variant_is_normal_form() accepts, however the glue between the members
 * (padding, framing offsets, the variant's type string) is changed. */
static void
test_decode_large_agrees_with_glib (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x1a26e);
  g_autofree guint8 *payload = g_malloc (6000);
  g_autoptr(GVariant) body = NULL;
  guint n_normal = 0, n_refused = 0;
  gsize size;

  for (gsize i = 0; i < 6000; i++)
    payload[i] = i * 7;
  body = g_variant_ref_sink (
    g_variant_new ("(usv)", 0, "frobnicate",
                   g_variant_new ("(@ayxs@ayu{sv})",
                                  g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, payload, 5001, 1),
                                  (gint64) 42, "middle",
                                  g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, payload, 4099, 1),
                                  7u, "key", g_variant_new_int32 (1))));
  size = g_variant_get_size (body);

  for (guint round = 0; round < 400; round++)
    {
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      g_autoptr(GBytes) data = NULL;
      g_autoptr(GVariant) reference = NULL;
      g_autoptr(GVariant) decoded = NULL;
      g_autoptr(GError) error = NULL;
      PpWireHeader header = { .kind = PP_WIRE_KIND_CALL };
      /* the first round checks the body as it is */
      guint n_changes = round == 0 ? 0 : g_rand_int_range (rand, 1, 3);

      g_byte_array_append (bytes, g_variant_get_data (body), size);
      for (guint c = 0; c < n_changes; c++)
        {
          int what = g_rand_int_range (rand, 0, 10);

          if (what < 6)
            {
              /* the glue sits at the ends of the members and at the very end */
              gsize at = what < 3 ? bytes->len - 1 - g_rand_int_range (rand, 0, MIN (64, bytes->len))
                                  : g_rand_int_range (rand, 0, bytes->len);
              bytes->data[at] ^= 1 << g_rand_int_range (rand, 0, 8);
            }
          else if (what < 8)
            g_byte_array_set_size (bytes, bytes->len - g_rand_int_range (rand, 1, 9));
          else
            {
              guint8 extra[8] = { 0 };
              g_byte_array_append (bytes, extra, g_rand_int_range (rand, 1, 9));
            }
        }
      data = g_bytes_new (bytes->data, bytes->len);
      reference = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("(usv)"), data,
                                                                FALSE));
      header.body_size = bytes->len;
      decoded = pp_wire_decode_body (&header, data, &error);

      if (g_variant_is_normal_form (reference))
        {
          g_assert_no_error (error);
          g_assert_nonnull (decoded);
          n_normal++;
        }
      else
        {
          g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
          g_assert_null (decoded);
          n_refused++;
        }
    }

  /* Both answers were given many times */
  g_test_message ("%u normal, %u refused", n_normal, n_refused);
  g_assert_cmpuint (n_normal, >, 50);
  g_assert_cmpuint (n_refused, >, 50);
}

/* pp_normal_form_check() decides as g_variant_is_normal_form() does, on
 * values of every kind of type and on those values with bytes flipped,
 * cut off or added */
static void
test_normal_form_agrees_with_glib (void)
{
  const char *samples[] = {
    "true", "false", "byte 0xff", "int16 -5", "uint16 7", "int32 -100000", "uint32 4",
    "int64 -1", "uint64 18446744073709551615", "handle 3", "3.25", "'hello'", "''",
    "'h\u00e9llo w\u00f6rld'", "objectpath '/org/gtk/x'", "signature 'a{sv}'",
    "<42>", "<'x'>", "<<<(1, 'deep')>>>", "<@a{sv} {'k': <1>}>", "just 5", "@mi nothing",
    "just 'x'", "@ms nothing", "just (1, 'a')", "just just true", "[1, 2, 3]",
    "@ai []", "['a', 'bc', '']", "[[1, 2], [3]]", "[(1, 'a'), (2, 'bb')]",
    "[(byte 1, 2), (byte 3, 4)]", "[true, false]", "{'a': 1, 'b': 2}",
    "{'k': <'v'>, 'n': <[1, 2]>}", "()", "[(), ()]", "(1, 'a', byte 2, 3.5, 'b')",
    "('x', [1, 2], 'y', @ms nothing, <true>)", "(byte 1, 2, byte 3)",
    "([['a'], ['b', 'c']], {'z': [<1>, <'2'>]})", "[just 'a', nothing, just '']",
    "[@mi 1, nothing]", "('frobnicate', <(1, 'two', [byte 3, 4])>)",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint n_normal = 0, n_refused = 0;

  for (gsize s = 0; s < G_N_ELEMENTS (samples); s++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) value = g_variant_parse (NULL, samples[s], NULL, NULL, &error);
      const GVariantType *type;
      gsize size;

      g_assert_no_error (error);
      type = g_variant_get_type (value);
      size = g_variant_get_size (value);

      for (guint round = 0; round < 600; round++)
        {
          g_autoptr(GByteArray) bytes = g_byte_array_new ();
          g_autoptr(GBytes) data = NULL;
          g_autoptr(GVariant) reference = NULL;
          gboolean ours, theirs;
          guint n_changes = round == 0 ? 0 : g_rand_int_range (rand, 1, 3);

          g_byte_array_append (bytes, g_variant_get_data (value), size);
          for (guint c = 0; c < n_changes; c++)
            {
              int what = g_rand_int_range (rand, 0, 10);

              if (what < 6 && bytes->len > 0)
                {
                  gsize at = g_rand_int_range (rand, 0, bytes->len);

                  /* small values too: offsets and lengths are small numbers */
                  if (what < 3)
                    bytes->data[at] ^= 1 << g_rand_int_range (rand, 0, 8);
                  else
                    bytes->data[at] = g_rand_int_range (rand, 0, 4) == 0 ? 0 : g_rand_int_range (rand, 0, 256);
                }
              else if (what < 8 && bytes->len > 0)
                g_byte_array_set_size (bytes, g_rand_int_range (rand, 0, bytes->len));
              else
                {
                  guint8 extra = g_rand_int_range (rand, 0, 3) == 0 ? g_rand_int_range (rand, 0, 256) : 0;
                  g_byte_array_append (bytes, &extra, 1);
                }
            }

          data = g_bytes_new (bytes->data, bytes->len);
          reference = g_variant_ref_sink (g_variant_new_from_bytes (type, data, FALSE));
          theirs = g_variant_is_normal_form (reference);
          ours = pp_normal_form_check (type, bytes->data, bytes->len);
          if (ours != theirs)
            {
              g_autofree char *hex = NULL;
              GString *dump = g_string_new (NULL);

              for (guint i = 0; i < bytes->len; i++)
                g_string_append_printf (dump, "%02x ", bytes->data[i]);
              hex = g_string_free (dump, FALSE);
              g_error ("%s (%s), bytes %s: GLib says %s, we say %s", samples[s],
                       g_variant_get_type_string (value), hex,
                       theirs ? "normal" : "not normal", ours ? "normal" : "not normal");
            }
          if (theirs)
            n_normal++;
          else
            n_refused++;
        }
    }

  g_test_message ("%u normal, %u not", n_normal, n_refused);
  g_assert_cmpuint (n_normal, >, 1000);
  g_assert_cmpuint (n_refused, >, 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Wire/header-unknown-kind", test_header_unknown_kind);
  g_test_add_func ("/Pp/Wire/header-fd-count", test_header_fd_count);
  g_test_add_func ("/Pp/Wire/header-flags", test_header_flags);
  g_test_add_func ("/Pp/Wire/header-over-limit", test_header_over_limit);
  g_test_add_func ("/Pp/Wire/decode-not-normal-form", test_decode_not_normal_form);
  g_test_add_func ("/Pp/Wire/decode-not-normal-form-large", test_decode_not_normal_form_large);
  g_test_add_func ("/Pp/Wire/decode-large-agrees-with-glib", test_decode_large_agrees_with_glib);
  g_test_add_func ("/Pp/Wire/normal-form-agrees-with-glib", test_normal_form_agrees_with_glib);
  g_test_add_func ("/Pp/Wire/decode-wrong-size", test_decode_wrong_size);
  g_test_add_func ("/Pp/Wire/decode-wrong-type", test_decode_wrong_type);
  g_test_add_func ("/Pp/Wire/decode-not-tuple", test_decode_not_tuple);
  g_test_add_func ("/Pp/Wire/decode-random", test_decode_random);
  g_test_add_func ("/Pp/Wire/decode-mutated", test_decode_mutated);

  return g_test_run ();
}
