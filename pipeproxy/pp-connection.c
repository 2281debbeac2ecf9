/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <gio/gfiledescriptorbased.h>
#include <gio/gunixfdlist.h>

#include "pp-buffer-private.h"
#include "pp-connection-private.h"
#include "pp-error.h"
#include "pp-memfd-private.h"
#include "pp-stream-private.h"

#define READ_BUFFER_SIZE     (64 * 1024)
/* Frames bigger than this get a buffer of their own that becomes the
 * message's memory, so their payload is never copied after the read. */
#define LARGE_FRAME_SIZE     (READ_BUFFER_SIZE / 2)
#define MAX_IOV              64
/* Descriptors received but not yet claimed by a frame header: a frame's
 * come with its header's first byte, so more than one frame's worth is a
 * peer sending descriptors nothing refers to. */
#define MAX_UNCLAIMED_FDS    (2 * PP_WIRE_MAX_FDS)

typedef struct
{
  guint32        serial;
  PpWireKind     reply_kind;
  /* asynchronous calls */
  GTask         *task;
  GSource       *timeout_source;
  gulong         cancel_id;
  /* synchronous calls: completed under the connection lock */
  gboolean       sync;
  gboolean       done;
  PpReply        reply;
  GError        *error;
} PendingCall;

typedef enum
{
  ITEM_MESSAGE,
  ITEM_COMPLETE,
  ITEM_CLOSED,
} ItemKind;

typedef struct
{
  ItemKind      kind;
  PpWireHeader  header;
  GVariant     *body;
  GUnixFDList  *fds;
  PendingCall  *call;
  GError       *error;
} InboundItem;

/* The descriptors that go with a queued frame: sent, as SCM_RIGHTS, with
 * the first byte of @header, which is its own element of the out queue. */
typedef struct
{
  GBytes      *header;   /* not a reference: identifies the element */
  GUnixFDList *fds;
  int          body_fd;  /* a sealed memfd holding the body, or -1 */
} OutFds;

typedef struct
{
  GSource       source;
  PpConnection *connection;
  gpointer      in_tag;
  gpointer      out_tag;
  GIOCondition  in_events;
  GIOCondition  out_events;
} ConnectionSource;

struct _PpConnection
{
  gatomicrefcount        ref_count;

  GIOStream             *stream;
  GMainContext          *context;
  PpConnectionCallbacks  callbacks;
  gpointer               user_data;

  int                    in_fd;
  int                    out_fd;
  gboolean               out_is_socket;
  gboolean               in_is_socket;
  /* Descriptors pass only over a unix socket we read and write ourselves,
   * and are sent only once the peer said it takes them. */
  gboolean               receives_fds;
  gboolean               sends_fds;
  int                    wake_fd;

  GMutex                 lock;
  GCond                  cond;
  guint                  n_cond_waiters;

  /* Only one thread does I/O reads at a time: the owner context's source or
   * a thread waiting in a synchronous call. */
  gboolean               io_busy;
  gboolean               source_paused;

  ConnectionSource      *source;

  /* Read side, used only by the thread that has io_busy */
  guint8                *rbuf;
  gsize                  rbuf_size;
  gsize                  rbuf_len;
  guint8                *large;       /* a frame bigger than LARGE_FRAME_SIZE */
  gsize                  large_capacity;
  gsize                  large_size;
  gsize                  large_len;
  GArray                *in_fds;      /* int: received, not yet claimed */

  /* Write side, under lock */
  GQueue                 out_queue;   /* GBytes */
  GQueue                 out_fds;     /* OutFds, in out_queue order */
  gsize                  out_offset;  /* into the head */
  gsize                  out_queued;
  GThread               *cork_thread;

  /* Calls, under lock */
  guint32                next_serial;
  gboolean               serials_wrapped;
  gboolean               peer_refused;
  GError                *broken_error;
  GHashTable            *pending;     /* serial → PendingCall */
  guint                  max_pending;

  /* Messages for the owner context, in arrival order, under lock */
  GQueue                 inbound;
  gint                   inbound_len;

  gsize                  max_message_size;
  gsize                  max_queued_output;
  gsize                  memfd_threshold;   /* 0: never */

  gboolean               input_throttled;
  gboolean               pumped;
  gboolean               closed;
  gboolean               closed_dispatched;
  gboolean               stream_closed;
  GError                *close_error;
};

static void     close_locked         (PpConnection *self,
                                      GError       *error,
                                      GQueue       *to_complete);
static gboolean complete_calls       (PpConnection *self,
                                      GQueue       *calls);
static gboolean flush_locked         (PpConnection *self);
static void     update_source_locked (PpConnection *self);

PpConnection *
pp_connection_ref (PpConnection *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
out_fds_free (OutFds *out)
{
  g_clear_object (&out->fds);
  if (out->body_fd >= 0)
    close (out->body_fd);
  g_free (out);
}

static void
close_fds (GArray *fds)
{
  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_array_set_size (fds, 0);
}

static void
inbound_item_free (InboundItem *item)
{
  g_clear_pointer (&item->body, g_variant_unref);
  g_clear_object (&item->fds);
  g_clear_error (&item->error);
  g_free (item);
}

void
pp_connection_unref (PpConnection *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_assert (self->source == NULL);
  g_assert (g_hash_table_size (self->pending) == 0);

  if (!self->stream_closed)
    g_io_stream_close (self->stream, NULL, NULL);
  g_object_unref (self->stream);
  g_main_context_unref (self->context);
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  g_queue_clear_full (&self->out_queue, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->out_fds, (GDestroyNotify) out_fds_free);
  g_queue_clear_full (&self->inbound, (GDestroyNotify) inbound_item_free);
  close_fds (self->in_fds);
  g_array_unref (self->in_fds);
  g_hash_table_unref (self->pending);
  g_clear_error (&self->close_error);
  g_clear_error (&self->broken_error);
  g_free (self->rbuf);
  pp_buffer_give (self->large, self->large_capacity);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

static gboolean
fd_is_socket (int fd)
{
  struct stat st;

  return fstat (fd, &st) == 0 && S_ISSOCK (st.st_mode);
}

static gboolean
fd_is_unix_socket (int fd)
{
  int domain = 0;
  socklen_t len = sizeof domain;

  return getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX;
}

static int
stream_fd (gpointer stream)
{
  if (G_IS_FILE_DESCRIPTOR_BASED (stream))
    return g_file_descriptor_based_get_fd (G_FILE_DESCRIPTOR_BASED (stream));
  return -1;
}

static gboolean
find_fds (GIOStream  *stream,
          int        *in_fd,
          int        *out_fd)
{
  if (G_IS_SOCKET_CONNECTION (stream))
    {
      GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));

      *in_fd = *out_fd = g_socket_get_fd (socket);
      return TRUE;
    }

  *in_fd = stream_fd (g_io_stream_get_input_stream (stream));
  *out_fd = stream_fd (g_io_stream_get_output_stream (stream));
  return *in_fd >= 0 && *out_fd >= 0;
}

/* Writing to a pipe whose reader is gone raises SIGPIPE, and unlike send()
 * on a socket, write() on a pipe has no flag to prevent it. Policy: a
 * process that uses a pipe transport ignores SIGPIPE unless it installed a
 * handler of its own; EPIPE is then reported as a disconnection. */
static void
ignore_sigpipe_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      struct sigaction action;

      if (sigaction (SIGPIPE, NULL, &action) == 0 && action.sa_handler == SIG_DFL)
        {
          action.sa_handler = SIG_IGN;
          sigaction (SIGPIPE, &action, NULL);
        }
      g_once_init_leave (&done, 1);
    }
}

