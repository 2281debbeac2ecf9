/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <glib/gi18n-lib.h>

#include "pp-debug-private.h"
#include "pp-error.h"
#include "pp-frame-stream-state-private.h"
#include "pp-memfd-private.h"

/* The write side of a frame stream: the out queue, written in as few
 * writes as the descriptor takes, descriptors and memfd bodies sent as
 * SCM_RIGHTS with the first byte of their frame, frames gathered in
 * pieces written from where they are, and PROPERTY frames a newer one
 * replaces while they wait. */

#define MAX_IOV              64
/* What a queued piece of output costs beyond its bytes: the GBytes, the
 * queue's link, their allocations */
#define OUT_FRAME_COST       128

void
pp_frame_out_fds_free (OutFds *out)
{
  g_clear_object (&out->fds);
  if (out->body_fd >= 0)
    close (out->body_fd);
  g_free (out);
}

static gssize
write_vectors (PpFrameStream *self,
               struct iovec  *iov,
               int            n_iov,
               OutFds        *out)
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

/* FNV-1a from a basis chosen at random once per process: the names come
 * from the peer, which must not be able to pick many that collide in
 * g_str_hash() and make each lookup walk them all */
guint
pp_frame_property_key_hash (gconstpointer key)
{
  static gsize basis;
  const guint8 *p = key;
  guint32 hash;

  if (g_once_init_enter (&basis))
    g_once_init_leave (&basis, g_random_int () | 1);
  hash = (guint32) basis;
  for (gsize i = 0; i < sizeof (guint32); i++)
    hash = (hash ^ p[i]) * 16777619u;
  for (p += sizeof (guint32); *p != '\0'; p++)
    hash = (hash ^ *p) * 16777619u;
  return hash;
}

gboolean
pp_frame_property_key_equal (gconstpointer a,
                             gconstpointer b)
{
  return memcmp (a, b, sizeof (guint32)) == 0 &&
         strcmp ((const char *) a + sizeof (guint32), (const char *) b + sizeof (guint32)) == 0;
}

/* The key of a frame queued with pp_frame_stream_queue_latest(): where
 * its body begins (see pp_frame_property_key_hash()) */
static const guint8 *
latest_key (GBytes *frame)
{
  return (const guint8 *) g_bytes_get_data (frame, NULL) + PP_WIRE_HEADER_SIZE;
}

/* @link leaves the queue: no newer frame can replace it any more */
static void
forget_latest (PpFrameStream *self,
               GList         *link)
{
  gconstpointer key = g_hash_table_lookup (self->latest_links, link);

  if (key == NULL)
    return;
  if (g_hash_table_lookup (self->latest, key) == link)
    g_hash_table_remove (self->latest, key);
  g_hash_table_remove (self->latest_links, link);
}

/* Drops what @written bytes covered from the head of the queue. */
static void
consume_output (PpFrameStream *self,
                gsize          written)
{
  self->out_queued -= written;
  while (written > 0)
    {
      GBytes *head = g_queue_peek_head (&self->out_queue);
      gsize left = g_bytes_get_size (head) - self->out_offset;

      if (written >= left)
        {
          written -= left;
          if (self->latest_links != NULL && g_hash_table_size (self->latest_links) > 0)
            forget_latest (self, self->out_queue.head);
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

/* Writes what the descriptor takes, in as few writes as it can. Returns
 * FALSE with @error when the peer is gone: the stream is then broken. */
gboolean
pp_frame_stream_flush (PpFrameStream  *self,
                       GError        **error)
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
          int saved = errno;

          if (saved == EINTR)
            continue;
          if (saved == EAGAIN)
            return TRUE;
          g_set_error (error, PP_ERROR, PP_ERROR_DISCONNECTED,
                       _("Could not write to the peer: %s"), g_strerror (saved));
          return FALSE;
        }

      if (sending_fds != NULL)
        pp_frame_out_fds_free (g_queue_pop_head (&self->out_fds));
      consume_output (self, written);
    }
  return TRUE;
}

