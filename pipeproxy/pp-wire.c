/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-buffer-private.h"
#include "pp-normal-form-private.h"
#include "pp-error.h"
#include "pp-wire-private.h"

static const char * const body_type_strings[] = {
  [PP_WIRE_KIND_HELLO]   = "(sua{sv})",
  [PP_WIRE_KIND_WELCOME] = "(sua{sv})",
  [PP_WIRE_KIND_CALL]    = "(usv)",
  [PP_WIRE_KIND_RETURN]  = "v",
  [PP_WIRE_KIND_ERROR]   = "(sis)",
  [PP_WIRE_KIND_SIGNAL]  = "(ussv)",
  [PP_WIRE_KIND_CANCEL]  = "()",
  [PP_WIRE_KIND_SUBSCRIBE] = "(us)",
  [PP_WIRE_KIND_UNSUBSCRIBE] = "(us)",
  [PP_WIRE_KIND_PROPERTY] = "(usmv)",
  [PP_WIRE_KIND_SET_PROPERTY] = "(usmv)",
  [PP_WIRE_KIND_TYPE] = "(ua{sv})",
  [PP_WIRE_KIND_INTRODUCE] = "a(uua{sv})",
  [PP_WIRE_KIND_RELEASE] = "a(uu)",
  [PP_WIRE_KIND_RELEASED] = "au",
  [PP_WIRE_KIND_GET_PROPERTY] = "(us)",
};

/* With PP_WIRE_FLAGS_OBJECTS: the body and the object table */
static const char * const objects_body_type_strings[] = {
  [PP_WIRE_KIND_CALL]    = "((usv)a(bu))",
  [PP_WIRE_KIND_RETURN]  = "(va(bu))",
  [PP_WIRE_KIND_SIGNAL]  = "((ussv)a(bu))",
  /* The value, in its variant, may refer to an object */
  [PP_WIRE_KIND_SET_PROPERTY] = "((usmv)a(bu))",
  [PP_WIRE_KIND_LAST]    = NULL,
};

static const char * const kind_names[] = {
  [PP_WIRE_KIND_HELLO]   = "HELLO",
  [PP_WIRE_KIND_WELCOME] = "WELCOME",
  [PP_WIRE_KIND_CALL]    = "CALL",
  [PP_WIRE_KIND_RETURN]  = "RETURN",
  [PP_WIRE_KIND_ERROR]   = "ERROR",
  [PP_WIRE_KIND_SIGNAL]  = "SIGNAL",
  [PP_WIRE_KIND_CANCEL]  = "CANCEL",
  [PP_WIRE_KIND_SUBSCRIBE] = "SUBSCRIBE",
  [PP_WIRE_KIND_UNSUBSCRIBE] = "UNSUBSCRIBE",
  [PP_WIRE_KIND_PROPERTY] = "PROPERTY",
  [PP_WIRE_KIND_SET_PROPERTY] = "SET_PROPERTY",
  [PP_WIRE_KIND_TYPE] = "TYPE",
  [PP_WIRE_KIND_INTRODUCE] = "INTRODUCE",
  [PP_WIRE_KIND_RELEASE] = "RELEASE",
  [PP_WIRE_KIND_RELEASED] = "RELEASED",
  [PP_WIRE_KIND_GET_PROPERTY] = "GET_PROPERTY",
};

const GVariantType *
pp_wire_body_type (PpWireKind kind)
{
  g_return_val_if_fail (kind >= PP_WIRE_KIND_HELLO && kind <= PP_WIRE_KIND_LAST, NULL);

  /* A plain cast: G_VARIANT_TYPE() would check these constant strings on
   * every frame */
  return (const GVariantType *) body_type_strings[kind];
}