PpConnection *
pp_connection_new (GIOStream                   *stream,
                   const PpConnectionCallbacks *callbacks,
                   gpointer                     user_data,
                   GError                     **error)
{
  g_autoptr(GIOStream) pumped = NULL;
  PpConnection *self;
  int in_fd, out_fd;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  if (g_io_stream_is_closed (stream))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_DISCONNECTED, _("The stream is closed"));
      return NULL;
    }

  /* A stream with no descriptor to poll (TLS, a converter, a custom
   * stream) is read and written through one spliced to it. */
  if (!find_fds (stream, &in_fd, &out_fd))
    {
      int fd = pp_stream_splice (G_OBJECT (stream), error);

      if (fd < 0)
        return NULL;
      pumped = pp_stream_new_for_fd (fd, error);
      if (pumped == NULL)
        return NULL;
      stream = pumped;
      find_fds (stream, &in_fd, &out_fd);
    }

  if (!g_unix_set_fd_nonblocking (in_fd, TRUE, error) ||
      !g_unix_set_fd_nonblocking (out_fd, TRUE, error))
    return NULL;

  self = g_new0 (PpConnection, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->stream = g_object_ref (stream);
  self->pumped = pumped != NULL;
  self->context = g_main_context_ref_thread_default ();
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->in_fd = in_fd;
  self->out_fd = out_fd;
  self->in_is_socket = fd_is_socket (in_fd);
  self->out_is_socket = fd_is_socket (out_fd);
  /* A pumped stream's socket pair ends at the splice, which moves bytes
   * only. */
  self->receives_fds = !self->pumped && self->in_is_socket && fd_is_unix_socket (in_fd);
  self->in_fds = g_array_new (FALSE, FALSE, sizeof (int));
  self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->pending = g_hash_table_new (NULL, NULL);
  self->next_serial = 1;
  self->max_pending = PP_DEFAULT_MAX_PENDING_CALLS;
  self->max_message_size = PP_DEFAULT_MAX_MESSAGE_SIZE;
  self->max_queued_output = PP_DEFAULT_MAX_QUEUED_OUTPUT;
  self->memfd_threshold = PP_MEMFD_DEFAULT_THRESHOLD;
  self->rbuf_size = READ_BUFFER_SIZE;
  self->rbuf = g_malloc (self->rbuf_size);

  if (!self->out_is_socket)
    ignore_sigpipe_once ();

  return self;
}

/* Hands the connection to another owner object, in the owner context. */
void
pp_connection_set_callbacks (PpConnection                *self,
                             const PpConnectionCallbacks *callbacks,
                             gpointer                     user_data)
{
  g_mutex_lock (&self->lock);
  self->callbacks = *callbacks;
  self->user_data = user_data;
  g_mutex_unlock (&self->lock);
}

GIOStream *
pp_connection_get_stream (PpConnection *self)
{
  return self->stream;
}

GMainContext *
pp_connection_get_context (PpConnection *self)
{
  return self->context;
}

/* Whether descriptors sent to us arrive: the handshake tells the peer. */
gboolean
pp_connection_receives_fds (PpConnection *self)
{
  return self->receives_fds;
}

/* The peer said, in the handshake, that it takes descriptors. */
void
pp_connection_set_peer_receives_fds (PpConnection *self,
                                     gboolean      receives)
{
  g_mutex_lock (&self->lock);
  self->sends_fds = receives && !self->pumped && self->out_is_socket &&
                    fd_is_unix_socket (self->out_fd);
  g_mutex_unlock (&self->lock);
}

gboolean
pp_connection_is_closed (PpConnection *self)
{
  gboolean closed;

  g_mutex_lock (&self->lock);
  closed = self->closed;
  g_mutex_unlock (&self->lock);
  return closed;
}

gsize
pp_connection_get_max_message_size (PpConnection *self)
{
  return self->max_message_size;
}

void
pp_connection_set_max_message_size (PpConnection *self,
                                    gsize         size)
{
  self->max_message_size = MIN (size, G_MAXUINT32);
}

/* Bodies from this size up go in a sealed memfd where descriptors pass;
 * 0 turns that off */
void
pp_connection_set_memfd_threshold (PpConnection *self,
                                   gsize         threshold)
{
  g_mutex_lock (&self->lock);
  self->memfd_threshold = threshold;
  g_mutex_unlock (&self->lock);
}

guint
pp_connection_get_max_pending_calls (PpConnection *self)
{
  return self->max_pending;
}

void
pp_connection_set_max_pending_calls (PpConnection *self,
                                     guint         max)
{
  g_mutex_lock (&self->lock);
  self->max_pending = max;
  g_mutex_unlock (&self->lock);
}

static void
wake_io_thread (PpConnection *self)
{
  guint64 one = 1;

  if (self->wake_fd >= 0 && write (self->wake_fd, &one, sizeof one) < 0)
    {
      /* The counter is full, so a wake-up is already pending. */
    }
}

static void
broadcast_locked (PpConnection *self)
{
  if (self->n_cond_waiters > 0)
    g_cond_broadcast (&self->cond);
}

/* Inbound queue ----------------------------------------------------------- */

static void
push_inbound_locked (PpConnection *self,
                     InboundItem  *item)
{
  g_queue_push_tail (&self->inbound, item);
  if (g_atomic_int_add (&self->inbound_len, 1) == 0 &&
      !g_main_context_is_owner (self->context))
    g_main_context_wakeup (self->context);
}

static GError *
disconnected_error (PpConnection *self)
{
  if (self->close_error != NULL)
    return g_error_copy (self->close_error);
  return g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED, _("The connection is closed"));
}

/* Completing calls ------------------------------------------------------ */

void
pp_reply_clear (PpReply *reply)
{
  g_clear_pointer (&reply->value, g_variant_unref);
  g_clear_object (&reply->fds);
}

static void
pending_call_free (PendingCall *call)
{
  g_clear_object (&call->task);
  pp_reply_clear (&call->reply);
  g_clear_error (&call->error);
  g_free (call);
}

/* The call was already removed from the table by whoever completes it, so
 * this runs exactly once per call. Not under the lock. A call that
 * succeeded becomes the task's result, so the reply needs no allocation of
 * its own. */
static void
complete_async (PpConnection *self,
                PendingCall  *call,
                GVariant     *result,
                GError       *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&call->task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (call->timeout_source != NULL)
    {
      g_source_destroy (call->timeout_source);
      g_clear_pointer (&call->timeout_source, g_source_unref);
    }
  if (call->cancel_id != 0)
    {
      g_cancellable_disconnect (cancellable, call->cancel_id);
      call->cancel_id = 0;
    }

  if (error != NULL)
    {
      g_task_return_error (task, error);
      pending_call_free (call);
      return;
    }

  call->reply.value = result;
  g_task_return_pointer (task, call, (GDestroyNotify) pending_call_free);
}

static void
complete_sync_locked (PpConnection *self,
                      PendingCall  *call,
                      GVariant     *result,
                      GError       *error)
{
  call->done = TRUE;
  call->reply.value = result;
  call->error = error;
  broadcast_locked (self);
  if (self->pumped)
    g_main_context_wakeup (self->context);
}

/* Ends the calls closing took out of the table; returns whether there
 * were any. */
static gboolean
complete_calls (PpConnection *self,
                GQueue       *calls)
{
  gboolean any = !g_queue_is_empty (calls);
  PendingCall *call;

  while ((call = g_queue_pop_head (calls)) != NULL)
    complete_async (self, call, NULL,
                    call->error ? g_steal_pointer (&call->error) : disconnected_error (self));
  return any;
}

