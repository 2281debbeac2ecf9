/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "pp-normal-form-private.h"

/* The rules are those of the GVariant serialisation format (see GLib's
 * gvariant-serialiser.c), applied to type strings and bytes directly:
 * g_variant_is_normal_form() makes a GVariant and looks up type info for
 * every value it visits, which cost ~24,000 instructions for the body of a
 * small signal. */

static gboolean check_value (const char   *type,
                             const guint8 *data,
                             gsize         size,
                             guint         depth);

/* The end of the complete type starting at @type (a valid type string) */
static const char *
type_end (const char *type)
{
  switch (*type)
    {
    case 'a':
    case 'm':
      return type_end (type + 1);
    case '(':
    case '{':
      type++;
      while (*type != ')' && *type != '}')
        type = type_end (type);
      return type + 1;
    default:
      return type + 1;
    }
}

static gsize
alignment_of (const char *type)
{
  gsize align = 1;

  switch (*type)
    {
    case 'n': case 'q':
      return 2;
    case 'i': case 'u': case 'h':
      return 4;
    case 'x': case 't': case 'd': case 'v':
      return 8;
    case 'a': case 'm':
      return alignment_of (type + 1);
    case '(': case '{':
      for (type++; *type != ')' && *type != '}'; type = type_end (type))
        align = MAX (align, alignment_of (type));
      return align;
    default:
      return 1;
    }
}

static inline gsize
align_up (gsize offset,
          gsize align)
{
  return (offset + align - 1) & ~(align - 1);
}

/* The size of every value of @type, or 0 for a type of variable size */
static gsize
fixed_size_of (const char *type)
{
  switch (*type)
    {
    case 'b': case 'y':
      return 1;
    case 'n': case 'q':
      return 2;
    case 'i': case 'u': case 'h':
      return 4;
    case 'x': case 't': case 'd':
      return 8;
    case '(': case '{':
      {
        gsize offset = 0;
        const char *member = type + 1;

        if (*member == ')')
          return 1;  /* the unit is one zero byte */
        for (; *member != ')' && *member != '}'; member = type_end (member))
          {
            gsize size = fixed_size_of (member);

            if (size == 0)
              return 0;
            offset = align_up (offset, alignment_of (member)) + size;
          }
        return align_up (offset, alignment_of (type));
      }
    default:
      return 0;
    }
}

/* Bytes per framing offset in a container of @size bytes */
gsize
pp_normal_form_offset_size (gsize size)
{
  if (size > G_MAXUINT32)
    return 8;
  if (size > G_MAXUINT16)
    return 4;
  if (size > G_MAXUINT8)
    return 2;
  return size > 0 ? 1 : 0;
}

/* A framing offset: little-endian, unaligned */
gsize
pp_normal_form_read_offset (const guint8 *data,
                            gsize         width)
{
  guint64 value = 0;

  for (gsize i = 0; i < width; i++)
    value |= (guint64) data[i] << (8 * i);
  return value;
}

/* The size GVariant gives a container of @body bytes and @n offsets */
gsize
pp_normal_form_total_size (gsize body,
                           gsize n)
{
  if (n == 0)
    return body;
  if (body + n <= G_MAXUINT8)
    return body + n;
  if (body + 2 * n <= G_MAXUINT16)
    return body + 2 * n;
  if (body + 4 * n <= G_MAXUINT32)
    return body + 4 * n;
  return body + 8 * n;
}

static gboolean
zeros (const guint8 *data,
       gsize         from,
       gsize         to)
{
  for (gsize i = from; i < to; i++)
    if (data[i] != 0)
      return FALSE;
  return TRUE;
}

static gboolean
is_plain_number (char type)
{
  return strchr ("ynqiuhxtd", type) != NULL;
}

/* A nul-terminated string with no other nul */
static gboolean
check_c_string (const guint8 *data,
                gsize         size)
{
  return size > 0 && data[size - 1] == '\0' && memchr (data, '\0', size - 1) == NULL;
}

