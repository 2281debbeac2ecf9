/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "pp-normal-form-private.h"

/* The rules are those of the GVariant serialisation format (see GLib's
 * gvariant-serialiser.c), applied to type strings and bytes directly:
 * g_variant_is_normal_form() makes a GVariant and looks up type info for
 * every value it visits, which cost ~24,000 instructions for the body of a
 * small signal.
 *
 * What the check needs to know of a type (its size, alignment, depth) is
 * found once per type string, in one pass, and kept in a table indexed by
 * where each complete type starts: asking the type string again for every
 * element of an array made the check of 100 KB of a deeply nested type
 * take half a minute. */

/* What is known of the complete type that starts at a position */
typedef struct
{
  guint32 end;        /* where it ends */
  guint32 fixed;      /* the size of every value, or 0 if values vary */
  guint32 inner;      /* where the type inside its (T) wrappers starts */
  guint8  align;      /* 1, 2, 4 or 8 */
  guint8  depth;      /* as GLib counts it: 1 for a basic type, 0 for () */
  guint8  wrappers;   /* how many one-member tuples (T) wrap inner */
  guint8  plain;      /* fixed, and any bytes of that size are a value */
} TypeNode;

/* Most type strings fit on the stack */
#define STACK_NODES 32

typedef struct
{
  const char *string;
  TypeNode   *nodes;
  guint64    *steps;    /* NULL, or counts the values looked at */
  TypeNode    stack[STACK_NODES];
} TypeTable;

static inline gsize
align_up (gsize offset,
          gsize align)
{
  return (offset + align - 1) & ~(align - 1);
}

static gsize table_fill (TypeNode   *nodes,
                         const char *string,
                         gsize       pos);

/* The node of the tuple or dict entry at @pos, after those of its members;
 * returns where it ends */
static gsize
tuple_fill (TypeNode   *nodes,
            const char *string,
            gsize       pos)
{
  TypeNode *node = &nodes[pos];
  gsize offset = 0;
  gboolean fixed = TRUE, plain = TRUE;
  guint n = 0;
  gsize end;

  node->depth = 0;
  for (end = pos + 1; string[end] != ')' && string[end] != '}'; n++)
    {
      const TypeNode *member = &nodes[end];
      gsize member_end = table_fill (nodes, string, end);

      node->align = MAX (node->align, member->align);
      /* GLib counts the value of a dict entry, not its key */
      if (string[pos] == '(' || n == 1)
        node->depth = MAX (node->depth, member->depth + 1);
      if (member->fixed == 0)
        fixed = FALSE;
      else
        {
          gsize start = align_up (offset, member->align);

          plain = plain && member->plain && start == offset;
          offset = start + member->fixed;
        }
      end = member_end;
    }
  end++;

  if (n == 0)
    node->fixed = 1;  /* the unit is one zero byte */
  else if (fixed)
    {
      node->fixed = align_up (offset, node->align);
      node->plain = plain && node->fixed == offset;
    }

  /* A tuple of one member is laid out as that member alone */
  if (n == 1 && string[pos] == '(')
    {
      node->inner = nodes[pos + 1].inner;
      node->wrappers = nodes[pos + 1].wrappers + 1;
    }
  return end;
}

/* Fills in the node of the complete type at @pos and those of every type
 * inside it; returns where it ends. The type string is valid, so the
 * recursion is as deep as the type (at most 128 levels). */
static gsize
table_fill (TypeNode   *nodes,
            const char *string,
            gsize       pos)
{
  TypeNode *node = &nodes[pos];
  gsize end = pos + 1;

  node->fixed = 0;
  node->align = 1;
  node->depth = 1;
  node->plain = FALSE;
  node->inner = pos;
  node->wrappers = 0;

  switch (string[pos])
    {
    case 'b':
      node->fixed = 1;
      break;
    case 'y':
      node->fixed = 1;
      node->plain = TRUE;
      break;
    case 'n': case 'q':
      node->fixed = node->align = 2;
      node->plain = TRUE;
      break;
    case 'i': case 'u': case 'h':
      node->fixed = node->align = 4;
      node->plain = TRUE;
      break;
    case 'x': case 't': case 'd':
      node->fixed = node->align = 8;
      node->plain = TRUE;
      break;
    case 'v':
      node->align = 8;
      break;
    case 'a': case 'm':
      end = table_fill (nodes, string, pos + 1);
      node->align = nodes[pos + 1].align;
      node->depth = nodes[pos + 1].depth + 1;
      break;
    case '(': case '{':
      end = tuple_fill (nodes, string, pos);
      break;
    default:
      /* s, o, g: variable size, aligned to 1 */
      break;
    }

  node->end = end;
  return end;
}

