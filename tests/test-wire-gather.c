/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Frames in pieces: a gathered frame, whose big values are written from
 * where they are, holds on the wire exactly the bytes g_variant_store()
 * would have put in one buffer, whatever the values' sizes and
 * alignments. */

#include <string.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-wire-private.h"

/* The frame as a header and g_variant_store() of @body would make it */
static GBytes *
reference_frame (PpWireKind   kind,
                 PpWireFlags  flags,
                 guint32      serial,
                 guint32      timeout_msec,
                 GVariant    *body)
{
  gsize body_size = g_variant_get_size (body);
  gsize frame_size = pp_wire_frame_size (body_size);
  guint8 *frame = g_malloc0 (frame_size);
  PpWireHeader header = {
    .body_size = body_size,
    .kind = kind,
    .flags = flags,
    .serial = serial,
    .timeout_msec = timeout_msec,
  };

  pp_wire_write_header (&header, frame);
  g_variant_store (body, frame + PP_WIRE_HEADER_SIZE);
  return g_bytes_new_take (frame, frame_size);
}

/* The one frame in @frames, checked to be whole, as one piece */
static GBytes *
joined (GPtrArray *frames)
{
  g_assert_cmpuint (frames->len, >, 0);
  g_assert_cmpuint (pp_wire_frame_n_pieces ((GBytes **) frames->pdata, frames->len), ==,
                    frames->len);
  return pp_wire_join ((GBytes **) frames->pdata, frames->len);
}

static void
assert_bytes_equal (GBytes *actual,
                    GBytes *expected)
{
  gsize actual_size, expected_size;
  const guint8 *a = g_bytes_get_data (actual, &actual_size);
  const guint8 *e = g_bytes_get_data (expected, &expected_size);

  g_assert_cmpmem (a, actual_size, e, expected_size);
}

/* The one frame gathered in @frames (which it frees) is, byte for byte,
 * the header and g_variant_store() of @body (floating) */
static void
assert_gathered (GPtrArray   *frames,
                 PpWireKind   kind,
                 PpWireFlags  flags,
                 guint32      serial,
                 guint32      timeout_msec,
                 GVariant    *body)
{
  g_autoptr(GPtrArray) owned_frames = frames;
  g_autoptr(GVariant) owned_body = g_variant_ref_sink (body);
  g_autoptr(GBytes) expected = reference_frame (kind, flags, serial, timeout_msec, owned_body);
  g_autoptr(GBytes) actual = joined (frames);

  assert_bytes_equal (actual, expected);
}

static GPtrArray *
frames_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

/* @args as the arguments of a CALL, a SIGNAL and a RETURN that refer to
 * objects, so have an object table after the kind's body */
static void
check_gathered_with_objects (GVariant *args)
{
  g_autoptr(GVariant) table = g_variant_ref_sink (g_variant_new_parsed ("[(true, @u 2), "
                                                                        "(false, @u 5)]"));
  GPtrArray *frames;

  frames = frames_new ();
  pp_wire_gather_call (frames, 3, 250, PP_WIRE_FLAGS_NONE, 9, "a_method", args, table);
  assert_gathered (frames, PP_WIRE_KIND_CALL, PP_WIRE_FLAGS_OBJECTS, 3, 250,
                   g_variant_new ("((usv)@a(bu))", 9, "a_method", args, table));

  frames = frames_new ();
  pp_wire_gather_signal (frames, 1, "changed", "", args, table);
  assert_gathered (frames, PP_WIRE_KIND_SIGNAL, PP_WIRE_FLAGS_OBJECTS, 0, 0,
                   g_variant_new ("((ussv)@a(bu))", 1, "changed", "", args, table));

  frames = frames_new ();
  pp_wire_gather_return (frames, 4, args, table);
  assert_gathered (frames, PP_WIRE_KIND_RETURN, PP_WIRE_FLAGS_OBJECTS, 4, 0,
                   g_variant_new ("(v@a(bu))", args, table));
}

/* @args (floating) as the arguments of a CALL, a SIGNAL and a RETURN, with
 * an object table and without, and as a PROPERTY's whole body, gathered
 * with values from @min bytes up as pieces of their own */