static gboolean
check_variant (const guint8 *data,
               gsize         size,
               guint         depth)
{
  const char *type_string;
  const char *end;
  gsize nul;

  if (size == 0)
    return FALSE;

  /* The value, a nul, then its type string, which holds no nul */
  for (nul = size; nul > 0 && data[nul - 1] != '\0'; nul--)
    ;
  if (nul == 0)
    return FALSE;
  nul--;

  type_string = (const char *) data + nul + 1;
  if (type_string == (const char *) data + size ||
      !g_variant_type_string_scan (type_string, (const char *) data + size, &end) ||
      end != (const char *) data + size)
    return FALSE;
  for (const char *c = type_string; c < end; c++)
    if (*c == '*' || *c == '?' || *c == 'r')
      return FALSE;  /* not a definite type */

  return check_value (type_string, data, nul, depth + 1);
}

static gboolean
check_maybe (const char   *element,
             const guint8 *data,
             gsize         size,
             guint         depth)
{
  gsize fixed = fixed_size_of (element);

  if (size == 0)
    return TRUE;
  if (fixed != 0)
    return size == fixed && check_value (element, data, size, depth + 1);
  return data[size - 1] == '\0' && check_value (element, data, size - 1, depth + 1);
}

static gboolean
check_array (const char   *element,
             const guint8 *data,
             gsize         size,
             guint         depth)
{
  gsize fixed = fixed_size_of (element);
  gsize align, width, last_end, n, offset;

  if (size == 0)
    return TRUE;

  if (fixed != 0)
    {
      if (size % fixed != 0)
        return FALSE;
      /* Any bytes are a normal number */
      if (is_plain_number (*element))
        return TRUE;
      for (gsize at = 0; at < size; at += fixed)
        if (!check_value (element, data + at, fixed, depth + 1))
          return FALSE;
      return TRUE;
    }

  /* Elements, then the offset of each one's end */
  width = pp_normal_form_offset_size (size);
  last_end = pp_normal_form_read_offset (data + size - width, width);
  if (last_end > size - width || (size - last_end) % width != 0)
    return FALSE;
  n = (size - last_end) / width;
  if (pp_normal_form_total_size (last_end, n) != size)
    return FALSE;

  align = alignment_of (element);
  offset = 0;
  for (gsize i = 0; i < n; i++)
    {
      gsize end = pp_normal_form_read_offset (data + last_end + i * width, width);
      gsize start = align_up (offset, align);

      if (start > end || end > last_end || !zeros (data, offset, start) ||
          !check_value (element, data + start, end - start, depth + 1))
        return FALSE;
      offset = end;
    }
  return offset == last_end;
}

/* Where the members of a tuple or dict entry are, one after the other:
 * each at the previous one's end, aligned, ending after its fixed size, at
 * a framing offset (one per variable-size member but the last, read from
 * the end backwards), or, for the last, where those offsets begin. */
typedef struct
{
  const guint8 *data;
  gsize         width;
  gsize         offsets_start;   /* where the offsets read so far begin */
  gsize         offset;          /* the end of the previous member */
} TupleWalk;

static void
tuple_walk_init (TupleWalk    *walk,
                 const guint8 *data,
                 gsize         size)
{
  walk->data = data;
  walk->width = pp_normal_form_offset_size (size);
  walk->offsets_start = size;
  walk->offset = 0;
}

/* Locates @member, whose type ends at @next; FALSE when the offsets do not
 * leave room for it */