static void
close_locked (PpConnection *self,
              GError       *error,
              GQueue       *to_complete)
{
  GHashTableIter iter;
  PendingCall *call;
  InboundItem *item;

  if (self->closed)
    {
      g_clear_error (&error);
      return;
    }

  self->closed = TRUE;
  self->close_error = error ? error : g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED,
                                                           _("The connection was closed"));

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      g_hash_table_iter_remove (&iter);
      if (call->sync)
        complete_sync_locked (self, call, NULL, g_error_copy (self->close_error));
      else
        {
          call->error = g_error_copy (self->close_error);
          g_queue_push_tail (to_complete, call);
        }
    }

  g_queue_clear_full (&self->out_queue, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->out_fds, (GDestroyNotify) out_fds_free);
  self->out_offset = 0;
  self->out_queued = 0;

  /* A socket can be shut down at once, so the peer sees the end and any
   * thread polling it wakes up; the descriptors themselves are closed
   * only once nobody polls them. */
  if (self->in_is_socket)
    shutdown (self->in_fd, SHUT_RDWR);
  if (self->out_is_socket && self->out_fd != self->in_fd)
    shutdown (self->out_fd, SHUT_RDWR);

  item = g_new0 (InboundItem, 1);
  item->kind = ITEM_CLOSED;
  item->error = g_error_copy (self->close_error);
  push_inbound_locked (self, item);

  /* Nothing more is read or written: stop polling, or a shut-down socket
   * would keep the context busy. */
  update_source_locked (self);

  broadcast_locked (self);
  wake_io_thread (self);
}

void
pp_connection_close (PpConnection *self,
                     const GError *error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };

  g_mutex_lock (&self->lock);
  close_locked (self, error ? g_error_copy (error) : NULL, to_complete);
  g_mutex_unlock (&self->lock);

  complete_calls (self, to_complete);
}

/* Writing --------------------------------------------------------------- */

static gssize
write_vectors (PpConnection *self,
               struct iovec *iov,
               int           n_iov,
               OutFds       *out)
{
  if (self->out_is_socket)
    {
      union {
        struct cmsghdr align;
        char           buf[CMSG_SPACE (sizeof (int) * PP_WIRE_MAX_FDS)];
      } control;
      struct msghdr msg = { 0 };

      msg.msg_iov = iov;
      msg.msg_iovlen = n_iov;
      if (out != NULL)
        {
          int n_fds = out->fds ? g_unix_fd_list_get_length (out->fds) : 0;
          struct cmsghdr *cmsg;
          int *fds;

          memset (&control, 0, sizeof control);
          msg.msg_control = control.buf;
          msg.msg_controllen = CMSG_SPACE (sizeof (int) * (n_fds + (out->body_fd >= 0)));
          cmsg = CMSG_FIRSTHDR (&msg);
          cmsg->cmsg_level = SOL_SOCKET;
          cmsg->cmsg_type = SCM_RIGHTS;
          cmsg->cmsg_len = CMSG_LEN (sizeof (int) * (n_fds + (out->body_fd >= 0)));
          fds = (int *) (gpointer) CMSG_DATA (cmsg);
          if (n_fds > 0)
            memcpy (fds, g_unix_fd_list_peek_fds (out->fds, NULL), sizeof (int) * n_fds);
          if (out->body_fd >= 0)
            fds[n_fds] = out->body_fd;
        }
      return sendmsg (self->out_fd, &msg, MSG_NOSIGNAL);
    }
  return writev (self->out_fd, iov, n_iov);
}

/* Returns FALSE if the connection broke; the caller then closes it. */
static gboolean
flush_locked (PpConnection *self)
{
  while (self->out_queue.length > 0)
    {
      struct iovec iov[MAX_IOV];
      int n_iov = 0;
      gssize written;
      gsize offset = self->out_offset;
      OutFds *next_fds = g_queue_peek_head (&self->out_fds);
      OutFds *sending_fds = NULL;

      for (GList *l = self->out_queue.head; l != NULL && n_iov < MAX_IOV; l = l->next)
        {
          gsize size;
          const guint8 *data = g_bytes_get_data (l->data, &size);

          /* Descriptors go with the first byte of a write, so a frame that
           * has some starts a write of its own. */
          if (next_fds != NULL && l->data == next_fds->header)
            {
              if (n_iov > 0)
                break;
              sending_fds = next_fds;
            }

          iov[n_iov].iov_base = (guint8 *) data + offset;
          iov[n_iov].iov_len = size - offset;
          n_iov++;
          offset = 0;
        }

      written = write_vectors (self, iov, n_iov, sending_fds);
      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN)
            return TRUE;
          return FALSE;
        }

      if (sending_fds != NULL)
        out_fds_free (g_queue_pop_head (&self->out_fds));

      self->out_queued -= written;
      while (written > 0)
        {
          GBytes *head = g_queue_peek_head (&self->out_queue);
          gsize left = g_bytes_get_size (head) - self->out_offset;

          if ((gsize) written >= left)
            {
              written -= left;
              g_bytes_unref (g_queue_pop_head (&self->out_queue));
              self->out_offset = 0;
            }
          else
            {
              self->out_offset += written;
              written = 0;
            }
        }
    }
  return TRUE;
}

/* A write failed: the connection is broken. It is closed by
 * close_if_broken() once the lock is let go, since finding out why the
 * peer went away (end_reason) may take a moment. Until then calls stay
 * pending, so they end with that reason. */
static void
note_broken_locked (PpConnection *self,
                    GError       *error)
{
  if (self->broken_error == NULL && !self->closed)
    self->broken_error = error;
  else
    g_error_free (error);
}

static GError *
with_end_reason (PpConnection *self,
                 GError       *error)
{
  if (error->domain == PP_ERROR && error->code == PP_ERROR_DISCONNECTED &&
      self->callbacks.end_reason != NULL)
    {
      GError *reason = self->callbacks.end_reason (self, error, self->user_data);

      if (reason != NULL)
        {
          g_error_free (error);
          return reason;
        }
    }
  return error;
}

static void
close_if_broken (PpConnection *self,
                 GQueue       *to_complete)
{
  GError *error;

  g_mutex_lock (&self->lock);
  error = g_steal_pointer (&self->broken_error);
  g_mutex_unlock (&self->lock);

  if (error == NULL)
    return;

  error = with_end_reason (self, error);
  g_mutex_lock (&self->lock);
  close_locked (self, error, to_complete);
  g_mutex_unlock (&self->lock);
}

static GError *
write_error (void)
{
  int saved = errno;

  return g_error_new (PP_ERROR, PP_ERROR_DISCONNECTED,
                      _("Could not write to the peer: %s"), g_strerror (saved));
}

static gboolean
output_over_limit_locked (PpConnection *self)
{
  return self->out_queued > self->max_queued_output;
}

static void
queue_frame_locked (PpConnection *self,
                    GBytes       *frame)
{
  g_queue_push_tail (&self->out_queue, frame);
  self->out_queued += g_bytes_get_size (frame);
}

/* Queues a frame that takes descriptors: @fds, and a sealed memfd for its
 * body when that is big. Its header is rewritten to say so, and becomes an
 * element of the queue of its own, which the descriptors go with. */
static gboolean
queue_frame_with_fds_locked (PpConnection  *self,
                             GBytes        *frame,
                             GUnixFDList   *fds,
                             GError       **error)
{
  int n_fds = fds ? g_unix_fd_list_get_length (fds) : 0;
  const guint8 *data = g_bytes_get_data (frame, NULL);
  PpWireHeader header;
  OutFds *out;
  guint8 *header_data;

  if (n_fds > 0 && !self->sends_fds)
    {
      g_set_error_literal (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                           self->out_is_socket && !self->pumped && fd_is_unix_socket (self->out_fd)
                             ? _("The peer does not take file descriptors")
                             : _("File descriptors can only be passed over a unix socket"));
      return FALSE;
    }
  if (n_fds >= PP_WIRE_MAX_FDS)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("At most %d file descriptors can go with one message"),
                   PP_WIRE_MAX_FDS - 1);
      return FALSE;
    }

  pp_wire_parse_header (data, G_MAXUINT32, &header, NULL);
  out = g_new0 (OutFds, 1);
  out->fds = fds && n_fds > 0 ? g_object_ref (fds) : NULL;
  out->body_fd = -1;

  if (self->sends_fds && self->memfd_threshold != 0 && header.body_size >= self->memfd_threshold)
    {
      g_autoptr(GError) local_error = NULL;

      out->body_fd = pp_memfd_new_sealed (data + PP_WIRE_HEADER_SIZE, header.body_size,
                                          &local_error);
      if (out->body_fd < 0)
        g_debug ("Sending a body of %u bytes through the socket: %s",
                 header.body_size, local_error->message);
    }

  header.n_fds = n_fds + (out->body_fd >= 0);
  if (out->body_fd >= 0)
    header.flags |= PP_WIRE_FLAGS_BODY_IN_FD;
  header_data = g_malloc (PP_WIRE_HEADER_SIZE);
  pp_wire_write_header (&header, header_data);
  out->header = g_bytes_new_take (header_data, PP_WIRE_HEADER_SIZE);

  queue_frame_locked (self, out->header);
  if (out->body_fd < 0)
    queue_frame_locked (self, g_bytes_new_from_bytes (frame, PP_WIRE_HEADER_SIZE,
                                                      g_bytes_get_size (frame) - PP_WIRE_HEADER_SIZE));
  g_queue_push_tail (&self->out_fds, out);
  return TRUE;
}

