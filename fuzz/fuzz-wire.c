/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The wire unit's decoding: the input is a stream of frames as a peer
 * writes them. Every header is parsed, every body decoded; what decodes
 * must be a value of the kind's type that GLib agrees is in normal form,
 * whose parts are found where the encoder puts them, and which encodes
 * back to the same bytes. What does not decode fails with PP_ERROR. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-fuzz.h"
#include "pp-wire-private.h"

/* Bodies over this are refused by the header, as a listener's limit would */
#define MAX_BODY (1024 * 1024)

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  pp_fuzz_fatal_criticals ();
  return 0;
}

static void
check_same_body (GBytes       *encoded,
                 const guint8 *body,
                 gsize         body_size)
{
  gsize size;
  const guint8 *frame = g_bytes_get_data (encoded, &size);

  g_assert_cmpuint (size, ==, pp_wire_frame_size (body_size));
  g_assert_cmpmem (frame + PP_WIRE_HEADER_SIZE, body_size, body, body_size);
}

static void
check_decoded (const PpWireHeader *header,
               GBytes             *body,
               GVariant           *decoded)
{
  const GVariantType *type = pp_wire_frame_body_type (header->kind, header->flags);
  gsize size;
  const guint8 *data = g_bytes_get_data (body, &size);
  g_autoptr(GVariant) untrusted = g_variant_ref_sink (g_variant_new_from_bytes (type, body, FALSE));
  g_autoptr(GVariant) inner = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GBytes) encoded = NULL;

  g_assert_true (g_variant_is_of_type (decoded, type));
  if (header->flags & PP_WIRE_FLAGS_OBJECTS)
    inner = pp_wire_unwrap_objects (decoded, &objects);
  else
    inner = g_variant_ref (decoded);
  /* The library loaded it as trusted: GLib must agree */
  g_assert_true (g_variant_is_normal_form (untrusted));
  if (header->flags & PP_WIRE_FLAGS_ARGS_TOO_DEEP)
    {
      /* A CALL to fail alone: its name, without the arguments */
      g_autoptr(GVariant) args = NULL;
      const char *method;

      g_assert_cmpuint (header->kind, ==, PP_WIRE_KIND_CALL);
      g_assert_true (pp_wire_split_body (inner, &method, 1, &args, NULL));
      g_assert_cmpuint (g_variant_n_children (args), ==, 0);
      return;
    }
  g_assert_true (g_variant_equal (decoded, untrusted));

  if (header->kind == PP_WIRE_KIND_CALL || header->kind == PP_WIRE_KIND_SIGNAL ||
      header->kind == PP_WIRE_KIND_RETURN)
    {
      guint n_strings = header->kind == PP_WIRE_KIND_CALL ? 1
                        : header->kind == PP_WIRE_KIND_SIGNAL ? 2 : 0;
      guint32 handle = n_strings > 0 ? pp_wire_body_handle (inner) : 0;
      PpWireFlags flags = header->flags & ~PP_WIRE_FLAGS_OBJECTS;
      const char *strings[2] = { NULL, NULL };
      const char *located[2] = { NULL, NULL };
      g_autoptr(GVariant) args = NULL;
      const char *type_string;
      const guint8 *args_data;
      gsize args_size;

      g_assert_true (pp_wire_split_body (inner, strings, n_strings, &args, NULL));
      g_assert_true (pp_wire_locate_args (inner, located, n_strings, &type_string,
                                          &args_data, &args_size));
      g_assert_true (g_variant_is_of_type (args, G_VARIANT_TYPE_TUPLE));
      g_assert_true (strncmp (type_string, g_variant_get_type_string (args),
                              strlen (g_variant_get_type_string (args))) == 0);
      g_assert_cmpmem (args_data, args_size, g_variant_get_data (args), g_variant_get_size (args));
      for (guint i = 0; i < n_strings; i++)
        g_assert_true (strings[i] == located[i]);
      /* Objects are only where a table says what they are */
      if (objects == NULL)
        g_assert_null (strchr (g_variant_get_type_string (args), 'o'));

      /* The direct layout gives the same bytes (the encoders take a
       * reference of their own to a value that is not floating) */
      if (header->kind == PP_WIRE_KIND_CALL)
        encoded = pp_wire_encode_call (header->serial, header->timeout_msec, flags, handle,
                                       strings[0], args, objects);
      else if (header->kind == PP_WIRE_KIND_SIGNAL)
        encoded = pp_wire_encode_signal (handle, strings[0], strings[1], args, objects);
      else
        encoded = pp_wire_encode_return (header->serial, args, objects);
    }
  else
    encoded = pp_wire_encode (header->kind, header->flags, header->serial, header->timeout_msec,
                              decoded);
  check_same_body (encoded, data, size);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  gsize pos = 0;

  while (size - pos >= PP_WIRE_HEADER_SIZE)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GVariant) decoded = NULL;
      PpWireHeader header;
      gsize frame_size;

      if (!pp_wire_parse_header (data + pos, MAX_BODY, &header, &error))
        {
          g_assert_true (error != NULL && error->domain == PP_ERROR);
          g_assert_true (error->message != NULL && *error->message != '\0');
          break;
        }
      frame_size = pp_wire_stream_size (&header);
      g_assert_cmpuint (frame_size, >=, PP_WIRE_HEADER_SIZE);
      if (header.flags & PP_WIRE_FLAGS_BODY_IN_FD)
        {
          /* The body is a descriptor's content: none here */
          pos += frame_size;
          continue;
        }
      if (frame_size > size - pos)
        break;

      /* A copy, 8-aligned as in a receive buffer */
      body = g_bytes_new (data + pos + PP_WIRE_HEADER_SIZE, header.body_size);
      decoded = pp_wire_decode_body (&header, body, &error);
      if (decoded != NULL)
        g_variant_ref_sink (decoded);
      if (decoded == NULL)
        g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
      else
        {
          g_assert_no_error (error);
          check_decoded (&header, body, decoded);
        }
      pos += frame_size;
    }
  return 0;
}

