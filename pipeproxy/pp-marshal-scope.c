/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-marshal-rules-private.h"

/* What an invocation leaves to release once it is over, and what it
 * carries along: the descriptors and objects that travel with its values. */

typedef struct
{
  GDestroyNotify notify;
  gpointer       data;
  GType          boxed_type;  /* freed with g_boxed_free() instead */
} ScopeEntry;

PpMarshalScope *
pp_marshal_scope_new (void)
{
  PpMarshalScope *scope = g_new0 (PpMarshalScope, 1);

  scope->entries = g_array_new (FALSE, FALSE, sizeof (ScopeEntry));
  return scope;
}

void
pp_marshal_scope_free (PpMarshalScope *scope)
{
  if (scope == NULL)
    return;

  for (guint i = scope->entries->len; i > 0; i--)
    {
      ScopeEntry *entry = &g_array_index (scope->entries, ScopeEntry, i - 1);

      if (entry->boxed_type != 0)
        g_boxed_free (entry->boxed_type, entry->data);
      else
        entry->notify (entry->data);
    }
  g_array_unref (scope->entries);
  g_clear_object (&scope->in_fds);
  g_clear_object (&scope->out_fds);
  g_clear_pointer (&scope->out_objects, g_ptr_array_unref);
  g_free (scope);
}

/* The descriptors that came with the values read */
void
pp_marshal_scope_set_in_fds (PpMarshalScope *scope,
                             GUnixFDList    *fds)
{
  g_set_object (&scope->in_fds, fds);
}

/* The descriptors that must go with the values written, or NULL */
GUnixFDList *
pp_marshal_scope_steal_out_fds (PpMarshalScope *scope)
{
  return g_steal_pointer (&scope->out_fds);
}

void
pp_marshal_scope_set_in_objects (PpMarshalScope *scope,
                                 GPtrArray      *objects)
{
  scope->in_objects = objects;
}

GPtrArray *
pp_marshal_scope_steal_out_objects (PpMarshalScope *scope)
{
  return g_steal_pointer (&scope->out_objects);
}

void
pp_marshal_scope_set_instance (PpMarshalScope *scope,
                               GObject        *instance)
{
  scope->instance = instance;
}

void
pp_marshal_scope_add (PpMarshalScope *scope,
                      GDestroyNotify  notify,
                      gpointer        data)
{
  ScopeEntry entry = { notify, data, 0 };

  if (data != NULL)
    g_array_append_val (scope->entries, entry);
}

static void
scope_add_boxed (PpMarshalScope *scope,
                 GType           type,
                 gpointer        data)
{
  ScopeEntry entry = { NULL, data, type };

  if (data != NULL)
    g_array_append_val (scope->entries, entry);
}

/* A new value that the scope frees, unless it is handed over */
gboolean
pp_marshal_keep_new (const PpTypeDesc  *desc,
                     gpointer           data,
                     PpTransfer         transfer,
                     PpMarshalScope    *scope,
                     PpArgValue        *value)
{
  value->v_pointer = data;
  if (transfer != PP_TRANSFER_NONE)
    return TRUE;
  if (desc->tag == PP_TAG_BOXED)
    scope_add_boxed (scope, desc->gtype, data);
  else
    pp_marshal_scope_add (scope, pp_type_rules[desc->tag].release, data);
  return TRUE;
}
