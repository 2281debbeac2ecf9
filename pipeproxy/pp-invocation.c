/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-connection-private.h"
#include "pp-error.h"
#include "pp-invocation-private.h"
#include "pp-marshal-private.h"

/**
 * PpInvocation:
 *
 * One call from the peer. Every call is answered through one, whoever
 * answers it; a handler of [signal@Pp.Listener::handle-method-call] gets
 * it to answer.
 *
 * The handler answers exactly once, now or later, with
 * [method@Pp.Invocation.return_value] or one of the error variants. An
 * invocation dropped without an answer answers the caller with
 * %PP_ERROR_FAILED, so the caller never waits for nothing.
 *
 * An invocation belongs to the listener's main context; answer it from
 * there or from any other thread (answering is thread-safe). Its
 * [method@Pp.Invocation.get_cancellable] tells when the caller gave up.
 *
 * Since: 1.0
 */
struct _PpInvocation
{
  GObject         parent_instance;

  PpConnection   *connection;
  PpRunningCalls *running;
  GObject        *object;
  GVariant       *body;
  const char     *method_name;
  GVariant       *parameters;
  GUnixFDList    *fd_list;
  GPtrArray      *objects;
  PpExports      *exports;
  PpMethod       *method;
  GCancellable   *cancellable;  /* made when first asked for */
  guint32         serial;
  gboolean        no_reply;
  gint            answered;     /* atomic */
  gint            tracked;      /* atomic: may be in running->calls */
  gboolean        cancelled;    /* under running->lock: the caller gave up */
  /* The listener's thread while it dispatches the call (atomic), and the
   * reading for it while a dispatch that asked for the cancellable runs */
  GThread        *dispatch_thread;
  PpConnectionWatch *watch;
  gboolean        blocking;     /* under running->lock: while @watch runs */
};

/* How many serials of CANCELs read before their calls started are kept */
#define N_EARLY_CANCELS  8

struct _PpRunningCalls
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  GHashTable      *calls;       /* serial → PpInvocation, which leaves when answered */
  guint32          early_cancels[N_EARLY_CANCELS];  /* 0 for none */
  guint            next_early;
  gboolean         closed;
};

G_DEFINE_FINAL_TYPE (PpInvocation, pp_invocation, G_TYPE_OBJECT)

PpRunningCalls *
pp_running_calls_new (void)
{
  PpRunningCalls *running = g_new0 (PpRunningCalls, 1);

  g_atomic_ref_count_init (&running->ref_count);
  g_mutex_init (&running->lock);
  running->calls = g_hash_table_new (NULL, NULL);
  return running;
}

PpRunningCalls *
pp_running_calls_ref (PpRunningCalls *running)
{
  g_atomic_ref_count_inc (&running->ref_count);
  return running;
}

void
pp_running_calls_unref (PpRunningCalls *running)
{
  if (!g_atomic_ref_count_dec (&running->ref_count))
    return;
  g_hash_table_unref (running->calls);
  g_mutex_clear (&running->lock);
  g_free (running);
}

/* Under the lock: the cancellable to cancel once it is released, if any */
static GCancellable *
cancel_locked (PpInvocation *self)
{
  self->cancelled = TRUE;
  return self->cancellable ? g_object_ref (self->cancellable) : NULL;
}

static void
cancel_and_unref (gpointer data)
{
  g_cancellable_cancel (data);
  g_object_unref (data);
}

void
pp_running_calls_cancel (PpRunningCalls *running,
                         guint32         serial)
{
  GCancellable *cancellable = NULL;
  PpInvocation *invocation;

  g_mutex_lock (&running->lock);
  invocation = g_hash_table_lookup (running->calls, GUINT_TO_POINTER (serial));
  if (invocation != NULL)
    cancellable = cancel_locked (invocation);
  g_mutex_unlock (&running->lock);

  /* Outside the lock: handlers of the cancellable run here */
  if (cancellable != NULL)
    cancel_and_unref (cancellable);
}

/* In the thread that read the CANCEL. Only a call whose dispatch blocks
 * the listener's context is cancelled here; another that runs is when the
 * CANCEL reaches that context, in order (pp_running_calls_cancel()), so
 * that handlers of its cancellable run in the listener's context, as
 * GJS needs. */
