/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <gio/gfiledescriptorbased.h>

#include "pp-buffer-private.h"
#include "pp-debug-private.h"
#include "pp-error.h"
#include "pp-frame-stream-state-private.h"
#include "pp-memfd-private.h"
#include "pp-stream-private.h"

#define READ_BUFFER_SIZE     (64 * 1024)
/* Frames bigger than this get a buffer of their own that becomes the
 * message's memory, so their payload is never copied after the read. */
#define LARGE_FRAME_SIZE     (READ_BUFFER_SIZE / 2)
/* Descriptors received but not yet claimed by a frame header: a frame's
 * come with its header's first byte, so more than one frame's worth is a
 * peer sending descriptors nothing refers to. */
#define MAX_UNCLAIMED_FDS    (2 * PP_WIRE_MAX_FDS)

static void
close_fds (GArray *fds)
{
  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_array_set_size (fds, 0);
}

/* Setting up ------------------------------------------------------------ */

static gboolean
fd_is_socket (int fd)
{
  struct stat st;

  return fstat (fd, &st) == 0 && S_ISSOCK (st.st_mode);
}

gboolean
pp_frame_fd_is_unix_socket (int fd)
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

PpFrameStream *
pp_frame_stream_new (GIOStream  *stream,
                     GError    **error)
{
  g_autoptr(GIOStream) spliced = NULL;
  PpFrameStream *self;
  int in_fd, out_fd;

  if (g_io_stream_is_closed (stream))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_DISCONNECTED, _("The stream is closed"));
      return NULL;
    }

  /* A stream with no descriptor to poll (TLS, a converter, a custom
   * stream) is read and written through one spliced to it. */
  if (!find_fds (stream, &in_fd, &out_fd))
    {
      int fd = pp_stream_splice (stream, error);

      if (fd < 0)
        return NULL;
      spliced = pp_stream_new_for_fd (fd, error);
      if (spliced == NULL)
        return NULL;
      stream = spliced;
      find_fds (stream, &in_fd, &out_fd);
    }

  if (!g_unix_set_fd_nonblocking (in_fd, TRUE, error) ||
      !g_unix_set_fd_nonblocking (out_fd, TRUE, error))
    return NULL;

  self = g_new0 (PpFrameStream, 1);
  self->stream = g_object_ref (stream);
  self->spliced = spliced != NULL;
  self->in_fd = in_fd;
  self->out_fd = out_fd;
  self->in_is_socket = fd_is_socket (in_fd);
  self->out_is_socket = fd_is_socket (out_fd);
  self->receives_fds = !self->spliced && self->in_is_socket && pp_frame_fd_is_unix_socket (in_fd);
  self->in_fds = g_array_new (FALSE, FALSE, sizeof (int));
  self->max_message_size = PP_DEFAULT_MAX_MESSAGE_SIZE;
  self->max_queued_output = PP_DEFAULT_MAX_QUEUED_OUTPUT;
  self->memfd_threshold = PP_MEMFD_DEFAULT_THRESHOLD;
  self->rbuf_size = READ_BUFFER_SIZE;
  self->rbuf = g_malloc (self->rbuf_size);

  if (!self->out_is_socket)
    ignore_sigpipe_once ();
  pp_debug_init ();

  return self;
}

void
pp_frame_stream_free (PpFrameStream *self)
{
  g_assert (self->source == NULL);

  pp_frame_stream_close (self);
  g_object_unref (self->stream);
  g_queue_clear_full (&self->out_queue, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->out_fds, (GDestroyNotify) pp_frame_out_fds_free);
  g_clear_pointer (&self->latest, g_hash_table_unref);
  g_clear_pointer (&self->latest_links, g_hash_table_unref);
  close_fds (self->in_fds);
  g_array_unref (self->in_fds);
  g_free (self->rbuf);
  pp_buffer_give (self->large, self->large_capacity);
  g_free (self);
}

/* Whether the stream had no descriptor and is moved by splices in the
 * thread-default context of whoever made it. */
gboolean
pp_frame_stream_is_spliced (PpFrameStream *self)
{
  return self->spliced;
}

gsize
pp_frame_stream_get_max_message_size (PpFrameStream *self)
{
  return self->max_message_size;
}

void
pp_frame_stream_set_max_message_size (PpFrameStream *self,
                                      gsize          size)
{
  self->max_message_size = MIN (size, G_MAXUINT32);
}

/* Bodies from this size up go in a sealed memfd where descriptors pass;
 * 0 turns that off */
void
pp_frame_stream_set_memfd_threshold (PpFrameStream *self,
                                     gsize          threshold)
{
  self->memfd_threshold = threshold;
}

