/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <ffi.h>
#include <glib/gi18n-lib.h>

#include "pp-boxed-ref-private.h"
#include "pp-error.h"
#include "pp-method-private.h"

PpMethod *
pp_method_new (PpMethodKind  kind,
               const char   *name)
{
  PpMethod *method = g_new0 (PpMethod, 1);

  g_atomic_ref_count_init (&method->ref_count);
  method->kind = kind;
  method->name = g_strdup (name);
  return method;
}

PpMethod *
pp_method_new_added (const char         *name,
                     const GVariantType *in_type,
                     const GVariantType *out_type,
                     PpAddedFunc         func,
                     gpointer            user_data,
                     GDestroyNotify      destroy)
{
  PpMethod *method = pp_method_new (PP_METHOD_KIND_ADDED, name);

  pp_method_set_types (method, g_variant_type_copy (in_type), g_variant_type_copy (out_type));
  method->throws = TRUE;
  method->func = func;
  method->user_data = user_data;
  method->destroy = destroy;
  return method;
}

PpMethod *
pp_method_new_builtin (const char         *name,
                       const GVariantType *in_type,
                       const GVariantType *out_type,
                       PpBuiltinFunc       func)
{
  PpMethod *method = pp_method_new_added (name, in_type, out_type, NULL, NULL, NULL);

  method->builtin = func;
  return method;
}

PpMethod *
pp_method_ref (PpMethod *method)
{
  g_atomic_ref_count_inc (&method->ref_count);
  return method;
}

void
pp_method_unref (PpMethod *method)
{
  if (!g_atomic_ref_count_dec (&method->ref_count))
    return;

  if (method->destroy != NULL)
    method->destroy (method->user_data);
  for (guint i = 0; i < method->n_args; i++)
    {
      g_free (method->args[i].name);
      pp_type_desc_free (method->args[i].desc);
    }
  g_free (method->args);
  pp_type_desc_free (method->ret_desc);
  if (method->invoker_free != NULL)
    method->invoker_free (method->invoker);
  g_free (method->param_gtypes);
  g_clear_pointer (&method->finish, pp_method_unref);
  g_clear_pointer (&method->in_type, g_variant_type_free);
  g_clear_pointer (&method->out_type, g_variant_type_free);
  g_clear_pointer (&method->kept_types[0], g_variant_unref);
  g_clear_pointer (&method->kept_types[1], g_variant_unref);
  g_free (method->name);
  g_free (method);
}

const char *
pp_method_get_name (PpMethod *method)
{
  return method->name;
}

PpMethodKind
pp_method_get_kind (PpMethod *method)
{
  return method->kind;
}

const GVariantType *
pp_method_get_in_type (PpMethod *method)
{
  return method->in_type;
}

/* What the caller gets: for an async pair, what x_finish() gives */
const GVariantType *
pp_method_get_out_type (PpMethod *method)
{
  return method->finish ? method->finish->out_type : method->out_type;
}

gboolean
pp_method_get_throws (PpMethod *method)
{
  return method->throws;
}

gboolean
pp_method_is_async (PpMethod *method)
{
  return method->finish != NULL;
}

gboolean
pp_method_takes_cancellable (PpMethod *method)
{
  for (guint i = 0; i < method->n_args; i++)
    if (method->args[i].role == PP_ARG_ROLE_CANCELLABLE)
      return TRUE;
  return FALSE;
}

GVariant *
pp_method_keep_type (const GVariantType *type)
{
  /* Zero bytes: any type accepts them when they are not trusted */
  return g_variant_ref_sink (g_variant_new_from_data (type, NULL, 0, FALSE, NULL, NULL));
}

void
pp_method_set_types (PpMethod     *method,
                     GVariantType *in_type,
                     GVariantType *out_type)
{
  method->in_type = in_type;
  method->out_type = out_type;
  method->kept_types[0] = pp_method_keep_type (in_type);
  method->kept_types[1] = pp_method_keep_type (out_type);
}