void
pp_running_calls_cancel_early (PpRunningCalls *running,
                               guint32         serial)
{
  GCancellable *cancellable = NULL;
  PpInvocation *invocation;

  g_mutex_lock (&running->lock);
  invocation = g_hash_table_lookup (running->calls, GUINT_TO_POINTER (serial));
  if (invocation != NULL)
    {
      if (invocation->blocking)
        cancellable = cancel_locked (invocation);
    }
  else if (serial != 0)
    {
      running->early_cancels[running->next_early] = serial;
      running->next_early = (running->next_early + 1) % N_EARLY_CANCELS;
    }
  g_mutex_unlock (&running->lock);

  if (cancellable != NULL)
    cancel_and_unref (cancellable);
}

/* Under the lock: whether a CANCEL for @serial was read before its call
 * started, forgetting it */
static gboolean
take_early_cancel_locked (PpRunningCalls *running,
                          guint32         serial)
{
  for (guint i = 0; i < N_EARLY_CANCELS; i++)
    if (running->early_cancels[i] == serial)
      {
        running->early_cancels[i] = 0;
        return TRUE;
      }
  return FALSE;
}

void
pp_running_calls_cancel_all (PpRunningCalls *running)
{
  g_autoptr(GPtrArray) cancellables = g_ptr_array_new_with_free_func (cancel_and_unref);
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&running->lock);
  running->closed = TRUE;
  g_hash_table_iter_init (&iter, running->calls);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GCancellable *cancellable = cancel_locked (value);

      if (cancellable != NULL)
        g_ptr_array_add (cancellables, cancellable);
    }
  g_mutex_unlock (&running->lock);
}

typedef struct
{
  guint32   serial;
  GVariant *result;
} ReturnFrame;

static void
build_return (GPtrArray *frames,
              GVariant  *table,
              gpointer   user_data)
{
  ReturnFrame *r = user_data;

  pp_wire_gather_return (frames, r->serial, r->result, table);
}

void
pp_invocation_send_answer (PpConnection *connection,
                           PpExports    *exports,
                           guint32       serial,
                           GVariant     *result,
                           GUnixFDList  *fds,
                           GPtrArray    *objects,
                           const GError *error)
{
  g_autoptr(GError) send_error = NULL;
  gboolean sent;

  /* A result whose type has objects has an object table, if empty */
  if (error == NULL &&
      ((objects != NULL && objects->len > 0) ||
       pp_wire_type_has_objects (g_variant_get_type_string (result))))
    {
      g_autoptr(GPtrArray) none = NULL;
      ReturnFrame r = { serial, result };

      if (objects == NULL)
        objects = none = g_ptr_array_new ();
      if (exports != NULL)
        sent = pp_exports_send (exports, objects, build_return, &r, fds, &send_error);
      else
        {
          sent = FALSE;
          g_set_error_literal (&send_error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                               _("An object cannot be sent here"));
        }
    }
  else if (error != NULL)
    {
      g_autoptr(GBytes) frame = pp_wire_encode_error (serial, error);

      sent = pp_connection_send (connection, frame, &send_error);
    }
  else
    {
      g_autoptr(GPtrArray) frame = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

      /* A big result is written from where it is */
      pp_wire_gather_return (frame, serial, result, NULL);
      sent = pp_connection_send_with_fds (connection, frame, fds, &send_error);
    }

  if (!sent && !g_error_matches (send_error, PP_ERROR, PP_ERROR_DISCONNECTED))
    {
      g_autoptr(GBytes) refusal = pp_wire_encode_error (serial, send_error);

      pp_connection_send (connection, refusal, NULL);
    }
}

/* Exactly once: FALSE if it was answered before. Without the lock unless
 * pp_invocation_dispatched() may have put it in the table: it sets
 * @tracked before it looks at @answered, and this looks at @tracked after
 * setting @answered, so at least one of them sees the other. */
static gboolean
take_answer (PpInvocation *self)
{
  if (!g_atomic_int_compare_and_exchange (&self->answered, FALSE, TRUE))
    {
      g_critical ("The call to “%s” was already answered", self->method_name);
      return FALSE;
    }
  pp_connection_request_done (self->connection);

  if (g_atomic_int_get (&self->tracked))
    {
      g_mutex_lock (&self->running->lock);
      if (g_hash_table_lookup (self->running->calls, GUINT_TO_POINTER (self->serial)) == self)
        g_hash_table_remove (self->running->calls, GUINT_TO_POINTER (self->serial));
      g_mutex_unlock (&self->running->lock);
    }
  return TRUE;
}