void
pp_fuzz_seeds (PpFuzzSeeds *seeds)
{
  GError error = { .domain = G_IO_ERROR, .code = G_IO_ERROR_NOT_FOUND, .message = (char *) "No such thing" };
  guint8 garbage[64];

  pp_fuzz_seed_add_frames (seeds, "hello-call-return", (GBytes *[]) {
    pp_fuzz_hello (1),
    pp_wire_encode_call (2, 0, PP_WIRE_FLAGS_NONE, 0, "echo",
                         g_variant_new ("(sias)", "x", 5, NULL), NULL),
    pp_wire_encode_return (2, g_variant_new ("(s)", "x"), NULL),
    NULL });
  pp_fuzz_seed_add_frames (seeds, "every-kind", (GBytes *[]) {
    pp_wire_encode (PP_WIRE_KIND_WELCOME, 0, 1, 0,
                    g_variant_new_parsed ("('pipeproxy', uint32 2, {'type-name': <'GMenu'>})")),
    pp_wire_encode_call (3, 1000, PP_WIRE_FLAGS_NO_REPLY, 0, "set_parameter",
                         g_variant_new ("(i)", 5), NULL),
    pp_wire_encode_error (3, &error),
    pp_wire_encode_signal (0, "changed", "detail", g_variant_new ("(msd)", NULL, 2.5), NULL),
    pp_wire_encode (PP_WIRE_KIND_CANCEL, 0, 3, 0, g_variant_new ("()")),
    pp_wire_encode (PP_WIRE_KIND_SUBSCRIBE, 0, 0, 0, g_variant_new ("(us)", 0, "changed")),
    pp_wire_encode (PP_WIRE_KIND_UNSUBSCRIBE, 0, 0, 0, g_variant_new ("(us)", 0, "changed")),
    pp_wire_encode (PP_WIRE_KIND_PROPERTY, 0, 0, 0,
                    g_variant_new_parsed ("(uint32 0, 'parameter', @mv just <5>)")),
    pp_wire_encode (PP_WIRE_KIND_SET_PROPERTY, 0, 4, 0,
                    g_variant_new_parsed ("(uint32 0, 'parameter', @mv nothing)")),
    NULL });
  pp_fuzz_seed_add_frames (seeds, "nested-args", (GBytes *[]) {
    pp_wire_encode_call (5, 0, 0, 0, "frobnicate",
                         g_variant_new_parsed ("(<<[1, 2]>>, {'k': <(byte 1, 'x')>}, "
                                               "[@ay [], [byte 1]], just (), "
                                               "<objectpath '/a'>)"), NULL),
    NULL });
  pp_fuzz_seed_add_frames (seeds, "objects", (GBytes *[]) {
    pp_wire_encode (PP_WIRE_KIND_TYPE, 0, 0, 0,
                    g_variant_new_parsed ("(uint32 1, {'type-name': <'GMenuItem'>})")),
    pp_wire_encode (PP_WIRE_KIND_INTRODUCE, 0, 0, 0,
                    g_variant_new_parsed ("[(uint32 1, uint32 1, {'label': <'x'>})]")),
    pp_wire_encode_call (6, 0, 0, 0, "append_item", g_variant_new_parsed ("(objectpath '/0',)"),
                         g_variant_new_parsed ("[(true, uint32 1)]")),
    pp_wire_encode_return (6, g_variant_new_parsed ("([objectpath '/1', '/0'], @mo nothing)"),
                           g_variant_new_parsed ("[(false, uint32 1), (true, 7)]")),
    pp_wire_encode_signal (2, "item-added", "", g_variant_new_parsed ("(objectpath '/0',)"),
                           g_variant_new_parsed ("[(true, uint32 1)]")),
    pp_wire_encode (PP_WIRE_KIND_RELEASE, 0, 0, 0, g_variant_new_parsed ("[(uint32 1, uint32 2)]")),
    pp_wire_encode (PP_WIRE_KIND_RELEASED, 0, 0, 0, g_variant_new_parsed ("[uint32 1]")),
    NULL });
  /* An empty body of each kind: () wants one byte, the others more */
  for (guint8 kind = PP_WIRE_KIND_HELLO; kind <= PP_WIRE_KIND_LAST; kind++)
    {
      g_autofree char *name = g_strdup_printf ("empty-%s", pp_wire_kind_to_string (kind));
      guint8 header[PP_WIRE_HEADER_SIZE] = { 0, 0, 0, 0, kind };

      pp_fuzz_seed_add (seeds, name, header, sizeof header);
    }
  /* A body in a descriptor, which is not on the stream */
  {
    guint8 header[PP_WIRE_HEADER_SIZE] = { 0x10, 0, 0, 0, PP_WIRE_KIND_RETURN,
                                           PP_WIRE_FLAGS_BODY_IN_FD, 1, 0, 2 };

    pp_fuzz_seed_add (seeds, "body-in-fd", header, sizeof header);
  }
  /* Garbage after a valid frame */
  for (guint i = 0; i < sizeof garbage; i++)
    garbage[i] = i * 37;
  pp_fuzz_seed_add_frames (seeds, "garbage", (GBytes *[]) {
    pp_fuzz_hello (1),
    g_bytes_new (garbage, sizeof garbage),
    NULL });
}
