/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-enums.h"
#include "pp-member.h"
#include "pp-mirror-private.h"

/**
 * PpMember:
 *
 * One method, signal or property of the object a [class@Pp.Proxy] stands
 * for, as the listener described it in the handshake: a
 * [class@Pp.MethodMember], [class@Pp.SignalMember] or
 * [class@Pp.PropertyMember]. Lists of them come from
 * [method@Pp.Proxy.list_methods], [method@Pp.Proxy.list_signals] and
 * [method@Pp.Proxy.list_properties].
 *
 * Members are immutable and may be used from any thread.
 *
 * Since: 1.0
 */
typedef struct
{
  char     *name;
  char     *unavailable_reason;
} PpMemberPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PpMember, pp_member, G_TYPE_OBJECT)

enum {
  MEMBER_PROP_0,
  MEMBER_PROP_NAME,
  MEMBER_PROP_AVAILABLE,
  MEMBER_PROP_UNAVAILABLE_REASON,
  MEMBER_N_PROPS
};

static GParamSpec *member_properties[MEMBER_N_PROPS];

#define READ_ONLY (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)

static void
pp_member_finalize (GObject *object)
{
  PpMemberPrivate *priv = pp_member_get_instance_private (PP_MEMBER (object));

  g_free (priv->name);
  g_free (priv->unavailable_reason);

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
    case MEMBER_PROP_NAME:
      g_value_set_string (value, pp_member_get_name (self));
      break;
    case MEMBER_PROP_AVAILABLE:
      g_value_set_boolean (value, pp_member_get_available (self));
      break;
    case MEMBER_PROP_UNAVAILABLE_REASON:
      g_value_set_string (value, pp_member_get_unavailable_reason (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_member_class_init (PpMemberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pp_member_finalize;
  object_class->get_property = pp_member_get_property;

  /**
   * PpMember:name:
   *
   * The name: `get_n_items`, `changed`, `enabled`.
   *
   * Since: 1.0
   */
  member_properties[MEMBER_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, READ_ONLY);
  /**
   * PpMember:available:
   *
   * Whether the proxy can call it (methods are), or mirrors it (signals,
   * properties): connect to the signal, read the property as the proxy's
   * own.
   *
   * Since: 1.0
   */
  member_properties[MEMBER_PROP_AVAILABLE] =
    g_param_spec_boolean ("available", NULL, NULL, FALSE, READ_ONLY);
  /**
   * PpMember:unavailable-reason:
   *
   * Why the member is not available, e.g. an argument type that cannot
   * cross; %NULL when it is.
   *
   * Since: 1.0
   */
  member_properties[MEMBER_PROP_UNAVAILABLE_REASON] =
    g_param_spec_string ("unavailable-reason", NULL, NULL, NULL, READ_ONLY);

  g_object_class_install_properties (object_class, MEMBER_N_PROPS, member_properties);
}

static void
pp_member_init (PpMember *self)
{
}

static gpointer
member_new (GType       type,
            const char *name,
            const char *unavailable_reason)
{
  PpMember *self = g_object_new (type, NULL);
  PpMemberPrivate *priv = pp_member_get_instance_private (self);

  priv->name = g_strdup (name);
  priv->unavailable_reason = g_strdup (unavailable_reason);
  return self;
}

/**
 * pp_member_get_name:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:name].
 *
 * Returns: the name
 *
 * Since: 1.0
 */
const char *
pp_member_get_name (PpMember *self)
{
  PpMemberPrivate *priv = pp_member_get_instance_private (self);

  g_return_val_if_fail (PP_IS_MEMBER (self), NULL);
  return priv->name;
}

/**
 * pp_member_get_available:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:available].
 *
 * Returns: whether the proxy can call or mirrors the member
 *
 * Since: 1.0
 */
gboolean
pp_member_get_available (PpMember *self)
{
  PpMemberPrivate *priv = pp_member_get_instance_private (self);

  g_return_val_if_fail (PP_IS_MEMBER (self), FALSE);
  return priv->unavailable_reason == NULL;
}

/**
 * pp_member_get_unavailable_reason:
 * @self: a #PpMember
 *
 * Gets [property@Pp.Member:unavailable-reason].
 *
 * Returns: (nullable): why the member is not available, or %NULL when it is
 *
 * Since: 1.0
 */
const char *
pp_member_get_unavailable_reason (PpMember *self)
{
  PpMemberPrivate *priv = pp_member_get_instance_private (self);

  g_return_val_if_fail (PP_IS_MEMBER (self), NULL);
  return priv->unavailable_reason;
}

/* Methods ------------------------------------------------------------------ */

/**
 * PpMethodMember:
 *
 * A method of the remote object that the proxy can call, with the
 * signatures its arguments and results are checked against.
 *
 * Since: 1.0
 */
struct _PpMethodMember
{
  PpMember          parent_instance;
  char             *in_signature;
  char             *out_signature;
  gboolean          throws;
  PpMethodDispatch  dispatch;
};

G_DEFINE_FINAL_TYPE (PpMethodMember, pp_method_member, PP_TYPE_MEMBER)

enum {
  METHOD_PROP_0,
  METHOD_PROP_IN_SIGNATURE,
  METHOD_PROP_OUT_SIGNATURE,
  METHOD_PROP_THROWS,
  METHOD_PROP_DISPATCH,
  METHOD_N_PROPS
};

static GParamSpec *method_properties[METHOD_N_PROPS];

static void
pp_method_member_finalize (GObject *object)
{
  PpMethodMember *self = PP_METHOD_MEMBER (object);

  g_free (self->in_signature);
  g_free (self->out_signature);

  G_OBJECT_CLASS (pp_method_member_parent_class)->finalize (object);
}

static void
pp_method_member_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PpMethodMember *self = PP_METHOD_MEMBER (object);

  switch (prop_id)
    {
    case METHOD_PROP_IN_SIGNATURE:  g_value_set_string (value, self->in_signature); break;
    case METHOD_PROP_OUT_SIGNATURE: g_value_set_string (value, self->out_signature); break;
    case METHOD_PROP_THROWS:        g_value_set_boolean (value, self->throws); break;
    case METHOD_PROP_DISPATCH:      g_value_set_enum (value, self->dispatch); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_method_member_class_init (PpMethodMemberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pp_method_member_finalize;
  object_class->get_property = pp_method_member_get_property;

  /**
   * PpMethodMember:in-signature:
   *
   * The arguments, a tuple type such as `(si)`.
   *
   * Since: 1.0
   */
  method_properties[METHOD_PROP_IN_SIGNATURE] =
    g_param_spec_string ("in-signature", NULL, NULL, NULL, READ_ONLY);
  /**
   * PpMethodMember:out-signature:
   *
   * The result, a tuple type: the return value, if any, and the
   * out-arguments.
   *
   * Since: 1.0
   */
  method_properties[METHOD_PROP_OUT_SIGNATURE] =
    g_param_spec_string ("out-signature", NULL, NULL, NULL, READ_ONLY);
  /**
   * PpMethodMember:throws:
   *
   * Whether the method can fail with a #GError of its own.
   *
   * Since: 1.0
   */
  method_properties[METHOD_PROP_THROWS] =
    g_param_spec_boolean ("throws", NULL, NULL, FALSE, READ_ONLY);
  /**
   * PpMethodMember:dispatch:
   *
   * How the listener runs it.
   *
   * Since: 1.0
   */
  method_properties[METHOD_PROP_DISPATCH] =
    g_param_spec_enum ("dispatch", NULL, NULL, PP_TYPE_METHOD_DISPATCH,
                       PP_METHOD_DISPATCH_INTROSPECTED, READ_ONLY);

  g_object_class_install_properties (object_class, METHOD_N_PROPS, method_properties);
}

static void
pp_method_member_init (PpMethodMember *self)
{
}

/**
 * pp_method_member_get_in_signature:
 * @self: a #PpMethodMember
 *
 * Gets [property@Pp.MethodMember:in-signature].
 *
 * Returns: the arguments' tuple type
 *
 * Since: 1.0
 */
const char *
pp_method_member_get_in_signature (PpMethodMember *self)
{
  g_return_val_if_fail (PP_IS_METHOD_MEMBER (self), NULL);
  return self->in_signature;
}

/**
 * pp_method_member_get_out_signature:
 * @self: a #PpMethodMember
 *
 * Gets [property@Pp.MethodMember:out-signature].
 *
 * Returns: the result's tuple type
 *
 * Since: 1.0
 */
const char *
pp_method_member_get_out_signature (PpMethodMember *self)
{
  g_return_val_if_fail (PP_IS_METHOD_MEMBER (self), NULL);
  return self->out_signature;
}

/**
 * pp_method_member_get_throws:
 * @self: a #PpMethodMember
 *
 * Gets [property@Pp.MethodMember:throws].
 *
 * Returns: whether the method can fail with an error of its own
 *
 * Since: 1.0
 */
gboolean
pp_method_member_get_throws (PpMethodMember *self)
{
  g_return_val_if_fail (PP_IS_METHOD_MEMBER (self), FALSE);
  return self->throws;
}

/**
 * pp_method_member_get_dispatch:
 * @self: a #PpMethodMember
 *
 * Gets [property@Pp.MethodMember:dispatch].
 *
 * Returns: how the listener runs the method
 *
 * Since: 1.0
 */
PpMethodDispatch
pp_method_member_get_dispatch (PpMethodMember *self)
{
  g_return_val_if_fail (PP_IS_METHOD_MEMBER (self), PP_METHOD_DISPATCH_INTROSPECTED);
  return self->dispatch;
}

/* Signals ------------------------------------------------------------------ */

/**
 * PpSignalMember:
 *
 * A signal of the remote object. When it is available it is a signal of
 * the proxy too.
 *
 * Since: 1.0
 */
struct _PpSignalMember
{
  PpMember      parent_instance;
  char         *signature;
  GSignalFlags  flags;
};

G_DEFINE_FINAL_TYPE (PpSignalMember, pp_signal_member, PP_TYPE_MEMBER)

enum {
  SIGNAL_PROP_0,
  SIGNAL_PROP_SIGNATURE,
  SIGNAL_PROP_FLAGS,
  SIGNAL_N_PROPS
};

static GParamSpec *signal_properties[SIGNAL_N_PROPS];

static void
pp_signal_member_finalize (GObject *object)
{
  g_free (PP_SIGNAL_MEMBER (object)->signature);

  G_OBJECT_CLASS (pp_signal_member_parent_class)->finalize (object);
}

static void
pp_signal_member_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PpSignalMember *self = PP_SIGNAL_MEMBER (object);

  switch (prop_id)
    {
    case SIGNAL_PROP_SIGNATURE: g_value_set_string (value, self->signature); break;
    case SIGNAL_PROP_FLAGS:     g_value_set_uint (value, self->flags); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_signal_member_class_init (PpSignalMemberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pp_signal_member_finalize;
  object_class->get_property = pp_signal_member_get_property;

  /**
   * PpSignalMember:signature:
   *
   * The arguments, a tuple type in which `m` marks an argument that may be
   * %NULL; empty when they cannot cross.
   *
   * Since: 1.0
   */
  signal_properties[SIGNAL_PROP_SIGNATURE] =
    g_param_spec_string ("signature", NULL, NULL, NULL, READ_ONLY);
  /**
   * PpSignalMember:flags:
   *
   * The signal's #GSignalFlags on the remote object.
   *
   * Since: 1.0
   */
  signal_properties[SIGNAL_PROP_FLAGS] =
    g_param_spec_uint ("flags", NULL, NULL, 0, G_MAXUINT, 0, READ_ONLY);

  g_object_class_install_properties (object_class, SIGNAL_N_PROPS, signal_properties);
}

static void
pp_signal_member_init (PpSignalMember *self)
{
}

/**
 * pp_signal_member_get_signature:
 * @self: a #PpSignalMember
 *
 * Gets [property@Pp.SignalMember:signature].
 *
 * Returns: the arguments' tuple type, or an empty string
 *
 * Since: 1.0
 */
const char *
pp_signal_member_get_signature (PpSignalMember *self)
{
  g_return_val_if_fail (PP_IS_SIGNAL_MEMBER (self), NULL);
  return self->signature;
}

/**
 * pp_signal_member_get_flags:
 * @self: a #PpSignalMember
 *
 * Gets [property@Pp.SignalMember:flags].
 *
 * Returns: the signal's flags on the remote object
 *
 * Since: 1.0
 */
GSignalFlags
pp_signal_member_get_flags (PpSignalMember *self)
{
  g_return_val_if_fail (PP_IS_SIGNAL_MEMBER (self), 0);
  return self->flags;
}

/* Properties ----------------------------------------------------------------- */

/**
 * PpPropertyMember:
 *
 * A property of the remote object. When it is available it is a property
 * of the proxy too, read from a cache the listener keeps exact.
 *
 * Since: 1.0
 */
struct _PpPropertyMember
{
  PpMember     parent_instance;
  char        *signature;
  GParamFlags  flags;
  char        *value_type_name;
};

G_DEFINE_FINAL_TYPE (PpPropertyMember, pp_property_member, PP_TYPE_MEMBER)

enum {
  PROPERTY_PROP_0,
  PROPERTY_PROP_SIGNATURE,
  PROPERTY_PROP_FLAGS,
  PROPERTY_PROP_VALUE_TYPE_NAME,
  PROPERTY_N_PROPS
};

static GParamSpec *property_properties[PROPERTY_N_PROPS];

static void
pp_property_member_finalize (GObject *object)
{
  PpPropertyMember *self = PP_PROPERTY_MEMBER (object);

  g_free (self->signature);
  g_free (self->value_type_name);

  G_OBJECT_CLASS (pp_property_member_parent_class)->finalize (object);
}

static void
pp_property_member_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PpPropertyMember *self = PP_PROPERTY_MEMBER (object);

  switch (prop_id)
    {
    case PROPERTY_PROP_SIGNATURE:       g_value_set_string (value, self->signature); break;
    case PROPERTY_PROP_FLAGS:           g_value_set_uint (value, self->flags); break;
    case PROPERTY_PROP_VALUE_TYPE_NAME: g_value_set_string (value, self->value_type_name); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_property_member_class_init (PpPropertyMemberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pp_property_member_finalize;
  object_class->get_property = pp_property_member_get_property;

  /**
   * PpPropertyMember:signature:
   *
   * The GVariant type of the values, e.g. `i`; empty when they cannot
   * cross.
   *
   * Since: 1.0
   */
  property_properties[PROPERTY_PROP_SIGNATURE] =
    g_param_spec_string ("signature", NULL, NULL, NULL, READ_ONLY);
  /**
   * PpPropertyMember:flags:
   *
   * The property's #GParamFlags on the remote object.
   *
   * Since: 1.0
   */
  property_properties[PROPERTY_PROP_FLAGS] =
    g_param_spec_uint ("flags", NULL, NULL, 0, G_MAXUINT, 0, READ_ONLY);
  /**
   * PpPropertyMember:value-type-name:
   *
   * The name of the property's value type on the remote object, e.g.
   * `gint`.
   *
   * Since: 1.0
   */
  property_properties[PROPERTY_PROP_VALUE_TYPE_NAME] =
    g_param_spec_string ("value-type-name", NULL, NULL, NULL, READ_ONLY);

  g_object_class_install_properties (object_class, PROPERTY_N_PROPS, property_properties);
}

static void
pp_property_member_init (PpPropertyMember *self)
{
}

/**
 * pp_property_member_get_signature:
 * @self: a #PpPropertyMember
 *
 * Gets [property@Pp.PropertyMember:signature].
 *
 * Returns: the values' GVariant type, or an empty string
 *
 * Since: 1.0
 */
const char *
pp_property_member_get_signature (PpPropertyMember *self)
{
  g_return_val_if_fail (PP_IS_PROPERTY_MEMBER (self), NULL);
  return self->signature;
}

/**
 * pp_property_member_get_flags:
 * @self: a #PpPropertyMember
 *
 * Gets [property@Pp.PropertyMember:flags].
 *
 * Returns: the property's flags on the remote object
 *
 * Since: 1.0
 */
GParamFlags
pp_property_member_get_flags (PpPropertyMember *self)
{
  g_return_val_if_fail (PP_IS_PROPERTY_MEMBER (self), 0);
  return self->flags;
}

/**
 * pp_property_member_get_value_type_name:
 * @self: a #PpPropertyMember
 *
 * Gets [property@Pp.PropertyMember:value-type-name].
 *
 * Returns: the name of the value type on the remote object
 *
 * Since: 1.0
 */
const char *
pp_property_member_get_value_type_name (PpPropertyMember *self)
{
  g_return_val_if_fail (PP_IS_PROPERTY_MEMBER (self), NULL);
  return self->value_type_name;
}

/* Lists ---------------------------------------------------------------------- */

static GListModel *
list_methods (PpProxy *proxy)
{
  GListStore *store = g_list_store_new (PP_TYPE_METHOD_MEMBER);
  PpDescription *description = pp_mirror_get_description (pp_mirror_get (proxy));
  guint n = description ? pp_description_get_n_methods (description) : 0;

  for (guint i = 0; i < n; i++)
    {
      const PpDescribedMethod *described = pp_description_get_method (description, i);
      g_autoptr(PpMethodMember) member = member_new (PP_TYPE_METHOD_MEMBER, described->name,
                                                     *described->reason ? described->reason
                                                                        : NULL);

      member->in_signature = g_strdup (described->in_signature);
      member->out_signature = g_strdup (described->out_signature);
      member->throws = described->throws;
      member->dispatch = described->dispatch;
      g_list_store_append (store, member);
    }
  return G_LIST_MODEL (store);
}

static GListModel *
list_signals (PpProxy *proxy)
{
  GListStore *store = g_list_store_new (PP_TYPE_SIGNAL_MEMBER);
  PpDescription *description = pp_mirror_get_description (pp_mirror_get (proxy));
  guint n = description ? pp_description_get_n_signals (description) : 0;

  for (guint i = 0; i < n; i++)
    {
      const PpDescribedSignal *described = pp_description_get_signal (description, i);
      const char *reason = pp_mirror_signal_unavailable (pp_mirror_get (proxy), i);
      g_autoptr(PpSignalMember) member = member_new (PP_TYPE_SIGNAL_MEMBER, described->name,
                                                     reason);

      member->signature = g_strdup (described->signature);
      member->flags = described->flags;
      g_list_store_append (store, member);
    }
  return G_LIST_MODEL (store);
}

static GListModel *
list_properties (PpProxy *proxy)
{
  GListStore *store = g_list_store_new (PP_TYPE_PROPERTY_MEMBER);
  PpDescription *description = pp_mirror_get_description (pp_mirror_get (proxy));
  guint n = description ? pp_description_get_n_properties (description) : 0;

  for (guint i = 0; i < n; i++)
    {
      const PpDescribedProperty *described = pp_description_get_property (description, i);
      const char *reason = pp_mirror_property_unavailable (pp_mirror_get (proxy), i);
      g_autoptr(PpPropertyMember) member = member_new (PP_TYPE_PROPERTY_MEMBER, described->name,
                                                       reason);

      member->signature = g_strdup (described->signature);
      member->flags = described->flags;
      member->value_type_name = g_strdup (described->type_name);
      g_list_store_append (store, member);
    }
  return G_LIST_MODEL (store);
}

/* The proxy's self-description ------------------------------------------- */

/**
 * pp_proxy_get_description:
 * @self: a #PpProxy
 *
 * The listener's description of the remote object, as it came in the
 * handshake: a `a{sv}` dictionary with `type-name` (s), `type-chain` (as),
 * `interfaces` (as), `unix-fds` (b), `methods` (`a(sssbs)`: name,
 * in-signature, out-signature, throws, dispatch), `refused-methods`
 * (`a(ss)`: name, why it cannot be called), `signals` (`a(suasss)`:
 * name, flags, argument type names, argument signature, why it is not
 * mirrored) and `properties` (`a(susssmv)`: name, flags, type name,
 * signature, why it is not mirrored, value at the handshake).
 * [method@Pp.Proxy.list_methods] and its siblings give the same as
 * objects.
 *
 * Returns: (transfer none) (nullable): the description
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_get_description (PpProxy *self)
{
  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return pp_mirror_get_description_variant (pp_mirror_get (self));
}

/**
 * pp_proxy_get_description_hash:
 * @self: a #PpProxy
 *
 * A SHA-256 of the description without the property values: equal for two
 * listeners that offer the same interface, so a program can check that it
 * talks to the interface it was written for.
 *
 * Returns: (nullable): the hash in hexadecimal
 *
 * Since: 1.0
 */
const char *
pp_proxy_get_description_hash (PpProxy *self)
{
  PpDescription *description;

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  description = pp_mirror_get_description (pp_mirror_get (self));
  return description ? pp_description_get_hash (description) : NULL;
}

/**
 * pp_proxy_list_methods:
 * @self: a #PpProxy
 *
 * The methods of the remote object, with their signatures: those that can
 * be called from here, and those that cannot, unavailable with the reason
 * (they take an argument that cannot cross, say) and no signatures. Calls
 * to an available method are checked against its signature before
 * anything is sent.
 *
 * Returns: (transfer full): a list of [class@Pp.MethodMember]
 *
 * Since: 1.0
 */
GListModel *
pp_proxy_list_methods (PpProxy *self)
{
  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return list_methods (self);
}

/**
 * pp_proxy_list_signals:
 * @self: a #PpProxy
 *
 * The signals of the remote object. Those marked available are signals of
 * the proxy too: connect to them as to the object's own. The others say
 * why not (an argument type that cannot cross, a return value).
 *
 * Returns: (transfer full): a list of [class@Pp.SignalMember]
 *
 * Since: 1.0
 */
GListModel *
pp_proxy_list_signals (PpProxy *self)
{
  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return list_signals (self);
}

/**
 * pp_proxy_list_properties:
 * @self: a #PpProxy
 *
 * The properties of the remote object. Those marked available are
 * properties of the proxy too, read from a local cache that the listener
 * keeps exact, with `notify` when they change.
 *
 * Returns: (transfer full): a list of [class@Pp.PropertyMember]
 *
 * Since: 1.0
 */
GListModel *
pp_proxy_list_properties (PpProxy *self)
{
  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return list_properties (self);
}
