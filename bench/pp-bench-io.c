/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Small helpers of pp-bench: /proc figures, blocking I/O, the control
 * channel between a client and its server, the systems and the raw protocol. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "pp-bench.h"

/* Small helpers -------------------------------------------------------------- */

/* A field of /proc/self/status in KiB, e.g. "VmHWM" (peak RSS) or "VmRSS". */
long
status_kb (const char *field)
{
  g_autofree char *contents = NULL;
  g_autofree char *key = g_strconcat ("\n", field, ":", NULL);
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL))
    return -1;
  p = strstr (contents, key);
  if (p == NULL)
    return -1;
  return strtol (p + strlen (key), NULL, 10);
}

/* Resets VmHWM to the current RSS (Linux >= 4.0), so each row reports its
 * own peak. */
void
reset_peak_rss (void)
{
  int fd = open ("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

  if (fd >= 0)
    {
      if (write (fd, "5", 1) != 1)
        {
          /* Old kernel: the peak then covers the process's life. */
        }
      close (fd);
    }
}

void
write_all (int         fd,
           const void *data,
           gsize       len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      gssize n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      CHECK (n > 0, "write: %s", g_strerror (errno));
      p += n;
      len -= n;
    }
}

void
writev_all (int           fd,
            struct iovec *iov,
            int           n_iov)
{
  while (n_iov > 0)
    {
      gssize n = writev (fd, iov, n_iov);

      if (n < 0 && errno == EINTR)
        continue;
      CHECK (n > 0, "writev: %s", g_strerror (errno));
      while (n_iov > 0 && (gsize) n >= iov->iov_len)
        {
          n -= iov->iov_len;
          iov++;
          n_iov--;
        }
      if (n_iov > 0)
        {
          iov->iov_base = (guint8 *) iov->iov_base + n;
          iov->iov_len -= n;
        }
    }
}

static gssize
read_some (int    fd,
           void  *buf,
           gsize  len)
{
  gssize n;

  do
    n = read (fd, buf, len);
  while (n < 0 && errno == EINTR);
  CHECK (n >= 0, "read: %s", g_strerror (errno));
  return n;
}

/* Fills @buf with bytes that depend on @seed, so that a reply to another
 * call, or stale memory, never compares equal. */
void
fill_pattern (guint8  *buf,
              gsize    len,
              guint64  seed)
{
  guint64 x = seed * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) + 1;
  gsize i;

  for (i = 0; i + 8 <= len; i += 8)
    {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      memcpy (buf + i, &x, 8);
    }
  for (; i < len; i++)
    buf[i] = (guint8) (x >> (8 * (i % 8)));
}

/* The control channel ------------------------------------------------------- */

/* One SOCK_SEQPACKET message per command or answer, optionally carrying a
 * descriptor. Blocking on both sides; the child reads it from its main loop
 * (or after the data connection ends, for the raw server). */

void
ctl_send (int         fd,
          const char *message,
          int         pass_fd)
{
  struct msghdr msg = { 0 };
  struct iovec iov = { (void *) message, strlen (message) };
  union
  {
    struct cmsghdr header;
    char           buf[CMSG_SPACE (sizeof (int))];
  } control;
  gssize n;

  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (pass_fd >= 0)
    {
      struct cmsghdr *cmsg;

      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &pass_fd, sizeof (int));
    }

  do
    n = sendmsg (fd, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  CHECK (n == (gssize) iov.iov_len, "control channel: %s", g_strerror (errno));
}