/* The table of @string, of @length bytes (no more than
 * PP_NORMAL_FORM_MAX_TYPE_LENGTH), one complete valid type */
static void
table_init (TypeTable  *table,
            const char *string,
            gsize       length)
{
  table->string = string;
  table->steps = NULL;
  table->nodes = length <= STACK_NODES ? table->stack : g_new (TypeNode, length);
  table_fill (table->nodes, string, 0);
}

static void
table_clear (TypeTable *table)
{
  if (table->nodes != table->stack)
    g_free (table->nodes);
}

static gboolean check_value (const TypeTable *table,
                             gsize            pos,
                             const guint8    *data,
                             gsize            size,
                             guint            depth,
                             guint            max_depth);

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

/* A nul-terminated string with no other nul */
static gboolean
check_c_string (const guint8 *data,
                gsize         size)
{
  return size > 0 && data[size - 1] == '\0' && memchr (data, '\0', size - 1) == NULL;
}

/* Whether the valid type string of @length bytes at @string is a definite
 * type: what g_variant_type_is_definite() says, without measuring it
 * again */
static gboolean
is_definite (const char *string,
             gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (string[i] == '*' || string[i] == '?' || string[i] == 'r')
      return FALSE;
  return TRUE;
}

/* Whether the @length bytes at @string are a tuple of basic types and
 * variants, or one of them alone: what most arguments are, and at a
 * glance a valid, definite, complete type */
static gboolean
is_flat_type (const char *string,
              gsize       length)
{
  gsize first = 0, last = length;

  if (length >= 2 && string[0] == '(' && string[length - 1] == ')')
    {
      first = 1;
      last = length - 1;
    }
  else if (length != 1)
    return FALSE;

  for (gsize i = first; i < last; i++)
    switch (string[i])
      {
      case 'b': case 'y': case 'n': case 'q': case 'i': case 'u': case 'x': case 't':
      case 'd': case 'h': case 's': case 'o': case 'g': case 'v':
        break;
      default:
        return FALSE;
      }
  return TRUE;
}

/* The value, a nul, then its type string, which holds no nul. GLib counts
 * the depth of the value's type against its limit at the variant, before
 * looking inside: a type nested too deeply is refused even where no value
 * of it is there to be looked at (an empty array). */
static gboolean
check_variant (const guint8 *data,
               gsize         size,
               guint         depth,
               guint         max_depth)
{
  const char *type_string;
  const char *end;
  TypeTable table;
  gboolean normal;
  gsize nul;

  if (size == 0)
    return FALSE;

  for (nul = size; nul > 0 && data[nul - 1] != '\0'; nul--)
    ;
  if (nul == 0)
    return FALSE;
  nul--;

  type_string = (const char *) data + nul + 1;
  end = (const char *) data + size;
  if (type_string == end || end - type_string > PP_NORMAL_FORM_MAX_TYPE_LENGTH)
    return FALSE;
  if (!is_flat_type (type_string, end - type_string))
    {
      const char *type_end;

      if (!g_variant_type_string_scan (type_string, end, &type_end) || type_end != end ||
          !is_definite (type_string, end - type_string))
        return FALSE;
    }

  table_init (&table, type_string, end - type_string);
  normal = depth + table.nodes[0].depth <= max_depth &&
           check_value (&table, 0, data, nul, depth + 1, max_depth);
  table_clear (&table);
  return normal;
}

static gboolean
check_maybe (const TypeTable *table,
             gsize            element,
             const guint8    *data,
             gsize            size,
             guint            depth,
             guint            max_depth)
{
  gsize fixed = table->nodes[element].fixed;

  if (size == 0)
    return TRUE;
  if (fixed != 0)
    return size == fixed && check_value (table, element, data, size, depth + 1, max_depth);
  return data[size - 1] == '\0' &&
         check_value (table, element, data, size - 1, depth + 1, max_depth);
}