static gboolean
takes_fds (PpConnection *self,
           GBytes       *frame,
           GUnixFDList  *fds)
{
  return (fds != NULL && g_unix_fd_list_get_length (fds) > 0) ||
         (self->sends_fds && self->memfd_threshold != 0 &&
          g_bytes_get_size (frame) >= PP_WIRE_HEADER_SIZE + self->memfd_threshold);
}

/* Calls are refused while too much output waits; replies and signals are
 * always queued, and instead the connection stops reading new requests
 * until the peer has read what is queued (see update_source_locked()). */
static gboolean
send_locked (PpConnection  *self,
             GBytes        *frame,
             GUnixFDList   *fds,
             gboolean       is_call,
             GQueue        *to_complete,
             GError       **error)
{
  gboolean was_empty;

  if (self->closed)
    {
      g_propagate_error (error, disconnected_error (self));
      return FALSE;
    }

  if (is_call && output_over_limit_locked (self))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("More than %llu bytes are waiting to be sent to the peer"),
                   (unsigned long long) self->max_queued_output);
      return FALSE;
    }

  was_empty = self->out_queue.length == 0;
  if (takes_fds (self, frame, fds))
    {
      if (!queue_frame_with_fds_locked (self, frame, fds, error))
        return FALSE;
    }
  else
    queue_frame_locked (self, g_bytes_ref (frame));

  /* While the owner context dispatches a batch of messages, replies are
   * only queued, and written together when the batch is done. */
  if (self->cork_thread == g_thread_self ())
    return TRUE;

  if (!flush_locked (self))
    {
      note_broken_locked (self, write_error ());
      return TRUE;
    }

  if (was_empty != (self->out_queue.length == 0) ||
      self->input_throttled != output_over_limit_locked (self))
    update_source_locked (self);

  return TRUE;
}

gboolean
pp_connection_send (PpConnection  *self,
                    GBytes        *frame,
                    GError       **error)
{
  return pp_connection_send_with_fds (self, frame, NULL, error);
}

/* Sends @frame with the descriptors in @fds (which the frame's 'h' values
 * index); fails with PP_ERROR_UNSUPPORTED_TYPE where they cannot pass. */
gboolean
pp_connection_send_with_fds (PpConnection  *self,
                             GBytes        *frame,
                             GUnixFDList   *fds,
                             GError       **error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };
  gboolean ret;

  g_mutex_lock (&self->lock);
  ret = send_locked (self, frame, fds, FALSE, to_complete, error);
  g_mutex_unlock (&self->lock);

  close_if_broken (self, to_complete);
  complete_calls (self, to_complete);
  return ret;
}

/* Sends a last frame (a refusal) and closes, for when the peer is not to
 * be served. The frame is written at once, ahead of anything corked. */
void
pp_connection_send_and_close (PpConnection *self,
                              GBytes       *frame,
                              const GError *error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };

  g_mutex_lock (&self->lock);
  if (!self->closed)
    {
      g_queue_push_tail (&self->out_queue, g_bytes_ref (frame));
      self->out_queued += g_bytes_get_size (frame);
      flush_locked (self);
    }
  close_locked (self, g_error_copy (error), to_complete);
  g_mutex_unlock (&self->lock);

  complete_calls (self, to_complete);
}

/* Reading --------------------------------------------------------------- */

/* Routes one decoded frame. Called by the thread doing I/O, without the
 * lock. Returns FALSE, with @error, for a frame that closes the
 * connection; nothing after it is read. */
static gboolean
route_frame (PpConnection       *self,
             const PpWireHeader *header,
             GVariant           *body,
             GUnixFDList        *fds,
             GError            **error)
{
  InboundItem *item;
  PendingCall *call;

  if (header->kind == PP_WIRE_KIND_RETURN || header->kind == PP_WIRE_KIND_ERROR ||
      header->kind == PP_WIRE_KIND_WELCOME)
    {
      GVariant *result = NULL;
      GError *call_error = NULL;
      gboolean issued;

      /* An error that answers no call is the peer's reason for closing,
       * e.g. a refused handshake. */
      if (header->kind == PP_WIRE_KIND_ERROR && header->serial == 0)
        {
          self->peer_refused = TRUE;
          g_propagate_error (error, pp_wire_decode_error (body));
          return FALSE;
        }

      g_mutex_lock (&self->lock);
      issued = header->serial != 0 && (self->serials_wrapped || header->serial < self->next_serial);
      call = g_hash_table_lookup (self->pending, GUINT_TO_POINTER (header->serial));
      if (call == NULL)
        {
          g_mutex_unlock (&self->lock);
          if (issued)
            return TRUE;  /* a late reply to a call that timed out or was cancelled */
          g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                       _("Received a reply (%s) to request %u, which was never made"),
                       pp_wire_kind_to_string (header->kind), header->serial);
          return FALSE;
        }

      if (header->kind != PP_WIRE_KIND_ERROR && header->kind != call->reply_kind)
        {
          g_mutex_unlock (&self->lock);
          g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                       _("Received a frame of kind %s in answer to a request that expects %s"),
                       pp_wire_kind_to_string (header->kind),
                       pp_wire_kind_to_string (call->reply_kind));
          return FALSE;
        }

      if (header->kind == PP_WIRE_KIND_ERROR)
        call_error = pp_wire_decode_error (body);
      else if (header->kind == PP_WIRE_KIND_RETURN)
        pp_wire_split_body (body, NULL, 0, &result, NULL);
      else
        result = g_variant_ref (body);

      g_hash_table_remove (self->pending, GUINT_TO_POINTER (header->serial));
      if (fds != NULL && call_error == NULL)
        call->reply.fds = g_object_ref (fds);

      if (call->sync)
        {
          complete_sync_locked (self, call, result, call_error);
          g_mutex_unlock (&self->lock);
          return TRUE;
        }

      /* Replies for callers in the owner context go through the inbound
       * queue, so they keep their order with signals. */
      if (g_task_get_context (call->task) == self->context)
        {
          item = g_new0 (InboundItem, 1);
          item->kind = ITEM_COMPLETE;
          item->call = call;
          item->body = result;
          item->error = call_error;
          push_inbound_locked (self, item);
          g_mutex_unlock (&self->lock);
          return TRUE;
        }
      g_mutex_unlock (&self->lock);
      complete_async (self, call, result, call_error);
      return TRUE;
    }

  /* Checked as it is read, so that nothing behind a frame this side does
   * not take is ever acted on. */
  if (!(self->callbacks.accepted_kinds & (1u << header->kind)))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s, which this side does not accept"),
                   pp_wire_kind_to_string (header->kind));
      return FALSE;
    }

  item = g_new0 (InboundItem, 1);
  item->kind = ITEM_MESSAGE;
  item->header = *header;
  item->body = g_variant_ref (body);
  item->fds = fds ? g_object_ref (fds) : NULL;
  g_mutex_lock (&self->lock);
  if (self->closed)
    inbound_item_free (item);
  else
    push_inbound_locked (self, item);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* Takes the descriptors @header announces from those received; with
 * PP_WIRE_FLAGS_BODY_IN_FD the last one is the body, which is mapped. */
