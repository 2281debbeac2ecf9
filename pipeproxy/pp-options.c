/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-connection-private.h"
#include "pp-enums.h"
#include "pp-description-private.h"
#include "pp-memfd-private.h"
#include "pp-options-private.h"

/**
 * PpOptions:
 *
 * The settings of a connection that are fixed when it is made: its limits
 * and its defaults. Give one to a constructor such as
 * [ctor@Pp.Proxy.new_sync]; %NULL there means the defaults, which are
 * those of a new `PpOptions`.
 *
 * ```c
 * g_autoptr(PpOptions) options = pp_options_new ();
 *
 * pp_options_set_max_message_size (options, 16 * 1024 * 1024);
 * proxy = pp_proxy_new_sync (stream, options, NULL, &error);
 * ```
 *
 * A constructor reads the options when it is called; changing them later
 * changes nothing that was made with them, and one `PpOptions` may serve
 * for many connections. The settings that can change while a connection
 * lives are properties of what was made too, e.g.
 * [property@Pp.Proxy:default-timeout].
 *
 * An instance may be read from several threads at once, but not changed
 * while another thread uses it.
 *
 * Every limit that keeps a peer from making this process grow without
 * bound is one of these settings; the [security
 * page](security.html#limits) lists them together.
 *
 * Since: 1.0
 */
struct _PpOptions
{
  GObject  parent_instance;

  int      default_timeout;
  guint64  max_message_size;
  guint    max_pending_calls;
  guint64  memfd_threshold;
  guint64  max_description_size;
  guint    max_description_members;
  guint64  max_queued_input;
  guint64  max_queued_output;
  guint    max_calls_in_flight;
  guint    max_mirror_types;
  guint    max_mirror_members;
  PpSandboxFlags sandbox;
  int      stop_timeout;
  guint    cancel_timeout;
};

