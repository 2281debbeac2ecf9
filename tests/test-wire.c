/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The wire unit: frames are encoded and parsed without any I/O, and every
 * byte that comes from the peer is treated as hostile. */

#include <string.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-connection-private.h"
#include "pp-normal-form-private.h"
#include "pp-wire-private.h"

#define ALL_KINDS_FOREACH(k) \
  for (PpWireKind k = PP_WIRE_KIND_HELLO; k <= PP_WIRE_KIND_LAST; k++)

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

static void
put_u32 (guint8  *p,
         guint32  v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

/* A header in a buffer of exactly PP_WIRE_HEADER_SIZE bytes on the heap, so
 * that valgrind or ASan see any read past it. */
static guint8 *
make_header (guint32 body_size,
             guint8  kind,
             guint8  flags,
             guint16 n_fds,
             guint32 serial,
             guint32 timeout_msec)
{
  guint8 *data = g_malloc0 (PP_WIRE_HEADER_SIZE);

  put_u32 (data, body_size);
  data[4] = kind;
  data[5] = flags;
  data[6] = n_fds & 0xff;
  data[7] = n_fds >> 8;
  put_u32 (data + 8, serial);
  put_u32 (data + 12, timeout_msec);
  return data;
}

/* A body of each kind, floating. */
static GVariant *
sample_body (PpWireKind kind)
{
  GVariantBuilder options;

  switch (kind)
    {
    case PP_WIRE_KIND_HELLO:
      return g_variant_new ("(sua{sv})", PP_WIRE_MAGIC, (guint32) PP_WIRE_PROTOCOL_VERSION, NULL);
    case PP_WIRE_KIND_WELCOME:
      g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&options, "{sv}", "type-name", g_variant_new_string ("PpTestObject"));
      g_variant_builder_add (&options, "{sv}", "answer", g_variant_new_uint64 (42));
      return g_variant_new ("(sua{sv})", PP_WIRE_MAGIC, (guint32) PP_WIRE_PROTOCOL_VERSION,
                            &options);
    case PP_WIRE_KIND_CALL:
      return g_variant_new ("(usv)", 3, "echo_string", g_variant_new ("(s)", "héllo wörld"));
    case PP_WIRE_KIND_RETURN:
      return g_variant_new_variant (g_variant_new ("(ias)", -7, NULL));
    case PP_WIRE_KIND_ERROR:
      return g_variant_new ("(sis)", "g-io-error-quark", G_IO_ERROR_NOT_FOUND, "No such thing");
    case PP_WIRE_KIND_SIGNAL:
      return g_variant_new ("(ussv)", 0, "notify", "parameter", g_variant_new ("(u)", 3));
    case PP_WIRE_KIND_CANCEL:
      return g_variant_new ("()");
    case PP_WIRE_KIND_SUBSCRIBE:
    case PP_WIRE_KIND_UNSUBSCRIBE:
      return g_variant_new ("(us)", 7, "changed");
    case PP_WIRE_KIND_PROPERTY:
    case PP_WIRE_KIND_SET_PROPERTY:
      return g_variant_new ("(usmv)", 0, "parameter",
                            g_variant_new_variant (g_variant_new_int32 (4)));
    case PP_WIRE_KIND_TYPE:
      g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&options, "{sv}", "type-name", g_variant_new_string ("GMenuItem"));
      return g_variant_new ("(ua{sv})", 2, &options);
    case PP_WIRE_KIND_INTRODUCE:
      return g_variant_new_parsed ("[(uint32 4, uint32 2, {'label': <'One'>}), "
                                   "(5, 2, @a{sv} {})]");
    case PP_WIRE_KIND_RELEASE:
      return g_variant_new_parsed ("[(uint32 4, uint32 1), (5, 3)]");
    case PP_WIRE_KIND_RELEASED:
      return g_variant_new_parsed ("[uint32 4, 5]");
    default:
      g_assert_not_reached ();
    }
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

static void
test_header_unknown_kind (void)
{
  const guint8 kinds[] = { 0, PP_WIRE_KIND_LAST + 1, 16, 17, 0x7f, 0x80, 0xff };

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

          /* objects travel with calls, their results and signals */
          gboolean objects_ok = kind == PP_WIRE_KIND_CALL || kind == PP_WIRE_KIND_RETURN ||
                                kind == PP_WIRE_KIND_SIGNAL;

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