static gboolean
claim_fds (PpConnection        *self,
           const PpWireHeader  *header,
           GUnixFDList        **fds,
           GBytes             **body,
           GError             **error)
{
  guint n_fds = header->n_fds;
  gboolean body_in_fd = (header->flags & PP_WIRE_FLAGS_BODY_IN_FD) != 0;

  if (self->in_fds->len < n_fds)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s that announces %u file descriptors, "
                     "but %u came with it"),
                   pp_wire_kind_to_string (header->kind), n_fds, self->in_fds->len);
      return FALSE;
    }

  if (body_in_fd)
    {
      int body_fd = g_array_index (self->in_fds, int, n_fds - 1);

      *body = pp_memfd_read (body_fd, header->body_size, error);
      close (body_fd);
      g_array_remove_index (self->in_fds, n_fds - 1);
      n_fds--;
      if (*body == NULL)
        return FALSE;
    }

  if (n_fds > 0)
    {
      /* The list takes the descriptors over. */
      *fds = g_unix_fd_list_new_from_array ((int *) (gpointer) self->in_fds->data, n_fds);
      g_array_remove_range (self->in_fds, 0, n_fds);
    }
  return TRUE;
}

/* @body_bytes is NULL when the body is in a descriptor. */
static gboolean
handle_frame (PpConnection       *self,
              const PpWireHeader *header,
              GBytes             *body_bytes,
              GError            **error)
{
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GBytes) mapped = NULL;
  g_autoptr(GVariant) body = NULL;

  if (header->n_fds > 0 && !claim_fds (self, header, &fds, &mapped, error))
    return FALSE;

  body = pp_wire_decode_body (header, mapped ? mapped : body_bytes, error);
  if (body == NULL)
    return FALSE;

  return route_frame (self, header, body, fds, error);
}

static GError *
read_error (int saved_errno)
{
  if (saved_errno == 0)
    return g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED, _("The peer closed the connection"));
  return g_error_new (PP_ERROR, PP_ERROR_DISCONNECTED,
                      _("Could not read from the peer: %s"), g_strerror (saved_errno));
}

/* Keeps the descriptors that came with the bytes read, in order. */
static gboolean
take_received_fds (PpConnection  *self,
                   struct msghdr *msg,
                   GError       **error)
{
  gboolean ok = TRUE;

  for (struct cmsghdr *cmsg = CMSG_FIRSTHDR (msg); cmsg != NULL; cmsg = CMSG_NXTHDR (msg, cmsg))
    {
      if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
        {
          gsize n = (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int);

          g_array_append_vals (self->in_fds, CMSG_DATA (cmsg), n);
        }
    }

  if (msg->msg_flags & MSG_CTRUNC)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("The peer sent more than %d file descriptors at once"), PP_WIRE_MAX_FDS);
      ok = FALSE;
    }
  else if (self->in_fds->len > MAX_UNCLAIMED_FDS)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("The peer sent %u file descriptors that no message refers to"),
                   self->in_fds->len);
      ok = FALSE;
    }

  if (!ok)
    close_fds (self->in_fds);
  return ok;
}

/* Returns what read() would, or -2 with @error for descriptors that break
 * the protocol. */