const GVariantType *
pp_wire_frame_body_type (PpWireKind  kind,
                         PpWireFlags flags)
{
  g_return_val_if_fail (kind >= PP_WIRE_KIND_HELLO && kind <= PP_WIRE_KIND_LAST, NULL);

  if (flags & PP_WIRE_FLAGS_OBJECTS)
    return (const GVariantType *) objects_body_type_strings[kind];
  return (const GVariantType *) body_type_strings[kind];
}

const char *
pp_wire_kind_to_string (PpWireKind kind)
{
  if (kind >= PP_WIRE_KIND_HELLO && kind <= PP_WIRE_KIND_LAST)
    return kind_names[kind];
  return "unknown";
}

gsize
pp_wire_frame_size (gsize body_size)
{
  return PP_WIRE_HEADER_SIZE + ((body_size + PP_WIRE_ALIGN - 1) & ~(gsize) (PP_WIRE_ALIGN - 1));
}

/* How many bytes of the stream the frame takes */
gsize
pp_wire_stream_size (const PpWireHeader *header)
{
  if (header->flags & PP_WIRE_FLAGS_BODY_IN_FD)
    return PP_WIRE_HEADER_SIZE;
  return pp_wire_frame_size (header->body_size);
}

static inline guint32
read_u32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, sizeof v);
  return GUINT32_FROM_LE (v);
}

static inline void
write_u32 (guint8  *p,
           guint32  v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, sizeof v);
}

/* @data holds at least PP_WIRE_HEADER_SIZE bytes straight from the peer. */
gboolean
pp_wire_parse_header (const guint8  *data,
                      gsize          max_body_size,
                      PpWireHeader  *header,
                      GError       **error)
{
  guint16 n_fds;

  header->body_size = read_u32 (data);
  header->kind = data[4];
  header->flags = data[5];
  memcpy (&n_fds, data + 6, sizeof n_fds);
  header->n_fds = GUINT16_FROM_LE (n_fds);
  header->serial = read_u32 (data + 8);
  header->timeout_msec = read_u32 (data + 12);

  if (header->kind < PP_WIRE_KIND_HELLO || header->kind > PP_WIRE_KIND_LAST)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of unknown kind %u"), header->kind);
      return FALSE;
    }

  if ((header->flags & ~PP_WIRE_FLAGS_ALL) != 0 ||
      ((header->flags & PP_WIRE_FLAGS_OBJECTS) && objects_body_type_strings[header->kind] == NULL))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s with unknown flags set"),
                   kind_names[header->kind]);
      return FALSE;
    }

  if (header->n_fds > PP_WIRE_MAX_FDS ||
      ((header->flags & PP_WIRE_FLAGS_BODY_IN_FD) && header->n_fds == 0))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s with %u file descriptors, which is not valid"),
                   kind_names[header->kind], header->n_fds);
      return FALSE;
    }

  if (header->body_size > max_body_size)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("Received a frame of kind %s with %u bytes, over the limit of %llu bytes"),
                   kind_names[header->kind], header->body_size,
                   (unsigned long long) max_body_size);
      return FALSE;
    }

  return TRUE;
}

void
pp_wire_write_header (const PpWireHeader *header,
                      guint8             *data)
{
  guint16 n_fds = GUINT16_TO_LE (header->n_fds);

  write_u32 (data, header->body_size);
  data[4] = header->kind;
  data[5] = header->flags;
  memcpy (data + 6, &n_fds, sizeof n_fds);
  write_u32 (data + 8, header->serial);
  write_u32 (data + 12, header->timeout_msec);
}

/* A buffer for a frame with a body of @body_size bytes, its header
 * written */
static guint8 *
frame_begin (PpWireKind   kind,
             PpWireFlags  flags,
             guint32      serial,
             guint32      timeout_msec,
             gsize        body_size,
             gsize       *capacity)
{
  PpWireHeader header = {
    .body_size = body_size,
    .kind = kind,
    .flags = flags,
    .serial = serial,
    .timeout_msec = timeout_msec,
  };
  guint8 *frame = pp_buffer_take (pp_wire_frame_size (body_size), capacity);

  pp_wire_write_header (&header, frame);
  return frame;
}