static gboolean
check_array (const TypeTable *table,
             gsize            element,
             const guint8    *data,
             gsize            size,
             guint            depth,
             guint            max_depth)
{
  const TypeNode *node = &table->nodes[element];
  gsize width, last_end, n, offset;

  if (size == 0)
    return TRUE;

  if (node->fixed != 0)
    {
      if (size % node->fixed != 0)
        return FALSE;
      /* Any bytes are normal numbers */
      if (node->plain)
        return depth + node->depth <= max_depth;
      for (gsize at = 0; at < size; at += node->fixed)
        if (!check_value (table, element, data + at, node->fixed, depth + 1, max_depth))
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

  offset = 0;
  for (gsize i = 0; i < n; i++)
    {
      gsize end = pp_normal_form_read_offset (data + last_end + i * width, width);
      gsize start = align_up (offset, node->align);

      if (start > end || end > last_end || !zeros (data, offset, start) ||
          !check_value (table, element, data + start, end - start, depth + 1, max_depth))
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
  const TypeTable *table;
  const guint8    *data;
  gsize            width;
  gsize            offsets_start;   /* where the offsets read so far begin */
  gsize            offset;          /* the end of the previous member */
} TupleWalk;

static void
tuple_walk_init (TupleWalk       *walk,
                 const TypeTable *table,
                 const guint8    *data,
                 gsize            size)
{
  walk->table = table;
  walk->data = data;
  walk->width = pp_normal_form_offset_size (size);
  walk->offsets_start = size;
  walk->offset = 0;
}

/* Locates the member at @member; FALSE when the offsets do not leave room
 * for it */
static gboolean
tuple_walk_next (TupleWalk *walk,
                 gsize      member,
                 gsize     *start,
                 gsize     *end)
{
  const TypeNode *node = &walk->table->nodes[member];
  char next = walk->table->string[node->end];

  *start = align_up (walk->offset, node->align);
  if (*start > walk->offsets_start)
    return FALSE;

  if (node->fixed != 0)
    *end = *start + node->fixed;
  else if (next == ')' || next == '}')
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
check_tuple (const TypeTable *table,
             gsize            pos,
             const guint8    *data,
             gsize            size,
             guint            depth,
             guint            max_depth)
{
  gsize fixed = table->nodes[pos].fixed;
  gsize member = pos + 1;
  TupleWalk walk;

  if (fixed != 0 && size != fixed)
    return FALSE;
  if (table->string[member] == ')')
    return size == 1 && data[0] == '\0';

  tuple_walk_init (&walk, table, data, size);
  while (table->string[member] != ')' && table->string[member] != '}')
    {
      gsize previous_end = walk.offset;
      gsize start, end;

      if (!tuple_walk_next (&walk, member, &start, &end) ||
          !zeros (data, previous_end, start) ||
          !check_value (table, member, data + start, end - start, depth + 1, max_depth))
        return FALSE;
      member = table->nodes[member].end;
    }

  /* A fixed-size tuple is padded to its alignment with zeros */
  if (fixed != 0)
    return zeros (data, walk.offset, size);

  /* The members end where the offsets begin, and the offsets are no
   * wider than the size needs */
  return walk.offset == walk.offsets_start &&
         (size == 0 ||
          pp_normal_form_total_size (walk.offsets_start,
                                     (size - walk.offsets_start) / walk.width) == size);
}

static gboolean
check_value (const TypeTable *table,
             gsize            pos,
             const guint8    *data,
             gsize            size,
             guint            depth,
             guint            max_depth)
{
  if (G_UNLIKELY (table->steps != NULL))
    (*table->steps)++;

  /* One-member tuples have their member's bytes: skip to what they wrap */
  depth += table->nodes[pos].wrappers;
  pos = table->nodes[pos].inner;

  if (depth > max_depth)
    return FALSE;

  switch (table->string[pos])
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
      return check_variant (data, size, depth, max_depth);
    case 'm':
      return check_maybe (table, pos + 1, data, size, depth, max_depth);
    case 'a':
      return check_array (table, pos + 1, data, size, depth, max_depth);
    case '(':
    case '{':
      return check_tuple (table, pos, data, size, depth, max_depth);
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
  static const guint8 empty[1];
  TypeTable table;
  TupleWalk walk;
  gsize member = 1;
  guint n = 0;

  g_return_val_if_fail (*type == '(', 0);

  table_init (&table, type, g_variant_type_get_string_length ((const GVariantType *) type));
  tuple_walk_init (&walk, &table, data != NULL ? data : empty, size);
  while (type[member] != ')')
    {
      gsize start, end;

      if (n == max || !tuple_walk_next (&walk, member, &start, &end))
        {
          n = 0;
          break;
        }
      starts[n] = start;
      sizes[n] = end - start;
      types[n] = type + member;
      type_lengths[n] = table.nodes[member].end - member;
      n++;
      member = table.nodes[member].end;
    }
  table_clear (&table);
  return n;
}

/* The alignment of the values of the complete type @type, and their size
 * if all have the same (else 0): what a serialiser needs to lay a member
 * out */
void
pp_normal_form_type_layout (const GVariantType *type,
                            gsize              *align,
                            gsize              *fixed_size)
{
  TypeTable table;

  table_init (&table, g_variant_type_peek_string (type), g_variant_type_get_string_length (type));
  *align = table.nodes[0].align;
  *fixed_size = table.nodes[0].fixed;
  table_clear (&table);
}

static gboolean
check_counting (const GVariantType *type,
                const guint8       *data,
                gsize               size,
                guint               max_depth,
                guint64            *steps)
{
  /* No arithmetic on a NULL pointer, even with an offset of 0 */
  static const guint8 empty[1];
  const char *string = g_variant_type_peek_string (type);
  gsize length = g_variant_type_get_string_length (type);
  TypeTable table;
  gboolean normal;

  g_return_val_if_fail (is_definite (string, length), FALSE);

  if (size == 0)
    data = empty;
  else if (data == NULL)
    return FALSE;
  if (length > PP_NORMAL_FORM_MAX_TYPE_LENGTH)
    return FALSE;

  table_init (&table, string, length);
  if (steps != NULL)
    {
      table.steps = steps;
      *steps += length;   /* one node of the table per byte of the type */
    }
  normal = check_value (&table, 0, data, size, 0, max_depth);
  table_clear (&table);
  return normal;
}

struct _PpNormalFormType
{
  TypeTable table;
};

PpNormalFormType *
pp_normal_form_type_new (const GVariantType *type)
{
  const char *string = g_variant_type_peek_string (type);
  gsize length = g_variant_type_get_string_length (type);
  PpNormalFormType *self;

  g_return_val_if_fail (is_definite (string, length), NULL);
  g_return_val_if_fail (length <= PP_NORMAL_FORM_MAX_TYPE_LENGTH, NULL);

  self = g_new0 (PpNormalFormType, 1);
  table_init (&self->table, string, length);
  return self;
}

void
pp_normal_form_type_free (PpNormalFormType *self)
{
  table_clear (&self->table);
  g_free (self);
}

gboolean
pp_normal_form_check_type (const PpNormalFormType *self,
                           const guint8           *data,
                           gsize                   size)
{
  /* As check_counting() does */
  static const guint8 empty[1];

  if (size == 0)
    data = empty;
  else if (data == NULL)
    return FALSE;
  return check_value (&self->table, 0, data, size, 0, PP_NORMAL_FORM_MAX_DEPTH);
}

gboolean
pp_normal_form_check_with_depth (const GVariantType *type,
                                 const guint8       *data,
                                 gsize               size,
                                 guint               max_depth)
{
  return check_counting (type, data, size, max_depth, NULL);
}

gboolean
pp_normal_form_check_counting (const GVariantType *type,
                               const guint8       *data,
                               gsize               size,
                               guint64            *steps)
{
  return check_counting (type, data, size, PP_NORMAL_FORM_MAX_DEPTH, steps);
}

gboolean
pp_normal_form_check (const GVariantType *type,
                      const guint8       *data,
                      gsize               size)
{
  return pp_normal_form_check_with_depth (type, data, size, PP_NORMAL_FORM_MAX_DEPTH);
}