static void
answer (PpInvocation *self,
        GVariant     *result,
        GUnixFDList  *fds,
        GPtrArray    *objects,
        const GError *error)
{
  if (take_answer (self) && !self->no_reply)
    pp_invocation_send_answer (self->connection, self->exports, self->serial, result, fds,
                               objects, error);
}

void
pp_invocation_return (PpInvocation *self,
                      GVariant     *result,
                      GUnixFDList  *fds,
                      GPtrArray    *objects,
                      const GError *error)
{
  /* Checked where it is known: not for a handler's answer */
  const GVariantType *out_type = self->method ? pp_method_get_out_type (self->method) : NULL;
  g_autoptr(GError) wrong_type = NULL;

  /* An item that came back NULL although the typelib did not allow it is
   * a maybe holding nothing, which the proxy accepts */
  if (error == NULL && out_type != NULL && !pp_method_value_is_of_type (result, out_type) &&
      !pp_marshal_type_fits (g_variant_get_type (result), out_type, TRUE))
    {
      g_warning ("Method “%s” must return %.*s, not %s", self->method_name,
                 (int) g_variant_type_get_string_length (out_type),
                 g_variant_type_peek_string (out_type),
                 g_variant_get_type_string (result));
      error = wrong_type = g_error_new (PP_ERROR, PP_ERROR_FAILED,
                                        _("Method “%s” returned a value of the wrong type"),
                                        self->method_name);
    }
  answer (self, error ? NULL : result, error ? NULL : fds, error ? NULL : objects, error);
}

/* From now on a CANCEL for its serial, read before or after, cancels it;
 * while @blocking, as soon as it is read */
static void
track (PpInvocation *self,
       gboolean      blocking)
{
  GCancellable *cancellable = NULL;

  g_atomic_int_set (&self->tracked, TRUE);
  if (g_atomic_int_get (&self->answered))
    return;

  g_mutex_lock (&self->running->lock);
  if (!g_atomic_int_get (&self->answered))
    {
      g_hash_table_insert (self->running->calls, GUINT_TO_POINTER (self->serial), self);
      self->blocking = blocking;
      if (self->running->closed || take_early_cancel_locked (self->running, self->serial))
        cancellable = cancel_locked (self);
    }
  g_mutex_unlock (&self->running->lock);

  if (cancellable != NULL)
    cancel_and_unref (cancellable);
}

void
pp_invocation_dispatched (PpInvocation *self)
{
  g_atomic_pointer_set (&self->dispatch_thread, NULL);
  g_clear_pointer (&self->watch, pp_connection_watch_end);
  track (self, FALSE);
}

GCancellable *
pp_invocation_cancellable (PpInvocation *self,
                           gboolean      blocking)
{
  GCancellable *cancel = NULL;

  g_mutex_lock (&self->running->lock);
  if (self->cancellable == NULL)
    {
      self->cancellable = g_cancellable_new ();
      if (self->cancelled || self->running->closed)
        cancel = g_object_ref (self->cancellable);
    }
  g_mutex_unlock (&self->running->lock);

  if (cancel != NULL)
    cancel_and_unref (cancel);

  /* Only the listener's thread, while it dispatches, sets @watch */
  if (blocking && self->watch == NULL &&
      g_atomic_pointer_get (&self->dispatch_thread) == g_thread_self () &&
      !g_atomic_int_get (&self->answered))
    {
      track (self, TRUE);
      self->watch = pp_connection_watch_begin (self->connection);
    }
  return self->cancellable;
}

void
pp_invocation_invoke_added (PpInvocation *self,
                            GObject      *object,
                            GVariant     *parameters)
{
  PpInvocationFunc func = (PpInvocationFunc) self->method->invocation_func;
  g_autoptr(GError) error = NULL;

  if (!pp_method_check_args (self->method->name, self->method->in_type, parameters, &error))
    {
      pp_invocation_return_gerror (self, error);
      return;
    }
  /* Plain values given for maybes become maybes, also for the getter */
  if (!pp_method_value_is_of_type (parameters, self->method->in_type))
    {
      GVariant *widened = pp_marshal_widen (parameters, self->method->in_type);

      g_variant_unref (self->parameters);
      self->parameters = widened;
    }
  func (object, self->parameters, self, self->method->user_data);
}