/* The frame, once its body is written: padded with zeros, as bytes */
static GBytes *
frame_end (guint8 *frame,
           gsize   body_size,
           gsize   capacity)
{
  gsize frame_size = pp_wire_frame_size (body_size);

  memset (frame + PP_WIRE_HEADER_SIZE + body_size, 0,
          frame_size - PP_WIRE_HEADER_SIZE - body_size);
  if (capacity >= PP_BUFFER_POOLED_MIN)
    return pp_buffer_to_bytes (frame, 0, frame_size, capacity);
  return g_bytes_new_take (frame, frame_size);
}

/* Values of a body from this size up are not copied into the frame:
 * they become pieces of it, written from where they are */
#define GATHER_MIN_DEFAULT  (64 * 1024)
/* An array of values of variable size with more elements than this is
 * one piece, however big: walking it would cost more than copying it */
#define GATHER_MAX_ELEMENTS 64

static gsize gather_min = GATHER_MIN_DEFAULT;

/* For the tests, which check the layout of small values gathered */
void
pp_wire_set_gather_min (gsize size)
{
  gather_min = size;
}

/* A frame being gathered: the pieces made so far, and the bytes written
 * since the last one */
typedef struct
{
  GPtrArray *pieces;
  guint8    *run;
  gsize      run_lead;      /* bytes before the run, so that it aligns */
  gsize      run_len;
  gsize      run_capacity;
  gsize      position;      /* in the frame, header included */
} Gather;

static guint8 *
gather_room (Gather *g,
             gsize   n)
{
  guint8 *p;

  /* g_variant_store() needs its destination aligned as the value is in
   * the frame: a run that starts after a piece of odd size starts as far
   * into its memory, which malloc() aligns to 8 */
  if (g->run == NULL)
    g->run_lead = g->position % 8;
  /* Made even for no bytes: memset() and memcpy() want memory, not NULL */
  if (g->run == NULL || g->run_lead + g->run_len + n > g->run_capacity)
    {
      g->run_capacity = MAX (MAX (2 * g->run_capacity, g->run_lead + g->run_len + n), 256);
      g->run = g_realloc (g->run, g->run_capacity);
    }
  p = g->run + g->run_lead + g->run_len;
  g->run_len += n;
  g->position += n;
  return p;
}

static void
gather_zeros (Gather *g,
              gsize   n)
{
  memset (gather_room (g, n), 0, n);
}

/* The body starts at a multiple of 8 in the frame, so positions in the
 * frame align as positions in the body */
static void
gather_align (Gather *g,
              gsize   align)
{
  gather_zeros (g, (align - g->position % align) % align);
}

static void
gather_flush (Gather *g)
{
  if (g->run_len > 0)
    {
      g_ptr_array_add (g->pieces, g_bytes_new_with_free_func (g->run + g->run_lead, g->run_len,
                                                              g_free, g->run));
      g->run = NULL;
    }
  g_clear_pointer (&g->run, g_free);
  g->run_len = g->run_capacity = 0;
}

static void
gather_bytes (Gather *g,
              GBytes *bytes)
{
  gather_flush (g);
  g->position += g_bytes_get_size (bytes);
  g_ptr_array_add (g->pieces, bytes);
}

static void gather_value (Gather   *g,
                          GVariant *value);

/* The members of a tuple or dict entry (@tuple) or the elements of an
 * array of values of variable size, each aligned, then their framing
 * offsets: in GVariant's layout (gvariant-serialiser.c), the end of every
 * element of an array in order, and the end of every member of a tuple
 * but the last and those of fixed size, the first one last */
