/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE  /* memfd_create() and the seals */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "pp-buffer-private.h"
#include "pp-error.h"
#include "pp-memfd-private.h"

#define REQUIRED_SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)

/* For the tests, which check that a payload really took this path */
static gint n_sealed;
static gint n_mapped;

void
pp_memfd_get_counts (guint *sealed,
                     guint *mapped)
{
  *sealed = g_atomic_int_get (&n_sealed);
  *mapped = g_atomic_int_get (&n_mapped);
}

/* Returns a memfd holding a copy of the @size bytes that start @offset
 * bytes into the concatenation of @pieces (a frame's, see
 * pp_wire_gather()), sealed so that it can never change again, or -1 with
 * @error (e.g. where memfd_create() is missing; the caller then copies
 * through the socket). */
int
pp_memfd_new_sealed (GBytes * const  *pieces,
                     guint            n_pieces,
                     gsize            offset,
                     gsize            size,
                     GError         **error)
{
  gsize done = 0;
  int fd;

  fd = memfd_create ("pipeproxy-body", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "memfd_create: %s", g_strerror (saved));
      return -1;
    }

  /* Written rather than mapped: a write fills the file's pages in the
   * kernel, where mapping would take a page fault per 4 KiB, and sealing
   * against writes requires that no writable mapping exists. Each piece
   * is written from where it is: this is the body's only copy. */
  for (guint i = 0; i < n_pieces && done < size; i++)
    {
      gsize piece_size;
      const guint8 *data = g_bytes_get_data (pieces[i], &piece_size);
      gsize length;

      if (offset >= piece_size)
        {
          offset -= piece_size;
          continue;
        }
      data += offset;
      length = MIN (piece_size - offset, size - done);
      offset = 0;

      while (length > 0)
        {
          gssize n = pwrite (fd, data, length, done);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            {
              int saved = n < 0 ? errno : ENOSPC;

              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                           "memfd: %s", g_strerror (saved));
              close (fd);
              return -1;
            }
          data += n;
          length -= n;
          done += n;
        }
    }
  if (done < size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "memfd: the frame holds less than its body's %" G_GSIZE_FORMAT " bytes", size);
      close (fd);
      return -1;
    }

  if (fcntl (fd, F_ADD_SEALS, REQUIRED_SEALS | F_SEAL_SEAL) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "memfd seals: %s", g_strerror (saved));
      close (fd);
      return -1;
    }
  g_atomic_int_inc (&n_sealed);
  return fd;
}

typedef struct
{
  gpointer data;
  gsize    size;
} Mapping;

static void
mapping_free (gpointer data)
{
  Mapping *mapping = data;

  munmap (mapping->data, mapping->size);
  g_free (mapping);
}

/* Maps the body a peer passed in @fd, after checking that it is a sealed
 * memfd of exactly @size bytes. The bytes returned are the mapping itself:
 * nothing is copied. Does not close @fd. */
GBytes *
pp_memfd_read (int      fd,
               gsize    size,
               GError **error)
{
  struct stat st;
  int seals;
  Mapping *mapping;
  gpointer data;

  seals = fcntl (fd, F_GET_SEALS);
  if (seals < 0 || (seals & REQUIRED_SEALS) != REQUIRED_SEALS)
    {
      g_set_error_literal (error, PP_ERROR, PP_ERROR_PROTOCOL,
                           _("Received a frame whose body is in a file that is not sealed "
                             "against changes"));
      return NULL;
    }

  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || (guint64) st.st_size != size)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame whose body file does not hold the %llu bytes announced"),
                   (unsigned long long) size);
      return NULL;
    }

  if (size == 0)
    return g_bytes_new (NULL, 0);

  /* Up to the size of the reuse pool, reading into a buffer that is
   * already mapped beats mapping the file: each page mapped costs a page
   * table update, which is slow on virtual machines with shadow paging.
   * The copy is private, so the seals matter less here than for the
   * mapping below. */
  if (size <= PP_BUFFER_POOL_MAX)
    {
      gsize capacity;
      guint8 *buffer = pp_buffer_take (size, &capacity);
      gsize done = 0;

      while (done < size)
        {
          gssize n = pread (fd, buffer + done, size - done, done);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            {
              int saved = n < 0 ? errno : EIO;

              pp_buffer_give (buffer, capacity);
              g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                           _("Could not read a received frame body: %s"), g_strerror (saved));
              return NULL;
            }
          done += n;
        }
      g_atomic_int_inc (&n_mapped);
      return pp_buffer_to_bytes (buffer, 0, size, capacity);
    }

  data = mmap (NULL, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (data == MAP_FAILED)
    {
      int saved = errno;

      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("Could not map a received frame body of %llu bytes: %s"),
                   (unsigned long long) size, g_strerror (saved));
      return NULL;
    }

  g_atomic_int_inc (&n_mapped);
  mapping = g_new (Mapping, 1);
  mapping->data = data;
  mapping->size = size;
  return g_bytes_new_with_free_func (data, size, mapping_free, mapping);
}
