/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The wire unit: frames are encoded and parsed without any I/O, and every
 * byte that comes from the peer is treated as hostile. This is encoding,
 * round trips and error frames; hostile headers and bodies are
 * test-wire-hostile.c. */

#include <string.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-test-raw.h"
#include "pp-wire-private.h"

/* Compares with a floating @expected, and releases it. */
static void
assert_variant_equal (GVariant *actual,
                      GVariant *expected)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (expected);

  g_assert_cmpvariant (actual, owned);
}

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}
/* The body bytes of an encoded frame, as the receiving side would see them. */
static GBytes *
frame_body (GBytes             *frame,
            const PpWireHeader *header)
{
  return g_bytes_new_from_bytes (frame, PP_WIRE_HEADER_SIZE, header->body_size);
}

static void
test_kind_names (void)
{
  g_assert_cmpstr (pp_wire_kind_to_string (PP_WIRE_KIND_HELLO), ==, "HELLO");
  g_assert_cmpstr (pp_wire_kind_to_string (PP_WIRE_KIND_WELCOME), ==, "WELCOME");
  g_assert_cmpstr (pp_wire_kind_to_string (PP_WIRE_KIND_CALL), ==, "CALL");
  g_assert_cmpstr (pp_wire_kind_to_string (PP_WIRE_KIND_RETURN), ==, "RETURN");
  g_assert_cmpstr (pp_wire_kind_to_string (PP_WIRE_KIND_ERROR), ==, "ERROR");
  g_assert_cmpstr (pp_wire_kind_to_string (PP_WIRE_KIND_SIGNAL), ==, "SIGNAL");
  g_assert_cmpstr (pp_wire_kind_to_string (PP_WIRE_KIND_CANCEL), ==, "CANCEL");
  g_assert_cmpstr (pp_wire_kind_to_string (0), ==, "unknown");
  g_assert_cmpstr (pp_wire_kind_to_string (PP_WIRE_KIND_LAST + 1), ==, "unknown");
  g_assert_cmpstr (pp_wire_kind_to_string (255), ==, "unknown");

  g_assert_cmpstr ((const char *) pp_wire_body_type (PP_WIRE_KIND_HELLO), ==, "(sua{sv})");
  g_assert_cmpstr ((const char *) pp_wire_body_type (PP_WIRE_KIND_WELCOME), ==, "(sua{sv})");
  g_assert_true (g_variant_type_equal (pp_wire_body_type (PP_WIRE_KIND_CALL),
                                       G_VARIANT_TYPE ("(usv)")));
  g_assert_true (g_variant_type_equal (pp_wire_body_type (PP_WIRE_KIND_RETURN),
                                       G_VARIANT_TYPE_VARIANT));
  g_assert_true (g_variant_type_equal (pp_wire_body_type (PP_WIRE_KIND_ERROR),
                                       G_VARIANT_TYPE ("(sis)")));
  g_assert_true (g_variant_type_equal (pp_wire_body_type (PP_WIRE_KIND_SIGNAL),
                                       G_VARIANT_TYPE ("(ussv)")));
  g_assert_true (g_variant_type_equal (pp_wire_body_type (PP_WIRE_KIND_CANCEL),
                                       G_VARIANT_TYPE_UNIT));
}

static void
test_frame_size (void)
{
  g_assert_cmpuint (pp_wire_frame_size (0), ==, 16);
  g_assert_cmpuint (pp_wire_frame_size (1), ==, 24);
  g_assert_cmpuint (pp_wire_frame_size (7), ==, 24);
  g_assert_cmpuint (pp_wire_frame_size (8), ==, 24);
  g_assert_cmpuint (pp_wire_frame_size (9), ==, 32);
  g_assert_cmpuint (pp_wire_frame_size (G_MAXUINT32), ==, (gsize) G_MAXUINT32 + 1 + 16);

  /* Encoded frames: every body size from 0 to 300, padded with zeros */
  for (gsize n = 0; n <= 300; n++)
    {
      g_autofree guint8 *raw = g_malloc (MAX (n, 1));  /* never NULL, even for 0 bytes */
      g_autoptr(GBytes) frame = NULL;
      const guint8 *data;
      gsize size;
      guint32 body_size;

      memset (raw, 0xa5, n);
      frame = pp_wire_encode (PP_WIRE_KIND_RETURN, PP_WIRE_FLAGS_NONE, (guint32) n + 1, 0,
                              g_variant_new_variant (
                                g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, raw, n, 1)));
      data = g_bytes_get_data (frame, &size);
      body_size = get_u32 (data);

      g_assert_cmpuint (size % PP_WIRE_ALIGN, ==, 0);
      g_assert_cmpuint (size, ==, pp_wire_frame_size (body_size));
      g_assert_cmpuint (size - PP_WIRE_HEADER_SIZE - body_size, <, PP_WIRE_ALIGN);
      for (gsize i = PP_WIRE_HEADER_SIZE + body_size; i < size; i++)
        g_assert_cmpuint (data[i], ==, 0);
    }
}