static void
gather_members (Gather   *g,
                GVariant *value,
                gsize     size,
                gboolean  tuple)
{
  gsize n = g_variant_n_children (value);
  gsize width = pp_normal_form_offset_size (size);
  gsize start = g->position;
  g_autofree gsize *ends = g_new (gsize, n);
  gsize n_ends = 0;
  guint8 *offsets;

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);
      gsize align, fixed_size;

      pp_normal_form_type_layout (g_variant_get_type (child), &align, &fixed_size);
      gather_align (g, align);
      gather_value (g, child);
      if (!tuple || (i + 1 < n && fixed_size == 0))
        ends[n_ends++] = g->position - start;
    }

  offsets = gather_room (g, n_ends * width);
  for (gsize i = 0; i < n_ends; i++)
    {
      guint8 *slot = offsets + (tuple ? n_ends - 1 - i : i) * width;

      for (gsize b = 0; b < width; b++)
        slot[b] = (guint8) (ends[i] >> (8 * b));
    }
  g_assert (g->position - start == size);
}

/* Lays @value out as g_variant_store() would, but what is big and
 * already serialised somewhere (a byte array, pixels, a long string)
 * becomes a piece of its own instead of being copied */
static void
gather_value (Gather   *g,
              GVariant *value)
{
  const GVariantType *type = g_variant_get_type (value);
  gsize size = g_variant_get_size (value);
  gsize align, fixed_size;
  GBytes *data;

  if (size < gather_min)
    {
      g_variant_store (value, gather_room (g, size));
      return;
    }

  if (g_variant_type_is_tuple (type) || g_variant_type_is_dict_entry (type))
    {
      pp_normal_form_type_layout (type, &align, &fixed_size);
      if (fixed_size == 0)
        {
          gather_members (g, value, size, TRUE);
          return;
        }
    }
  else if (g_variant_type_is_variant (type))
    {
      g_autoptr(GVariant) child = g_variant_get_variant (value);
      const char *child_type = g_variant_get_type_string (child);
      gsize length = strlen (child_type);
      guint8 *p;

      gather_value (g, child);
      p = gather_room (g, 1 + length);
      p[0] = '\0';
      memcpy (p + 1, child_type, length);
      return;
    }
  else if (g_variant_type_is_maybe (type))
    {
      /* Not Nothing: that is empty */
      g_autoptr(GVariant) child = g_variant_get_maybe (value);

      gather_value (g, child);
      pp_normal_form_type_layout (g_variant_type_element (type), &align, &fixed_size);
      if (fixed_size == 0)
        *gather_room (g, 1) = '\0';
      return;
    }
  else if (g_variant_type_is_array (type))
    {
      pp_normal_form_type_layout (g_variant_type_element (type), &align, &fixed_size);
      if (fixed_size == 0 && g_variant_n_children (value) <= GATHER_MAX_ELEMENTS)
        {
          gather_members (g, value, size, FALSE);
          return;
        }
    }

  /* Without a copy where the value is serialised already, as values
   * made from bytes, fixed arrays and strings are */
  data = g_variant_get_data_as_bytes (value);
  if (g_bytes_get_size (data) == size)
    gather_bytes (g, data);
  else
    {
      g_bytes_unref (data);
      g_variant_store (value, gather_room (g, size));
    }
}

/* @body, as this side sends it: sunk, in little-endian */
static GVariant *
own_body (GVariant *body)
{
  GVariant *owned = g_variant_ref_sink (body);

#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    GVariant *swapped = g_variant_byteswap (owned);
    g_variant_unref (owned);
    owned = swapped;
  }
#endif
  return owned;
}

/* Appends the frame of @body, which this side owns, to @frames: one piece
 * when it is small, else the header and what is small together, and big
 * values where they are */