/* Whether descriptors sent to us arrive: the handshake tells the peer. */
gboolean
pp_frame_stream_receives_fds (PpFrameStream *self)
{
  return self->receives_fds;
}

/* The peer said, in the handshake, that it takes descriptors. */
void
pp_frame_stream_set_peer_receives_fds (PpFrameStream *self,
                                       gboolean       receives)
{
  self->sends_fds = receives && !self->spliced && self->out_is_socket &&
                    pp_frame_fd_is_unix_socket (self->out_fd);
}
/* Reading --------------------------------------------------------------- */

/* Takes the descriptors @header announces from those received; with
 * PP_WIRE_FLAGS_BODY_IN_FD the last one is the body, which is mapped. */
static gboolean
claim_fds (PpFrameStream       *self,
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
static PpFrameAction
handle_frame (PpFrameStream       *self,
              PpWireHeader        *header,
              GBytes              *body_bytes,
              PpFrameFunc          func,
              gpointer             user_data,
              GError             **error)
{
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GBytes) mapped = NULL;
  g_autoptr(GVariant) body = NULL;

  if (header->n_fds > 0 && !claim_fds (self, header, &fds, &mapped, error))
    return PP_FRAME_FAIL;

  body = pp_wire_decode_body (header, mapped ? mapped : body_bytes, error);
  if (body == NULL)
    return PP_FRAME_FAIL;
  if (G_UNLIKELY (pp_debug_flags))
    pp_debug_frame_in (self, header, body);

  return func (header, body, fds, user_data, error);
}

/* The large frame being read is whole: hand over its buffer. */
static PpFrameAction
handle_large_frame (PpFrameStream  *self,
                    PpFrameFunc     func,
                    gpointer        user_data,
                    GError        **error)
{
  guint8 *large = g_steal_pointer (&self->large);
  g_autoptr(GBytes) body = NULL;
  PpWireHeader header;

  pp_wire_parse_header (large, self->max_message_size, &header, NULL);
  body = pp_buffer_to_bytes (large, PP_WIRE_HEADER_SIZE, header.body_size,
                             self->large_capacity);
  return handle_frame (self, &header, body, func, user_data, error);
}

static GError *
read_error (int saved_errno)
{
  if (saved_errno == 0)
    return g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED,
                                _("The peer closed the connection"));
  return g_error_new (PP_ERROR, PP_ERROR_DISCONNECTED,
                      _("Could not read from the peer: %s"), g_strerror (saved_errno));
}

/* Keeps the descriptors that came with the bytes read, in order. */
static gboolean
take_received_fds (PpFrameStream  *self,
                   struct msghdr  *msg,
                   GError        **error)
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
read_fd (PpFrameStream  *self,
         guint8         *buf,
         gsize           len,
         GError        **error)
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

/* How much one call of pp_frame_stream_read() may still do */
typedef struct
{
  guint frames;
  gsize bytes;
} Budget;

/* Parses the whole frames in the read buffer, as many as @budget allows
 * and until @func pauses; what is left stays at the start of the buffer.
 * Returns PP_FRAME_PAUSE when it stopped before the end. */
static PpFrameAction
parse_buffer (PpFrameStream  *self,
              Budget         *budget,
              PpFrameFunc     func,
              gpointer        user_data,
              GError        **error)
{
  PpFrameAction action = PP_FRAME_NEXT;
  gsize pos = 0;

  while (self->rbuf_len - pos >= PP_WIRE_HEADER_SIZE)
    {
      PpWireHeader header;
      gsize frame_size;

      if (action == PP_FRAME_PAUSE || budget->frames == 0)
        {
          action = PP_FRAME_PAUSE;
          break;
        }

      if (!pp_wire_parse_header (self->rbuf + pos, self->max_message_size, &header, error))
        return PP_FRAME_FAIL;
      frame_size = pp_wire_stream_size (&header);

      if (header.flags & PP_WIRE_FLAGS_BODY_IN_FD)
        {
          pos += frame_size;
          budget->frames--;
          action = handle_frame (self, &header, NULL, func, user_data, error);
          if (action == PP_FRAME_FAIL)
            return PP_FRAME_FAIL;
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
          if (have < frame_size)
            break;
          budget->frames--;
          action = handle_large_frame (self, func, user_data, error);
          if (action == PP_FRAME_FAIL)
            return PP_FRAME_FAIL;
          continue;
        }

      if (self->rbuf_len - pos < frame_size)
        break;

      {
        g_autoptr(GBytes) body = g_bytes_new (self->rbuf + pos + PP_WIRE_HEADER_SIZE,
                                              header.body_size);

        pos += frame_size;
        budget->frames--;
        action = handle_frame (self, &header, body, func, user_data, error);
        if (action == PP_FRAME_FAIL)
          return PP_FRAME_FAIL;
      }
    }

  if (pos > 0)
    {
      memmove (self->rbuf, self->rbuf + pos, self->rbuf_len - pos);
      self->rbuf_len -= pos;
    }
  /* Frames may be left: the next read parses them first */
  self->rbuf_unparsed = action == PP_FRAME_PAUSE && self->rbuf_len >= PP_WIRE_HEADER_SIZE;
  return action;
}