static gssize
read_fd (PpConnection  *self,
         guint8        *buf,
         gsize          len,
         GError       **error)
{
  gssize n;

  if (self->receives_fds)
    {
      union {
        struct cmsghdr align;
        char           buf[CMSG_SPACE (sizeof (int) * PP_WIRE_MAX_FDS)];
      } control;
      struct iovec iov = { buf, len };
      struct msghdr msg = { 0 };

      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      do
        n = recvmsg (self->in_fd, &msg, MSG_CMSG_CLOEXEC);
      while (n < 0 && errno == EINTR);

      if (n >= 0 && msg.msg_controllen > 0 && !take_received_fds (self, &msg, error))
        return -2;
      return n;
    }

  do
    n = read (self->in_fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n;
}

/* Parses every whole frame in the read buffer. */
static gboolean
parse_buffer (PpConnection  *self,
              GError       **error)
{
  gsize pos = 0;

  while (self->rbuf_len - pos >= PP_WIRE_HEADER_SIZE)
    {
      PpWireHeader header;
      gsize frame_size;

      if (!pp_wire_parse_header (self->rbuf + pos, self->max_message_size, &header, error))
        return FALSE;
      frame_size = pp_wire_stream_size (&header);

      if (header.flags & PP_WIRE_FLAGS_BODY_IN_FD)
        {
          pos += frame_size;
          if (!handle_frame (self, &header, NULL, error))
            return FALSE;
          continue;
        }

      if (frame_size > LARGE_FRAME_SIZE)
        {
          /* Move this frame to a buffer of its own and read the rest of it
           * straight into place. */
          gsize have = MIN (self->rbuf_len - pos, frame_size);

          self->large = pp_buffer_take (frame_size, &self->large_capacity);
          self->large_size = frame_size;
          self->large_len = have;
          memcpy (self->large, self->rbuf + pos, have);
          pos += have;
          if (have == frame_size)
            {
              guint8 *large = g_steal_pointer (&self->large);
              g_autoptr(GBytes) body = pp_buffer_to_bytes (large, PP_WIRE_HEADER_SIZE,
                                                           header.body_size,
                                                           self->large_capacity);
              if (!handle_frame (self, &header, body, error))
                return FALSE;
              continue;
            }
          break;
        }

      if (self->rbuf_len - pos < frame_size)
        break;

      {
        g_autoptr(GBytes) body = g_bytes_new (self->rbuf + pos + PP_WIRE_HEADER_SIZE,
                                              header.body_size);

        pos += frame_size;
        if (!handle_frame (self, &header, body, error))
          return FALSE;
      }
    }

  if (pos > 0)
    {
      memmove (self->rbuf, self->rbuf + pos, self->rbuf_len - pos);
      self->rbuf_len -= pos;
    }
  return TRUE;
}

/* Reads what is there. Returns FALSE with @error when the connection must
 * close. Only the thread holding io_busy calls it. */
static gboolean
read_input (PpConnection  *self,
            GError       **error)
{
  for (;;)
    {
      gssize n;

      if (self->large != NULL)
        {
          n = read_fd (self, self->large + self->large_len, self->large_size - self->large_len,
                       error);
          if (n > 0)
            {
              PpWireHeader header;

              self->large_len += n;
              if (self->large_len < self->large_size)
                continue;

              pp_wire_parse_header (self->large, self->max_message_size, &header, NULL);
              {
                guint8 *large = g_steal_pointer (&self->large);
                g_autoptr(GBytes) body = pp_buffer_to_bytes (large, PP_WIRE_HEADER_SIZE,
                                                             header.body_size,
                                                             self->large_capacity);
                if (!handle_frame (self, &header, body, error))
                  return FALSE;
              }
              continue;
            }
        }
      else
        {
          gsize room = self->rbuf_size - self->rbuf_len;

          n = read_fd (self, self->rbuf + self->rbuf_len, room, error);
          if (n > 0)
            {
              self->rbuf_len += n;
              if (!parse_buffer (self, error))
                return FALSE;
              /* A short read means the socket is drained: skip the read
               * that would only say EAGAIN. */
              if ((gsize) n < room && self->large == NULL)
                return TRUE;
              continue;
            }
        }

      if (n == -2)
        return FALSE;
      if (n == 0)
        {
          g_propagate_error (error, read_error (0));
          return FALSE;
        }
      if (errno == EAGAIN)
        return TRUE;
      g_propagate_error (error, read_error (errno));
      return FALSE;
    }
}

/* Takes the I/O role if it is free. Under lock. */
static gboolean
try_begin_io_locked (PpConnection *self)
{
  if (self->io_busy)
    return FALSE;
  self->io_busy = TRUE;
  return TRUE;
}

static void
end_io_locked (PpConnection *self)
{
  self->io_busy = FALSE;
  if (self->source_paused)
    {
      self->source_paused = FALSE;
      update_source_locked (self);
    }
  broadcast_locked (self);
}

/* Reads and routes input; closes the connection on failure. Called with
 * the io role held and the lock NOT held. */
static void
do_read (PpConnection *self,
         GQueue       *to_complete)
{
  GError *error = NULL;

  if (!read_input (self, &error))
    {
      error = with_end_reason (self, error);

      g_mutex_lock (&self->lock);
      /* Tell a peer that broke the protocol why it is cut off, as the
       * last thing it reads. */
      if (!self->closed && !self->peer_refused && error->domain == PP_ERROR &&
          (error->code == PP_ERROR_PROTOCOL || error->code == PP_ERROR_LIMIT_EXCEEDED))
        {
          GBytes *frame = pp_wire_encode_error (0, error);

          g_queue_push_tail (&self->out_queue, frame);
          self->out_queued += g_bytes_get_size (frame);
          flush_locked (self);
        }
      close_locked (self, error, to_complete);
      g_mutex_unlock (&self->lock);
    }
}

/* The owner context's source ---------------------------------------------- */

static void
update_source_locked (PpConnection *self)
{
  ConnectionSource *source = self->source;
  GIOCondition in_cond = G_IO_IN | G_IO_HUP | G_IO_ERR;
  GIOCondition out_cond = self->out_queue.length > 0 ? G_IO_OUT : 0;

  self->input_throttled = output_over_limit_locked (self);
  if (source == NULL)
    return;
  if (self->closed || self->source_paused || self->input_throttled)
    in_cond = 0;
  if (self->closed)
    out_cond = 0;

  if (source->in_tag == NULL)
    return;
  if (source->out_tag == NULL)
    {
      in_cond |= out_cond;
      out_cond = 0;
    }

  /* Each change wakes the context up, which costs two syscalls: only
   * change what differs. */
  if (source->in_events != in_cond)
    {
      source->in_events = in_cond;
      g_source_modify_unix_fd ((GSource *) source, source->in_tag, in_cond);
    }
  if (source->out_tag != NULL && source->out_events != out_cond)
    {
      source->out_events = out_cond;
      g_source_modify_unix_fd ((GSource *) source, source->out_tag, out_cond);
    }
}

static gboolean
connection_source_prepare (GSource *source,
                           int     *timeout)
{
  ConnectionSource *cs = (ConnectionSource *) source;
  PpConnection *self = cs->connection;

  if (self->callbacks.prepare != NULL)
    self->callbacks.prepare (self, self->user_data);

  *timeout = -1;
  return g_atomic_int_get (&self->inbound_len) > 0;
}

static gboolean
connection_source_check (GSource *source)
{
  ConnectionSource *cs = (ConnectionSource *) source;

  if (g_atomic_int_get (&cs->connection->inbound_len) > 0)
    return TRUE;
  if (cs->in_tag != NULL && g_source_query_unix_fd (source, cs->in_tag) != 0)
    return TRUE;
  return cs->out_tag != NULL && g_source_query_unix_fd (source, cs->out_tag) != 0;
}

static void
dispatch_item (PpConnection *self,
               InboundItem  *item)
{
  switch (item->kind)
    {
    case ITEM_MESSAGE:
      /* After a close, requests queued before it are not acted on: no
       * answer could be sent, and a peer that broke the protocol is not
       * served any further. */
      if (self->callbacks.message != NULL && !pp_connection_is_closed (self))
        self->callbacks.message (self, &item->header, item->body, item->fds, self->user_data);
      break;

    case ITEM_COMPLETE:
      complete_async (self, item->call, g_steal_pointer (&item->body),
                      g_steal_pointer (&item->error));
      item->call = NULL;
      break;

    case ITEM_CLOSED:
      g_mutex_lock (&self->lock);
      self->closed_dispatched = TRUE;
      g_mutex_unlock (&self->lock);
      if (self->callbacks.closed != NULL)
        self->callbacks.closed (self, item->error, self->user_data);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
drain_inbound (PpConnection *self)
{
  for (;;)
    {
      InboundItem *item;

      g_mutex_lock (&self->lock);
      item = g_queue_pop_head (&self->inbound);
      if (item != NULL)
        g_atomic_int_add (&self->inbound_len, -1);
      g_mutex_unlock (&self->lock);

      if (item == NULL)
        break;

      dispatch_item (self, item);
      inbound_item_free (item);
    }
}

static gboolean
connection_source_dispatch (GSource     *source,
                            GSourceFunc  callback,
                            gpointer     user_data)
{
  ConnectionSource *cs = (ConnectionSource *) source;
  PpConnection *self = pp_connection_ref (cs->connection);
  GQueue to_complete[1] = { G_QUEUE_INIT };
  GIOCondition in_revents = cs->in_tag ? g_source_query_unix_fd (source, cs->in_tag) : 0;
  GIOCondition out_revents = cs->out_tag ? g_source_query_unix_fd (source, cs->out_tag)
                                         : in_revents;
  GThread *previous_cork;

  g_mutex_lock (&self->lock);

  if ((out_revents & G_IO_OUT) && !self->closed)
    {
      if (!flush_locked (self))
        note_broken_locked (self, write_error ());
      update_source_locked (self);
    }

  if ((in_revents & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && !self->closed)
    {
      if (try_begin_io_locked (self))
        {
          g_mutex_unlock (&self->lock);
          do_read (self, to_complete);
          g_mutex_lock (&self->lock);
          end_io_locked (self);
        }
      else if (!self->source_paused)
        {
          /* A synchronous call in another thread is reading; it hands us
           * what is ours. Stop polling until it is done so as not to spin. */
          self->source_paused = TRUE;
          update_source_locked (self);
        }
    }

  previous_cork = self->cork_thread;
  self->cork_thread = g_thread_self ();
  g_mutex_unlock (&self->lock);

  close_if_broken (self, to_complete);
  complete_calls (self, to_complete);
  drain_inbound (self);

  g_mutex_lock (&self->lock);
  self->cork_thread = previous_cork;
  if (self->out_queue.length > 0 && !self->closed)
    {
      if (!flush_locked (self))
        note_broken_locked (self, write_error ());
      update_source_locked (self);
    }
  if (self->closed && self->closed_dispatched && !self->io_busy && !self->stream_closed)
    {
      /* Nobody polls the descriptors any more: close them so that a pipe's
       * peer sees the end too. They leave the source first, since a closed
       * descriptor polls as always ready and its number may be reused. */
      self->stream_closed = TRUE;
      if (cs->in_tag != NULL)
        g_source_remove_unix_fd (source, g_steal_pointer (&cs->in_tag));
      if (cs->out_tag != NULL)
        g_source_remove_unix_fd (source, g_steal_pointer (&cs->out_tag));
      g_mutex_unlock (&self->lock);
      g_io_stream_close (self->stream, NULL, NULL);
      g_mutex_lock (&self->lock);
    }
  g_mutex_unlock (&self->lock);

  close_if_broken (self, to_complete);
  if (complete_calls (self, to_complete))
    drain_inbound (self);

  pp_connection_unref (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs connection_source_funcs = {
  .prepare = connection_source_prepare,
  .check = connection_source_check,
  .dispatch = connection_source_dispatch,
};

void
pp_connection_start (PpConnection *self)
{
  ConnectionSource *source;

  g_return_if_fail (self->source == NULL);

  source = (ConnectionSource *) g_source_new (&connection_source_funcs, sizeof *source);
  source->connection = self;
  g_source_set_static_name ((GSource *) source, "[pipeproxy] connection");
  /* Dispatching may run a nested main loop (a method that waits); letting
   * the source recurse also saves the syscalls GLib spends blocking it. */
  g_source_set_can_recurse ((GSource *) source, TRUE);
  source->in_events = G_IO_IN | G_IO_HUP | G_IO_ERR;
  source->in_tag = g_source_add_unix_fd ((GSource *) source, self->in_fd, source->in_events);
  if (self->out_fd != self->in_fd)
    source->out_tag = g_source_add_unix_fd ((GSource *) source, self->out_fd, 0);

  g_mutex_lock (&self->lock);
  self->source = source;
  update_source_locked (self);
  g_mutex_unlock (&self->lock);

  g_source_attach ((GSource *) source, self->context);
}

/* The bodies of the messages of @kind read but not yet dispatched to the
 * owner context, oldest first; NULL when nothing is queued. */
GPtrArray *
pp_connection_dup_queued (PpConnection *self,
                          PpWireKind    kind)
{
  GPtrArray *bodies;

  /* The common case, checked without the lock or an allocation */
  if (g_atomic_int_get (&self->inbound_len) == 0)
    return NULL;

  bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_mutex_lock (&self->lock);
  for (GList *l = self->inbound.head; l != NULL; l = l->next)
    {
      InboundItem *item = l->data;

      if (item->kind == ITEM_MESSAGE && item->header.kind == kind)
        g_ptr_array_add (bodies, g_variant_ref (item->body));
    }
  g_mutex_unlock (&self->lock);
  return bodies;
}

/* Stops dispatching: the owner is going away. Pending calls fail. */
void
pp_connection_detach (PpConnection *self)
{
  ConnectionSource *source;

  pp_connection_close (self, NULL);

  g_mutex_lock (&self->lock);
  source = g_steal_pointer (&self->source);
  g_mutex_unlock (&self->lock);

  if (source != NULL)
    {
      g_source_destroy ((GSource *) source);
      g_source_unref ((GSource *) source);
    }

  /* Calls whose completion was queued for the owner context still end;
   * messages for the owner are dropped with it. */
  for (;;)
    {
      InboundItem *item;

      g_mutex_lock (&self->lock);
      item = g_queue_pop_head (&self->inbound);
      if (item != NULL)
        g_atomic_int_add (&self->inbound_len, -1);
      g_mutex_unlock (&self->lock);

      if (item == NULL)
        break;
      if (item->kind == ITEM_COMPLETE)
        dispatch_item (self, item);
      inbound_item_free (item);
    }
}

/* Calls ----------------------------------------------------------------- */

static gboolean
add_pending_locked (PpConnection  *self,
                    PendingCall   *call,
                    GError       **error)
{
  if (self->closed)
    {
      g_propagate_error (error, disconnected_error (self));
      return FALSE;
    }
  if (g_hash_table_size (self->pending) >= self->max_pending)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("There are already %u calls waiting for a reply"), self->max_pending);
      return FALSE;
    }

  do
    {
      call->serial = self->next_serial++;
      if (self->next_serial == 0)
        self->serials_wrapped = TRUE;
    }
  while (call->serial == 0 ||
         g_hash_table_contains (self->pending, GUINT_TO_POINTER (call->serial)));

  g_hash_table_insert (self->pending, GUINT_TO_POINTER (call->serial), call);
  return TRUE;
}

static gboolean
has_timeout (int timeout_msec)
{
  return timeout_msec >= 0 && timeout_msec != G_MAXINT;
}

typedef struct
{
  PpConnection *connection;
  guint32       serial;
} CallRef;

static void
call_ref_free (gpointer data)
{
  CallRef *ref = data;

  pp_connection_unref (ref->connection);
  g_free (ref);
}

static CallRef *
call_ref_new (PpConnection *self,
              guint32       serial)
{
  CallRef *ref = g_new0 (CallRef, 1);

  ref->connection = pp_connection_ref (self);
  ref->serial = serial;
  return ref;
}

static PendingCall *
steal_pending (PpConnection *self,
               guint32       serial)
{
  PendingCall *call;

  g_mutex_lock (&self->lock);
  call = g_hash_table_lookup (self->pending, GUINT_TO_POINTER (serial));
  if (call != NULL)
    g_hash_table_remove (self->pending, GUINT_TO_POINTER (serial));
  g_mutex_unlock (&self->lock);
  return call;
}

static void
send_cancel (PpConnection *self,
             guint32       serial)
{
  g_autoptr(GBytes) frame = pp_wire_encode (PP_WIRE_KIND_CANCEL, PP_WIRE_FLAGS_NO_REPLY,
                                            serial, 0, g_variant_new ("()"));

  pp_connection_send (self, frame, NULL);
}

static gboolean
async_timeout_cb (gpointer data)
{
  CallRef *ref = data;
  PendingCall *call = steal_pending (ref->connection, ref->serial);

  if (call != NULL)
    {
      g_clear_pointer (&call->timeout_source, g_source_unref);
      send_cancel (ref->connection, ref->serial);
      complete_async (ref->connection, call, NULL,
                      g_error_new_literal (PP_ERROR, PP_ERROR_TIMED_OUT,
                                           _("The call timed out")));
    }
  return G_SOURCE_REMOVE;
}

static gboolean
async_cancelled_idle_cb (gpointer data)
{
  CallRef *ref = data;
  PendingCall *call = steal_pending (ref->connection, ref->serial);

  if (call != NULL)
    {
      send_cancel (ref->connection, ref->serial);
      complete_async (ref->connection, call, NULL,
                      g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                           _("The call was cancelled")));
    }
  return G_SOURCE_REMOVE;
}

static void
async_cancelled_cb (GCancellable *cancellable,
                    gpointer      data)
{
  CallRef *ref = data;
  GMainContext *context = NULL;
  PendingCall *call;
  GSource *idle;

  /* Disconnecting a handler from inside it would deadlock, so the call
   * ends in an idle in the caller's context. */
  g_mutex_lock (&ref->connection->lock);
  call = g_hash_table_lookup (ref->connection->pending, GUINT_TO_POINTER (ref->serial));
  if (call != NULL)
    context = g_task_get_context (call->task);
  g_mutex_unlock (&ref->connection->lock);

  if (context == NULL)
    return;

  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "[pipeproxy] call cancelled");
  g_source_set_callback (idle, async_cancelled_idle_cb,
                         call_ref_new (ref->connection, ref->serial), call_ref_free);
  g_source_attach (idle, context);
  g_source_unref (idle);
}

/* Sends the request @build makes and completes a GTask with @source_object
 * and @source_tag (so the caller's _finish can check them) when the reply
 * of @reply_kind, an ERROR, the time-out, cancellation or the end of the
 * connection comes; @callback runs in the thread-default main context.
 * Finish with pp_connection_call_finish(). */
void
pp_connection_call_async (PpConnection        *self,
                          PpWireKind           reply_kind,
                          PpFrameBuilder       build,
                          gpointer             build_data,
                          GUnixFDList         *fds,
                          int                  timeout_msec,
                          GCancellable        *cancellable,
                          gpointer             source_object,
                          gpointer             source_tag,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };
  g_autoptr(GBytes) frame = NULL;
  GTask *task;
  PendingCall *call;
  GError *error = NULL;
  guint32 serial;

  task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  call = g_new0 (PendingCall, 1);
  call->reply_kind = reply_kind;
  call->task = task;

  g_mutex_lock (&self->lock);
  if (!add_pending_locked (self, call, &error))
    {
      g_mutex_unlock (&self->lock);
      g_task_return_error (task, error);
      pending_call_free (call);
      return;
    }
  serial = call->serial;

  if (has_timeout (timeout_msec))
    {
      call->timeout_source = g_timeout_source_new (timeout_msec);
      g_source_set_static_name (call->timeout_source, "[pipeproxy] call time-out");
      g_source_set_callback (call->timeout_source, async_timeout_cb,
                             call_ref_new (self, serial), call_ref_free);
      g_source_attach (call->timeout_source, g_task_get_context (task));
    }

  frame = build (serial, build_data);
  if (!send_locked (self, frame, fds, TRUE, to_complete, &error))
    {
      /* Either the call is still ours to end, or closing took it. */
      if (g_hash_table_remove (self->pending, GUINT_TO_POINTER (serial)))
        {
          g_mutex_unlock (&self->lock);
          complete_async (self, call, NULL, error);
          close_if_broken (self, to_complete);
          complete_calls (self, to_complete);
          return;
        }
      g_clear_error (&error);
    }
  g_mutex_unlock (&self->lock);

  close_if_broken (self, to_complete);
  complete_calls (self, to_complete);

  /* Connected last: if @cancellable is already cancelled the handler runs
   * right here, and the call must exist by then. */
  if (cancellable != NULL)
    {
      gulong id = g_cancellable_connect (cancellable, G_CALLBACK (async_cancelled_cb),
                                         call_ref_new (self, serial), call_ref_free);

      g_mutex_lock (&self->lock);
      call = g_hash_table_lookup (self->pending, GUINT_TO_POINTER (serial));
      if (call != NULL)
        call->cancel_id = id;
      g_mutex_unlock (&self->lock);
      if (call == NULL)
        g_cancellable_disconnect (cancellable, id);
    }
}

/* Takes the reply of a call made with pp_connection_call_async(). */
gboolean
pp_connection_call_finish (GAsyncResult  *result,
                           PpReply       *reply,
                           GError       **error)
{
  PendingCall *call;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (reply != NULL, FALSE);

  call = g_task_propagate_pointer (G_TASK (result), error);
  if (call == NULL)
    return FALSE;

  *reply = call->reply;
  call->reply = (PpReply) { NULL, NULL };
  pending_call_free (call);
  return TRUE;
}

static void
sync_cancelled_cb (GCancellable *cancellable,
                   gpointer      data)
{
  CallRef *ref = data;
  PpConnection *self = ref->connection;
  PendingCall *call;

  g_mutex_lock (&self->lock);
  call = g_hash_table_lookup (self->pending, GUINT_TO_POINTER (ref->serial));
  if (call != NULL)
    {
      g_hash_table_remove (self->pending, GUINT_TO_POINTER (ref->serial));
      complete_sync_locked (self, call, NULL,
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("The call was cancelled")));
      wake_io_thread (self);
    }
  g_mutex_unlock (&self->lock);
}