gboolean
pp_frame_stream_has_output (PpFrameStream *self)
{
  return self->out_queue.length > 0;
}

/* The owner's limit on output waiting to be sent: the stream only keeps
 * it, the owner decides what happens past it */
gsize
pp_frame_stream_get_max_queued_output (PpFrameStream *self)
{
  return self->max_queued_output;
}

void
pp_frame_stream_set_max_queued_output (PpFrameStream *self,
                                       gsize          size)
{
  self->max_queued_output = size;
}

/* What the output waiting to be written counts against the limit: its
 * bytes, and OUT_FRAME_COST for each piece of it, since small frames
 * cost more memory than their size */
gsize
pp_frame_stream_get_queued_output (PpFrameStream *self)
{
  return self->out_queued + self->out_queue.length * OUT_FRAME_COST;
}

/* Logs a frame sent, joined when it is in pieces */
static void
debug_frame_out (PpFrameStream  *self,
                 GBytes * const *pieces,
                 guint           n_pieces,
                 GUnixFDList    *fds,
                 gboolean        body_in_memfd)
{
  g_autoptr(GBytes) frame = pp_wire_join (pieces, n_pieces);

  pp_debug_frame_out (self, frame, fds, body_in_memfd);
}

static void
queue_bytes (PpFrameStream *self,
             GBytes        *bytes)
{
  g_queue_push_tail (&self->out_queue, bytes);
  self->out_queued += g_bytes_get_size (bytes);
}

/* Queues a frame that takes descriptors: @fds, and a sealed memfd for its
 * body when that is big. Its header is rewritten to say so, and becomes an
 * element of the queue of its own, which the descriptors go with. */
