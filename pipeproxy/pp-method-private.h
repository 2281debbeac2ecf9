/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-marshal-private.h"

G_BEGIN_DECLS

/* A method the peer can call: its name and types, and everything invoking
 * it takes. An introspected method is prepared once, by the introspection
 * unit, from its typelib; invoking it here never touches libgirepository,
 * which is not thread-safe. */

typedef enum
{
  PP_METHOD_KIND_INTROSPECTED,
  PP_METHOD_KIND_ACTION_SIGNAL,
  PP_METHOD_KIND_ADDED,         /* pp_listener_add_method() */
} PpMethodKind;

typedef enum
{
  PP_ARG_IN    = 1 << 0,
  PP_ARG_OUT   = 1 << 1,
  PP_ARG_INOUT = PP_ARG_IN | PP_ARG_OUT,
} PpArgDirection;

/* Arguments the listener fills itself rather than taking from the peer */
typedef enum
{
  PP_ARG_ROLE_NORMAL,
  PP_ARG_ROLE_CANCELLABLE,  /* a GCancellable: the invocation's */
  PP_ARG_ROLE_CALLBACK,     /* the GAsyncReadyCallback of an x_async() method */
  PP_ARG_ROLE_USER_DATA,    /* its user data */
  PP_ARG_ROLE_RESULT,       /* the GAsyncResult of an x_finish() method */
} PpArgRole;

typedef struct
{
  char           *name;
  PpArgRole       role;
  PpArgDirection  direction;
  PpTransfer      transfer;
  PpTypeDesc     *desc;
  /* TRUE when another argument (or the return value) is the array whose
   * length this one holds: it is filled from the array, not sent. */
  gboolean        is_length;
  gboolean        skip;
  /* An out-argument the caller allocates (gtk_text_buffer_get_start_iter
   * (buffer, &iter)): the size of the structure, else 0 */
  gsize           caller_allocates;
  /* An out C array of numbers the caller allocates (g_input_stream_read
   * (stream, buffer, count…)): its length is an in-argument the peer
   * gives, bounded by the size of a message */
  gboolean        caller_allocates_array;
} PpMethodArg;

/* PpMethodFunc, of pp_listener_add_method() */
typedef GVariant *(*PpAddedFunc) (GObject   *object,
                                  GVariant  *parameters,
                                  gpointer   user_data,
                                  GError   **error);

/* A method the library adds to objects of a type (see
 * pp-list-model-items.c): an added method that may give objects, as
 * "/N" indexes into *@out_objects */
typedef GVariant *(*PpBuiltinFunc) (GObject    *object,
                                    GVariant   *parameters,
                                    GPtrArray **out_objects,
                                    GError    **error);

typedef struct _PpMethod PpMethod;

struct _PpMethod
{
  gatomicrefcount  ref_count;
  PpMethodKind     kind;
  char            *name;
  GVariantType    *in_type;
  GVariantType    *out_type;
  gboolean         throws;

  /* INTROSPECTED: an ffi_cif for the C function at @native_address, kept
   * alive by @invoker, which @invoker_free releases */
  gpointer         cif;
  gpointer         native_address;
  gpointer         invoker;
  GDestroyNotify   invoker_free;
  PpMethodArg     *args;
  guint            n_args;
  PpTypeDesc      *ret_desc;     /* NULL for void or skipped */
  PpTransfer       ret_transfer;
  /* A function of the type rather than a method of an instance: a
   * constructor, which returns a GObject (ret_desc is NULL) */
  gboolean         is_constructor;
  /* An x_async() method: the matching x_finish(), which gives the result */
  PpMethod        *finish;

  /* ACTION_SIGNAL */
  guint            signal_id;
  GType            return_gtype;
  GType           *param_gtypes;
  guint            n_params;

  /* ADDED: @func, or @invocation_func, a PpInvocationFunc, which answers
   * through the invocation (pp_listener_add_method_with_invocation()) */
  PpAddedFunc      func;
  PpBuiltinFunc    builtin;
  gpointer         invocation_func;
  gpointer         user_data;
  GDestroyNotify   destroy;

