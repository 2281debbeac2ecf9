/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

G_BEGIN_DECLS

/* How a C value of a described type becomes a GVariant and back: one
 * table of type rules, one row per tag. Descriptions come from the
 * introspection unit (which reads typelibs) or from GTypes (signals and
 * properties); this unit knows nothing of libgirepository.
 *
 * pp-marshal-gi.c converts values laid out as GIArguments (PpArgValue),
 * with the table's conversions in pp-marshal-<kind>.c (see
 * pp-marshal-rules-private.h); pp-marshal-value.c converts GValues through
 * the same rules. */

typedef enum
{
  PP_TAG_BOOLEAN,
  PP_TAG_INT8,
  PP_TAG_UINT8,
  PP_TAG_INT16,
  PP_TAG_UINT16,
  PP_TAG_INT32,
  PP_TAG_UINT32,
  PP_TAG_INT64,
  PP_TAG_UINT64,
  PP_TAG_FLOAT,
  PP_TAG_DOUBLE,
  PP_TAG_UNICHAR,
  PP_TAG_STRING,        /* utf8 */
  PP_TAG_FILENAME,      /* nul-terminated bytes */
  PP_TAG_GTYPE,         /* by name */
  PP_TAG_ENUM,
  PP_TAG_FLAGS,
  PP_TAG_VARIANT,
  PP_TAG_BYTES,         /* GBytes */
  PP_TAG_BYTE_ARRAY,    /* GByteArray */
  PP_TAG_STRV,          /* zero-terminated char ** */
  PP_TAG_C_ARRAY,       /* C array of @element: a length argument, a fixed size or a terminator */
  PP_TAG_INPUT_STREAM,  /* GInputStream, as a descriptor ('h') read from */
  PP_TAG_OUTPUT_STREAM, /* GOutputStream, as a descriptor ('h') written to */
  PP_TAG_DATE_TIME,     /* GDateTime: unix µs, UTC offset, zone identifier */
  PP_TAG_VARIANT_TYPE,  /* GVariantType: its type string */
  PP_TAG_ERROR,         /* GError: domain, code, message */
  PP_TAG_VALUE,         /* GValue: its type's name and its value, if any */
  PP_TAG_BOXED,         /* a boxed type with a registered value form (@form) */
  PP_TAG_LIST,          /* GList of @element */
  PP_TAG_SLIST,         /* GSList of @element */
  PP_TAG_PTR_ARRAY,     /* GPtrArray of @element */
  PP_TAG_HASH_TABLE,    /* GHashTable of @key to @element */
  PP_TAG_OBJECT,        /* a GObject of @gtype (a class or an interface), by reference ('o') */
  PP_TAG_BOXED_REF,     /* a boxed value of @gtype with no value form, by reference ('o') */
  PP_TAG_OUTPUT_VECTOR, /* GOutputVector, only as an item of a C array: its bytes ('ay') */
  PP_TAG_LAST = PP_TAG_OUTPUT_VECTOR,
} PpTypeTag;

typedef enum
{
  PP_TRANSFER_NONE,
  PP_TRANSFER_CONTAINER,
  PP_TRANSFER_FULL,
} PpTransfer;

/* Same storage as GIArgument: every member starts at offset 0. */
typedef union
{
  gboolean  v_boolean;
  gint8     v_int8;
  guint8    v_uint8;
  gint16    v_int16;
  guint16   v_uint16;
  gint32    v_int32;
  guint32   v_uint32;
  gint64    v_int64;
  guint64   v_uint64;
  gfloat    v_float;
  gdouble   v_double;
  gshort    v_short;
  gushort   v_ushort;
  gint      v_int;
  guint     v_uint;
  glong     v_long;
  gulong    v_ulong;
  gssize    v_ssize;
  gsize     v_size;
  gchar    *v_string;
  gpointer  v_pointer;
} PpArgValue;

typedef struct _PpTypeDesc PpTypeDesc;

/* A value form registered with pp_boxed_register_value_form() (the
 * functions) or pp_boxed_register_value_form_with_closures() (the
 * closures, from a binding) */
typedef struct
{
  GType                   type;
  GVariantType           *value_type;
  char                   *signature;
  /* PpBoxedToVariantFunc, PpBoxedFromVariantFunc */
  GVariant              *(*to_variant)   (gconstpointer   boxed,
                                          GError        **error);
  gpointer               (*from_variant) (GVariant       *value,
                                          GError        **error);
  GClosure               *to_closure;
  GClosure               *from_closure;
} PpBoxedForm;

const PpBoxedForm *pp_boxed_lookup_form (GType type);
/* The value form of @boxed: a new reference (not floating), or NULL with
 * @error set when the form's function or closure gave none */
GVariant          *pp_boxed_form_to_variant   (const PpBoxedForm  *form,
                                               gconstpointer       boxed,
                                               GError            **error);
/* A new boxed value from @value (of the form's type), or NULL with @error
 * set */
gpointer           pp_boxed_form_from_variant (const PpBoxedForm  *form,
                                               GVariant           *value,
                                               GError            **error);

