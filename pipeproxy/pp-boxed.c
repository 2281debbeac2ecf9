/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "pp-boxed.h"
#include "pp-marshal-private.h"

/* Value forms registered by the application or a binding library: GType →
 * PpBoxedForm. Entries are never removed or changed, so a form found once
 * (a method prepared with it, a desc) stays valid. */
static GRWLock forms_lock;
static GHashTable *forms;

/**
 * pp_boxed_register_value_form: (skip)
 * @boxed_type: a boxed type, e.g. `JSON_TYPE_NODE`
 * @value_type: the #GVariantType its values cross as, a definite type
 *   without object references (`o`) or handles (`h`)
 * @to_variant: makes the value form of a boxed value
 * @from_variant: makes a boxed value from its value form
 *
 * Lets values of @boxed_type cross a process boundary by value, as
 * arguments, return values, signal arguments and property values: on the
 * way out @to_variant makes a value of @value_type, on the way in
 * @from_variant makes a new boxed value from one. A `JsonNode` could cross
 * as its JSON text (`s`), a `PangoFontDescription` as its string form:
 *
 * ```c
 * static GVariant *
 * font_to_variant (gconstpointer boxed, GError **error)
 * {
 *   g_autofree char *text = pango_font_description_to_string (boxed);
 *   return g_variant_new_string (text);
 * }
 *
 * static gpointer
 * font_from_variant (GVariant *value, GError **error)
 * {
 *   return pango_font_description_from_string (g_variant_get_string (value, NULL));
 * }
 *
 *   pp_boxed_register_value_form (PANGO_TYPE_FONT_DESCRIPTION, G_VARIANT_TYPE_STRING,
 *                                 font_to_variant, font_from_variant);
 * ```
 *
 * Both sides of a connection must register the same form: the listener to
 * offer the methods, signals and properties that use the type (without it
 * they are refused, with the reason in the description), the proxy to give
 * signal arguments and property values of the type as such (without it
 * they have the plain type of the value form, e.g. a string). Register
 * before the first listener or proxy uses the type; the functions may be
 * called from any thread, so they must be thread-safe. @from_variant gets
 * the peer's data: it must check what it reads, and fail rather than make
 * a value from nonsense.
 *
 * A type can be registered once; the types with a value form of their own
 * (`GBytes`, `GDateTime`, `GError`, `GValue`, `GVariantType`, strv…) cannot
 * be registered. This function is for C: the functions take raw pointers,
 * so bindings cannot implement them; they use
 * [func@Pp.boxed_register_value_form_with_closures], whose closures
 * convert #GValues.
 *
 * Since: 1.0
 */
/* Checks and adds a form; FALSE (with a critical) if @boxed_type cannot
 * have one */
static gboolean
register_form (GType                   boxed_type,
               const GVariantType     *value_type,
               PpBoxedToVariantFunc    to_variant,
               PpBoxedFromVariantFunc  from_variant,
               GClosure               *to_closure,
               GClosure               *from_closure)
{
  const char *signature = g_variant_type_peek_string (value_type);
  gsize length = g_variant_type_get_string_length (value_type);
  PpBoxedForm *form;
  PpTypeTag tag;

  if (memchr (signature, 'o', length) != NULL || memchr (signature, 'h', length) != NULL)
    {
      g_critical ("%s: the value form of %s may not hold object references or handles",
                  G_STRFUNC, g_type_name (boxed_type));
      return FALSE;
    }
  if (pp_marshal_tag_for_boxed (boxed_type, &tag))
    {
      g_critical ("%s: %s has a value form of its own", G_STRFUNC, g_type_name (boxed_type));
      return FALSE;
    }

  form = g_new0 (PpBoxedForm, 1);
  form->type = boxed_type;
  form->value_type = g_variant_type_copy (value_type);
  form->signature = g_variant_type_dup_string (value_type);
  form->to_variant = to_variant;
  form->from_variant = from_variant;
  form->to_closure = to_closure;
  form->from_closure = from_closure;

  g_rw_lock_writer_lock (&forms_lock);
  if (forms == NULL)
    forms = g_hash_table_new (NULL, NULL);
  if (g_hash_table_contains (forms, GSIZE_TO_POINTER (boxed_type)))
    {
      g_rw_lock_writer_unlock (&forms_lock);
      g_critical ("%s: %s has a value form already", G_STRFUNC, g_type_name (boxed_type));
      g_variant_type_free (form->value_type);
      g_free (form->signature);
      g_free (form);
      return FALSE;
    }
  g_hash_table_insert (forms, GSIZE_TO_POINTER (boxed_type), form);
  g_rw_lock_writer_unlock (&forms_lock);
  return TRUE;
}

void
pp_boxed_register_value_form (GType                   boxed_type,
                              const GVariantType     *value_type,
                              PpBoxedToVariantFunc    to_variant,
                              PpBoxedFromVariantFunc  from_variant)
{
  g_return_if_fail (G_TYPE_IS_BOXED (boxed_type));
  g_return_if_fail (value_type != NULL && g_variant_type_is_definite (value_type));
  g_return_if_fail (to_variant != NULL && from_variant != NULL);

  register_form (boxed_type, value_type, to_variant, from_variant, NULL, NULL);
}

