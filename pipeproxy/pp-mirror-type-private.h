/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-mirror-interfaces-private.h"
#include "pp-mirror-private.h"

G_BEGIN_DECLS

/* What the mirror's files share: the data of a mirror type and the state
 * of one proxy of it. pp-mirror.c makes the types, pp-mirror-properties.c
 * keeps the property cache and writes properties, pp-mirror-signals.c
 * emits the remote object's signals. */

/* What a mirror type makes of a described property or signal, by its
 * index in the description */
typedef struct
{
  GType        type;
  GParamSpec  *pspec;           /* owned by the class; NULL when not mirrored */
  gboolean     reference;       /* values are objects, read when asked for */
  const char  *reason;          /* why not, when not */
} MirrorProperty;

typedef struct
{
  guint        signal_id;       /* 0 when not mirrored */
  guint        n_params;
  GType       *param_types;
  const char  *reason;
  gboolean     name_is_detail;  /* the detail is the first argument */
} MirrorSignal;

typedef struct
{
  PpDescription   *description; /* the first one of this type */
  int              private_offset;
  MirrorProperty  *properties;
  guint           *property_index;  /* property id - 1 → description index */
  MirrorSignal    *signals;
  PpMirrorInterfaces *interfaces; /* NULL for the unmirrored type */
  guint            n_mirrored_properties;
  guint            n_mirrored_signals;
  /* A value of each signature of the described methods, which keeps its
   * type info between calls (see pp_method_keep_type()) */
  GHashTable      *kept_types;
} MirrorData;

typedef struct
{
  PpProxyClass  parent_class;
  MirrorData   *data;
} PpMirrorClass;

struct _PpMirror
{
  GObject        *instance;     /* the proxy it is part of */
  MirrorData     *data;
  MirrorData     *own_data;     /* for a proxy of the unmirrored type */
  PpConnection   *connection;
  PpDescription  *description;  /* the type's, shared by its proxies */
  GVariant       *variant;      /* what this proxy's handshake or TYPE said */
  guint32         handle;       /* of the remote object */

  GMutex          lock;
  GVariant      **cache;        /* mv, by description index */
  gboolean       *notify_owed;  /* the remote object notified, the proxy not yet */
  GPtrArray      *read_ahead;   /* PROPERTY bodies stored before their dispatch */
  gboolean       *subscribed;   /* by description index */
  /* Of @description: the method a call found last (atomic) */
  const PpDescribedMethod *last_method;
};

static inline MirrorData *
pp_mirror_data (gpointer instance)
{
  return ((PpMirrorClass *) G_OBJECT_GET_CLASS (instance))->data;
}

/* Where a value the listener reported comes from, which says whether the
 * proxy emits notify for it */
typedef enum {
  PP_MIRROR_STORE_INITIAL,     /* the proxy starts with it: no notify */
  PP_MIRROR_STORE_READ_AHEAD,  /* a PROPERTY frame not yet dispatched: notify later */
  PP_MIRROR_STORE_ANSWER,      /* a write's answer: notify if it changed or is owed */
  PP_MIRROR_STORE_NOTIFIED,    /* a PROPERTY frame dispatched: notify, as the object did */
} PpMirrorStore;

void pp_mirror_store_property       (PpMirror      *self,
                                     const char    *name,
                                     GVariant      *maybe,
                                     PpMirrorStore  how);

/* The GObjectClass vfuncs of mirror types */
void pp_mirror_get_property_vfunc   (GObject      *object,
                                     guint         prop_id,
                                     GValue       *value,
                                     GParamSpec   *pspec);
void pp_mirror_set_property_vfunc   (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec);

G_END_DECLS