/* Reads what is there and hands every whole frame to @func, in order,
 * until the descriptor has no more for now (PP_FRAME_READ_DRAINED) or
 * @func pauses (PP_FRAME_READ_MORE). With @batch, it also stops (with
 * PP_FRAME_READ_MORE) after PP_FRAME_BATCH frames or after reading
 * PP_FRAME_BATCH_BYTES, so that one call takes a bounded time. Returns
 * PP_FRAME_READ_FAILED with @error when the stream must close: the peer
 * went away or broke the protocol, or @func said so. */
PpFrameReadResult
pp_frame_stream_read (PpFrameStream  *self,
                      gboolean        batch,
                      PpFrameFunc     func,
                      gpointer        user_data,
                      GError        **error)
{
  Budget budget = { batch ? PP_FRAME_BATCH : G_MAXUINT, batch ? PP_FRAME_BATCH_BYTES : G_MAXSIZE };

  for (;;)
    {
      PpFrameAction action;
      gsize room = 0;
      gssize n = 0;

      /* What an earlier read left comes first */
      if (self->rbuf_unparsed)
        ;
      else if (budget.bytes == 0)
        return PP_FRAME_READ_MORE;
      else if (self->large != NULL)
        {
          n = read_fd (self, self->large + self->large_len,
                       MIN (self->large_size - self->large_len, budget.bytes), error);
          if (n > 0)
            {
              self->large_len += n;
              budget.bytes -= MIN ((gsize) n, budget.bytes);
              if (self->large_len == self->large_size)
                {
                  budget.frames--;
                  action = handle_large_frame (self, func, user_data, error);
                  if (action == PP_FRAME_FAIL)
                    return PP_FRAME_READ_FAILED;
                  if (action == PP_FRAME_PAUSE)
                    return PP_FRAME_READ_MORE;
                }
              continue;
            }
        }
      else
        {
          room = self->rbuf_size - self->rbuf_len;
          n = read_fd (self, self->rbuf + self->rbuf_len, room, error);
          if (n > 0)
            {
              self->rbuf_len += n;
              budget.bytes -= MIN ((gsize) n, budget.bytes);
            }
        }

      if (n < 0 || (n == 0 && !self->rbuf_unparsed))
        {
          if (n == -2)
            return PP_FRAME_READ_FAILED;
          if (n == 0)
            {
              g_propagate_error (error, read_error (0));
              return PP_FRAME_READ_FAILED;
            }
          if (errno == EAGAIN)
            return PP_FRAME_READ_DRAINED;
          g_propagate_error (error, read_error (errno));
          return PP_FRAME_READ_FAILED;
        }

      action = parse_buffer (self, &budget, func, user_data, error);
      if (action == PP_FRAME_FAIL)
        return PP_FRAME_READ_FAILED;
      if (self->rbuf_unparsed || (action == PP_FRAME_PAUSE && n == 0))
        return PP_FRAME_READ_MORE;
      /* A short read means the socket is drained: skip the read that
       * would only say EAGAIN. */
      if ((gsize) n < room && self->large == NULL)
        return PP_FRAME_READ_DRAINED;
      if (action == PP_FRAME_PAUSE)
        return PP_FRAME_READ_MORE;
    }
}

/* The end ----------------------------------------------------------------- */

/* Nothing more is to be read or written: queued output is dropped, and a
 * socket is shut down at once, so the peer sees the end and any thread
 * polling it wakes up. The descriptors stay open until
 * pp_frame_stream_close(), once nobody polls them. */
void
pp_frame_stream_shutdown (PpFrameStream *self)
{
  g_queue_clear_full (&self->out_queue, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->out_fds, (GDestroyNotify) pp_frame_out_fds_free);
  if (self->latest != NULL)
    {
      g_hash_table_remove_all (self->latest);
      g_hash_table_remove_all (self->latest_links);
    }
  self->out_offset = 0;
  self->out_queued = 0;

  if (self->in_is_socket)
    shutdown (self->in_fd, SHUT_RDWR);
  if (self->out_is_socket && self->out_fd != self->in_fd)
    shutdown (self->out_fd, SHUT_RDWR);
}

/* Closes the stream, so that a pipe's peer sees the end too. Its
 * descriptors must have left any source first (pp_frame_stream_unwatch()),
 * since a closed descriptor polls as always ready and its number may be
 * reused. */
