/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reading the inside of a "v" from a peer's value. For a variant nested
 * deeper than GLib's limit (128 levels) in data that is not trusted,
 * GLib 2.74's g_variant_get_variant(), g_variant_lookup_value() and
 * g_variant_iter_next ("v") hand back a *floating* "()" in place of the
 * child, although they document a full reference. Given to a constructor
 * that sinks it (g_variant_new_variant(), g_value_set_variant(), a builder)
 * and then unreffed, it would be freed twice: a crafted body could crash
 * the process. These give what GLib's do, never floating. */

static inline GVariant *
pp_variant_get_variant (GVariant *value)
{
  return g_variant_take_ref (g_variant_get_variant (value));
}

static inline GVariant *
pp_variant_lookup_value (GVariant           *dictionary,
                         const char         *key,
                         const GVariantType *expected_type)
{
  GVariant *value = g_variant_lookup_value (dictionary, key, expected_type);

  return value != NULL ? g_variant_take_ref (value) : NULL;
}

G_END_DECLS