G_DEFINE_FINAL_TYPE (PpOptions, pp_options, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DEFAULT_TIMEOUT,
  PROP_MAX_MESSAGE_SIZE,
  PROP_MAX_PENDING_CALLS,
  PROP_MEMFD_THRESHOLD,
  PROP_MAX_DESCRIPTION_SIZE,
  PROP_MAX_DESCRIPTION_MEMBERS,
  PROP_MAX_QUEUED_INPUT,
  PROP_MAX_QUEUED_OUTPUT,
  PROP_MAX_CALLS_IN_FLIGHT,
  PROP_MAX_MIRROR_TYPES,
  PROP_MAX_MIRROR_MEMBERS,
  PROP_SANDBOX,
  PROP_STOP_TIMEOUT,
  PROP_CANCEL_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pp_options_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  PpOptions *self = PP_OPTIONS (object);

  switch (prop_id)
    {
    case PROP_DEFAULT_TIMEOUT:         g_value_set_int (value, self->default_timeout); break;
    case PROP_MAX_MESSAGE_SIZE:        g_value_set_uint64 (value, self->max_message_size); break;
    case PROP_MAX_PENDING_CALLS:       g_value_set_uint (value, self->max_pending_calls); break;
    case PROP_MEMFD_THRESHOLD:         g_value_set_uint64 (value, self->memfd_threshold); break;
    case PROP_MAX_DESCRIPTION_SIZE:    g_value_set_uint64 (value, self->max_description_size); break;
    case PROP_MAX_DESCRIPTION_MEMBERS: g_value_set_uint (value, self->max_description_members); break;
    case PROP_MAX_QUEUED_INPUT:        g_value_set_uint64 (value, self->max_queued_input); break;
    case PROP_MAX_QUEUED_OUTPUT:       g_value_set_uint64 (value, self->max_queued_output); break;
    case PROP_MAX_CALLS_IN_FLIGHT:     g_value_set_uint (value, self->max_calls_in_flight); break;
    case PROP_MAX_MIRROR_TYPES:        g_value_set_uint (value, self->max_mirror_types); break;
    case PROP_MAX_MIRROR_MEMBERS:      g_value_set_uint (value, self->max_mirror_members); break;
    case PROP_SANDBOX:                 g_value_set_flags (value, self->sandbox); break;
    case PROP_STOP_TIMEOUT:            g_value_set_int (value, self->stop_timeout); break;
    case PROP_CANCEL_TIMEOUT:          g_value_set_uint (value, self->cancel_timeout); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_options_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  PpOptions *self = PP_OPTIONS (object);

  switch (prop_id)
    {
    case PROP_DEFAULT_TIMEOUT:
      pp_options_set_default_timeout (self, g_value_get_int (value));
      break;
    case PROP_MAX_MESSAGE_SIZE:
      pp_options_set_max_message_size (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_PENDING_CALLS:
      pp_options_set_max_pending_calls (self, g_value_get_uint (value));
      break;
    case PROP_MEMFD_THRESHOLD:
      pp_options_set_memfd_threshold (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_DESCRIPTION_SIZE:
      pp_options_set_max_description_size (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_DESCRIPTION_MEMBERS:
      pp_options_set_max_description_members (self, g_value_get_uint (value));
      break;
    case PROP_MAX_QUEUED_INPUT:
      pp_options_set_max_queued_input (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_QUEUED_OUTPUT:
      pp_options_set_max_queued_output (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_CALLS_IN_FLIGHT:
      pp_options_set_max_calls_in_flight (self, g_value_get_uint (value));
      break;
    case PROP_MAX_MIRROR_TYPES:
      pp_options_set_max_mirror_types (self, g_value_get_uint (value));
      break;
    case PROP_MAX_MIRROR_MEMBERS:
      pp_options_set_max_mirror_members (self, g_value_get_uint (value));
      break;
    case PROP_SANDBOX:
      pp_options_set_sandbox (self, g_value_get_flags (value));
      break;
    case PROP_STOP_TIMEOUT:
      pp_options_set_stop_timeout (self, g_value_get_int (value));
      break;
    case PROP_CANCEL_TIMEOUT:
      pp_options_set_cancel_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* What a call is sent and answered with */
static void
define_call_settings (GParamFlags flags)
{
  /**
   * PpOptions:default-timeout:
   *
   * The time-out in milliseconds of the handshake and of calls made with a
   * time-out of -1; %G_MAXINT means none. The default is 25 seconds.
   *
   * Since: 1.0
   */
  properties[PROP_DEFAULT_TIMEOUT] =
    g_param_spec_int ("default-timeout", NULL, NULL, 0, G_MAXINT, PP_DEFAULT_TIMEOUT_MSEC, flags);

  /**
   * PpOptions:max-message-size:
   *
   * The largest frame body, in bytes, accepted from the peer; a bigger one
   * closes the connection with %PP_ERROR_LIMIT_EXCEEDED before memory is
   * allocated for it. The default is 128 MiB.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 1, G_MAXUINT32,
                         PP_DEFAULT_MAX_MESSAGE_SIZE, flags);

  /**
   * PpOptions:max-pending-calls:
   *
   * How many calls may wait for a reply at once; one more fails at once
   * with %PP_ERROR_LIMIT_EXCEEDED. The default is 16384.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_PENDING_CALLS] =
    g_param_spec_uint ("max-pending-calls", NULL, NULL, 1, G_MAXUINT,
                       PP_DEFAULT_MAX_PENDING_CALLS, flags);

  /**
   * PpOptions:memfd-threshold:
   *
   * Frame bodies of at least this many bytes are sent in a memfd sealed
   * against changes instead of through the socket, when the connection is
   * a unix socket and the peer takes file descriptors; 0 turns this off.
   * The default, 128 MiB, is the default
   * [property@Pp.Options:max-message-size]: a memfd's pages are always
   * fresh memory, which costs a page fault each on virtual machines, while
   * the socket reads into reused buffers, so below that the socket is
   * faster. What the memfd buys is that a big message does not queue in
   * the socket ahead of every later one.
   *
   * Since: 1.0
   */
  properties[PROP_MEMFD_THRESHOLD] =
    g_param_spec_uint64 ("memfd-threshold", NULL, NULL, 0, G_MAXUINT32,
                         PP_MEMFD_DEFAULT_THRESHOLD, flags);
}

/* What a proxy accepts in the handshake */
static void
define_description_limits (GParamFlags flags)
{
  /**
   * PpOptions:max-description-size:
   *
   * The largest description of the remote object, in bytes, that a proxy
   * accepts in the handshake; a bigger one fails the handshake with
   * %PP_ERROR_LIMIT_EXCEEDED. The default, 1 MiB, is many times what the
   * largest GTK widget needs.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_DESCRIPTION_SIZE] =
    g_param_spec_uint64 ("max-description-size", NULL, NULL, 1, G_MAXUINT32,
                         PP_DESCRIPTION_DEFAULT_MAX_SIZE, flags);

  /**
   * PpOptions:max-description-members:
   *
   * How many entries, together, the description of the remote object may
   * have: the names of its type and ancestors, the interfaces it
   * implements and those it cannot, its methods (those it refuses too),
   * signals and properties; more fail the handshake with
   * %PP_ERROR_LIMIT_EXCEEDED. The default is 8192.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_DESCRIPTION_MEMBERS] =
    g_param_spec_uint ("max-description-members", NULL, NULL, 1, G_MAXUINT,
                       PP_DESCRIPTION_DEFAULT_MAX_MEMBERS, flags);
}

/* What the peer may make this side queue, on either side */
static void
define_queue_limits (GParamFlags flags)
{
  /**
   * PpOptions:max-queued-input:
   *
   * How many bytes of the peer's messages (signals, property changes,
   * requests) may wait to be dispatched in the main context, each counted
   * as its size plus 256 bytes. While that much waits, the main context
   * stops reading, and the peer's own output fills up. A thread waiting
   * in a synchronous call cannot stop reading before its reply: there a
   * property's newer value replaces the one waiting, a signal nobody is
   * connected to is dropped, and anything past the limit closes the
   * connection with %PP_ERROR_LIMIT_EXCEEDED. The default is 64 MiB.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_QUEUED_INPUT] =
    g_param_spec_uint64 ("max-queued-input", NULL, NULL, 1, G_MAXSIZE,
                         PP_DEFAULT_MAX_QUEUED_INPUT, flags);

  /**
   * PpOptions:max-queued-output:
   *
   * How many bytes may wait to be sent to a peer that does not read them
   * as fast as they are made. Past that a new call fails with
   * %PP_ERROR_LIMIT_EXCEEDED; any other message (a reply, a signal)
   * closes the connection with %PP_ERROR_LIMIT_EXCEEDED, since a peer
   * that does not read what must be sent to it is treated as gone. A
   * property's new value replaces one still waiting, so property changes
   * alone never reach the limit. A listener stops reading requests while
   * more than half of it waits. The default is 64 MiB.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_QUEUED_OUTPUT] =
    g_param_spec_uint64 ("max-queued-output", NULL, NULL, 1, G_MAXSIZE,
                         PP_DEFAULT_MAX_QUEUED_OUTPUT, flags);

  /**
   * PpOptions:max-calls-in-flight:
   *
   * How many of the peer's calls a [class@Pp.Listener] may have started
   * and not answered yet (async methods still running, invocations a
   * handler kept). Once that many are, the listener stops reading until
   * one is answered: the peer's calls wait in its own queue, none fails.
   * The default, 16384, is a proxy's default
   * [property@Pp.Options:max-pending-calls], so that a proxy with the
   * defaults never waits for it.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_CALLS_IN_FLIGHT] =
    g_param_spec_uint ("max-calls-in-flight", NULL, NULL, 1, G_MAXINT,
                       PP_DEFAULT_MAX_CALLS_IN_FLIGHT, flags);
}

/* What the peer's descriptions may register in this process */
static void
define_mirror_limits (GParamFlags flags)
{
  /**
   * PpOptions:max-mirror-types:
   *
   * A proxy's signals and properties are those of a type registered for
   * what the listener described; proxies with equal descriptions share
   * it. A registered type can never be freed, so this process registers
   * a new one for a proxy made with these options only while it has
   * fewer than this many, and while they have fewer than
   * [property@Pp.Options:max-mirror-members] signals and properties
   * together. A proxy whose description does not fit gets a type without
   * any of the remote object's signals and properties: its methods can
   * still be called by name. The default is 256; 0 gives no proxy made
   * with these options a type of its own.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_MIRROR_TYPES] =
    g_param_spec_uint ("max-mirror-types", NULL, NULL, 0, G_MAXUINT,
                       PP_DEFAULT_MAX_MIRROR_TYPES, flags);

  /**
   * PpOptions:max-mirror-members:
   *
   * How many signals and properties all the mirror types of this process
   * may have together for a new one to be registered; see
   * [property@Pp.Options:max-mirror-types]. Each costs about 600 bytes
   * that are never freed. The default is 16384.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_MIRROR_MEMBERS] =
    g_param_spec_uint ("max-mirror-members", NULL, NULL, 0, G_MAXUINT,
                       PP_DEFAULT_MAX_MIRROR_MEMBERS, flags);
}

static void
pp_options_class_init (PpOptionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = pp_options_get_property;
  object_class->set_property = pp_options_set_property;

  define_call_settings (flags);
  define_description_limits (flags);
  define_queue_limits (flags);
  define_mirror_limits (flags);

  /**
   * PpOptions:sandbox:
   *
   * How a worker started with these options by
   * [ctor@Pp.Proxy.new_for_subprocess_sync] or
   * [ctor@Pp.Proxy.new_for_type_sync] is sandboxed; other constructors
   * ignore it. The worker learns it through the environment variable
   * %PP_SUBPROCESS_SANDBOX_VARIABLE and applies it to itself in
   * [func@Pp.serve_parent] or [ctor@Pp.Listener.new_for_parent], before it
   * reads its first call: it must have loaded everything it needs by
   * then. %PP_SANDBOX_SYSCALLS | %PP_SANDBOX_FILESYSTEM is what most
   * workers of untrusted data want. The default is %PP_SANDBOX_NONE.
   *
   * Since: 1.0
   */
  properties[PROP_SANDBOX] =
    g_param_spec_flags ("sandbox", NULL, NULL, PP_TYPE_SANDBOX_FLAGS, PP_SANDBOX_NONE, flags);

  /**
   * PpOptions:stop-timeout:
   *
   * How a worker started with these options by
   * [ctor@Pp.Proxy.new_for_subprocess_sync], [ctor@Pp.Proxy.new_for_type_sync]
   * or a [class@Pp.Pool] is stopped once its proxy is closed or finalized
   * while the worker still runs: after this many milliseconds it is sent
   * SIGTERM, and after as many again SIGKILL. A worker sees its connection
   * end and exits by itself when it is idle; this stops one that is busy in
   * a method that does not return, or that ignores the end. -1, the
   * default, leaves it running until it exits by itself; a pool then kills
   * a worker busy with a call at once when it closes.
   *
   * Since: 1.0
   */
  properties[PROP_STOP_TIMEOUT] =
    g_param_spec_int ("stop-timeout", NULL, NULL, -1, G_MAXINT, -1, flags);

  /**
   * PpOptions:cancel-timeout:
   *
   * How many milliseconds the peer has to answer a call that was
   * cancelled or timed out, 0 (the default) for no limit: the proxy sends
   * a cancel, and a listener answers once the method returns. When no
   * answer comes in time, the proxy is closed, and every pending call and
   * [signal@Pp.Proxy::closed] fail with %PP_ERROR_DISCONNECTED and a
   * message that says so. A worker the library started
   * ([ctor@Pp.Proxy.new_for_subprocess_sync],
   * [ctor@Pp.Proxy.new_for_type_sync], [ctor@Pp.Proxy.new_for_command_sync],
   * a [class@Pp.Pool]'s) is then sent SIGTERM, and SIGKILL as many
   * milliseconds later if it has not exited; a pool replaces it. Over
   * another stream the connection is closed. It is the start of
   * [property@Pp.Proxy:cancel-timeout].
   *
   * Since: 1.0
   */
  properties[PROP_CANCEL_TIMEOUT] =
    g_param_spec_uint ("cancel-timeout", NULL, NULL, 0, G_MAXINT, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pp_options_init (PpOptions *self)
{
  self->default_timeout = PP_DEFAULT_TIMEOUT_MSEC;
  self->max_message_size = PP_DEFAULT_MAX_MESSAGE_SIZE;
  self->max_pending_calls = PP_DEFAULT_MAX_PENDING_CALLS;
  self->memfd_threshold = PP_MEMFD_DEFAULT_THRESHOLD;
  self->max_description_size = PP_DESCRIPTION_DEFAULT_MAX_SIZE;
  self->max_description_members = PP_DESCRIPTION_DEFAULT_MAX_MEMBERS;
  self->max_queued_input = PP_DEFAULT_MAX_QUEUED_INPUT;
  self->max_queued_output = PP_DEFAULT_MAX_QUEUED_OUTPUT;
  self->max_calls_in_flight = PP_DEFAULT_MAX_CALLS_IN_FLIGHT;
  self->max_mirror_types = PP_DEFAULT_MAX_MIRROR_TYPES;
  self->max_mirror_members = PP_DEFAULT_MAX_MIRROR_MEMBERS;
  self->stop_timeout = -1;
}

/**
 * pp_options_new:
 *
 * Makes options with the default of every setting.
 *
 * Returns: (transfer full): new options
 *
 * Since: 1.0
 */
PpOptions *
pp_options_new (void)
{
  return g_object_new (PP_TYPE_OPTIONS, NULL);
}

/* Every property that can be read and written, so that new ones are copied
 * too; the defaults for NULL */
PpOptions *
pp_options_copy (PpOptions *options)
{
  PpOptions *copy = pp_options_new ();
  g_autofree GParamSpec **pspecs = NULL;
  guint n;

  if (options == NULL)
    return copy;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (options), &n);
  for (guint i = 0; i < n; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      if ((pspecs[i]->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
          (pspecs[i]->flags & G_PARAM_CONSTRUCT_ONLY))
        continue;
      g_value_init (&value, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (options), pspecs[i]->name, &value);
      g_object_set_property (G_OBJECT (copy), pspecs[i]->name, &value);
    }
  return copy;
}

/* Sets a field and notifies when it changes */
#define SET_FIELD(self, field, value, prop)                                    \
  G_STMT_START {                                                               \
    if ((self)->field != (value))                                              \
      {                                                                        \
        (self)->field = (value);                                               \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);          \
      }                                                                        \
  } G_STMT_END

/**
 * pp_options_get_default_timeout:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:default-timeout].
 *
 * Returns: the time-out in milliseconds
 *
 * Since: 1.0
 */
int
pp_options_get_default_timeout (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_DEFAULT_TIMEOUT_MSEC);
  return self->default_timeout;
}

/**
 * pp_options_set_default_timeout:
 * @self: a #PpOptions
 * @timeout_msec: milliseconds, or %G_MAXINT for none
 *
 * Sets [property@Pp.Options:default-timeout].
 *
 * Since: 1.0
 */
void
pp_options_set_default_timeout (PpOptions *self,
                                int        timeout_msec)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (timeout_msec >= 0);
  SET_FIELD (self, default_timeout, timeout_msec, PROP_DEFAULT_TIMEOUT);
}

/**
 * pp_options_get_max_message_size:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:max-message-size].
 *
 * Returns: the size in bytes
 *
 * Since: 1.0
 */
guint64
pp_options_get_max_message_size (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_DEFAULT_MAX_MESSAGE_SIZE);
  return self->max_message_size;
}

/**
 * pp_options_set_max_message_size:
 * @self: a #PpOptions
 * @size: a size in bytes, from 1 to %G_MAXUINT32
 *
 * Sets [property@Pp.Options:max-message-size].
 *
 * Since: 1.0
 */
void
pp_options_set_max_message_size (PpOptions *self,
                                 guint64    size)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (size >= 1 && size <= G_MAXUINT32);
  SET_FIELD (self, max_message_size, size, PROP_MAX_MESSAGE_SIZE);
}

/**
 * pp_options_get_max_pending_calls:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:max-pending-calls].
 *
 * Returns: how many calls may wait for a reply at once
 *
 * Since: 1.0
 */
guint
pp_options_get_max_pending_calls (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_DEFAULT_MAX_PENDING_CALLS);
  return self->max_pending_calls;
}

/**
 * pp_options_set_max_pending_calls:
 * @self: a #PpOptions
 * @max_pending_calls: how many calls may wait for a reply at once, at
 *   least 1
 *
 * Sets [property@Pp.Options:max-pending-calls].
 *
 * Since: 1.0
 */
void
pp_options_set_max_pending_calls (PpOptions *self,
                                  guint      max_pending_calls)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (max_pending_calls > 0);
  SET_FIELD (self, max_pending_calls, max_pending_calls, PROP_MAX_PENDING_CALLS);
}

/**
 * pp_options_get_memfd_threshold:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:memfd-threshold].
 *
 * Returns: the size from which frame bodies go in a sealed memfd, 0 for
 *   never
 *
 * Since: 1.0
 */
guint64
pp_options_get_memfd_threshold (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_MEMFD_DEFAULT_THRESHOLD);
  return self->memfd_threshold;
}

/**
 * pp_options_set_memfd_threshold:
 * @self: a #PpOptions
 * @threshold: the size from which frame bodies go in a sealed memfd, 0 for
 *   never, at most %G_MAXUINT32
 *
 * Sets [property@Pp.Options:memfd-threshold].
 *
 * Since: 1.0
 */
void
pp_options_set_memfd_threshold (PpOptions *self,
                                guint64    threshold)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (threshold <= G_MAXUINT32);
  SET_FIELD (self, memfd_threshold, threshold, PROP_MEMFD_THRESHOLD);
}

/**
 * pp_options_get_max_description_size:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:max-description-size].
 *
 * Returns: the size in bytes
 *
 * Since: 1.0
 */
guint64
pp_options_get_max_description_size (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_DESCRIPTION_DEFAULT_MAX_SIZE);
  return self->max_description_size;
}

/**
 * pp_options_set_max_description_size:
 * @self: a #PpOptions
 * @size: a size in bytes, from 1 to %G_MAXUINT32
 *
 * Sets [property@Pp.Options:max-description-size].
 *
 * Since: 1.0
 */
void
pp_options_set_max_description_size (PpOptions *self,
                                     guint64    size)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (size >= 1 && size <= G_MAXUINT32);
  SET_FIELD (self, max_description_size, size, PROP_MAX_DESCRIPTION_SIZE);
}

/**
 * pp_options_get_max_description_members:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:max-description-members].
 *
 * Returns: how many entries (type names, interfaces, methods, signals and
 *   properties) a description may have
 *
 * Since: 1.0
 */
guint
pp_options_get_max_description_members (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_DESCRIPTION_DEFAULT_MAX_MEMBERS);
  return self->max_description_members;
}