gboolean
pp_method_value_is_of_type (GVariant           *value,
                            const GVariantType *type)
{
  const char *found = g_variant_get_type_string (value);
  const char *expected = (const char *) type;
  gsize i = 0;

  /* @found is a complete type, and no complete type is the beginning of
   * another: when @type begins with all of it, it is the same type. This
   * stops at the first difference, before the end of either. */
  while (found[i] != '\0' && found[i] == expected[i])
    i++;
  return found[i] == '\0' || g_variant_is_of_type (value, type);
}

gboolean
pp_method_check_args (const char          *method,
                      const GVariantType  *expected,
                      GVariant            *parameters,
                      GError             **error)
{
  /* A plain value where the signature has a maybe loses nothing */
  if (pp_method_value_is_of_type (parameters, expected) ||
      pp_marshal_type_fits ((const GVariantType *) g_variant_get_type_string (parameters),
                            expected, FALSE))
    return TRUE;

  g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
               _("Method “%s” expects %.*s, got %s"), method,
               (int) g_variant_type_get_string_length (expected),
               g_variant_type_peek_string (expected),
               g_variant_get_type_string (parameters));
  return FALSE;
}

/* Added methods ----------------------------------------------------------- */

static GVariant *
invoke_added (PpMethod   *method,
              GObject    *object,
              GVariant   *parameters,
              GPtrArray **out_objects,
              GError    **error)
{
  GError *local_error = NULL;
  GVariant *result;

  if (method->builtin != NULL)
    result = method->builtin (object, parameters, out_objects, &local_error);
  else
    result = method->func (object, parameters, method->user_data, &local_error);
  if (result != NULL)
    {
      g_clear_error (&local_error);
      return g_variant_take_ref (result);
    }
  if (local_error == NULL)
    local_error = g_error_new (PP_ERROR, PP_ERROR_FAILED,
                               _("Method “%s” failed without saying why"), method->name);
  g_propagate_error (error, local_error);
  return NULL;
}

/* Action signals ---------------------------------------------------------- */

static gboolean
append_signatures (GString     *signature,
                   const GType *types,
                   guint        n_types,
                   guint       *failed,
                   GError     **error)
{
  g_string_append_c (signature, '(');
  for (guint i = 0; i < n_types; i++)
    if (!pp_marshal_gtype_signature (types[i], signature, error))
      {
        *failed = i;
        return FALSE;
      }
  g_string_append_c (signature, ')');
  return TRUE;
}

PpMethod *
pp_method_new_for_action_signal (GType        type,
                                 const char  *name,
                                 GError     **error)
{
  g_autofree char *canonical = g_strdelimit (g_strdup (name), "_", '-');
  g_autoptr(PpMethod) method = NULL;
  g_autoptr(GString) in_sig = g_string_new (NULL);
  g_autoptr(GString) out_sig = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  GSignalQuery query;
  guint signal_id;
  guint failed = 0;

  if (!g_signal_parse_name (canonical, type, &signal_id, NULL, FALSE))
    return NULL;
  g_signal_query (signal_id, &query);
  if (!(query.signal_flags & G_SIGNAL_ACTION))
    return NULL;

  method = pp_method_new (PP_METHOD_KIND_ACTION_SIGNAL, query.signal_name);
  method->signal_id = signal_id;
  method->return_gtype = query.return_type & ~G_SIGNAL_TYPE_STATIC_SCOPE;
  method->n_params = query.n_params;
  method->param_gtypes = g_new0 (GType, MAX (query.n_params, 1));
  for (guint i = 0; i < query.n_params; i++)
    method->param_gtypes[i] = query.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE;

  if (!append_signatures (in_sig, method->param_gtypes, method->n_params, &failed, &local_error))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("Action signal “%s” of %s cannot be emitted from another process: "
                     "argument %u: %s"),
                   query.signal_name, g_type_name (type), failed + 1, local_error->message);
      return NULL;
    }
  if (!append_signatures (out_sig, &method->return_gtype,
                          method->return_gtype != G_TYPE_NONE ? 1 : 0, &failed, &local_error))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("Action signal “%s” of %s cannot be emitted from another process: "
                     "its return value: %s"),
                   query.signal_name, g_type_name (type), local_error->message);
      return NULL;
    }

  pp_method_set_types (method, g_variant_type_new (in_sig->str), g_variant_type_new (out_sig->str));
  return g_steal_pointer (&method);
}