  /* A value of @in_type and one of @out_type, kept so that GLib keeps
   * their type info between calls (see pp_method_keep_type()) */
  GVariant        *kept_types[2];
};

PpMethod           *pp_method_new                  (PpMethodKind        kind,
                                                    const char         *name);
PpMethod           *pp_method_new_added            (const char         *name,
                                                    const GVariantType *in_type,
                                                    const GVariantType *out_type,
                                                    PpAddedFunc         func,
                                                    gpointer            user_data,
                                                    GDestroyNotify      destroy);
PpMethod           *pp_method_new_builtin          (const char         *name,
                                                    const GVariantType *in_type,
                                                    const GVariantType *out_type,
                                                    PpBuiltinFunc       func);
/* NULL without @error set when @type has no action signal @name */
PpMethod           *pp_method_new_for_action_signal (GType              type,
                                                     const char        *name,
                                                     GError           **error);
PpMethod           *pp_method_ref                  (PpMethod           *method);
void                pp_method_unref                (PpMethod           *method);
const char         *pp_method_get_name             (PpMethod           *method);
PpMethodKind        pp_method_get_kind             (PpMethod           *method);
const GVariantType *pp_method_get_in_type          (PpMethod           *method);
const GVariantType *pp_method_get_out_type         (PpMethod           *method);
gboolean            pp_method_get_throws           (PpMethod           *method);
gboolean            pp_method_is_async             (PpMethod           *method);
gboolean            pp_method_takes_cancellable    (PpMethod           *method);

/* Whether @value is of @type, as g_variant_is_of_type() says, found at
 * once when its type string is @type's */
gboolean            pp_method_value_is_of_type     (GVariant           *value,
                                                    const GVariantType *type);
/* FALSE with @error unless @parameters are of @expected or fit it (plain
 * values for maybes) */
gboolean            pp_method_check_args           (const char         *method,
                                                    const GVariantType *expected,
                                                    GVariant           *parameters,
                                                    GError            **error);
/* GLib 2.74 frees the type info of a container type with the last value
 * of that type and makes it again for the next one, which costs more than
 * the rest of making a small value. A value of @type (not one to read:
 * nothing is stored in it) keeps it. */
GVariant           *pp_method_keep_type            (const GVariantType *type);
/* Sets the in- and out-types of @method, which keeps their type info */
void                pp_method_set_types            (PpMethod           *method,
                                                    GVariantType       *in_type,
                                                    GVariantType       *out_type);

/* @result, @out_fds, @out_objects and @error are borrowed; one of
 * @result and @error is set */
typedef void      (*PpMethodCallback)              (GVariant           *result,
                                                    GUnixFDList        *out_fds,
                                                    GPtrArray          *out_objects,
                                                    const GError       *error,
                                                    gpointer            user_data);

/* Invokes @method and calls @callback with the result or error: at once
 * for a method that returns its result, or when an x_async() method
 * finishes. Streams in the arguments and results are indexes into @in_fds
 * and the descriptors given to @callback, objects into @in_objects and the
 * objects given to @callback. @cancellable goes to the method when it
 * takes one. A buffer the peer asks the method to fill may be up to
 * @max_message_size bytes (the connection's limit): a larger one is
 * refused before anything is allocated. */
void                pp_method_invoke_async         (PpMethod           *method,
                                                    GObject            *object,
                                                    GVariant           *parameters,
                                                    GUnixFDList        *in_fds,
                                                    GPtrArray          *in_objects,
                                                    GCancellable       *cancellable,
                                                    gsize               max_message_size,
                                                    PpMethodCallback    callback,
                                                    gpointer            user_data);

/* Calls a constructor with @parameters (of its in-type, or fitting it);
 * the new object, or NULL with @error set */
GObject            *pp_method_invoke_constructor   (PpMethod           *method,
                                                    GVariant           *parameters,
                                                    GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpMethod, pp_method_unref)

G_END_DECLS
