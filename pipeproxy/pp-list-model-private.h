/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-description-private.h"
#include "pp-method-private.h"

G_BEGIN_DECLS

/* A GListModel read in batches: the method the library adds to every
 * object that implements GListModel (pp-list-model-items.c), and the cache
 * that a proxy of one fills with it (pp-mirror-list-model.c).
 *
 *   pp-list-model-items (u position, u count) → (u n_items, ao items)
 *
 * gives the model's count and its items from @position on, at most
 * @count and at most PP_LIST_MODEL_MAX_BATCH of them, each an object
 * reference ("/N"). */

#define PP_LIST_MODEL_ITEMS_METHOD    "pp-list-model-items"
#define PP_LIST_MODEL_ITEMS_IN        "(uu)"
#define PP_LIST_MODEL_ITEMS_OUT       "(uao)"
#define PP_LIST_MODEL_MAX_BATCH       256

/* Listener side: the method, for an object of @type that is a
 * GListModel, else NULL */
PpMethod *pp_list_model_items_lookup   (GType          type,
                                        const char    *name);
/* Adds the method to @description when @type is a GListModel */
void      pp_list_model_items_describe (GType          type,
                                        PpDescription *description);

/* Proxy side: whether a proxy of @description can keep a cache (the
 * method and items-changed are there, with their types) */
gboolean  pp_mirror_list_model_usable  (PpDescription *description);
/* Sets the cached get_n_items() and get_item() in @g_iface, a
 * GListModelInterface */
void      pp_mirror_list_model_init    (gpointer       g_iface);
/* Before the mirror emits the signal @signal_id with @values (the
 * instance first) on @instance: the cache takes an items-changed */
void      pp_mirror_list_model_changing (GObject      *instance,
                                         guint         signal_id,
                                         const GValue *values);
/* For tests: the cached count (FALSE when nothing is cached) and the
 * window of positions that may be cached */
gboolean  pp_mirror_list_model_peek    (GListModel    *model,
                                        guint         *n_items,
                                        guint         *start,
                                        guint         *length);
/* For tests: the cached item at @position (a new reference), or NULL */
GObject  *pp_mirror_list_model_peek_item (GListModel  *model,
                                          guint        position);

G_END_DECLS