/**
 * pp_boxed_register_value_form_with_closures: (rename-to pp_boxed_register_value_form)
 * @boxed_type: a boxed type, e.g. `Json.Node`
 * @value_type: the #GVariantType its values cross as, a definite type
 *   without object references (`o`) or handles (`h`)
 * @to_variant: a #GClosure taking a value of @boxed_type and returning a
 *   #GVariant of @value_type, or %NULL if it cannot make one
 * @from_variant: a #GClosure taking a #GVariant of @value_type and
 *   returning a new value of @boxed_type, or %NULL if the variant does not
 *   stand for one
 *
 * [func@Pp.boxed_register_value_form] for bindings: the conversions are
 * closures, so Python and JavaScript functions can be given. In Python
 * (where this is `Pp.boxed_register_value_form`), a `Json.Node` crossing
 * as its JSON text:
 *
 * ```python
 * def node_to_variant(node):
 *     return GLib.Variant('s', Json.to_string(node, False))
 *
 * def node_from_variant(variant):
 *     try:
 *         return Json.from_string(variant.get_string())
 *     except GLib.Error:
 *         return None
 *
 * Pp.boxed_register_value_form(Json.Node, GLib.VariantType('s'),
 *                              node_to_variant, node_from_variant)
 * ```
 *
 * and in JavaScript:
 *
 * ```js
 * Pp.boxed_register_value_form(Json.Node, new GLib.VariantType('s'),
 *     node => new GLib.Variant('s', Json.to_string(node, false)),
 *     variant => Json.from_string(variant.get_string()[0]));
 * ```
 *
 * What the C function says holds here too: both sides register the same
 * form before the first listener or proxy uses the type, and a type is
 * registered once. A closure is invoked in the thread that converts the
 * value (the thread of the call, or the thread-default main context of the
 * listener or of the proxy's signals), so in JavaScript, where everything
 * runs in the main thread, proxies and listeners that use the type must
 * too. A closure that returns %NULL, a value of another type, or throws,
 * fails the call (or drops the signal) with a #PP_ERROR naming the type.
 * The closures are kept for the life of the process.
 *
 * Since: 1.0
 */
void
pp_boxed_register_value_form_with_closures (GType               boxed_type,
                                            const GVariantType *value_type,
                                            GClosure           *to_variant,
                                            GClosure           *from_variant)
{
  g_return_if_fail (G_TYPE_IS_BOXED (boxed_type));
  g_return_if_fail (value_type != NULL && g_variant_type_is_definite (value_type));
  g_return_if_fail (to_variant != NULL && from_variant != NULL);

  /* As g_object_bind_property_with_closures () does */
  g_closure_ref (to_variant);
  g_closure_sink (to_variant);
  if (G_CLOSURE_NEEDS_MARSHAL (to_variant))
    g_closure_set_marshal (to_variant, g_cclosure_marshal_generic);
  g_closure_ref (from_variant);
  g_closure_sink (from_variant);
  if (G_CLOSURE_NEEDS_MARSHAL (from_variant))
    g_closure_set_marshal (from_variant, g_cclosure_marshal_generic);

  if (!register_form (boxed_type, value_type, NULL, NULL, to_variant, from_variant))
    {
      g_closure_unref (to_variant);
      g_closure_unref (from_variant);
    }
}

GVariant *
pp_boxed_form_to_variant (const PpBoxedForm  *form,
                          gconstpointer       boxed,
                          GError            **error)
{
  GValue param = G_VALUE_INIT;
  GValue result = G_VALUE_INIT;
  GVariant *value;

  if (form->to_variant != NULL)
    {
      value = form->to_variant (boxed, error);
      return value ? g_variant_take_ref (value) : NULL;
    }

  /* Borrowed for the call: a binding copies what it keeps */
  g_value_init (&param, form->type);
  g_value_set_static_boxed (&param, boxed);
  g_value_init (&result, G_TYPE_VARIANT);
  g_closure_invoke (form->to_closure, &result, 1, &param, NULL);
  value = g_value_get_variant (&result);
  if (value != NULL)
    g_variant_ref_sink (value);
  g_value_unset (&result);
  g_value_unset (&param);
  return value;
}

gpointer
pp_boxed_form_from_variant (const PpBoxedForm  *form,
                            GVariant           *value,
                            GError            **error)
{
  GValue param = G_VALUE_INIT;
  GValue result = G_VALUE_INIT;
  gpointer boxed;

  if (form->from_variant != NULL)
    return form->from_variant (value, error);

  g_value_init (&param, G_TYPE_VARIANT);
  g_value_set_variant (&param, value);
  g_value_init (&result, form->type);
  g_closure_invoke (form->from_closure, &result, 1, &param, NULL);
  boxed = g_value_dup_boxed (&result);
  g_value_unset (&result);
  g_value_unset (&param);
  return boxed;
}

/**
 * pp_boxed_get_value_type:
 * @boxed_type: a boxed type
 *
 * The #GVariantType that values of @boxed_type cross a process boundary
 * as: the form of a type with one of its own (`GDateTime` is `(xis)`,
 * `GBytes` is `ay`, see the documentation's list), or one registered with
 * [func@Pp.boxed_register_value_form].
 *
 * Returns: (transfer none) (nullable): the type, or %NULL if values of
 *   @boxed_type cannot cross
 *
 * Since: 1.0
 */
const GVariantType *
pp_boxed_get_value_type (GType boxed_type)
{
  const PpBoxedForm *form;
  PpTypeTag tag;

  g_return_val_if_fail (G_TYPE_IS_BOXED (boxed_type), NULL);

  if (pp_marshal_tag_for_boxed (boxed_type, &tag))
    return G_VARIANT_TYPE (pp_type_rules[tag].signature);
  form = pp_boxed_lookup_form (boxed_type);
  return form ? form->value_type : NULL;
}

const PpBoxedForm *
pp_boxed_lookup_form (GType type)
{
  const PpBoxedForm *form = NULL;

  g_rw_lock_reader_lock (&forms_lock);
  if (forms != NULL)
    form = g_hash_table_lookup (forms, GSIZE_TO_POINTER (type));
  g_rw_lock_reader_unlock (&forms_lock);
  return form;
}
