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
 * so bindings cannot implement them.
 *
 * Since: 1.0
 */
void
pp_boxed_register_value_form (GType                   boxed_type,
                              const GVariantType     *value_type,
                              PpBoxedToVariantFunc    to_variant,
                              PpBoxedFromVariantFunc  from_variant)
{
  const char *signature;
  PpBoxedForm *form;
  PpTypeTag tag;

  g_return_if_fail (G_TYPE_IS_BOXED (boxed_type));
  g_return_if_fail (value_type != NULL && g_variant_type_is_definite (value_type));
  g_return_if_fail (to_variant != NULL && from_variant != NULL);

  signature = g_variant_type_peek_string (value_type);
  if (memchr (signature, 'o', g_variant_type_get_string_length (value_type)) != NULL ||
      memchr (signature, 'h', g_variant_type_get_string_length (value_type)) != NULL)
    {
      g_critical ("%s: the value form of %s may not hold object references or handles",
                  G_STRFUNC, g_type_name (boxed_type));
      return;
    }
  if (pp_marshal_tag_for_boxed (boxed_type, &tag))
    {
      g_critical ("%s: %s has a value form of its own", G_STRFUNC, g_type_name (boxed_type));
      return;
    }

  form = g_new0 (PpBoxedForm, 1);
  form->type = boxed_type;
  form->value_type = g_variant_type_copy (value_type);
  form->signature = g_variant_type_dup_string (value_type);
  form->to_variant = to_variant;
  form->from_variant = from_variant;

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
      return;
    }
  g_hash_table_insert (forms, GSIZE_TO_POINTER (boxed_type), form);
  g_rw_lock_writer_unlock (&forms_lock);
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