/**
 * pp_options_set_max_description_members:
 * @self: a #PpOptions
 * @max_members: how many methods, signals and properties a description
 *   may have, at least 1
 *
 * Sets [property@Pp.Options:max-description-members].
 *
 * Since: 1.0
 */
void
pp_options_set_max_description_members (PpOptions *self,
                                        guint      max_members)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (max_members > 0);
  SET_FIELD (self, max_description_members, max_members, PROP_MAX_DESCRIPTION_MEMBERS);
}

/**
 * pp_options_get_max_queued_input:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:max-queued-input].
 *
 * Returns: the size in bytes
 *
 * Since: 1.0
 */
guint64
pp_options_get_max_queued_input (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_DEFAULT_MAX_QUEUED_INPUT);
  return self->max_queued_input;
}

/**
 * pp_options_set_max_queued_input:
 * @self: a #PpOptions
 * @size: a size in bytes, at least 1
 *
 * Sets [property@Pp.Options:max-queued-input].
 *
 * Since: 1.0
 */
void
pp_options_set_max_queued_input (PpOptions *self,
                                 guint64    size)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (size >= 1 && size <= G_MAXSIZE);
  SET_FIELD (self, max_queued_input, size, PROP_MAX_QUEUED_INPUT);
}

/**
 * pp_options_get_max_queued_output:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:max-queued-output].
 *
 * Returns: the size in bytes
 *
 * Since: 1.0
 */