/* Returns FALSE at the end of the channel. */
gboolean
ctl_recv (int   fd,
          char *buf,
          int  *out_fd)
{
  struct msghdr msg = { 0 };
  struct iovec iov = { buf, CTL_MAX - 1 };
  union
  {
    struct cmsghdr header;
    char           buf[CMSG_SPACE (sizeof (int))];
  } control;
  struct cmsghdr *cmsg;
  gssize n;

  if (out_fd != NULL)
    *out_fd = -1;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;

  do
    n = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n == 0 || (n < 0 && errno == ECONNRESET))
    return FALSE;
  CHECK (n > 0, "control channel: %s", g_strerror (errno));
  buf[n] = '\0';

  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL; cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      {
        int fd_in;

        memcpy (&fd_in, CMSG_DATA (cmsg), sizeof (int));
        if (out_fd != NULL)
          *out_fd = fd_in;
        else
          close (fd_in);
      }
  return TRUE;
}

/* Systems --------------------------------------------------------------------- */

const char *
system_arg (SystemKind kind)
{
  switch (kind)
    {
    case SYSTEM_RAW:
      return "raw";
    case SYSTEM_GDBUS:
      return "gdbus";
    case SYSTEM_PP:
      return "pp";
    default:
      g_assert_not_reached ();
    }
}

const char *
transport_arg (Transport transport)
{
  switch (transport)
    {
    case TRANSPORT_SOCKETPAIR:
      return "socketpair";
    case TRANSPORT_PIPES:
      return "pipes";
    case TRANSPORT_NONE:
      return "none";
    default:
      g_assert_not_reached ();
    }
}

const char *
system_label (SystemKind kind,
              Transport  transport)
{
  switch (kind)
    {
    case SYSTEM_RAW:
      return transport == TRANSPORT_PIPES ? "raw pipes" : "raw socketpair";
    case SYSTEM_GDBUS:
      return "GDBus p2p";
    case SYSTEM_PP:
      return transport == TRANSPORT_PIPES ? "pipeproxy pipes" : "pipeproxy";
    default:
      g_assert_not_reached ();
    }
}

/* The raw protocol: a 16-byte header, then @len bytes for an echo. */
void
reader_init (Reader *r,
             int     fd,
             int     out_fd)
{
  r->fd = fd;
  r->buf = g_malloc (RAW_BUFFER_SIZE);
  r->start = r->end = 0;
  r->out_fd = out_fd;
  r->out = g_byte_array_sized_new (RAW_BUFFER_SIZE);
}

void
reader_clear (Reader *r)
{
  g_clear_pointer (&r->buf, g_free);
  g_clear_pointer (&r->out, g_byte_array_unref);
}

void
reader_flush (Reader *r)
{
  if (r->out->len > 0)
    {
      write_all (r->out_fd, r->out->data, r->out->len);
      g_byte_array_set_size (r->out, 0);
    }
}

/* Copies @len bytes out of the stream. Returns FALSE at a clean end of the
 * stream before the first byte, if @eof_ok. */
gboolean
reader_take (Reader   *r,
             void     *dest,
             gsize     len,
             gboolean  eof_ok)
{
  guint8 *dst = dest;
  gboolean started = FALSE;

  while (len > 0)
    {
      gsize avail = r->end - r->start;
      gssize n;

      if (avail > 0)
        {
          gsize take = MIN (avail, len);

          memcpy (dst, r->buf + r->start, take);
          r->start += take;
          dst += take;
          len -= take;
          started = TRUE;
          continue;
        }

      reader_flush (r);
      r->start = r->end = 0;
      if (len >= RAW_BUFFER_SIZE)
        {
          /* Big payloads go straight to their place. */
          n = read_some (r->fd, dst, len);
          if (n == 0)
            break;
          dst += n;
          len -= n;
          started = TRUE;
          continue;
        }
      n = read_some (r->fd, r->buf, RAW_BUFFER_SIZE);
      if (n == 0)
        break;
      r->end = n;
    }

  if (len == 0)
    return TRUE;
  CHECK (eof_ok && !started, "raw: unexpected end of stream");
  return FALSE;
}

void
raw_queue (Reader  *r,
           guint32  op,
           guint32  len,
           guint64  seq)
{
  RawHeader h = { op, len, seq };

  g_byte_array_append (r->out, (const guint8 *) &h, sizeof h);
}