static void
pp_invocation_finalize (GObject *object)
{
  PpInvocation *self = PP_INVOCATION (object);

  g_clear_pointer (&self->watch, pp_connection_watch_end);
  if (!self->answered)
    {
      g_autoptr(GError) error = g_error_new (PP_ERROR, PP_ERROR_FAILED,
                                             _("Method “%s” returned no answer"),
                                             self->method_name);

      answer (self, NULL, NULL, NULL, error);
    }

  g_clear_pointer (&self->connection, pp_connection_unref);
  g_clear_pointer (&self->running, pp_running_calls_unref);
  g_clear_pointer (&self->method, pp_method_unref);
  g_clear_object (&self->fd_list);
  g_clear_pointer (&self->objects, g_ptr_array_unref);
  g_clear_pointer (&self->exports, pp_exports_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->object);
  g_clear_pointer (&self->parameters, g_variant_unref);
  g_clear_pointer (&self->body, g_variant_unref);

  G_OBJECT_CLASS (pp_invocation_parent_class)->finalize (object);
}

static void
pp_invocation_class_init (PpInvocationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pp_invocation_finalize;
}

static void
pp_invocation_init (PpInvocation *self)
{
}

PpInvocation *
pp_invocation_new (PpConnection   *connection,
                   PpRunningCalls *running,
                   PpExports      *exports,
                   GObject        *object)
{
  PpInvocation *self = g_object_new (PP_TYPE_INVOCATION, NULL);

  self->exports = exports ? pp_exports_ref (exports) : NULL;
  self->connection = pp_connection_ref (connection);
  self->running = pp_running_calls_ref (running);
  /* None for a call to an object that is not there, answered at once */
  self->object = object ? g_object_ref (object) : NULL;
  return self;
}

gboolean
pp_invocation_recycle (PpInvocation *self)
{
  /* An answered invocation is in no table */
  if (!g_atomic_int_get (&self->answered) ||
      g_atomic_int_get (&self->parent_instance.ref_count) != 1)
    return FALSE;

  g_clear_pointer (&self->method, pp_method_unref);
  g_clear_object (&self->fd_list);
  g_clear_pointer (&self->objects, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->parameters, g_variant_unref);
  g_clear_pointer (&self->body, g_variant_unref);
  self->method_name = NULL;
  return TRUE;
}

void
pp_invocation_start (PpInvocation *self,
                     guint32       serial,
                     gboolean      no_reply,
                     GVariant     *body,
                     const char   *method_name,
                     GVariant     *parameters,
                     GUnixFDList  *fd_list,
                     GPtrArray    *objects)
{
  self->serial = serial;
  self->no_reply = no_reply;
  self->body = g_variant_ref (body);
  self->method_name = method_name;
  self->parameters = g_variant_ref (parameters);
  self->fd_list = fd_list ? g_object_ref (fd_list) : NULL;
  self->objects = objects ? g_ptr_array_ref (objects) : NULL;
  self->answered = FALSE;
  self->tracked = FALSE;
  self->cancelled = FALSE;
  g_atomic_pointer_set (&self->dispatch_thread, g_thread_self ());
}

GPtrArray *
pp_invocation_get_objects (PpInvocation *self)
{
  return self->objects;
}

void
pp_invocation_take_method (PpInvocation *self,
                           PpMethod     *method)
{
  g_clear_pointer (&self->method, pp_method_unref);
  self->method = method;
}