static GVariant *
invoke_action_signal (PpMethod  *method,
                      GObject   *object,
                      GVariant  *parameters,
                      GError   **error)
{
  g_autofree GValue *values = g_new0 (GValue, method->n_params + 1);
  g_auto(GValue) return_value = G_VALUE_INIT;
  GVariant *result = NULL;
  guint n_set = 1;

  g_value_init (&values[0], G_OBJECT_TYPE (object));
  g_value_set_object (&values[0], object);

  for (guint i = 0; i < method->n_params; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (parameters, i);
      g_autoptr(GError) local_error = NULL;

      if (!pp_marshal_value_from_variant (child, method->param_gtypes[i], &values[i + 1],
                                          &local_error))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       _("Argument %u of “%s”: %s"), i + 1, method->name, local_error->message);
          goto out;
        }
      n_set++;
    }

  if (method->return_gtype != G_TYPE_NONE)
    g_value_init (&return_value, method->return_gtype);

  g_signal_emitv (values, method->signal_id, 0, &return_value);

  if (method->return_gtype != G_TYPE_NONE)
    {
      GVariant *ret = pp_marshal_value_to_variant (&return_value, error);

      if (ret != NULL)
        result = g_variant_ref_sink (g_variant_new_tuple (&ret, 1));
    }
  else
    result = g_variant_ref_sink (g_variant_new_tuple (NULL, 0));

out:
  for (guint i = 0; i < n_set; i++)
    g_value_unset (&values[i]);
  return result;
}

/* Introspected methods ---------------------------------------------------- */

/* What the listener gives in place of the peer */
typedef struct
{
  GCancellable *cancellable;
  gpointer      callback;
  gpointer      user_data;
  GAsyncResult *result;
  /* the descriptors that came with the arguments, and go with the result */
  GUnixFDList  *in_fds;
  GUnixFDList  *out_fds;
  /* the objects that came with them, and go with it */
  GPtrArray    *in_objects;
  GPtrArray    *out_objects;
  /* the most a caller-allocated buffer may take */
  gsize         max_buffer;
  /* an x_async() method's in-arguments, which must stay valid until it
   * finishes (g_output_stream_writev_async()'s vectors) */
  PpMarshalScope *begun;
} Specials;

/* One invocation's C arguments: an out-argument is passed as a pointer
 * to its value */
typedef struct
{
  PpArgValue value;
  gsize      length;
  gpointer   out_pointer;
} Slot;

typedef struct
{
  Slot           *slots;
  gpointer       *ffi_args;
  PpArgValue      ret;
  PpMarshalScope *scope;
  gboolean        invoked;
  gboolean        threw;
} Frame;

static gsize
array_length (const PpTypeDesc *desc,
              const Slot       *slots)
{
  gsize length = 0;

  if (desc->tag == PP_TAG_C_ARRAY && desc->length_arg >= 0)
    pp_marshal_read_length (desc->length_tag, &slots[desc->length_arg].value, &length);
  return length;
}

static gboolean
special_value (const PpMethodArg *arg,
               const Specials    *specials,
               PpArgValue        *value)
{
  switch (arg->role)
    {
    case PP_ARG_ROLE_CANCELLABLE: value->v_pointer = specials->cancellable; return TRUE;
    case PP_ARG_ROLE_CALLBACK:    value->v_pointer = specials->callback; return TRUE;
    case PP_ARG_ROLE_USER_DATA:   value->v_pointer = specials->user_data; return TRUE;
    case PP_ARG_ROLE_RESULT:      value->v_pointer = specials->result; return TRUE;
    case PP_ARG_ROLE_NORMAL:
    default:
      return FALSE;
    }
}