static void
test_header_layout (void)
{
  g_autoptr(GBytes) frame = NULL;
  const guint8 *data;
  gsize size;
  g_autoptr(GVariant) body = g_variant_ref_sink (sample_body (PP_WIRE_KIND_CALL));
  gsize body_size = g_variant_get_size (body);

  frame = pp_wire_encode (PP_WIRE_KIND_CALL, PP_WIRE_FLAGS_NO_REPLY, 0x01020304, 0x0a0b0c0d,
                          body);
  data = g_bytes_get_data (frame, &size);

  /* Little-endian, whatever the host */
  g_assert_cmpuint (data[0], ==, body_size & 0xff);
  g_assert_cmpuint (data[1], ==, (body_size >> 8) & 0xff);
  g_assert_cmpuint (data[2], ==, 0);
  g_assert_cmpuint (data[3], ==, 0);
  g_assert_cmpuint (data[4], ==, PP_WIRE_KIND_CALL);
  g_assert_cmpuint (data[5], ==, PP_WIRE_FLAGS_NO_REPLY);
  g_assert_cmpuint (data[6], ==, 0);
  g_assert_cmpuint (data[7], ==, 0);
  g_assert_cmpmem (data + 8, 4, "\x04\x03\x02\x01", 4);
  g_assert_cmpmem (data + 12, 4, "\x0d\x0c\x0b\x0a", 4);
  /* The body is the GVariant in normal form, as is */
  g_assert_cmpmem (data + PP_WIRE_HEADER_SIZE, body_size, g_variant_get_data (body), body_size);
}

static void
check_round_trip (PpWireKind  kind,
                  PpWireFlags flags,
                  guint32     serial,
                  guint32     timeout_msec)
{
  g_autoptr(GVariant) expected = g_variant_ref_sink (sample_body (kind));
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GVariant) decoded = NULL;
  g_autoptr(GError) error = NULL;
  PpWireHeader header;
  const guint8 *data;
  gsize size;

  frame = pp_wire_encode (kind, flags, serial, timeout_msec, expected);
  data = g_bytes_get_data (frame, &size);
  g_assert_cmpuint (size % PP_WIRE_ALIGN, ==, 0);

  g_assert_true (pp_wire_parse_header (data, 1024, &header, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (header.kind, ==, kind);
  g_assert_cmpuint (header.flags, ==, flags);
  g_assert_cmpuint (header.serial, ==, serial);
  g_assert_cmpuint (header.timeout_msec, ==, timeout_msec);
  g_assert_cmpuint (header.body_size, ==, g_variant_get_size (expected));
  g_assert_cmpuint (size, ==, pp_wire_frame_size (header.body_size));

  body = frame_body (frame, &header);
  decoded = pp_wire_decode_body (&header, body, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decoded);
  g_assert_true (g_variant_is_of_type (decoded, pp_wire_body_type (kind)));
  g_assert_true (g_variant_is_normal_form (decoded));
  g_assert_cmpvariant (decoded, expected);
}

static void
test_round_trip (void)
{
  ALL_KINDS_FOREACH (kind)
    {
      check_round_trip (kind, PP_WIRE_FLAGS_NONE, 1, 0);
      check_round_trip (kind, PP_WIRE_FLAGS_NO_REPLY, G_MAXUINT32, G_MAXUINT32);
      check_round_trip (kind, PP_WIRE_FLAGS_NONE, 0, 25000);
    }
}

/* A body that does not start at an 8-byte boundary in the receive buffer
 * must decode all the same. */
static void
test_round_trip_unaligned (void)
{
  ALL_KINDS_FOREACH (kind)
    {
      g_autoptr(GVariant) expected = g_variant_ref_sink (sample_body (kind));
      g_autoptr(GBytes) frame = pp_wire_encode (kind, 0, 9, 0, expected);
      g_autoptr(GBytes) shifted = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GVariant) decoded = NULL;
      g_autoptr(GError) error = NULL;
      PpWireHeader header;
      gsize size;
      const guint8 *data = g_bytes_get_data (frame, &size);
      guint8 *copy = g_malloc (size + 3);

      memcpy (copy + 3, data, size);
      shifted = g_bytes_new_take (copy, size + 3);
      g_assert_true (pp_wire_parse_header (copy + 3, 1024, &header, &error));
      g_assert_no_error (error);
      body = g_bytes_new_from_bytes (shifted, 3 + PP_WIRE_HEADER_SIZE, header.body_size);
      decoded = pp_wire_decode_body (&header, body, &error);
      g_assert_no_error (error);
      g_assert_cmpvariant (decoded, expected);
    }
}