/**
 * pp_invocation_get_cancellable:
 * @self: a #PpInvocation
 *
 * Gets a cancellable that is cancelled when the caller gives up on the call:
 * it cancelled it or it timed out (the proxy then sends a cancel), or the
 * connection ended. A handler that answers later can stop its work then;
 * it should still answer, e.g. with %G_IO_ERROR_CANCELLED (the caller
 * drops that late answer).
 *
 * A handler or a [callback@Pp.InvocationFunc] that does the work itself,
 * blocking the listener's main context until it answers, gets the cancel
 * too: asked for before the handler returns, in the listener's thread, the
 * cancellable makes a thread of the library read the connection for the
 * blocked context until the handler returns, as for a synchronous method
 * that takes a `GCancellable`. So a long loop can check
 * g_cancellable_is_cancelled() between steps (the cancellable is then
 * cancelled in that thread; otherwise always in the listener's main
 * context, so that its handlers run there):
 *
 * ```c
 * static void
 * count_up (GObject *object, GVariant *parameters, PpInvocation *invocation, gpointer data)
 * {
 *   GCancellable *cancellable = pp_invocation_get_cancellable (invocation);
 *   guint32 n, i;
 *
 *   g_variant_get (parameters, "(u)", &n);
 *   for (i = 0; i < n && !g_cancellable_is_cancelled (cancellable); i++)
 *     g_usleep (1000);   // one step of the work
 *   if (i < n)
 *     pp_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_CANCELLED,
 *                                         "Cancelled by the caller");
 *   else
 *     pp_invocation_return_value (invocation, g_variant_new ("(u)", i));
 * }
 *
 *   pp_listener_add_method_with_invocation (listener, "count_up", G_VARIANT_TYPE ("(u)"),
 *                                           G_VARIANT_TYPE ("(u)"), count_up, NULL, NULL);
 * ```
 *
 * A handler that does long work in a thread, and stops when the caller
 * cancels:
 *
 * ```c
 * static void
 * hash_in_thread (GTask *task, gpointer object, gpointer data, GCancellable *cancellable)
 * {
 *   GError *error = NULL;
 *   GVariant *digest = my_hash_file (data, cancellable, &error);  // checks cancellable
 *
 *   if (digest != NULL)
 *     g_task_return_pointer (task, digest, (GDestroyNotify) g_variant_unref);
 *   else
 *     g_task_return_error (task, error);
 * }
 *
 * static void
 * hashed (GObject *object, GAsyncResult *result, gpointer user_data)
 * {
 *   g_autoptr(PpInvocation) invocation = user_data;
 *   GError *error = NULL;
 *   GVariant *digest = g_task_propagate_pointer (G_TASK (result), &error);
 *
 *   if (digest != NULL)
 *     pp_invocation_return_value (invocation, g_variant_new ("(@ay)", digest));
 *   else
 *     pp_invocation_return_gerror (invocation, error);
 *   g_clear_error (&error);
 * }
 *
 * static gboolean
 * handle_hash (PpListener *listener, const char *method, GVariant *parameters,
 *              PpInvocation *invocation, gpointer user_data)
 * {
 *   GTask *task = g_task_new (NULL, pp_invocation_get_cancellable (invocation),
 *                             hashed, g_object_ref (invocation));
 *   char *path;
 *
 *   g_variant_get (parameters, "(s)", &path);
 *   g_task_set_task_data (task, path, g_free);
 *   g_task_run_in_thread (task, hash_in_thread);
 *   g_object_unref (task);
 *   return TRUE;
 * }
 * ```
 *
 * A method found through the typelib does not need this: its own
 * `GCancellable` argument is cancelled the same way (see [class@Pp.Listener]).
 *
 * Returns: (transfer none): the cancellable of this call
 *
 * Since: 1.0
 */
GCancellable *
pp_invocation_get_cancellable (PpInvocation *self)
{
  g_return_val_if_fail (PP_IS_INVOCATION (self), NULL);

  return pp_invocation_cancellable (self, TRUE);
}

/**
 * pp_invocation_get_method_name:
 * @self: a #PpInvocation
 *
 * Gets the name of the method the peer called.
 *
 * Returns: the name of the method the peer called
 *
 * Since: 1.0
 */
const char *
pp_invocation_get_method_name (PpInvocation *self)
{
  g_return_val_if_fail (PP_IS_INVOCATION (self), NULL);
  return self->method_name;
}

/**
 * pp_invocation_get_parameters:
 * @self: a #PpInvocation
 *
 * Gets the arguments of the call.
 *
 * Returns: (transfer none): the arguments, a tuple. For a method added with
 *   [method@Pp.Listener.add_method] it was checked against the method's
 *   in-type; otherwise it is exactly what the peer sent.
 *
 * Since: 1.0
 */
GVariant *
pp_invocation_get_parameters (PpInvocation *self)
{
  g_return_val_if_fail (PP_IS_INVOCATION (self), NULL);
  return self->parameters;
}

/**
 * pp_invocation_get_unix_fd_list:
 * @self: a #PpInvocation
 *
 * Gets the file descriptors that came with the call; the handle (`h`)
 * values of the parameters index it.
 *
 * Returns: (transfer none) (nullable): the file descriptors, or %NULL if
 *   none came
 *
 * Since: 1.0
 */