static gboolean
read_in_args (PpMethod        *method,
              GVariant        *parameters,
              const Specials  *specials,
              Frame           *frame,
              GError         **error)
{
  gsize child = 0;

  for (guint i = 0; i < method->n_args; i++)
    {
      PpMethodArg *arg = &method->args[i];
      Slot *slot = &frame->slots[i];
      g_autoptr(GVariant) v = NULL;
      g_autoptr(GError) arg_error = NULL;
      PpTransfer transfer;

      if (special_value (arg, specials, &slot->value) ||
          arg->is_length || arg->skip || !(arg->direction & PP_ARG_IN))
        continue;

      v = g_variant_get_child_value (parameters, child++);
      transfer = arg->direction == PP_ARG_IN ? arg->transfer : PP_TRANSFER_NONE;
      if (!pp_marshal_from_variant (arg->desc, v, transfer, frame->scope, &slot->value,
                                    &slot->length, &arg_error))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       _("Argument “%s” of “%s”: %s"), arg->name, method->name,
                       arg_error->message);
          return FALSE;
        }
      if (arg->desc->tag == PP_TAG_C_ARRAY && arg->desc->length_arg >= 0)
        pp_marshal_write_length (arg->desc->length_tag, slot->length,
                                 &frame->slots[arg->desc->length_arg].value);
    }
  return TRUE;
}

/* The buffers the method fills (see PpMethodArg.caller_allocates_array),
 * as long as the peer asked for, which the scope frees: refused past
 * @max_size bytes, so that a peer cannot make this side allocate more
 * than a reply may carry */
static gboolean
allocate_buffers (PpMethod  *method,
                  Frame     *frame,
                  gsize      max_size,
                  GError   **error)
{
  for (guint i = 0; i < method->n_args; i++)
    {
      PpMethodArg *arg = &method->args[i];
      PpMethodArg *count_arg;
      gsize size, count = 0;

      if (!arg->caller_allocates_array)
        continue;
      count_arg = &method->args[arg->desc->length_arg];
      size = pp_type_rules[arg->desc->element->tag].size;
      if (!pp_marshal_read_length (arg->desc->length_tag,
                                   &frame->slots[arg->desc->length_arg].value, &count) ||
          count > max_size / size)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                       _("Argument “%s” of “%s” asks for a buffer of more than %llu bytes, the "
                         "most a message may carry"),
                       count_arg->name, method->name, (unsigned long long) max_size);
          return FALSE;
        }
      frame->slots[i].value.v_pointer = g_malloc0 (MAX (count * size, 1));
      pp_marshal_scope_add (frame->scope, g_free, frame->slots[i].value.v_pointer);
    }
  return TRUE;
}

/* A return value narrower than a register comes back widened */
static void
extract_return (const ffi_type *type,
                const void     *raw,
                PpArgValue     *value)
{
  ffi_arg u;
  ffi_sarg s;

  memcpy (&u, raw, sizeof u);
  memcpy (&s, raw, sizeof s);
  switch (type->type)
    {
    case FFI_TYPE_UINT8:   value->v_uint8 = (guint8) u; break;
    case FFI_TYPE_SINT8:   value->v_int8 = (gint8) s; break;
    case FFI_TYPE_UINT16:  value->v_uint16 = (guint16) u; break;
    case FFI_TYPE_SINT16:  value->v_int16 = (gint16) s; break;
    case FFI_TYPE_UINT32:  value->v_uint32 = (guint32) u; break;
    case FFI_TYPE_INT:
    case FFI_TYPE_SINT32:  value->v_int32 = (gint32) s; break;
    case FFI_TYPE_FLOAT:   memcpy (&value->v_float, raw, sizeof value->v_float); break;
    case FFI_TYPE_DOUBLE:  memcpy (&value->v_double, raw, sizeof value->v_double); break;
    case FFI_TYPE_UINT64:
    case FFI_TYPE_SINT64:  memcpy (&value->v_uint64, raw, sizeof value->v_uint64); break;
    case FFI_TYPE_POINTER: memcpy (&value->v_pointer, raw, sizeof value->v_pointer); break;
    default:               break;
    }
}