static void
check_gathered (GVariant *args,
                gsize     min)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (args);
  g_autoptr(GVariant) property_body = NULL;
  GPtrArray *frames;

  pp_wire_set_gather_min (min);

  frames = frames_new ();
  pp_wire_gather_call (frames, 3, 250, PP_WIRE_FLAGS_NONE, 9, "a_method", owned, NULL);
  assert_gathered (frames, PP_WIRE_KIND_CALL, PP_WIRE_FLAGS_NONE, 3, 250,
                   g_variant_new ("(usv)", 9, "a_method", owned));

  /* Strings of other lengths put the arguments elsewhere */
  frames = frames_new ();
  pp_wire_gather_signal (frames, 1, "changed", "odd-detail", owned, NULL);
  assert_gathered (frames, PP_WIRE_KIND_SIGNAL, PP_WIRE_FLAGS_NONE, 0, 0,
                   g_variant_new ("(ussv)", 1, "changed", "odd-detail", owned));

  frames = frames_new ();
  pp_wire_gather_return (frames, 4, owned, NULL);
  assert_gathered (frames, PP_WIRE_KIND_RETURN, PP_WIRE_FLAGS_NONE, 4, 0,
                   g_variant_new_variant (owned));

  /* Any body, through the general path: here one that starts with a
   * string of odd length */
  property_body = g_variant_ref_sink (g_variant_new ("(usmv)", 2, "p", owned));
  frames = frames_new ();
  pp_wire_gather (frames, PP_WIRE_KIND_PROPERTY, PP_WIRE_FLAGS_NONE, 0, 0, property_body);
  assert_gathered (frames, PP_WIRE_KIND_PROPERTY, PP_WIRE_FLAGS_NONE, 0, 0, property_body);

  check_gathered_with_objects (owned);

  pp_wire_set_gather_min (64 * 1024);
}

/* @size bytes, none of them zero, serialised (as values made from bytes
 * are), floating */
static GVariant *
byte_array (gsize size,
            guint seed)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (1 + (i * 7 + seed) % 251);
  return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, data, size, TRUE, g_free, data);
}

/* The same, as a tree of single bytes, as a GVariantBuilder makes it */
static GVariant *
byte_array_tree (gsize size)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_BYTESTRING);
  for (gsize i = 0; i < size; i++)
    g_variant_builder_add (&builder, "y", (guint8) i);
  return g_variant_builder_end (&builder);
}

static const gsize sizes[] = { 0, 1, 3, 7, 8, 13, 250, 255, 256, 257, 1000, 65530, 65536, 65541 };
static const gsize mins[] = { 1, 2, 5, 8, 100, 300, 70000 };

/* Byte arrays of sizes around those where the framing offsets widen, at
 * every alignment, alone and among other members */
static void
test_byte_arrays (void)
{
  for (guint m = 0; m < G_N_ELEMENTS (mins); m++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        gsize size = sizes[s];

        check_gathered (g_variant_new ("(@ay)", byte_array (size, s)), mins[m]);
        check_gathered (g_variant_new ("(y@ay)", 5, byte_array (size, s)), mins[m]);
        check_gathered (g_variant_new ("(@ayy)", byte_array (size, s), 5), mins[m]);
        check_gathered (g_variant_new ("(@ayx@ay)", byte_array (size, s), G_GINT64_CONSTANT (-3),
                                       byte_array (size + 3, s + 1)), mins[m]);
        check_gathered (g_variant_new ("(s@ayi)", "abc", byte_array (size, s), 77), mins[m]);
        check_gathered (g_variant_new ("(@ay@ay@ay)", byte_array (size, 1), byte_array (1, 2),
                                       byte_array (size / 2, 3)), mins[m]);
      }
}

/* Every kind of container around big values */
static void
test_containers (void)
{
  for (guint m = 0; m < G_N_ELEMENTS (mins); m++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        gsize size = sizes[s];
        gsize min = mins[m];
        GVariantBuilder builder;
        g_autofree char *text = g_strnfill (size, 'x');
        g_autofree gint32 *numbers = g_new0 (gint32, size);

        for (gsize i = 0; i < size; i++)
          numbers[i] = (gint32) (i * 2654435761u);

        /* Variants and maybes */
        check_gathered (g_variant_new ("(v)", byte_array (size, s)), min);
        check_gathered (g_variant_new ("(yv)", 1, g_variant_new ("(@ays)", byte_array (size, s),
                                                                 "tail")), min);
        check_gathered (g_variant_new ("(m@ay)", byte_array (size, s)), min);
        check_gathered (g_variant_new ("(m@ayy)", NULL, 3), min);
        check_gathered (g_variant_new ("(ymsy)", 1, text, 2), min);
        check_gathered (g_variant_new ("(@mai)", g_variant_new_maybe (
                          NULL, g_variant_new_fixed_array (G_VARIANT_TYPE_INT32, numbers, size,
                                                           sizeof (gint32)))), min);

        /* Strings and fixed arrays */
        check_gathered (g_variant_new ("(sy)", text, 9), min);
        check_gathered (g_variant_new ("(y@ai)", 9, g_variant_new_fixed_array (
                          G_VARIANT_TYPE_INT32, numbers, size, sizeof (gint32))), min);
        check_gathered (g_variant_new ("(@ayy)", byte_array_tree (size % 3000), 4), min);

        /* Arrays of values of variable size, few and many */
        g_variant_builder_init (&builder, G_VARIANT_TYPE ("aay"));
        for (guint i = 0; i < 3; i++)
          g_variant_builder_add_value (&builder, byte_array (size + i, i));
        check_gathered (g_variant_new ("(yaay)", 1, &builder), min);

        g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(xay)"));
        for (guint i = 0; i < 70; i++)
          g_variant_builder_add (&builder, "(x@ay)", (gint64) i, byte_array (i % 5 ? 3 : size, i));
        check_gathered (g_variant_new ("(a(xay))", &builder), min);

        /* Dictionaries */
        g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
        g_variant_builder_add (&builder, "{sv}", "pixels", byte_array (size, s));
        g_variant_builder_add (&builder, "{sv}", "width", g_variant_new_int32 (7));
        g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (text));
        check_gathered (g_variant_new ("(a{sv}b)", &builder, TRUE), min);

        /* Values already serialised as a whole, in parts */
        {
          g_autoptr(GVariant) tree = g_variant_ref_sink (
            g_variant_new ("(s@ay(i@ay))", "x", byte_array (size, 1), 4, byte_array (size, 2)));
          g_autoptr(GBytes) data = g_variant_get_data_as_bytes (tree);

          check_gathered (g_variant_new_from_bytes (g_variant_get_type (tree), data, TRUE), min);
        }
      }
}