static gboolean
queue_frame_with_fds (PpFrameStream  *self,
                      GBytes * const *pieces,
                      guint           n_pieces,
                      GUnixFDList    *fds,
                      GError        **error)
{
  int n_fds = fds ? g_unix_fd_list_get_length (fds) : 0;
  gsize head_size;
  const guint8 *data = g_bytes_get_data (pieces[0], &head_size);
  PpWireHeader header;
  OutFds *out;
  guint8 *header_data;

  if (n_fds > 0 && !self->sends_fds)
    {
      g_set_error_literal (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                           self->out_is_socket && !self->spliced && pp_frame_fd_is_unix_socket (self->out_fd)
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

      out->body_fd = pp_memfd_new_sealed (pieces, n_pieces, PP_WIRE_HEADER_SIZE,
                                          header.body_size, &local_error);
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

  queue_bytes (self, out->header);
  if (out->body_fd < 0)
    {
      if (head_size > PP_WIRE_HEADER_SIZE)
        queue_bytes (self, g_bytes_new_from_bytes (pieces[0], PP_WIRE_HEADER_SIZE,
                                                   head_size - PP_WIRE_HEADER_SIZE));
      for (guint i = 1; i < n_pieces; i++)
        queue_bytes (self, g_bytes_ref (pieces[i]));
    }
  g_queue_push_tail (&self->out_fds, out);
  if (G_UNLIKELY (pp_debug_flags))
    debug_frame_out (self, pieces, n_pieces, fds, out->body_fd >= 0);
  return TRUE;
}

static gboolean
takes_fds (PpFrameStream *self,
           gsize          frame_size,
           GUnixFDList   *fds)
{
  return (fds != NULL && g_unix_fd_list_get_length (fds) > 0) ||
         (self->sends_fds && self->memfd_threshold != 0 &&
          frame_size >= PP_WIRE_HEADER_SIZE + self->memfd_threshold);
}

/* Queues the frame in @pieces (see pp_wire_gather(): one piece, or the
 * header and what is small, and big values where they are) with the
 * descriptors in @fds (which its 'h' values index); fails with
 * PP_ERROR_UNSUPPORTED_TYPE where they cannot pass. Nothing is written
 * until pp_frame_stream_flush(), which writes the pieces from where they
 * are. */
gboolean
pp_frame_stream_queue (PpFrameStream  *self,
                       GBytes * const *pieces,
                       guint           n_pieces,
                       GUnixFDList    *fds,
                       GError        **error)
{
  gsize frame_size = 0;

  for (guint i = 0; i < n_pieces; i++)
    frame_size += g_bytes_get_size (pieces[i]);
  if (takes_fds (self, frame_size, fds))
    return queue_frame_with_fds (self, pieces, n_pieces, fds, error);

  if (G_UNLIKELY (pp_debug_flags))
    debug_frame_out (self, pieces, n_pieces, NULL, FALSE);
  for (guint i = 0; i < n_pieces; i++)
    queue_bytes (self, g_bytes_ref (pieces[i]));
  return TRUE;
}

/* Puts @frame in the place of the unsent frame queued with
 * pp_frame_stream_queue_latest() about the same property of the same
 * object, if there is one: a newer value of the same thing. Returns
 * whether it did. @frame must be a PROPERTY. */
gboolean
pp_frame_stream_replace_latest (PpFrameStream *self,
                                GBytes        *frame)
{
  GList *link;
  gsize old_size;

  if (self->latest == NULL || g_hash_table_size (self->latest) == 0)
    return FALSE;
  link = g_hash_table_lookup (self->latest, latest_key (frame));
  /* Not the head once part of it is written, nor in the place of what
   * would go in a memfd */
  if (link == NULL || (link == self->out_queue.head && self->out_offset > 0) ||
      takes_fds (self, g_bytes_get_size (frame), NULL))
    return FALSE;

  if (G_UNLIKELY (pp_debug_flags))
    pp_debug_frame_out (self, frame, NULL, FALSE);
  /* The keys point into the frames */
  g_hash_table_replace (self->latest, (gpointer) latest_key (frame), link);
  g_hash_table_insert (self->latest_links, link, (gpointer) latest_key (frame));
  old_size = g_bytes_get_size (link->data);
  g_bytes_unref (link->data);
  link->data = g_bytes_ref (frame);
  self->out_queued = self->out_queued - old_size + g_bytes_get_size (frame);
  return TRUE;
}

/* Queues @frame, a PROPERTY, so that a newer frame about the same
 * property of the same object replaces it while it waits (see
 * pp_frame_stream_replace_latest()). Only what waits behind other output
 * can be replaced: a frame queued when nothing waits is usually written
 * at once. */
void
pp_frame_stream_queue_latest (PpFrameStream *self,
                              GBytes        *frame)
{
  gboolean indexed = self->out_queue.length > 0;

  if (takes_fds (self, g_bytes_get_size (frame), NULL))
    {
      queue_frame_with_fds (self, &frame, 1, NULL, NULL);
      return;
    }

  if (G_UNLIKELY (pp_debug_flags))
    pp_debug_frame_out (self, frame, NULL, FALSE);
  queue_bytes (self, g_bytes_ref (frame));
  if (!indexed)
    return;
  if (self->latest == NULL)
    {
      self->latest = g_hash_table_new (pp_frame_property_key_hash, pp_frame_property_key_equal);
      self->latest_links = g_hash_table_new (NULL, NULL);
    }
  g_hash_table_replace (self->latest, (gpointer) latest_key (frame), self->out_queue.tail);
  g_hash_table_insert (self->latest_links, self->out_queue.tail, (gpointer) latest_key (frame));
}

/* Queues @frame as it is and writes what the descriptor takes at once:
 * the last thing said before closing (a refusal, a protocol error). */
void
pp_frame_stream_write_last (PpFrameStream *self,
                            GBytes        *frame)
{
  if (G_UNLIKELY (pp_debug_flags))
    pp_debug_frame_out (self, frame, NULL, FALSE);
  queue_bytes (self, g_bytes_ref (frame));
  pp_frame_stream_flush (self, NULL);
}