struct _PpTypeDesc
{
  PpTypeTag   tag;
  guint       nullable : 1;
  guint       zero_terminated : 1;
  /* ENUM and FLAGS: the registered type, or G_TYPE_NONE with the values
   * below taken from the typelib; OBJECT: the class or interface expected */
  GType       gtype;
  gint64     *enum_values;
  guint       n_enum_values;
  guint64     flags_mask;
  /* BOXED: the registered value form (of @gtype) */
  const PpBoxedForm *form;
  /* C_ARRAY, LIST, SLIST, PTR_ARRAY, HASH_TABLE (its values) */
  PpTypeDesc *element;
  PpTypeDesc *key;         /* HASH_TABLE */
  int         length_arg;  /* index of the C argument holding the length, or -1 */
  int         fixed_size;  /* or -1 */
  PpTypeTag   length_tag;  /* integer type of the length argument */
};

PpTypeDesc *pp_type_desc_new               (PpTypeTag            tag);
void        pp_type_desc_free              (PpTypeDesc          *desc);
void        pp_type_desc_append_signature  (const PpTypeDesc    *desc,
                                            GString             *signature);
const char *pp_type_tag_to_string          (PpTypeTag            tag);

/* Things to release after an invocation, and the descriptors and objects
 * that travel with it: streams become indexes ('h') into the descriptor
 * lists, objects paths ("/N", 'o') into the object lists. */
typedef struct _PpMarshalScope PpMarshalScope;

typedef enum
{
  PP_RULE_POINTER   = 1 << 0, /* the value is a pointer: NULL is a value */
  PP_RULE_NULLABLE  = 1 << 1, /* may cross as a maybe, for NULL */
  PP_RULE_CONTAINER = 1 << 2, /* a C array of it cannot cross */
  PP_RULE_STREAM    = 1 << 3, /* a descriptor: a C array of it cannot cross */
  PP_RULE_RAW_ARRAY = 1 << 4, /* a C array of it is laid out as its GVariant array */
  PP_RULE_NUMBER    = 1 << 5, /* a fixed-size basic GVariant type */
  PP_RULE_LENGTH    = 1 << 6, /* may hold the length of a C array */
  PP_RULE_EMPTY_NULL = 1 << 7, /* NULL is the empty value (a GList), never a maybe */
  PP_RULE_IN_POINTER = 1 << 8, /* may be an item of a GList, GPtrArray or GHashTable */
  PP_RULE_DICT_KEY  = 1 << 9, /* may be the key of a GHashTable */
} PpTypeRuleFlags;

/* The conversions of one row; the value is not NULL, nor a maybe */
typedef GVariant *PpRuleToVariantFunc   (const PpTypeDesc  *desc,
                                         const PpArgValue  *value,
                                         gsize              length,
                                         PpMarshalScope    *scope,
                                         GError           **error);
typedef gboolean  PpRuleFromVariantFunc (const PpTypeDesc  *desc,
                                         GVariant          *variant,
                                         PpTransfer         transfer,
                                         PpMarshalScope    *scope,
                                         PpArgValue        *value,
                                         gsize             *length,
                                         GError           **error);

typedef struct
{
  const char            *name;
  const char            *signature;  /* NULL for a C array: 'a' and its element's */
  guint8                 size;       /* of one item of a C array */
  PpTypeRuleFlags        flags;
  PpRuleToVariantFunc   *to_variant;
  PpRuleFromVariantFunc *from_variant;
  /* What frees a value handed over in full, for a pointer */
  GDestroyNotify         release;
} PpTypeRule;

extern const PpTypeRule pp_type_rules[PP_TAG_LAST + 1];

PpMarshalScope *pp_marshal_scope_new       (void);
void            pp_marshal_scope_set_in_fds (PpMarshalScope     *scope,
                                             GUnixFDList        *fds);
GUnixFDList    *pp_marshal_scope_steal_out_fds (PpMarshalScope  *scope);
/* The objects that came with the values read (borrowed: the list must
 * outlive the scope), and the ones the values written refer to */
void            pp_marshal_scope_set_in_objects (PpMarshalScope    *scope,
                                                 GPtrArray         *objects);
GPtrArray      *pp_marshal_scope_steal_out_objects (PpMarshalScope *scope);
/* The object whose method gives the values written (borrowed): a boxed
 * value it gives by reference keeps it alive */
void            pp_marshal_scope_set_instance (PpMarshalScope     *scope,
                                               GObject            *instance);
void            pp_marshal_scope_free      (PpMarshalScope      *scope);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpMarshalScope, pp_marshal_scope_free)
void            pp_marshal_scope_add       (PpMarshalScope      *scope,
                                            GDestroyNotify       notify,
                                            gpointer             data);

GVariant   *pp_marshal_to_variant          (const PpTypeDesc    *desc,
                                            const PpArgValue    *value,
                                            gsize                length,
                                            PpMarshalScope      *scope,
                                            GError             **error);
gboolean    pp_marshal_from_variant        (const PpTypeDesc    *desc,
                                            GVariant            *variant,
                                            PpTransfer           transfer,
                                            PpMarshalScope      *scope,
                                            PpArgValue          *value,
                                            gsize               *length,
                                            GError             **error);
