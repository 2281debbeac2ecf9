/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "pp-member.h"

G_BEGIN_DECLS

/* The typed picture of an exported object: its type, the methods the peer
 * can call, its signals and properties, each with the reason when it
 * cannot cross. The listener builds one (pp-introspection.c fills it) and
 * serializes it into the WELCOME; the proxy parses the WELCOME into one,
 * once, and then it and its mirror read only the struct. This file is the
 * only one that knows the WELCOME's dictionary.
 *
 * The parser is a trust boundary: what it returns is valid (signatures
 * parse, signal arguments are tuples of the described length, no name is
 * described twice, property values have the described type) and within
 * the limits. Strings are never NULL; a reason is "" for a member that can
 * cross, a signature "" for one that cannot. */

typedef struct
{
  const char       *name;
  const char       *in_signature;   /* a tuple, or "" for a refused one */
  const char       *out_signature;  /* a tuple, or "" */
  gboolean          throws;
  PpMethodDispatch  dispatch;
  const char       *reason;         /* why the peer cannot call it, or "" */
} PpDescribedMethod;

typedef struct
{
  const char  *name;
  guint        flags;               /* GSignalFlags */
  guint        n_args;
  const char **arg_type_names;      /* n_args */
  const char  *signature;           /* the argument tuple, or "" */
  const char  *reason;
} PpDescribedSignal;

typedef struct
{
  const char  *name;
  guint        flags;               /* GParamFlags */
  const char  *type_name;
  const char  *signature;           /* the value's type, or "" */
  const char  *reason;
  GVariant    *value;               /* mv: the value when described */
} PpDescribedProperty;

typedef struct _PpDescription PpDescription;

/* What the parser accepts */
#define PP_DESCRIPTION_DEFAULT_MAX_SIZE     (1024 * 1024)
#define PP_DESCRIPTION_DEFAULT_MAX_MEMBERS  8192

typedef struct
{
  gsize max_size;                   /* serialized bytes */
  guint max_members;                /* type names, interfaces, methods, signals, properties */
} PpDescriptionLimits;

PpDescription             *pp_description_new            (const char           *type_name);
PpDescription             *pp_description_ref            (PpDescription        *self);
void                       pp_description_unref          (PpDescription        *self);

/* Building */
/* The type itself first, then its parents */
void                       pp_description_add_chain_type (PpDescription        *self,
                                                          const char           *type_name);
void                       pp_description_add_interface  (PpDescription        *self,
                                                          const char           *type_name);
/* An interface of the object a proxy cannot implement, and why; FALSE,
 * adding nothing, for one refused already */
gboolean                   pp_description_refuse_interface (PpDescription      *self,
                                                            const char         *type_name,
                                                            const char         *reason);
/* Each returns FALSE, adding nothing, for a name already described. A
 * property's @value (mv, NULL for nothing) is consumed if floating. */
gboolean                   pp_description_add_method     (PpDescription        *self,
                                                          const char           *name,
                                                          const char           *in_signature,
                                                          const char           *out_signature,
                                                          gboolean              throws,
                                                          PpMethodDispatch      dispatch);
/* A method of the object that the peer cannot call, and why */
gboolean                   pp_description_add_refused_method (PpDescription    *self,
                                                              const char       *name,
                                                              const char       *reason);
gboolean                   pp_description_add_signal     (PpDescription        *self,
                                                          const char           *name,
                                                          guint                 flags,
                                                          guint                 n_args,
                                                          const char * const   *arg_type_names,
                                                          const char           *signature,
                                                          const char           *reason);
gboolean                   pp_description_add_property   (PpDescription        *self,
                                                          const char           *name,
                                                          guint                 flags,
                                                          const char           *type_name,
                                                          const char           *signature,
                                                          const char           *reason,
                                                          GVariant             *value);

/* The WELCOME's a{sv}, floating; @unix_fds says whether the sender takes
 * file descriptors */
GVariant                  *pp_description_serialize      (PpDescription        *self,
                                                          gboolean              unix_fds);
PpDescription             *pp_description_parse          (GVariant                  *info,
                                                          const PpDescriptionLimits *limits,
                                                          gboolean                  *out_unix_fds,
                                                          GError                   **error);

/* Reading */
const char                *pp_description_get_type_name  (PpDescription        *self);
/* What was parsed, or else the serialized form (without unix-fds) */
GVariant                  *pp_description_get_variant    (PpDescription        *self);
/* A SHA-256 in hexadecimal of everything but the property values */
const char                *pp_description_get_hash       (PpDescription        *self);

guint                      pp_description_get_n_interfaces  (PpDescription *self);
const char                *pp_description_get_interface     (PpDescription *self,
                                                             guint          index);
/* Why a proxy cannot implement the interface, or NULL */
const char                *pp_description_get_interface_reason (PpDescription *self,
                                                                const char    *type_name);
guint                      pp_description_get_n_methods     (PpDescription *self);
const PpDescribedMethod   *pp_description_get_method        (PpDescription *self,
                                                             guint          index);
/* A method the peer can call (not a refused one); also finds an action
 * signal by its name with '_' for '-' */
const PpDescribedMethod   *pp_description_lookup_method     (PpDescription *self,
                                                             const char    *name);
guint                      pp_description_get_n_signals     (PpDescription *self);
const PpDescribedSignal   *pp_description_get_signal        (PpDescription *self,
                                                             guint          index);
guint                      pp_description_get_n_properties  (PpDescription *self);
const PpDescribedProperty *pp_description_get_property      (PpDescription *self,
                                                             guint          index);
/* The index, or -1; '_' and '-' are the same in signal and property names */
int                        pp_description_find_signal       (PpDescription *self,
                                                             const char    *name);
int                        pp_description_find_property     (PpDescription *self,
                                                             const char    *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpDescription, pp_description_unref)

G_END_DECLS