static void
gather_frame (GPtrArray   *frames,
              PpWireKind   kind,
              PpWireFlags  flags,
              guint32      serial,
              guint32      timeout_msec,
              GVariant    *body)
{
  gsize body_size = g_variant_get_size (body);
  PpWireHeader header = {
    .body_size = body_size,
    .kind = kind,
    .flags = flags,
    .serial = serial,
    .timeout_msec = timeout_msec,
  };
  Gather g = { frames, };

  g_return_if_fail (body_size <= G_MAXUINT32);

  if (body_size < gather_min)
    {
      gsize capacity;
      guint8 *frame = frame_begin (kind, flags, serial, timeout_msec, body_size, &capacity);

      g_variant_store (body, frame + PP_WIRE_HEADER_SIZE);
      g_ptr_array_add (frames, frame_end (frame, body_size, capacity));
      return;
    }

  pp_wire_write_header (&header, gather_room (&g, PP_WIRE_HEADER_SIZE));
  gather_value (&g, body);
  g_assert (g.position == PP_WIRE_HEADER_SIZE + body_size);
  gather_zeros (&g, pp_wire_frame_size (body_size) - g.position);
  gather_flush (&g);
}

/* Appends to @frames (GBytes) the frame of @body, a floating or owned
 * reference that is consumed: the pieces that follow each other on the
 * wire, the first one holding the header. A body smaller than 64 KiB is
 * one piece; in a bigger one, big values that are serialised already
 * (byte arrays, fixed arrays, strings) are pieces of their own, so that
 * they are copied once, by the write, and not first into the frame. The
 * bytes are those pp_wire_encode() gives. */
void
pp_wire_gather (GPtrArray   *frames,
                PpWireKind   kind,
                PpWireFlags  flags,
                guint32      serial,
                guint32      timeout_msec,
                GVariant    *body)
{
  g_autoptr(GVariant) owned = NULL;

  g_return_if_fail (body != NULL);

  owned = own_body (body);
  gather_frame (frames, kind, flags, serial, timeout_msec, owned);
}

/* How many of @pieces make up the frame that the first one starts (see
 * pp_wire_gather()) */
guint
pp_wire_frame_n_pieces (GBytes * const *pieces,
                        guint           n_pieces)
{
  gsize size;
  const guint8 *head = g_bytes_get_data (pieces[0], &size);
  gsize frame_size, have = 0;
  guint n = 0;

  g_return_val_if_fail (size >= PP_WIRE_HEADER_SIZE, 1);

  frame_size = pp_wire_frame_size (read_u32 (head));
  while (n < n_pieces && have < frame_size)
    have += g_bytes_get_size (pieces[n++]);
  return n;
}

/* The frame in @pieces as one piece: a copy, unless it is one already */
GBytes *
pp_wire_join (GBytes * const *pieces,
              guint           n_pieces)
{
  gsize size = 0, capacity, offset = 0;
  guint8 *frame;

  if (n_pieces == 1)
    return g_bytes_ref (pieces[0]);

  for (guint i = 0; i < n_pieces; i++)
    size += g_bytes_get_size (pieces[i]);
  frame = pp_buffer_take (size, &capacity);
  for (guint i = 0; i < n_pieces; i++)
    {
      gsize piece_size;
      gconstpointer data = g_bytes_get_data (pieces[i], &piece_size);

      memcpy (frame + offset, data, piece_size);
      offset += piece_size;
    }
  if (capacity >= PP_BUFFER_POOLED_MIN)
    return pp_buffer_to_bytes (frame, 0, size, capacity);
  return g_bytes_new_take (frame, size);
}

static GPtrArray *
frames_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

/* The one frame gathered in @frames, as one piece */
static GBytes *
frames_join (GPtrArray *frames)
{
  g_autoptr(GPtrArray) owned = frames;

  g_return_val_if_fail (frames->len > 0, NULL);
  return pp_wire_join ((GBytes **) frames->pdata, frames->len);
}

GBytes *
pp_wire_encode (PpWireKind   kind,
                PpWireFlags  flags,
                guint32      serial,
                guint32      timeout_msec,
                GVariant    *body)
{
  GPtrArray *frames = frames_new ();

  pp_wire_gather (frames, kind, flags, serial, timeout_msec, body);
  return frames_join (frames);
}