void        pp_marshal_free_value          (const PpTypeDesc    *desc,
                                            PpArgValue          *value,
                                            gsize                length,
                                            PpTransfer           transfer);
/* Where a value of type @got may stand for one of @expected: a plain value
 * where a maybe is expected (arguments: "(ss)" for "(msms)", at any
 * depth); or, with @null_items, a result tuple with a maybe where a plain
 * item is expected, and nothing else different (a result whose typelib
 * forgot (nullable): "(ms)" for "(s)"). Exact types are the caller's fast
 * path. */
gboolean    pp_marshal_type_fits           (const GVariantType  *got,
                                            const GVariantType  *expected,
                                            gboolean             null_items);
/* @value, of a type that fits @expected without @null_items, as a value of
 * @expected: new maybes around plain values. A new reference. */
GVariant   *pp_marshal_widen               (GVariant            *value,
                                            const GVariantType  *expected);
/* The row for a boxed type with a value form of its own (GDateTime, GError,
 * GBytes…), not a registered one */
gboolean    pp_marshal_tag_for_boxed       (GType                type,
                                            PpTypeTag           *tag);
/* A desc for a boxed type with a value form, built in or registered;
 * NULL if it has none */
PpTypeDesc *pp_marshal_desc_for_boxed      (GType                type);
gboolean    pp_marshal_read_length         (PpTypeTag            tag,
                                            const PpArgValue    *value,
                                            gsize               *length);
void        pp_marshal_write_length        (PpTypeTag            tag,
                                            gsize                length,
                                            PpArgValue          *value);
/* A number straight from its serialised bytes, little-endian as on the
 * wire; FALSE if it is not a value of @desc */
gboolean    pp_marshal_number_from_data    (const PpTypeDesc    *desc,
                                            const guint8        *data,
                                            PpArgValue          *value);
/* A stream crosses as a descriptor appended to *@out_fds (made when
 * needed), and comes back from one of @in_fds */
GVariant   *pp_marshal_stream_to_handle    (GObject             *stream,
                                            GUnixFDList        **out_fds,
                                            GError             **error);
GObject    *pp_marshal_stream_from_handle  (gboolean             input,
                                            GVariant            *variant,
                                            GUnixFDList         *in_fds,
                                            GError             **error);

/* An object crosses as "/N", N its index in *@out_objects (made when
 * needed, holding a reference), and comes back from @in_objects, where it
 * must be a @type */
GVariant   *pp_marshal_object_to_path      (GObject             *object,
                                            GPtrArray          **out_objects,
                                            GError             **error);
GObject    *pp_marshal_object_from_path    (GVariant            *variant,
                                            GType                type,
                                            GPtrArray           *in_objects,
                                            GError             **error);

/* GValue rules, for action signals, signals and properties */
gboolean    pp_marshal_gtype_signature     (GType                type,
                                            GString             *signature,
                                            GError             **error);
GVariant   *pp_marshal_value_to_variant    (const GValue        *value,
                                            GError             **error);
gboolean    pp_marshal_value_from_variant  (GVariant            *variant,
                                            GType                type,
                                            GValue              *value,
                                            GError             **error);
/* A value that may be NULL (a property's), as a maybe of its GVariant */
GVariant   *pp_marshal_value_to_maybe      (const GValue        *value,
                                            GError             **error);
gboolean    pp_marshal_value_from_maybe    (GVariant            *maybe,
                                            GType                type,
                                            GValue              *value,
                                            GError             **error);
gboolean    pp_marshal_value_from_serialised (GType              type,
                                              const char        *signature,
                                              gsize              signature_length,
                                              const guint8      *data,
                                              gsize              size,
                                              GValue            *value);
GType       pp_marshal_gtype_for_signature (const char          *signature,
                                            const char          *type_name);
/* A property's values: by value as pp_marshal_gtype_signature() says, or
 * "o" for an object or a boxed value with no value form, whose values are
 * references read when asked for (GET_PROPERTY, through
 * pp_marshal_value_to_nullable()) rather than cached */
gboolean    pp_marshal_property_signature  (GType                type,
                                            GString             *signature,
                                            GError             **error);
/* Signal arguments: a string, boxed or variant one may be NULL, so it
 * travels as a maybe ("ms", "mv", "mas"…); a GInputStream or GOutputStream
 * one as a maybe handle into the descriptors of @scope; an object, or a
 * boxed value with no value form, as a maybe reference ("mo") into the
 * objects of @scope (see pp_marshal_object_to_path()). Coming back, an
 * object is any GObject @scope's objects hold (the proxies of the peer's,
 * its own objects passed back). */
gboolean    pp_marshal_gtype_nullable_signature (GType           type,
                                                 GString        *signature,
                                                 GError        **error);
GVariant   *pp_marshal_value_to_nullable   (const GValue        *value,
                                            PpMarshalScope      *scope,
                                            GError             **error);
gboolean    pp_marshal_value_from_nullable (GVariant            *variant,
                                            GType                type,
                                            PpMarshalScope      *scope,
                                            GValue              *value,
                                            GError             **error);

G_END_DECLS
