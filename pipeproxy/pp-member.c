/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-enums.h"
#include "pp-member-private.h"

/**
 * PpMember:
 *
 * One method, signal or property of the object a [class@Pp.Proxy] stands
 * for, as the listener described it in the handshake. Lists of them come
 * from [method@Pp.Proxy.list_methods], [method@Pp.Proxy.list_signals] and
 * [method@Pp.Proxy.list_properties].
 *
 * Members are immutable and may be used from any thread.
 *
 * Since: 1.0
 */
struct _PpMember
{
  GObject       parent_instance;

  PpMemberKind  kind;
  char         *name;
  char         *signature;
  char         *out_signature;
  guint         flags;
  gboolean      throws;
  char         *detail;
  gboolean      available;
};

G_DEFINE_FINAL_TYPE (PpMember, pp_member, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KIND,
  PROP_NAME,
  PROP_SIGNATURE,
  PROP_OUT_SIGNATURE,
  PROP_FLAGS,
  PROP_THROWS,
  PROP_DETAIL,
  PROP_AVAILABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pp_member_finalize (GObject *object)
{
  PpMember *self = PP_MEMBER (object);

  g_free (self->name);
  g_free (self->signature);
  g_free (self->out_signature);
  g_free (self->detail);

  G_OBJECT_CLASS (pp_member_parent_class)->finalize (object);
}

static void
pp_member_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PpMember *self = PP_MEMBER (object);

  switch (prop_id)
    {
    case PROP_KIND:          g_value_set_enum (value, self->kind); break;
    case PROP_NAME:          g_value_set_string (value, self->name); break;
    case PROP_SIGNATURE:     g_value_set_string (value, self->signature); break;
    case PROP_OUT_SIGNATURE: g_value_set_string (value, self->out_signature); break;
    case PROP_FLAGS:         g_value_set_uint (value, self->flags); break;
    case PROP_THROWS:        g_value_set_boolean (value, self->throws); break;
    case PROP_DETAIL:        g_value_set_string (value, self->detail); break;
    case PROP_AVAILABLE:     g_value_set_boolean (value, self->available); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_member_class_init (PpMemberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = pp_member_finalize;
  object_class->get_property = pp_member_get_property;

  /**
   * PpMember:kind:
   *
   * Whether this is a method, a signal or a property.
   *
   * Since: 1.0
   */
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, PP_TYPE_MEMBER_KIND,
                                             PP_MEMBER_METHOD, flags);
  /**
   * PpMember:name:
   *
   * The name: `get_n_items`, `changed`, `enabled`.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /**
   * PpMember:signature:
   *
   * A GVariant type string: a method's arguments or a signal's, as a
   * tuple; a property's value. Empty when the member cannot cross.
   *
   * Since: 1.0
   */
  properties[PROP_SIGNATURE] = g_param_spec_string ("signature", NULL, NULL, NULL, flags);
  /**
   * PpMember:out-signature:
   *
   * A method's result tuple; empty for signals and properties.
   *
   * Since: 1.0
   */
  properties[PROP_OUT_SIGNATURE] = g_param_spec_string ("out-signature", NULL, NULL, NULL, flags);
  /**
   * PpMember:flags:
   *
   * A signal's #GSignalFlags or a property's #GParamFlags, as the remote
   * object has them; 0 for methods.
   *
   * Since: 1.0
   */
  properties[PROP_FLAGS] = g_param_spec_uint ("flags", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /**
   * PpMember:throws:
   *
   * Whether a method can fail with a #GError of its own.
   *
   * Since: 1.0
   */
  properties[PROP_THROWS] = g_param_spec_boolean ("throws", NULL, NULL, FALSE, flags);
  /**
   * PpMember:detail:
   *
   * For a method, how it is dispatched: `introspected`, `async` (an
   * `x_async()`/`x_finish()` pair), `action-signal` or `added`. For a property, the remote value type name. For a member that
   * is not available, why.
   *
   * Since: 1.0
   */
  properties[PROP_DETAIL] = g_param_spec_string ("detail", NULL, NULL, NULL, flags);
  /**
   * PpMember:available:
   *
   * Whether the proxy mirrors it (signals, properties) or can call it.
   *
   * Since: 1.0
   */
  properties[PROP_AVAILABLE] = g_param_spec_boolean ("available", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pp_member_init (PpMember *self)
{
}

PpMember *
pp_member_new (PpMemberKind  kind,
               const char   *name,
               const char   *signature,
               const char   *out_signature,
               guint         flags,
               gboolean      throws,
               const char   *detail,
               gboolean      available)
{
  PpMember *self = g_object_new (PP_TYPE_MEMBER, NULL);

  self->kind = kind;
  self->name = g_strdup (name);
  self->signature = g_strdup (signature ? signature : "");
  self->out_signature = g_strdup (out_signature ? out_signature : "");
  self->flags = flags;
  self->throws = throws;
  self->detail = g_strdup (detail ? detail : "");
  self->available = available;
  return self;
}

/**
 * pp_member_get_kind:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:kind].
 *
 * Returns: the value of [property@Pp.Member:kind]
 *
 * Since: 1.0
 */
PpMemberKind
pp_member_get_kind (PpMember *self)
{
  g_return_val_if_fail (PP_IS_MEMBER (self), PP_MEMBER_METHOD);
  return self->kind;
}

/**
 * pp_member_get_name:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:name].
 *
 * Returns: the value of [property@Pp.Member:name]
 *
 * Since: 1.0
 */
const char *
pp_member_get_name (PpMember *self)
{
  g_return_val_if_fail (PP_IS_MEMBER (self), NULL);
  return self->name;
}

/**
 * pp_member_get_signature:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:signature].
 *
 * Returns: the value of [property@Pp.Member:signature]
 *
 * Since: 1.0
 */
const char *
pp_member_get_signature (PpMember *self)
{
  g_return_val_if_fail (PP_IS_MEMBER (self), NULL);
  return self->signature;
}

/**
 * pp_member_get_out_signature:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:out-signature].
 *
 * Returns: the value of [property@Pp.Member:out-signature]
 *
 * Since: 1.0
 */
const char *
pp_member_get_out_signature (PpMember *self)
{
  g_return_val_if_fail (PP_IS_MEMBER (self), NULL);
  return self->out_signature;
}

/**
 * pp_member_get_flags:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:flags].
 *
 * Returns: the value of [property@Pp.Member:flags]
 *
 * Since: 1.0
 */
guint
pp_member_get_flags (PpMember *self)
{
  g_return_val_if_fail (PP_IS_MEMBER (self), 0);
  return self->flags;
}

/**
 * pp_member_get_throws:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:throws].
 *
 * Returns: the value of [property@Pp.Member:throws]
 *
 * Since: 1.0
 */
gboolean
pp_member_get_throws (PpMember *self)
{
  g_return_val_if_fail (PP_IS_MEMBER (self), FALSE);
  return self->throws;
}

/**
 * pp_member_get_detail:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:detail].
 *
 * Returns: the value of [property@Pp.Member:detail]
 *
 * Since: 1.0
 */
const char *
pp_member_get_detail (PpMember *self)
{
  g_return_val_if_fail (PP_IS_MEMBER (self), NULL);
  return self->detail;
}

/**
 * pp_member_get_available:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:available].
 *
 * Returns: the value of [property@Pp.Member:available]
 *
 * Since: 1.0
 */
gboolean
pp_member_get_available (PpMember *self)
{
  g_return_val_if_fail (PP_IS_MEMBER (self), FALSE);
  return self->available;
}
