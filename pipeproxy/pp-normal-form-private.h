/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether @size bytes at @data are a value of @type in GVariant normal
 * form, decided on the bytes alone. It accepts what
 * g_variant_is_normal_form() accepts (up to a nesting depth of
 * PP_NORMAL_FORM_MAX_DEPTH, beyond which it refuses), at a small part of
 * its cost: no GVariant is made, no type info is looked up, and arrays of
 * plain numbers are not walked. Every frame body a peer sends is checked
 * with it. */

#define PP_NORMAL_FORM_MAX_DEPTH 64

gboolean pp_normal_form_check (const GVariantType *type,
                               const guint8       *data,
                               gsize               size);

/* The serialisation's framing offsets: their width in a container of
 * @size bytes, one read, and the size of a container of @body bytes and
 * @n offsets */
gsize    pp_normal_form_offset_size   (gsize         size);
gsize    pp_normal_form_read_offset   (const guint8 *data,
                                       gsize         width);
gsize    pp_normal_form_total_size    (gsize         body,
                                       gsize         n);

/* For a tuple already checked: where its members are, and their types
 * (pointers into @type) */
guint    pp_normal_form_tuple_members (const char   *type,
                                       const guint8 *data,
                                       gsize         size,
                                       gsize        *starts,
                                       gsize        *sizes,
                                       const char  **types,
                                       gsize        *type_lengths,
                                       guint         max);

G_END_DECLS