guint64
pp_options_get_max_queued_output (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_DEFAULT_MAX_QUEUED_OUTPUT);
  return self->max_queued_output;
}

/**
 * pp_options_set_max_queued_output:
 * @self: a #PpOptions
 * @size: a size in bytes, at least 1
 *
 * Sets [property@Pp.Options:max-queued-output].
 *
 * Since: 1.0
 */
void
pp_options_set_max_queued_output (PpOptions *self,
                                  guint64    size)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (size >= 1 && size <= G_MAXSIZE);
  SET_FIELD (self, max_queued_output, size, PROP_MAX_QUEUED_OUTPUT);
}

/**
 * pp_options_get_max_calls_in_flight:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:max-calls-in-flight].
 *
 * Returns: how many of the peer's calls a listener may have started and
 *   not answered
 *
 * Since: 1.0
 */
guint
pp_options_get_max_calls_in_flight (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_DEFAULT_MAX_CALLS_IN_FLIGHT);
  return self->max_calls_in_flight;
}

/**
 * pp_options_set_max_calls_in_flight:
 * @self: a #PpOptions
 * @max_calls: how many of the peer's calls a listener may have started
 *   and not answered, from 1 to %G_MAXINT
 *
 * Sets [property@Pp.Options:max-calls-in-flight].
 *
 * Since: 1.0
 */