static void
test_convenience_encoders (void)
{
  g_autoptr(GError) error = NULL;
  PpWireHeader header;

  {
    g_autoptr(GBytes) frame = pp_wire_encode_call (77, 1500, PP_WIRE_FLAGS_NO_REPLY, 12,
                                                   "frobnicate",
                                                   g_variant_new ("(ib)", 3, TRUE), NULL);
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GVariant) decoded = NULL;

    g_assert_true (pp_wire_parse_header (g_bytes_get_data (frame, NULL), 1024, &header, &error));
    g_assert_cmpuint (header.kind, ==, PP_WIRE_KIND_CALL);
    g_assert_cmpuint (header.serial, ==, 77);
    g_assert_cmpuint (header.timeout_msec, ==, 1500);
    g_assert_cmpuint (header.flags, ==, PP_WIRE_FLAGS_NO_REPLY);
    body = frame_body (frame, &header);
    decoded = pp_wire_decode_body (&header, body, &error);
    g_assert_no_error (error);
    assert_variant_equal (decoded, g_variant_new ("(usv)", 12, "frobnicate",
                                                  g_variant_new ("(ib)", 3, TRUE)));
    g_assert_cmpuint (pp_wire_body_handle (decoded), ==, 12);
  }

  {
    g_autoptr(GBytes) frame = pp_wire_encode_return (78, g_variant_new ("(s)", "ok"), NULL);
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GVariant) decoded = NULL;

    g_assert_true (pp_wire_parse_header (g_bytes_get_data (frame, NULL), 1024, &header, &error));
    g_assert_cmpuint (header.kind, ==, PP_WIRE_KIND_RETURN);
    g_assert_cmpuint (header.serial, ==, 78);
    g_assert_cmpuint (header.flags, ==, 0);
    g_assert_cmpuint (header.timeout_msec, ==, 0);
    body = frame_body (frame, &header);
    decoded = pp_wire_decode_body (&header, body, &error);
    g_assert_no_error (error);
    assert_variant_equal (decoded, g_variant_new_variant (g_variant_new ("(s)", "ok")));
  }
}

