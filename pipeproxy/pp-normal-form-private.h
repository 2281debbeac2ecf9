/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether @size bytes at @data are a value of @type in GVariant normal
 * form, decided on the bytes alone. It accepts what
 * g_variant_is_normal_form() accepts, up to two limits beyond which it
 * refuses, at a small part of its cost: no GVariant is made, no type info
 * is looked up, arrays of plain numbers are not walked, and the time it
 * takes grows with @size alone, however the types are nested. Every frame
 * body a peer sends is checked with it.
 *
 * The limits: a value nested at most PP_NORMAL_FORM_MAX_DEPTH levels deep
 * (the body itself is level 0), counting, as GLib does, the depth of a
 * variant's type where the variant is, even where no value of that type
 * is there to be looked at (an empty array); and a variant's type string
 * of at most PP_NORMAL_FORM_MAX_TYPE_LENGTH bytes. With a depth of
 * PP_NORMAL_FORM_GLIB_MAX_DEPTH, pp_normal_form_check_with_depth() answers
 * as GLib 2.74's g_variant_is_normal_form() does on types up to that
 * length. */

#define PP_NORMAL_FORM_MAX_DEPTH       64
#define PP_NORMAL_FORM_GLIB_MAX_DEPTH  127
#define PP_NORMAL_FORM_MAX_TYPE_LENGTH 4096

gboolean pp_normal_form_check            (const GVariantType *type,
                                          const guint8       *data,
                                          gsize               size);
gboolean pp_normal_form_check_with_depth (const GVariantType *type,
                                          const guint8       *data,
                                          gsize               size,
                                          guint               max_depth);
/* A type's table made once, for the checks of many values of that type:
 * pp_normal_form_check_type() answers as pp_normal_form_check() */
typedef struct _PpNormalFormType PpNormalFormType;

PpNormalFormType *pp_normal_form_type_new   (const GVariantType     *type);
void              pp_normal_form_type_free  (PpNormalFormType       *type);
gboolean          pp_normal_form_check_type (const PpNormalFormType *type,
                                             const guint8           *data,
                                             gsize                   size);

/* pp_normal_form_check(), adding to @steps how many values and type nodes
 * it looked at: a measure of its work that does not depend on the
 * machine, for the tests */
gboolean pp_normal_form_check_counting   (const GVariantType *type,
                                          const guint8       *data,
                                          gsize               size,
                                          guint64            *steps);

/* The serialisation's framing offsets: their width in a container of
 * @size bytes, one read, and the size of a container of @body bytes and
 * @n offsets */
gsize    pp_normal_form_offset_size   (gsize         size);
gsize    pp_normal_form_read_offset   (const guint8 *data,
                                       gsize         width);
gsize    pp_normal_form_total_size    (gsize         body,
                                       gsize         n);

/* The alignment of a type's values and their size when it is fixed (else
 * 0) */
void     pp_normal_form_type_layout   (const GVariantType *type,
                                       gsize              *align,
                                       gsize              *fixed_size);

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
