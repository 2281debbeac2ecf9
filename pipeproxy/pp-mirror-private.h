/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-proxy.h"

G_BEGIN_DECLS

/* Mirror types: a subclass of PpProxy registered at run time for each
 * remote type and description, carrying the remote object's signals and
 * properties. Proxies with the same description share it. */

typedef struct
{
  char        *remote_name;
  char        *signature;
  GType        type;
  GParamSpec  *pspec;      /* owned by the class */
} PpMirrorProperty;

typedef struct
{
  char        *name;
  guint        signal_id;
  guint        n_params;
  GType       *param_types;
} PpMirrorSignal;

typedef struct
{
  char             *remote_type_name;
  guint             n_properties;
  PpMirrorProperty *properties;   /* property id N is properties[N - 1] */
  guint             n_signals;
  PpMirrorSignal   *signals;
} PpMirrorClassData;

GType                    pp_mirror_type_for        (const char   *remote_type_name,
                                                    GVariant     *description,
                                                    const char   *hash);
const PpMirrorClassData *pp_mirror_get_class_data  (GType         type);

/* Implemented by PpProxy: the mirror's property vfuncs */
void pp_proxy_mirror_get_property (GObject      *object,
                                   guint         prop_id,
                                   GValue       *value,
                                   GParamSpec   *pspec);
void pp_proxy_mirror_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec);

G_END_DECLS