void
pp_options_set_max_calls_in_flight (PpOptions *self,
                                    guint      max_calls)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (max_calls >= 1 && max_calls <= G_MAXINT);
  SET_FIELD (self, max_calls_in_flight, max_calls, PROP_MAX_CALLS_IN_FLIGHT);
}

/**
 * pp_options_get_max_mirror_types:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:max-mirror-types].
 *
 * Returns: how many mirror types the process may have for a new one to be
 *   registered
 *
 * Since: 1.0
 */
guint
pp_options_get_max_mirror_types (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_DEFAULT_MAX_MIRROR_TYPES);
  return self->max_mirror_types;
}

/**
 * pp_options_set_max_mirror_types:
 * @self: a #PpOptions
 * @max_types: how many mirror types the process may have for a new one to
 *   be registered
 *
 * Sets [property@Pp.Options:max-mirror-types].
 *
 * Since: 1.0
 */
void
pp_options_set_max_mirror_types (PpOptions *self,
                                 guint      max_types)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  SET_FIELD (self, max_mirror_types, max_types, PROP_MAX_MIRROR_TYPES);
}

/**
 * pp_options_get_max_mirror_members:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:max-mirror-members].
 *
 * Returns: how many signals and properties the mirror types may have
 *   together for a new one to be registered
 *
 * Since: 1.0
 */