void
pp_frame_stream_close (PpFrameStream *self)
{
  if (self->stream_closed)
    return;
  self->stream_closed = TRUE;
  g_io_stream_close (self->stream, NULL, NULL);
}

/* Polling --------------------------------------------------------------- */

/* Adds the descriptors to @source, which is not attached yet. */
void
pp_frame_stream_watch (PpFrameStream *self,
                       GSource       *source)
{
  g_return_if_fail (self->source == NULL);

  self->source = source;
  self->in_events = G_IO_IN | G_IO_HUP | G_IO_ERR;
  self->in_tag = g_source_add_unix_fd (source, self->in_fd, self->in_events);
  if (self->out_fd != self->in_fd)
    self->out_tag = g_source_add_unix_fd (source, self->out_fd, 0);
}

/* Polls for input if @want_read, for output while some waits. */
void
pp_frame_stream_update_watch (PpFrameStream *self,
                              gboolean       want_read)
{
  GIOCondition in_cond = want_read ? G_IO_IN | G_IO_HUP | G_IO_ERR : 0;
  GIOCondition out_cond = self->out_queue.length > 0 ? G_IO_OUT : 0;

  if (self->source == NULL || self->in_tag == NULL)
    return;
  if (self->out_tag == NULL)
    {
      in_cond |= out_cond;
      out_cond = 0;
    }

  /* Each change wakes the context up, which costs two syscalls: only
   * change what differs. */
  if (self->in_events != in_cond)
    {
      self->in_events = in_cond;
      g_source_modify_unix_fd (self->source, self->in_tag, in_cond);
    }
  if (self->out_tag != NULL && self->out_events != out_cond)
    {
      self->out_events = out_cond;
      g_source_modify_unix_fd (self->source, self->out_tag, out_cond);
    }
}

/* Whether the source's poll found anything on the descriptors: for the
 * source's check(). */
gboolean
pp_frame_stream_watch_ready (PpFrameStream *self)
{
  if (self->in_tag != NULL && g_source_query_unix_fd (self->source, self->in_tag) != 0)
    return TRUE;
  return self->out_tag != NULL && g_source_query_unix_fd (self->source, self->out_tag) != 0;
}

/* What the source's poll found: for the source's dispatch(). */
void
pp_frame_stream_query_watch (PpFrameStream *self,
                             gboolean      *readable,
                             gboolean      *writable)
{
  GIOCondition in_revents = self->in_tag ? g_source_query_unix_fd (self->source, self->in_tag)
                                         : 0;
  GIOCondition out_revents = self->out_tag ? g_source_query_unix_fd (self->source, self->out_tag)
                                           : in_revents;

  *readable = (in_revents & (G_IO_IN | G_IO_HUP | G_IO_ERR)) != 0;
  *writable = (out_revents & G_IO_OUT) != 0;
}

/* Takes the descriptors out of the source (unless it is destroyed) and
 * forgets it. */
void
pp_frame_stream_unwatch (PpFrameStream *self)
{
  if (self->source == NULL)
    return;

  if (!g_source_is_destroyed (self->source))
    {
      if (self->in_tag != NULL)
        g_source_remove_unix_fd (self->source, self->in_tag);
      if (self->out_tag != NULL)
        g_source_remove_unix_fd (self->source, self->out_tag);
    }
  self->in_tag = NULL;
  self->out_tag = NULL;
  self->source = NULL;
}

/* Fills @fds (room for two) to poll() for input, and for output if
 * @want_write; returns how many it used. */
guint
pp_frame_stream_prepare_poll (PpFrameStream *self,
                              struct pollfd *fds,
                              gboolean       want_write)
{
  guint n_fds = 0;

  fds[n_fds++] = (struct pollfd) { .fd = self->in_fd, .events = POLLIN };
  if (want_write && self->out_fd != self->in_fd)
    fds[n_fds++] = (struct pollfd) { .fd = self->out_fd, .events = POLLOUT };
  else if (want_write)
    fds[0].events |= POLLOUT;
  return n_fds;
}

/* What poll() found on the @n_fds entries pp_frame_stream_prepare_poll()
 * filled. */
void
pp_frame_stream_check_poll (PpFrameStream       *self,
                            const struct pollfd *fds,
                            guint                n_fds,
                            gboolean            *readable,
                            gboolean            *writable)
{
  *readable = FALSE;
  *writable = FALSE;
  for (guint i = 0; i < n_fds; i++)
    {
      if (fds[i].revents & POLLOUT)
        *writable = TRUE;
      if (fds[i].fd == self->in_fd && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        *readable = TRUE;
    }
}