static void
call_function (PpMethod  *method,
               GObject   *object,
               Frame     *frame,
               GError   **error)
{
  ffi_cif *cif = method->cif;
  guint n = method->n_args;
  gpointer instance = object ? pp_boxed_ref_instance (object) : NULL;
  GError *local_error = NULL;
  gpointer error_pointer = &local_error;
  union { ffi_arg u; gint64 i; gdouble d; gpointer p; } raw = { 0 };

  /* A constructor has no instance argument */
  guint first = method->is_constructor ? 0 : 1;

  frame->ffi_args[0] = &instance;
  for (guint i = 0; i < n; i++)
    {
      Slot *slot = &frame->slots[i];

      /* A structure the caller allocates is passed as itself, and read
       * as a value the callee does not hand over */
      if (method->args[i].caller_allocates > 0)
        {
          slot->value.v_pointer = g_malloc0 (method->args[i].caller_allocates);
          frame->ffi_args[i + first] = &slot->value;
        }
      /* A buffer: allocated with the in-arguments, passed as itself */
      else if (method->args[i].caller_allocates_array)
        frame->ffi_args[i + first] = &slot->value;
      else if (method->args[i].direction & PP_ARG_OUT)
        {
          slot->out_pointer = &slot->value;
          frame->ffi_args[i + first] = &slot->out_pointer;
        }
      else
        frame->ffi_args[i + first] = &slot->value;
    }
  if (method->throws)
    frame->ffi_args[n + first] = &error_pointer;

  ffi_call (cif, method->native_address, &raw, frame->ffi_args);
  frame->invoked = TRUE;
  extract_return (cif->rtype, &raw, &frame->ret);
  if (local_error != NULL)
    {
      frame->threw = TRUE;
      g_propagate_error (error, local_error);
    }
}

/* A pointer the typelib says is never NULL, but is: a maybe with nothing
 * in its place in the result tuple, rather than an error for a call that
 * already ran */
static GVariant *
result_to_variant (const PpTypeDesc  *desc,
                   const PpArgValue  *value,
                   gsize              length,
                   PpMarshalScope    *scope,
                   GError           **error)
{
  const PpTypeRule *rule = &pp_type_rules[desc->tag];
  g_autoptr(GString) sig = NULL;

  if (!(rule->flags & PP_RULE_POINTER) || value->v_pointer != NULL || desc->nullable ||
      (rule->flags & PP_RULE_EMPTY_NULL) ||
      (desc->tag == PP_TAG_C_ARRAY && desc->length_arg >= 0))
    return pp_marshal_to_variant (desc, value, length, scope, error);

  sig = g_string_new (NULL);
  pp_type_desc_append_signature (desc, sig);
  return g_variant_new_maybe (G_VARIANT_TYPE (sig->str), NULL);
}

static GVariant *
write_out_args (PpMethod  *method,
                Frame     *frame,
                GError   **error)
{
  GVariantBuilder builder;

  /* Of the out type, but for an item that came back NULL anyway */
  g_variant_builder_init (&builder, G_VARIANT_TYPE_TUPLE);
  if (method->ret_desc != NULL)
    {
      GVariant *v = result_to_variant (method->ret_desc, &frame->ret,
                                       array_length (method->ret_desc, frame->slots),
                                       frame->scope, error);
      if (v == NULL)
        {
          g_prefix_error (error, _("Return value of “%s”: "), method->name);
          g_variant_builder_clear (&builder);
          return NULL;
        }
      g_variant_builder_add_value (&builder, v);
    }

  for (guint i = 0; i < method->n_args; i++)
    {
      PpMethodArg *arg = &method->args[i];
      GVariant *v;

      if (arg->is_length || arg->skip || !(arg->direction & PP_ARG_OUT))
        continue;
      v = result_to_variant (arg->desc, &frame->slots[i].value,
                             array_length (arg->desc, frame->slots), frame->scope, error);
      if (v == NULL)
        {
          g_prefix_error (error, _("Argument “%s” of “%s”: "), arg->name, method->name);
          g_variant_builder_clear (&builder);
          return NULL;
        }
      g_variant_builder_add_value (&builder, v);
    }
  return g_variant_builder_end (&builder);
}

/* What the method handed over is ours to free, whether or not it could be
 * sent; after an error, out-arguments are not set. */