/* A random value of depth at most @depth, floating */
static GVariant *
random_value (guint depth)
{
  guint choice = g_test_rand_int_range (0, depth > 0 ? 10 : 5);

  switch (choice)
    {
    case 0:
      return g_variant_new_byte (g_test_rand_int ());
    case 1:
      return g_variant_new_int64 (g_test_rand_int ());
    case 2:
      {
        g_autofree char *text = g_strnfill (g_test_rand_int_range (0, 600), 'a' + choice);

        return g_variant_new_string (text);
      }
    case 3:
      return byte_array (g_test_rand_int_range (0, 700), g_test_rand_int ());
    case 4:
      return g_variant_new_uint16 (g_test_rand_int ());
    case 5:
      return g_variant_new_variant (random_value (depth - 1));
    case 6:
      {
        g_autoptr(GVariant) child = g_variant_ref_sink (random_value (depth - 1));

        return g_variant_new_maybe (g_variant_get_type (child),
                                    g_test_rand_bit () ? child : NULL);
      }
    case 7:
      {
        /* An array of variants: the elements may differ */
        GVariantBuilder builder;
        guint n = g_test_rand_int_range (0, 5);

        g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
        for (guint i = 0; i < n; i++)
          g_variant_builder_add (&builder, "v", random_value (depth - 1));
        return g_variant_builder_end (&builder);
      }
    case 8:
      return g_variant_new_dict_entry (g_variant_new_string ("k"), random_value (depth - 1));
    default:
      {
        GVariant *members[4];
        guint n = g_test_rand_int_range (1, 5);

        for (guint i = 0; i < n; i++)
          members[i] = random_value (depth - 1);
        return g_variant_new_tuple (members, n);
      }
    }
}

static void
test_random (void)
{
  for (guint i = 0; i < 400; i++)
    {
      GVariant *members[3];
      guint n = g_test_rand_int_range (0, 4);

      for (guint j = 0; j < n; j++)
        members[j] = random_value (4);
      check_gathered (g_variant_new_tuple (members, n), g_test_rand_int_range (1, 1200));
    }
}

/* With the default threshold, a big byte array is written from its own
 * memory, and only the header and what is small are new bytes */
static void
test_payload_not_copied (void)
{
  gsize size = 1024 * 1024 + 3;
  g_autoptr(GVariant) payload = g_variant_ref_sink (byte_array (size, 0));
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize small = 0;
  gboolean found = FALSE;

  pp_wire_gather_return (frames, 2, g_variant_new ("(@ayi)", payload, 1), NULL);
  pp_wire_gather_call (frames, 3, 0, PP_WIRE_FLAGS_NONE, 0, "small", g_variant_new ("(i)", 1),
                       NULL);

  g_assert_cmpuint (pp_wire_frame_n_pieces ((GBytes **) frames->pdata, frames->len), ==,
                    frames->len - 1);
  for (guint i = 0; i + 1 < frames->len; i++)
    {
      gsize piece_size;
      gconstpointer data = g_bytes_get_data (g_ptr_array_index (frames, i), &piece_size);

      if (data == g_variant_get_data (payload))
        {
          g_assert_cmpuint (piece_size, ==, size);
          found = TRUE;
        }
      else
        small += piece_size;
    }
  g_assert_true (found);
  g_assert_cmpuint (small, <, 64);
  /* A small frame is one piece */
  g_assert_cmpuint (pp_wire_frame_n_pieces ((GBytes **) frames->pdata + frames->len - 1, 1), ==,
                    1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/WireGather/byte-arrays", test_byte_arrays);
  g_test_add_func ("/Pp/WireGather/containers", test_containers);
  g_test_add_func ("/Pp/WireGather/random", test_random);
  g_test_add_func ("/Pp/WireGather/payload-not-copied", test_payload_not_copied);

  return g_test_run ();
}