/* A frame whose values hold objects: the kind's body and the table */
static GVariant *
round_trip_objects (GBytes       *frame,
                    PpWireKind    kind,
                    GVariant    **objects)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GVariant) decoded = NULL;
  PpWireHeader header;

  g_assert_true (pp_wire_parse_header (g_bytes_get_data (frame, NULL), 1024, &header, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (header.kind, ==, kind);
  g_assert_true (header.flags & PP_WIRE_FLAGS_OBJECTS);
  body = frame_body (frame, &header);
  decoded = pp_wire_decode_body (&header, body, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (decoded, pp_wire_frame_body_type (kind, header.flags)));
  return pp_wire_unwrap_objects (decoded, objects);
}

static void
test_objects (void)
{
  {
    g_autoptr(GBytes) frame = pp_wire_encode_call (5, 0, PP_WIRE_FLAGS_NONE, 3, "append_item",
                                                   g_variant_new_parsed ("(objectpath '/1', "
                                                                         "[objectpath '/0'])"),
                                                   g_variant_new_parsed ("[(true, uint32 8), "
                                                                         "(false, 2)]"));
    g_autoptr(GVariant) objects = NULL;
    g_autoptr(GVariant) body = round_trip_objects (frame, PP_WIRE_KIND_CALL, &objects);
    g_autoptr(GVariant) args = NULL;
    const char *method;

    g_assert_cmpuint (pp_wire_body_handle (body), ==, 3);
    g_assert_true (pp_wire_split_body (body, &method, 1, &args, NULL));
    g_assert_cmpstr (method, ==, "append_item");
    assert_variant_equal (args, g_variant_new_parsed ("(objectpath '/1', [objectpath '/0'])"));
    assert_variant_equal (objects, g_variant_new_parsed ("[(true, uint32 8), (false, 2)]"));
  }

  {
    g_autoptr(GBytes) frame = pp_wire_encode_return (6, g_variant_new_parsed ("(@mo nothing, "
                                                                            "objectpath '/0')"),
                                                     g_variant_new_parsed ("[(true, uint32 1)]"));
    g_autoptr(GVariant) objects = NULL;
    g_autoptr(GVariant) body = round_trip_objects (frame, PP_WIRE_KIND_RETURN, &objects);
    g_autoptr(GVariant) args = NULL;

    g_assert_true (pp_wire_split_body (body, NULL, 0, &args, NULL));
    assert_variant_equal (args, g_variant_new_parsed ("(@mo nothing, objectpath '/0')"));
  }

  {
    g_autoptr(GBytes) frame = pp_wire_encode_signal (9, "item-added", "x",
                                                     g_variant_new_parsed ("(objectpath '/0',)"),
                                                     g_variant_new_parsed ("[(true, uint32 1)]"));
    g_autoptr(GVariant) objects = NULL;
    g_autoptr(GVariant) body = round_trip_objects (frame, PP_WIRE_KIND_SIGNAL, &objects);
    const char *strings[2];

    g_assert_cmpuint (pp_wire_body_handle (body), ==, 9);
    g_assert_true (pp_wire_split_body (body, strings, 2, NULL, NULL));
    g_assert_cmpstr (strings[0], ==, "item-added");
    g_assert_cmpstr (strings[1], ==, "x");
  }
}

/* A value of type 'o' is an object: without a table, or outside it, the
 * frame is refused; inside a variant it is data */
static void
test_objects_refused (void)
{
  struct {
    const char *args;
    const char *objects;
    gboolean    ok;
  } cases[] = {
    { "(objectpath '/0',)", NULL, FALSE },
    { "([objectpath '/0'],)", NULL, FALSE },
    { "(@mo nothing,)", NULL, FALSE },
    { "(<objectpath '/0'>,)", NULL, TRUE },
    { "(objectpath '/0',)", "@a(bu) []", FALSE },
    { "(objectpath '/1',)", "[(true, uint32 1)]", FALSE },
    { "(objectpath '/01',)", "[(true, uint32 1), (true, 2)]", FALSE },
    { "(objectpath '/a',)", "[(true, uint32 1)]", FALSE },
    { "(objectpath '/',)", "[(true, uint32 1)]", FALSE },
    { "(objectpath '/0/1',)", "[(true, uint32 1)]", FALSE },
    { "({'a': objectpath '/1'},)", "[(true, uint32 1), (true, 2)]", TRUE },
    { "(<objectpath '/9'>, objectpath '/0')", "[(true, uint32 1)]", TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) body = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GVariant) decoded = NULL;
      g_autoptr(GError) error = NULL;
      PpWireHeader header = { .kind = PP_WIRE_KIND_CALL };
      GVariant *call = g_variant_new ("(us@v)", 0, "m",
                                      g_variant_new_variant (g_variant_new_parsed (cases[i].args)));

      if (cases[i].objects != NULL)
        {
          header.flags = PP_WIRE_FLAGS_OBJECTS;
          body = g_variant_ref_sink (g_variant_new ("(@(usv)@a(bu))", call,
                                                    g_variant_new_parsed (cases[i].objects)));
        }
      else
        body = g_variant_ref_sink (call);
      bytes = g_variant_get_data_as_bytes (body);
      header.body_size = g_bytes_get_size (bytes);
      decoded = pp_wire_decode_body (&header, bytes, &error);
      g_test_message ("%s %s: %s", cases[i].args, cases[i].objects,
                      error ? error->message : "fine");
      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_cmpvariant (decoded, body);
        }
      else
        {
          g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
          g_assert_null (decoded);
        }
    }
}

static void
test_object_index (void)
{
  g_assert_cmpint (pp_wire_object_index ("/0", 1), ==, 0);
  g_assert_cmpint (pp_wire_object_index ("/0", 0), ==, -1);
  g_assert_cmpint (pp_wire_object_index ("/12", 13), ==, 12);
  g_assert_cmpint (pp_wire_object_index ("/12", 12), ==, -1);
  g_assert_cmpint (pp_wire_object_index ("/012", 13), ==, -1);
  g_assert_cmpint (pp_wire_object_index ("/", 1), ==, -1);
  g_assert_cmpint (pp_wire_object_index ("/a", 1), ==, -1);
  g_assert_cmpint (pp_wire_object_index ("/1/2", 20), ==, -1);
  g_assert_cmpint (pp_wire_object_index ("/99999999999999999999", G_MAXUINT), ==, -1);
}

/* ERROR frames carry the domain's name, the code and the message, and the
 * receiving side turns them back into a GError. */