/* The bodies of CALL `(usv)`, SIGNAL `(ussv)` and RETURN `v`: a handle
 * (for CALL and SIGNAL), a few strings, then a variant holding the
 * argument tuple. They are the hot path, so they are laid out here,
 * straight into the frame, as GVariant would serialise them: the handle
 * at offset 0, the strings one after the other from offset 4, the variant
 * (the tuple's bytes, a nul, its type string) at the next multiple of 8,
 * and the end of each string as a framing offset, the first one last.
 * Building a GVariant tree and storing it cost several times as much,
 * except where the arguments are big: then the tree is gathered, so that
 * big values are not copied. */
static GVariant *strings_and_args_body (PpWireKind          kind,
                                        guint32             handle,
                                        const char * const *strings,
                                        GVariant           *args);

static void
gather_strings_and_args (GPtrArray          *frames,
                         PpWireKind          kind,
                         PpWireFlags         flags,
                         guint32             serial,
                         guint32             timeout_msec,
                         guint32             handle,
                         const char * const *strings,
                         guint               n_strings,
                         GVariant           *args)
{
  g_autoptr(GVariant) owned = NULL;
  gsize ends[PP_WIRE_MAX_BODY_STRINGS];
  gsize first = n_strings > 0 ? sizeof (guint32) : 0;
  gsize offset = first;
  gsize args_size, type_length, variant_start, body_end, body_size, width;
  gsize capacity;
  const char *type_string;
  guint8 *frame, *body;

  g_assert (n_strings <= PP_WIRE_MAX_BODY_STRINGS);
  /* The same in either byte order */
  args_size = g_variant_get_size (args);
  if (args_size >= gather_min)
    {
      pp_wire_gather (frames, kind, flags, serial, timeout_msec,
                      strings_and_args_body (kind, handle, strings, args));
      return;
    }
  owned = own_body (args);

  for (guint i = 0; i < n_strings; i++)
    {
      g_return_if_fail (g_utf8_validate (strings[i], -1, NULL));
      offset += strlen (strings[i]) + 1;
      ends[i] = offset;
    }

  type_string = g_variant_get_type_string (owned);
  type_length = strlen (type_string);
  variant_start = n_strings > 0 ? (offset + 7) & ~(gsize) 7 : 0;
  body_end = variant_start + args_size + 1 + type_length;
  body_size = pp_normal_form_total_size (body_end, n_strings);
  g_return_if_fail (body_size <= G_MAXUINT32);
  width = n_strings > 0 ? (body_size - body_end) / n_strings : 0;
  g_assert (n_strings == 0 || width == pp_normal_form_offset_size (body_size));

  frame = frame_begin (kind, flags, serial, timeout_msec, body_size, &capacity);
  body = frame + PP_WIRE_HEADER_SIZE;

  if (first > 0)
    write_u32 (body, handle);
  offset = first;
  for (guint i = 0; i < n_strings; i++)
    {
      memcpy (body + offset, strings[i], ends[i] - offset);
      offset = ends[i];
    }
  memset (body + offset, 0, variant_start - offset);
  g_variant_store (owned, body + variant_start);
  body[variant_start + args_size] = '\0';
  memcpy (body + variant_start + args_size + 1, type_string, type_length);
  for (guint i = 0; i < n_strings; i++)
    for (gsize b = 0; b < width; b++)
      body[body_size - (i + 1) * width + b] = (guint8) (ends[i] >> (8 * b));
  g_ptr_array_add (frames, frame_end (frame, body_size, capacity));
}

/* The same body as a GVariant tree, floating */
static GVariant *
strings_and_args_body (PpWireKind          kind,
                       guint32             handle,
                       const char * const *strings,
                       GVariant           *args)
{
  if (kind == PP_WIRE_KIND_CALL)
    return g_variant_new ("(us@v)", handle, strings[0], g_variant_new_variant (args));
  if (kind == PP_WIRE_KIND_SIGNAL)
    return g_variant_new ("(uss@v)", handle, strings[0], strings[1], g_variant_new_variant (args));
  return g_variant_new_variant (args);
}