GUnixFDList *
pp_invocation_get_unix_fd_list (PpInvocation *self)
{
  g_return_val_if_fail (PP_IS_INVOCATION (self), NULL);
  return self->fd_list;
}

/**
 * pp_invocation_get_object:
 * @self: a #PpInvocation
 *
 * Gets the object the call is for.
 *
 * Returns: (transfer none): the exported object
 *
 * Since: 1.0
 */
GObject *
pp_invocation_get_object (PpInvocation *self)
{
  g_return_val_if_fail (PP_IS_INVOCATION (self), NULL);
  return self->object;
}

/**
 * pp_invocation_return_value:
 * @self: a #PpInvocation
 * @result: (nullable): the result, a tuple; a floating reference is
 *   consumed. %NULL means the empty tuple.
 *
 * Answers the call with a result.
 *
 * Since: 1.0
 */
void
pp_invocation_return_value (PpInvocation *self,
                            GVariant     *result)
{
  g_return_if_fail (PP_IS_INVOCATION (self));
  g_return_if_fail (result == NULL || g_variant_is_of_type (result, G_VARIANT_TYPE_TUPLE));

  pp_invocation_return_value_with_unix_fd_list (self, result, NULL);
}

/**
 * pp_invocation_return_value_with_unix_fd_list:
 * @self: a #PpInvocation
 * @result: (nullable): the result, a tuple whose handle (`h`) values index
 *   @fd_list; a floating reference is consumed. %NULL means the empty
 *   tuple.
 * @fd_list: (nullable): the file descriptors that go with the result
 *
 * Answers the call with a result and file descriptors. They pass only over
 * a unix socket; elsewhere the caller gets %PP_ERROR_UNSUPPORTED_TYPE
 * instead of the result. The kernel duplicates the descriptors as the
 * answer is sent: @fd_list keeps its own.
 *
 * Since: 1.0
 */
void
pp_invocation_return_value_with_unix_fd_list (PpInvocation *self,
                                              GVariant     *result,
                                              GUnixFDList  *fd_list)
{
  g_autoptr(GVariant) owned = NULL;

  g_return_if_fail (PP_IS_INVOCATION (self));
  g_return_if_fail (result == NULL || g_variant_is_of_type (result, G_VARIANT_TYPE_TUPLE));
  g_return_if_fail (fd_list == NULL || G_IS_UNIX_FD_LIST (fd_list));

  owned = result ? g_variant_ref_sink (result) : g_variant_ref_sink (g_variant_new ("()"));
  pp_invocation_return (self, owned, fd_list, NULL, NULL);
}

/**
 * pp_invocation_return_gerror:
 * @self: a #PpInvocation
 * @error: the error
 *
 * Answers the call with an error. The caller gets the same domain, code and
 * message.
 *
 * Since: 1.0
 */
void
pp_invocation_return_gerror (PpInvocation *self,
                             const GError *error)
{
  g_return_if_fail (PP_IS_INVOCATION (self));
  g_return_if_fail (error != NULL);

  answer (self, NULL, NULL, NULL, error);
}

/**
 * pp_invocation_return_error_literal:
 * @self: a #PpInvocation
 * @domain: an error domain
 * @code: an error code
 * @message: the error message
 *
 * Answers the call with an error.
 *
 * Since: 1.0
 */
void
pp_invocation_return_error_literal (PpInvocation *self,
                                    GQuark        domain,
                                    int           code,
                                    const char   *message)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PP_IS_INVOCATION (self));
  g_return_if_fail (message != NULL);

  error = g_error_new_literal (domain, code, message);
  pp_invocation_return_gerror (self, error);
}

void
pp_invocation_method_done (GVariant     *result,
                           GUnixFDList  *out_fds,
                           GPtrArray    *out_objects,
                           const GError *error,
                           gpointer      user_data)
{
  pp_invocation_return (user_data, result, out_fds, out_objects, error);
}

void
pp_invocation_async_method_done (GVariant     *result,
                                 GUnixFDList  *out_fds,
                                 GPtrArray    *out_objects,
                                 const GError *error,
                                 gpointer      user_data)
{
  pp_invocation_return (user_data, result, out_fds, out_objects, error);
  g_object_unref (user_data);
}