static void
test_error_frame (void)
{
  g_autoptr(GError) original = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                                    "Nope: “ü”");
  g_autoptr(GBytes) frame = pp_wire_encode_error (12, original);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GVariant) decoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) rebuilt = NULL;
  PpWireHeader header;

  g_assert_true (pp_wire_parse_header (g_bytes_get_data (frame, NULL), 1024, &header, &error));
  g_assert_cmpuint (header.kind, ==, PP_WIRE_KIND_ERROR);
  g_assert_cmpuint (header.serial, ==, 12);
  body = frame_body (frame, &header);
  decoded = pp_wire_decode_body (&header, body, &error);
  g_assert_no_error (error);
  assert_variant_equal (decoded, g_variant_new ("(sis)", "g-io-error-quark",
                                                G_IO_ERROR_PERMISSION_DENIED, "Nope: “ü”"));

  rebuilt = pp_wire_decode_error (decoded);
  g_assert_error (rebuilt, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (rebuilt->message, ==, "Nope: “ü”");
}

static void
test_error_frame_unknown_domain (void)
{
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GError) rebuilt = NULL;
  g_autofree char *domain = NULL;
  int code = 0;

  /* A peer's domain name never becomes a quark here. */
  body = g_variant_ref_sink (g_variant_new ("(sis)", "pp-test-wire-unheard-of-quark", -5,
                                            "far away"));
  rebuilt = pp_wire_decode_error (body);
  g_assert_error (rebuilt, PP_ERROR, PP_ERROR_REMOTE_ERROR);
  g_assert_cmpuint (g_quark_try_string ("pp-test-wire-unheard-of-quark"), ==, 0);
  g_assert_true (pp_error_get_remote (rebuilt, &domain, &code));
  g_assert_cmpstr (domain, ==, "pp-test-wire-unheard-of-quark");
  g_assert_cmpint (code, ==, -5);
  g_assert_nonnull (strstr (rebuilt->message, "far away"));
}

/* A process that never made PP_ERROR's quark (a Python program before its
 * first error) still gets a PP_ERROR, not a remote error of that name. */
static void
test_error_frame_own_domain (void)
{
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GError) rebuilt = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  g_assert_cmpuint (g_quark_try_string ("pp-error-quark"), ==, 0);
  body = g_variant_ref_sink (g_variant_new ("(sis)", "pp-error-quark", PP_ERROR_FAILED,
                                            "No namespace Nope-1.0"));
  rebuilt = pp_wire_decode_error (body);
  g_assert_error (rebuilt, PP_ERROR, PP_ERROR_FAILED);
  g_assert_cmpstr (rebuilt->message, ==, "No namespace Nope-1.0");
}

static void
test_error_frame_empty (void)
{
  /* An error without a message (or domain) still encodes. */
  GError error_struct = { G_IO_ERROR, G_IO_ERROR_FAILED, NULL };
  g_autoptr(GBytes) frame = pp_wire_encode_error (3, &error_struct);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GVariant) decoded = NULL;
  g_autoptr(GError) error = NULL;
  PpWireHeader header;

  g_assert_true (pp_wire_parse_header (g_bytes_get_data (frame, NULL), 1024, &header, &error));
  body = frame_body (frame, &header);
  decoded = pp_wire_decode_body (&header, body, &error);
  g_assert_no_error (error);
  assert_variant_equal (decoded, g_variant_new ("(sis)", "g-io-error-quark",
                                                G_IO_ERROR_FAILED, ""));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Wire/kind-names", test_kind_names);
  g_test_add_func ("/Pp/Wire/frame-size", test_frame_size);
  g_test_add_func ("/Pp/Wire/header-layout", test_header_layout);
  g_test_add_func ("/Pp/Wire/round-trip", test_round_trip);
  g_test_add_func ("/Pp/Wire/round-trip-unaligned", test_round_trip_unaligned);
  g_test_add_func ("/Pp/Wire/convenience-encoders", test_convenience_encoders);
  g_test_add_func ("/Pp/Wire/objects", test_objects);
  g_test_add_func ("/Pp/Wire/objects-refused", test_objects_refused);
  g_test_add_func ("/Pp/Wire/object-index", test_object_index);
  g_test_add_func ("/Pp/Wire/error-frame", test_error_frame);
  g_test_add_func ("/Pp/Wire/error-frame-unknown-domain", test_error_frame_unknown_domain);
  g_test_add_func ("/Pp/Wire/error-frame-own-domain", test_error_frame_own_domain);
  g_test_add_func ("/Pp/Wire/error-frame-empty", test_error_frame_empty);

  return g_test_run ();
}