static void
free_out_args (PpMethod *method,
               Frame    *frame)
{
  if (method->ret_desc != NULL)
    pp_marshal_free_value (method->ret_desc, &frame->ret,
                           array_length (method->ret_desc, frame->slots), method->ret_transfer);
  for (guint i = 0; i < method->n_args; i++)
    {
      PpMethodArg *arg = &method->args[i];

      if (arg->caller_allocates > 0)
        g_free (frame->slots[i].value.v_pointer);
      if (frame->threw || arg->caller_allocates > 0 || arg->caller_allocates_array ||
          arg->is_length || !(arg->direction & PP_ARG_OUT))
        continue;
      pp_marshal_free_value (arg->desc, &frame->slots[i].value,
                             array_length (arg->desc, frame->slots), arg->transfer);
    }
}

/* One block holds the slots and the ffi arguments (the instance, the
 * arguments and a GError pointer) */
static void
frame_init (Frame    *frame,
            PpMethod *method)
{
  guint n = method->n_args;
  gpointer block = g_malloc0 (sizeof (Slot) * (n + 1) + sizeof (gpointer) * (n + 2));

  *frame = (Frame) {
    .slots = block,
    .ffi_args = (gpointer *) ((Slot *) block + n + 1),
    .scope = pp_marshal_scope_new (),
  };
}

/* What the method handed over, and the scope unless it was taken */
static void
frame_clear (Frame    *frame,
             PpMethod *method)
{
  if (frame->invoked)
    free_out_args (method, frame);
  pp_marshal_scope_free (frame->scope);
  g_free (frame->slots);
}

static GVariant *
invoke_introspected (PpMethod  *method,
                     GObject   *object,
                     GVariant  *parameters,
                     Specials  *specials,
                     GError   **error)
{
  GVariant *result = NULL;
  Frame frame;

  frame_init (&frame, method);

  pp_marshal_scope_set_in_fds (frame.scope, specials->in_fds);
  pp_marshal_scope_set_in_objects (frame.scope, specials->in_objects);
  pp_marshal_scope_set_instance (frame.scope, object);
  if (read_in_args (method, parameters, specials, &frame, error) &&
      allocate_buffers (method, &frame, specials->max_buffer, error))
    {
      call_function (method, object, &frame, error);
      if (!frame.threw)
        result = write_out_args (method, &frame, error);
    }
  if (result != NULL)
    {
      specials->out_fds = pp_marshal_scope_steal_out_fds (frame.scope);
      specials->out_objects = pp_marshal_scope_steal_out_objects (frame.scope);
    }
  /* Strings and buffers point into @parameters */
  if (result != NULL && specials->callback != NULL)
    {
      pp_marshal_scope_add (frame.scope, (GDestroyNotify) g_variant_unref,
                            g_variant_ref (parameters));
      specials->begun = g_steal_pointer (&frame.scope);
    }
  frame_clear (&frame, method);
  return result ? g_variant_ref_sink (result) : NULL;
}

GObject *
pp_method_invoke_constructor (PpMethod  *method,
                              GVariant  *parameters,
                              GError   **error)
{
  g_autoptr(GVariant) widened = NULL;
  Specials specials = { NULL, };
  GObject *object = NULL;
  Frame frame;

  g_return_val_if_fail (method->is_constructor, NULL);

  frame_init (&frame, method);

  if (!pp_method_check_args (method->name, method->in_type, parameters, error))
    goto out;
  if (!pp_method_value_is_of_type (parameters, method->in_type))
    parameters = widened = pp_marshal_widen (parameters, method->in_type);
  if (!read_in_args (method, parameters, &specials, &frame, error) ||
      !allocate_buffers (method, &frame, specials.max_buffer, error))
    goto out;
  call_function (method, NULL, &frame, error);
  if (frame.threw)
    goto out;

  object = frame.ret.v_pointer;
  if (object == NULL || !G_IS_OBJECT (object))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED, _("“%s” made no object"), method->name);
      object = NULL;
    }
  else if (g_object_is_floating (object))
    g_object_ref_sink (object);
  else if (method->ret_transfer == PP_TRANSFER_NONE)
    g_object_ref (object);

out:
  frame_clear (&frame, method);
  return object;
}

/* Invoking ---------------------------------------------------------------- */

typedef struct
{
  PpMethod         *method;
  PpMethodCallback  callback;
  gpointer          user_data;
  PpMarshalScope   *begun;
} AsyncInvocation;