guint
pp_options_get_max_mirror_members (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_DEFAULT_MAX_MIRROR_MEMBERS);
  return self->max_mirror_members;
}

/**
 * pp_options_set_max_mirror_members:
 * @self: a #PpOptions
 * @max_members: how many signals and properties the mirror types may have
 *   together for a new one to be registered
 *
 * Sets [property@Pp.Options:max-mirror-members].
 *
 * Since: 1.0
 */
void
pp_options_set_max_mirror_members (PpOptions *self,
                                   guint      max_members)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  SET_FIELD (self, max_mirror_members, max_members, PROP_MAX_MIRROR_MEMBERS);
}

/**
 * pp_options_get_sandbox:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:sandbox].
 *
 * Returns: how a worker is sandboxed
 *
 * Since: 1.0
 */
PpSandboxFlags
pp_options_get_sandbox (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), PP_SANDBOX_NONE);
  return self->sandbox;
}

/**
 * pp_options_set_sandbox:
 * @self: a #PpOptions
 * @sandbox: how a worker is sandboxed
 *
 * Sets [property@Pp.Options:sandbox].
 *
 * Since: 1.0
 */
void
pp_options_set_sandbox (PpOptions      *self,
                        PpSandboxFlags  sandbox)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  SET_FIELD (self, sandbox, sandbox, PROP_SANDBOX);
}