static gboolean
tuple_walk_next (TupleWalk  *walk,
                 const char *member,
                 const char *next,
                 gsize      *start,
                 gsize      *end)
{
  gsize fixed = fixed_size_of (member);

  *start = align_up (walk->offset, alignment_of (member));
  if (*start > walk->offsets_start)
    return FALSE;

  if (fixed != 0)
    *end = *start + fixed;
  else if (*next == ')' || *next == '}')
    *end = walk->offsets_start;
  else
    {
      if (walk->offsets_start < walk->width || walk->offsets_start - walk->width < *start)
        return FALSE;
      walk->offsets_start -= walk->width;
      *end = pp_normal_form_read_offset (walk->data + walk->offsets_start, walk->width);
    }

  if (*end < *start || *end > walk->offsets_start)
    return FALSE;
  walk->offset = *end;
  return TRUE;
}

static gboolean
check_tuple (const char   *type,
             const guint8 *data,
             gsize         size,
             guint         depth)
{
  gsize fixed = fixed_size_of (type);
  const char *member = type + 1;
  TupleWalk walk;

  if (fixed != 0 && size != fixed)
    return FALSE;
  if (*member == ')')
    return size == 1 && data[0] == '\0';

  tuple_walk_init (&walk, data, size);
  while (*member != ')' && *member != '}')
    {
      const char *next = type_end (member);
      gsize previous_end = walk.offset;
      gsize start, end;

      if (!tuple_walk_next (&walk, member, next, &start, &end) ||
          !zeros (data, previous_end, start) ||
          !check_value (member, data + start, end - start, depth + 1))
        return FALSE;
      member = next;
    }

  /* A fixed-size tuple is padded to its alignment with zeros */
  if (fixed != 0)
    return zeros (data, walk.offset, size);
  return walk.offset == walk.offsets_start;
}

static gboolean
check_value (const char   *type,
             const guint8 *data,
             gsize         size,
             guint         depth)
{
  if (depth > PP_NORMAL_FORM_MAX_DEPTH)
    return FALSE;

  switch (*type)
    {
    case 'b':
      return size == 1 && data[0] <= 1;
    case 'y':
      return size == 1;
    case 'n': case 'q':
      return size == 2;
    case 'i': case 'u': case 'h':
      return size == 4;
    case 'x': case 't': case 'd':
      return size == 8;
    case 's':
      return check_c_string (data, size) && g_utf8_validate ((const char *) data, size - 1, NULL);
    case 'o':
      return check_c_string (data, size) && g_variant_is_object_path ((const char *) data);
    case 'g':
      return check_c_string (data, size) && g_variant_is_signature ((const char *) data);
    case 'v':
      return check_variant (data, size, depth);
    case 'm':
      return check_maybe (type + 1, data, size, depth);
    case 'a':
      return check_array (type + 1, data, size, depth);
    case '(':
    case '{':
      return check_tuple (type, data, size, depth);
    default:
      return FALSE;
    }
}

/* Where each member of a tuple in normal form is, by the same rules as
 * check_tuple(), without checking again. Returns the number of members,
 * or 0 if there are more than @max. */
guint
pp_normal_form_tuple_members (const char   *type,
                              const guint8 *data,
                              gsize         size,
                              gsize        *starts,
                              gsize        *sizes,
                              const char  **types,
                              gsize        *type_lengths,
                              guint         max)
{
  const char *member = type + 1;
  TupleWalk walk;
  guint n = 0;

  g_return_val_if_fail (*type == '(', 0);

  tuple_walk_init (&walk, data, size);
  while (*member != ')')
    {
      const char *next = type_end (member);
      gsize start, end;

      if (n == max || !tuple_walk_next (&walk, member, next, &start, &end))
        return 0;
      starts[n] = start;
      sizes[n] = end - start;
      types[n] = member;
      type_lengths[n] = next - member;
      n++;
      member = next;
    }
  return n;
}

gboolean
pp_normal_form_check (const GVariantType *type,
                      const guint8       *data,
                      gsize               size)
{
  g_return_val_if_fail (g_variant_type_is_definite (type), FALSE);

  if (size > 0 && data == NULL)
    return FALSE;
  return check_value (g_variant_type_peek_string (type), data, size, 0);
}