static gboolean
wake_only (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* Waits in the calling thread until @call is done, doing the connection's
 * I/O itself when no other thread does. Called with the lock held. */
static void
wait_sync_locked (PpConnection *self,
                  PendingCall  *call,
                  gint64        deadline,
                  GQueue       *to_complete)
{
  while (!call->done)
    {
      gint64 now = deadline >= 0 ? g_get_monotonic_time () : 0;

      if (deadline >= 0 && now >= deadline)
        {
          g_hash_table_remove (self->pending, GUINT_TO_POINTER (call->serial));
          complete_sync_locked (self, call, NULL,
                                g_error_new_literal (PP_ERROR, PP_ERROR_TIMED_OUT,
                                                     _("The call timed out")));
          break;
        }

      if (self->pumped && !self->io_busy && g_main_context_acquire (self->context))
        {
          /* The data passes through splices in the owner context, which
           * nobody else runs now: run it until something happens. */
          GSource *timeout = NULL;

          g_mutex_unlock (&self->lock);
          if (deadline >= 0)
            {
              timeout = g_timeout_source_new (MAX ((deadline - now) / 1000, 0) + 1);
              g_source_set_callback (timeout, wake_only, NULL, NULL);
              g_source_attach (timeout, self->context);
            }
          g_main_context_iteration (self->context, TRUE);
          if (timeout != NULL)
            {
              g_source_destroy (timeout);
              g_source_unref (timeout);
            }
          g_main_context_release (self->context);
          g_mutex_lock (&self->lock);
        }
      else if (try_begin_io_locked (self))
        {
          struct pollfd fds[3];
          int n_fds = 0;
          int timeout = deadline >= 0 ? (int) MIN ((deadline - now + 999) / 1000, G_MAXINT) : -1;
          gboolean want_out = self->out_queue.length > 0;
          gboolean closed = self->closed;
          int rc;

          g_mutex_unlock (&self->lock);

          if (!closed)
            {
              fds[n_fds++] = (struct pollfd) { .fd = self->in_fd, .events = POLLIN };
              if (want_out && self->out_fd != self->in_fd)
                fds[n_fds++] = (struct pollfd) { .fd = self->out_fd, .events = POLLOUT };
              else if (want_out)
                fds[0].events |= POLLOUT;
            }
          fds[n_fds++] = (struct pollfd) { .fd = self->wake_fd, .events = POLLIN };

          rc = poll (fds, n_fds, timeout);

          if (rc > 0)
            {
              for (int i = 0; i < n_fds; i++)
                {
                  if (fds[i].fd == self->wake_fd && (fds[i].revents & POLLIN))
                    {
                      guint64 value;
                      if (read (self->wake_fd, &value, sizeof value) < 0)
                        {
                          /* Already reset by another thread */
                        }
                    }
                  else if (fds[i].revents & POLLOUT)
                    {
                      g_mutex_lock (&self->lock);
                      if (!self->closed && !flush_locked (self))
                        note_broken_locked (self, write_error ());
                      update_source_locked (self);
                      g_mutex_unlock (&self->lock);
                      close_if_broken (self, to_complete);
                    }
                  if (fds[i].fd == self->in_fd && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                    do_read (self, to_complete);
                }
            }

          g_mutex_lock (&self->lock);
          end_io_locked (self);
        }
      else
        {
          self->n_cond_waiters++;
          if (deadline >= 0)
            g_cond_wait_until (&self->cond, &self->lock, deadline);
          else
            g_cond_wait (&self->cond, &self->lock);
          self->n_cond_waiters--;
        }
    }
}

/* Like pp_connection_call_async(), waiting in the calling thread; on
 * success fills @reply, which the caller clears. */
gboolean
pp_connection_call_sync (PpConnection    *self,
                         PpWireKind       reply_kind,
                         PpFrameBuilder   build,
                         gpointer         build_data,
                         GUnixFDList     *fds,
                         int              timeout_msec,
                         GCancellable    *cancellable,
                         PpReply         *reply,
                         GError         **error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };
  g_autoptr(GBytes) frame = NULL;
  PendingCall call = { 0 };
  gint64 deadline = -1;
  gulong cancel_id = 0;
  GError *local_error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  call.sync = TRUE;
  call.reply_kind = reply_kind;

  if (has_timeout (timeout_msec))
    deadline = g_get_monotonic_time () + (gint64) timeout_msec * 1000;

  g_mutex_lock (&self->lock);
  if (!add_pending_locked (self, &call, error))
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }

  frame = build (call.serial, build_data);
  if (!send_locked (self, frame, fds, TRUE, to_complete, &local_error))
    {
      g_hash_table_remove (self->pending, GUINT_TO_POINTER (call.serial));
      g_mutex_unlock (&self->lock);
      close_if_broken (self, to_complete);
      complete_calls (self, to_complete);
      pp_reply_clear (&call.reply);
      g_clear_error (&call.error);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  g_mutex_unlock (&self->lock);
  close_if_broken (self, to_complete);

  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (sync_cancelled_cb),
                                       call_ref_new (self, call.serial), call_ref_free);

  g_mutex_lock (&self->lock);
  wait_sync_locked (self, &call, deadline, to_complete);
  g_mutex_unlock (&self->lock);

  if (cancel_id != 0)
    g_cancellable_disconnect (cancellable, cancel_id);

  close_if_broken (self, to_complete);
  complete_calls (self, to_complete);

  if (call.error != NULL && reply_kind == PP_WIRE_KIND_RETURN &&
      ((call.error->domain == PP_ERROR && call.error->code == PP_ERROR_TIMED_OUT) ||
       g_error_matches (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    send_cancel (self, call.serial);

  if (call.error != NULL)
    {
      pp_reply_clear (&call.reply);
      g_propagate_error (error, g_steal_pointer (&call.error));
      return FALSE;
    }
  *reply = call.reply;
  return TRUE;
}
