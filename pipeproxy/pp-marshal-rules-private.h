/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-marshal-private.h"

G_BEGIN_DECLS

/* Inside the GIArgument marshaller: the conversions the rows of
 * pp_type_rules (pp-marshal-gi.c) point to, a file for each kind of value,
 * and what those files share. */

struct _PpMarshalScope
{
  GArray      *entries;
  GUnixFDList *in_fds;
  GUnixFDList *out_fds;
  GPtrArray   *in_objects;   /* borrowed */
  GPtrArray   *out_objects;
  GObject     *instance;     /* borrowed */
};

/* The signature of a value of @desc that is not NULL: a nullable one's
 * without its maybe */
char    *pp_type_desc_dup_value_signature (const PpTypeDesc *desc);
/* @data as *@value; the scope frees it unless it is handed over */
gboolean pp_marshal_keep_new           (const PpTypeDesc  *desc,
                                        gpointer           data,
                                        PpTransfer         transfer,
                                        PpMarshalScope    *scope,
                                        PpArgValue        *value);
/* A C array's items handed over with it, freed */
void     pp_marshal_free_array_items   (const PpTypeDesc  *desc,
                                        gpointer          *items,
                                        gsize              length);
/* A GList or GSList, and with @items its items */
void     pp_marshal_free_list          (const PpTypeDesc  *desc,
                                        gpointer           list,
                                        gboolean           items);

/* pp-marshal-number.c: Numbers, enumerations and flags */
PpRuleToVariantFunc   pp_rule_number_to_variant;
PpRuleFromVariantFunc pp_rule_number_from_variant;

/* pp-marshal-string.c: Strings, GVariants, GBytes, GByteArrays, string arrays */
PpRuleToVariantFunc   pp_rule_gtype_to_variant;
PpRuleFromVariantFunc pp_rule_gtype_from_variant;
PpRuleToVariantFunc   pp_rule_string_to_variant;
PpRuleFromVariantFunc pp_rule_string_from_variant;
PpRuleToVariantFunc   pp_rule_filename_to_variant;
PpRuleFromVariantFunc pp_rule_filename_from_variant;
PpRuleToVariantFunc   pp_rule_variant_to_variant;
PpRuleFromVariantFunc pp_rule_variant_from_variant;
PpRuleToVariantFunc   pp_rule_bytes_to_variant;
PpRuleFromVariantFunc pp_rule_bytes_from_variant;
PpRuleToVariantFunc   pp_rule_byte_array_to_variant;
PpRuleFromVariantFunc pp_rule_byte_array_from_variant;
PpRuleToVariantFunc   pp_rule_strv_to_variant;
PpRuleFromVariantFunc pp_rule_strv_from_variant;

/* pp-marshal-reference.c: Streams (descriptors) and objects (paths) */
PpRuleToVariantFunc   pp_rule_stream_to_variant;
PpRuleFromVariantFunc pp_rule_stream_from_variant;
PpRuleToVariantFunc   pp_rule_object_to_variant;
PpRuleFromVariantFunc pp_rule_object_from_variant;
PpRuleToVariantFunc   pp_rule_boxed_ref_to_variant;
PpRuleFromVariantFunc pp_rule_boxed_ref_from_variant;

/* pp-marshal-array.c: C arrays, and GOutputVectors as their items */
PpRuleToVariantFunc   pp_rule_array_to_variant;
PpRuleFromVariantFunc pp_rule_array_from_variant;
PpRuleToVariantFunc   pp_rule_output_vector_to_variant;
PpRuleFromVariantFunc pp_rule_output_vector_from_variant;

/* pp-marshal-boxed.c: Boxed values with a value form */
PpRuleToVariantFunc   pp_rule_date_time_to_variant;
PpRuleFromVariantFunc pp_rule_date_time_from_variant;
PpRuleToVariantFunc   pp_rule_variant_type_to_variant;
PpRuleFromVariantFunc pp_rule_variant_type_from_variant;
PpRuleToVariantFunc   pp_rule_error_to_variant;
PpRuleFromVariantFunc pp_rule_error_from_variant;
PpRuleToVariantFunc   pp_rule_value_to_variant;
PpRuleFromVariantFunc pp_rule_value_from_variant;
PpRuleToVariantFunc   pp_rule_boxed_to_variant;
PpRuleFromVariantFunc pp_rule_boxed_from_variant;

/* pp-marshal-container.c: GList and GSList, GPtrArray, GHashTable */
PpRuleToVariantFunc   pp_rule_list_to_variant;
PpRuleFromVariantFunc pp_rule_list_from_variant;
PpRuleToVariantFunc   pp_rule_ptr_array_to_variant;
PpRuleFromVariantFunc pp_rule_ptr_array_from_variant;
PpRuleToVariantFunc   pp_rule_hash_table_to_variant;
PpRuleFromVariantFunc pp_rule_hash_table_from_variant;

G_END_DECLS