/**
 * pp_options_get_stop_timeout:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:stop-timeout].
 *
 * Returns: milliseconds, or -1 for never
 *
 * Since: 1.0
 */
int
pp_options_get_stop_timeout (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), -1);
  return self->stop_timeout;
}

/**
 * pp_options_set_stop_timeout:
 * @self: a #PpOptions
 * @timeout_msec: milliseconds, or -1 for never
 *
 * Sets [property@Pp.Options:stop-timeout].
 *
 * Since: 1.0
 */
void
pp_options_set_stop_timeout (PpOptions *self,
                             int        timeout_msec)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (timeout_msec >= -1);
  SET_FIELD (self, stop_timeout, timeout_msec, PROP_STOP_TIMEOUT);
}

/**
 * pp_options_get_cancel_timeout:
 * @self: a #PpOptions
 *
 * Gets [property@Pp.Options:cancel-timeout].
 *
 * Returns: milliseconds, or 0 for no limit
 *
 * Since: 1.0
 */
guint
pp_options_get_cancel_timeout (PpOptions *self)
{
  g_return_val_if_fail (PP_IS_OPTIONS (self), 0);
  return self->cancel_timeout;
}

/**
 * pp_options_set_cancel_timeout:
 * @self: a #PpOptions
 * @timeout_msec: milliseconds, or 0 for no limit
 *
 * Sets [property@Pp.Options:cancel-timeout].
 *
 * Since: 1.0
 */
void
pp_options_set_cancel_timeout (PpOptions *self,
                               guint      timeout_msec)
{
  g_return_if_fail (PP_IS_OPTIONS (self));
  g_return_if_fail (timeout_msec <= G_MAXINT);
  SET_FIELD (self, cancel_timeout, timeout_msec, PROP_CANCEL_TIMEOUT);
}
