/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-boxed-ref-private.h"
#include "pp-marshal-private.h"

struct _PpBoxedRef
{
  GObject   parent_instance;
  GType     type;
  gpointer  boxed;
  GObject  *source;
};

G_DEFINE_FINAL_TYPE (PpBoxedRef, pp_boxed_ref, G_TYPE_OBJECT)

static void
pp_boxed_ref_finalize (GObject *object)
{
  PpBoxedRef *self = PP_BOXED_REF (object);

  g_boxed_free (self->type, self->boxed);
  /* After the value: it may point into its source */
  g_clear_object (&self->source);

  G_OBJECT_CLASS (pp_boxed_ref_parent_class)->finalize (object);
}

static void
pp_boxed_ref_class_init (PpBoxedRefClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pp_boxed_ref_finalize;
}

static void
pp_boxed_ref_init (PpBoxedRef *self)
{
}

GObject *
pp_boxed_ref_new (GType          type,
                  gconstpointer  boxed,
                  GObject       *source)
{
  PpBoxedRef *self;

  g_return_val_if_fail (G_TYPE_IS_BOXED (type) && boxed != NULL, NULL);

  self = g_object_new (PP_TYPE_BOXED_REF, NULL);
  self->type = type;
  self->boxed = g_boxed_copy (type, boxed);
  /* A reference made by a reference's method keeps what that one kept */
  if (source != NULL && PP_IS_BOXED_REF (source))
    source = PP_BOXED_REF (source)->source;
  self->source = source ? g_object_ref (source) : NULL;
  return G_OBJECT (self);
}

GType
pp_boxed_ref_get_boxed_type (PpBoxedRef *self)
{
  return self->type;
}

gpointer
pp_boxed_ref_get_boxed (PpBoxedRef *self)
{
  return self->boxed;
}

GType
pp_boxed_ref_method_type (GObject *object)
{
  return PP_IS_BOXED_REF (object) ? PP_BOXED_REF (object)->type : G_OBJECT_TYPE (object);
}

gpointer
pp_boxed_ref_instance (GObject *object)
{
  return PP_IS_BOXED_REF (object) ? PP_BOXED_REF (object)->boxed : (gpointer) object;
}

gboolean
pp_boxed_ref_is_referenced (GType type)
{
  PpTypeTag tag;

  return G_TYPE_IS_BOXED (type) && type != G_TYPE_BOXED && type != G_TYPE_CLOSURE &&
         !G_TYPE_IS_ABSTRACT (type) &&
         !pp_marshal_tag_for_boxed (type, &tag) && pp_boxed_lookup_form (type) == NULL;
}