/* A body with its object table: the slow path, through GVariant */
static void
gather_with_objects (GPtrArray          *frames,
                     PpWireKind          kind,
                     PpWireFlags         flags,
                     guint32             serial,
                     guint32             timeout_msec,
                     guint32             handle,
                     const char * const *strings,
                     GVariant           *args,
                     GVariant           *objects)
{
  GVariant *body = strings_and_args_body (kind, handle, strings, args);

  pp_wire_gather (frames, kind, flags | PP_WIRE_FLAGS_OBJECTS, serial, timeout_msec,
                  g_variant_new_tuple ((GVariant *[]) { body, objects }, 2));
}

void
pp_wire_gather_call (GPtrArray   *frames,
                     guint32      serial,
                     guint32      timeout_msec,
                     PpWireFlags  flags,
                     guint32      handle,
                     const char  *method,
                     GVariant    *args,
                     GVariant    *objects)
{
  if (objects != NULL)
    gather_with_objects (frames, PP_WIRE_KIND_CALL, flags, serial, timeout_msec, handle,
                         &method, args, objects);
  else
    gather_strings_and_args (frames, PP_WIRE_KIND_CALL, flags, serial, timeout_msec, handle,
                             &method, 1, args);
}

void
pp_wire_gather_return (GPtrArray *frames,
                       guint32    serial,
                       GVariant  *result,
                       GVariant  *objects)
{
  if (objects != NULL)
    gather_with_objects (frames, PP_WIRE_KIND_RETURN, PP_WIRE_FLAGS_NONE, serial, 0, 0,
                         NULL, result, objects);
  else
    gather_strings_and_args (frames, PP_WIRE_KIND_RETURN, PP_WIRE_FLAGS_NONE, serial, 0, 0,
                             NULL, 0, result);
}

void
pp_wire_gather_signal (GPtrArray  *frames,
                       guint32     handle,
                       const char *name,
                       const char *detail,
                       GVariant   *args,
                       GVariant   *objects)
{
  const char *strings[] = { name, detail };

  if (objects != NULL)
    gather_with_objects (frames, PP_WIRE_KIND_SIGNAL, PP_WIRE_FLAGS_NONE, 0, 0, handle,
                         strings, args, objects);
  else
    gather_strings_and_args (frames, PP_WIRE_KIND_SIGNAL, PP_WIRE_FLAGS_NONE, 0, 0, handle,
                             strings, 2, args);
}

GBytes *
pp_wire_encode_call (guint32      serial,
                     guint32      timeout_msec,
                     PpWireFlags  flags,
                     guint32      handle,
                     const char  *method,
                     GVariant    *args,
                     GVariant    *objects)
{
  GPtrArray *frames = frames_new ();

  pp_wire_gather_call (frames, serial, timeout_msec, flags, handle, method, args, objects);
  return frames_join (frames);
}

GBytes *
pp_wire_encode_return (guint32   serial,
                       GVariant *result,
                       GVariant *objects)
{
  GPtrArray *frames = frames_new ();

  pp_wire_gather_return (frames, serial, result, objects);
  return frames_join (frames);
}

GBytes *
pp_wire_encode_signal (guint32     handle,
                       const char *name,
                       const char *detail,
                       GVariant   *args,
                       GVariant   *objects)
{
  GPtrArray *frames = frames_new ();

  pp_wire_gather_signal (frames, handle, name, detail, args, objects);
  return frames_join (frames);
}

GBytes *
pp_wire_encode_error (guint32       serial,
                      const GError *error)
{
  const char *domain = g_quark_to_string (error->domain);

  return pp_wire_encode (PP_WIRE_KIND_ERROR, PP_WIRE_FLAGS_NONE, serial, 0,
                         g_variant_new ("(sis)", domain ? domain : "",
                                        error->code,
                                        error->message ? error->message : ""));
}