static void
answer (PpMethodCallback  callback,
        gpointer          user_data,
        GVariant         *value,
        GUnixFDList      *out_fds,
        GPtrArray        *out_objects,
        GError           *error)
{
  callback (value, out_fds, out_objects, error, user_data);
  g_clear_pointer (&value, g_variant_unref);
  g_clear_object (&out_fds);
  g_clear_pointer (&out_objects, g_ptr_array_unref);
  g_clear_error (&error);
}

/* The GAsyncReadyCallback given to every x_async() method: a plain C
 * function, so no closure has to be made for it. */
static void
async_method_ready (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AsyncInvocation *ai = user_data;
  g_autoptr(GVariant) empty = g_variant_ref_sink (g_variant_new ("()"));
  Specials specials = { .result = result };
  GError *error = NULL;
  GVariant *value;

  value = invoke_introspected (ai->method->finish, source, empty, &specials, &error);
  pp_marshal_scope_free (ai->begun);
  answer (ai->callback, ai->user_data, value, specials.out_fds, specials.out_objects, error);
  pp_method_unref (ai->method);
  g_free (ai);
}

/* Starts an x_async() method; FALSE if it could not be */
static gboolean
start_async (PpMethod          *method,
             GObject           *object,
             GVariant          *parameters,
             GUnixFDList       *in_fds,
             GPtrArray         *in_objects,
             GCancellable      *cancellable,
             PpMethodCallback   callback,
             gpointer           user_data,
             GError           **error)
{
  AsyncInvocation *ai = g_new0 (AsyncInvocation, 1);
  Specials specials = {
    .cancellable = cancellable,
    .callback = async_method_ready,
    .user_data = ai,
    .in_fds = in_fds,
    .in_objects = in_objects,
  };
  GVariant *value;

  ai->method = pp_method_ref (method);
  ai->callback = callback;
  ai->user_data = user_data;

  value = invoke_introspected (method, object, parameters, &specials, error);
  if (value != NULL)
    {
      /* Started: the result comes through async_method_ready() */
      ai->begun = specials.begun;
      g_variant_unref (value);
      g_clear_object (&specials.out_fds);
      g_clear_pointer (&specials.out_objects, g_ptr_array_unref);
      return TRUE;
    }
  pp_method_unref (ai->method);
  g_free (ai);
  return FALSE;
}

static GVariant *
invoke_sync (PpMethod     *method,
             GObject      *object,
             GVariant     *parameters,
             Specials     *specials,
             GError      **error)
{
  switch (method->kind)
    {
    case PP_METHOD_KIND_ADDED:
      return invoke_added (method, object, parameters, &specials->out_objects, error);
    case PP_METHOD_KIND_ACTION_SIGNAL:
      return invoke_action_signal (method, object, parameters, error);
    case PP_METHOD_KIND_INTROSPECTED:
    default:
      return invoke_introspected (method, object, parameters, specials, error);
    }
}

void
pp_method_invoke_async (PpMethod         *method,
                        GObject          *object,
                        GVariant         *parameters,
                        GUnixFDList      *in_fds,
                        GPtrArray        *in_objects,
                        GCancellable     *cancellable,
                        gsize             max_message_size,
                        PpMethodCallback  callback,
                        gpointer          user_data)
{
  Specials specials = {
    .cancellable = cancellable,
    .in_fds = in_fds,
    .in_objects = in_objects,
    .max_buffer = max_message_size,
  };
  g_autoptr(GVariant) widened = NULL;
  GError *error = NULL;
  GVariant *value = NULL;
  gboolean exact = pp_method_value_is_of_type (parameters, method->in_type);

  if (exact || pp_method_check_args (method->name, method->in_type, parameters, &error))
    {
      /* Plain values given for maybes become maybes: what the method sees
       * is of its own types */
      if (!exact)
        parameters = widened = pp_marshal_widen (parameters, method->in_type);
      if (method->finish == NULL)
        value = invoke_sync (method, object, parameters, &specials, &error);
      else if (start_async (method, object, parameters, in_fds, in_objects, cancellable, callback,
                            user_data, &error))
        return;
    }
  answer (callback, user_data, value, specials.out_fds, specials.out_objects, error);
}
