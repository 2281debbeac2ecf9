/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pixbuf-decoder: the worker's and the parent's side of "decode", an
 * image passed as a file descriptor and its pixels back. Neither side
 * copies the pixels: the worker's reply is built over the pixbuf's own
 * memory, and the parent makes its GdkPixbuf over the reply's bytes. */

#include <sys/mman.h>

#include <gio/gunixfdlist.h>
#include <gio/gunixinputstream.h>

#include "pixbuf-decoder.h"

/* A decoder's output is bounded too: the parent is the one that trusts
 * nothing, but a worker that would build a 2 GiB reply fails instead. */
#define MAX_PIXEL_BYTES (512 * 1024 * 1024)

/* Decoding ------------------------------------------------------------- */

#define HUGE_PAGE_SIZE (2 * 1024 * 1024)

/* Once the loader has allocated the pixels, before it writes them: asks
 * for transparent huge pages over the whole 2 MiB pages of the buffer.
 * Writing 36 MB of fresh 4 KiB pages costs ~9,000 page faults, and
 * reading them again (to send them) a TLB miss every 4 KiB, which on a
 * virtual machine can cost more than the decoding itself. Only advice:
 * where there are no huge pages, the decoding is the same. */
static void
on_area_prepared (GdkPixbufLoader *loader,
                  gpointer         user_data)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  guintptr start = (guintptr) gdk_pixbuf_read_pixels (pixbuf);
  guintptr end = start + gdk_pixbuf_get_byte_length (pixbuf);

  start = (start + HUGE_PAGE_SIZE - 1) & ~(guintptr) (HUGE_PAGE_SIZE - 1);
  end &= ~(guintptr) (HUGE_PAGE_SIZE - 1);
  if (end > start)
    madvise ((void *) start, end - start, MADV_HUGEPAGE);
}

GdkPixbuf *
pixbuf_decoder_decode_stream (GInputStream  *stream,
                              GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  guint8 buffer[64 * 1024];
  gssize n;

  g_signal_connect (loader, "area-prepared", G_CALLBACK (on_area_prepared), NULL);
  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, error)) > 0)
    if (!gdk_pixbuf_loader_write (loader, buffer, n, error))
      break;
  if (n != 0)
    {
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }
  if (!gdk_pixbuf_loader_close (loader, error))
    return NULL;
  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

/* The worker ------------------------------------------------------------ */

/* Answers a call as the decoder's error, or with the pixels */
static gboolean
on_handle_decode (PpListener   *listener,
                  const char   *method_name,
                  GVariant     *parameters,
                  PpInvocation *invocation,
                  gpointer      user_data)
{
  GUnixFDList *fds = pp_invocation_get_unix_fd_list (invocation);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GError) error = NULL;
  gint32 index;
  int fd;

  /* Unlike those of an added method, these arguments are not checked;
   * an added method would not get the descriptors. */
  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(h)")) || fds == NULL)
    {
      pp_invocation_return_error_literal (invocation, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                                          "method “decode” expects (h) and a descriptor");
      return TRUE;
    }
  g_variant_get (parameters, "(h)", &index);
  fd = g_unix_fd_list_get (fds, index, &error);
  if (fd < 0)
    {
      pp_invocation_return_gerror (invocation, error);
      return TRUE;
    }

  /* The stream closes the descriptor, and only reads it: it can be a
   * pipe, a socket or a file opened read-only by the parent. */
  stream = g_unix_input_stream_new (fd, TRUE);
  pixbuf = pixbuf_decoder_decode_stream (stream, &error);
  if (pixbuf == NULL)
    {
      pp_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  if (gdk_pixbuf_get_byte_length (pixbuf) > MAX_PIXEL_BYTES)
    {
      pp_invocation_return_error_literal (invocation, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                                          "The decoded image is too big");
      return TRUE;
    }

  /* The pixbuf's own memory, holding a reference to the pixbuf.
   * gdk_pixbuf_read_pixel_bytes() would copy the pixels of a pixbuf that
   * a loader made, which is 10,000 fresh pages for 4000x3000. */
  pixels = g_bytes_new_with_free_func (gdk_pixbuf_read_pixels (pixbuf),
                                       gdk_pixbuf_get_byte_length (pixbuf),
                                       g_object_unref, g_object_ref (pixbuf));
  pp_invocation_return_value (invocation,
                              g_variant_new ("(iiibi@ay)",
                                             gdk_pixbuf_get_width (pixbuf),
                                             gdk_pixbuf_get_height (pixbuf),
                                             gdk_pixbuf_get_rowstride (pixbuf),
                                             gdk_pixbuf_get_has_alpha (pixbuf),
                                             gdk_pixbuf_get_bits_per_sample (pixbuf),
                                             g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                       pixels, TRUE)));
  return TRUE;
}

int
pixbuf_decoder_run_worker (void)
{
  g_autoptr(GObject) decoder = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  listener = pp_listener_new_for_parent (decoder, &error);
  if (listener == NULL)
    {
      g_printerr ("worker: %s (run me without --worker)\n", error->message);
      return EXIT_FAILURE;
    }
  g_signal_connect (listener, "handle-method-call::decode", G_CALLBACK (on_handle_decode), NULL);

  /* Until the parent closes its proxy or dies */
  pp_listener_run (listener);
  return EXIT_SUCCESS;
}

/* The parent ------------------------------------------------------------ */

GdkPixbuf *
pixbuf_decode_in_worker (PpProxy  *proxy,
                         int       fd,
                         GError  **error)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) pixels = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gint32 width, height, rowstride, bits;
  gboolean has_alpha;
  int index;

  index = g_unix_fd_list_append (fds, fd, error);
  if (index < 0)
    return NULL;
  reply = pp_proxy_call_with_unix_fd_list_sync (proxy, "decode", g_variant_new ("(h)", index),
                                                -1, fds, NULL, NULL, error);
  if (reply == NULL)
    return NULL;

  /* The worker is a peer: gdk_pixbuf_new_from_bytes() checks that the
   * bytes hold that many rows of that stride. */
  g_variant_get (reply, "(iiibi@ay)", &width, &height, &rowstride, &has_alpha, &bits, &pixels);
  if (width <= 0 || height <= 0 || bits != 8 || rowstride < width * (has_alpha ? 4 : 3) ||
      g_variant_get_size (pixels) < (gsize) rowstride * (height - 1) +
                                    (gsize) width * (has_alpha ? 4 : 3))
    {
      g_set_error_literal (error, PP_ERROR, PP_ERROR_PROTOCOL,
                           "The worker answered with pixels that do not fit the image");
      return NULL;
    }
  bytes = g_variant_get_data_as_bytes (pixels);
  return gdk_pixbuf_new_from_bytes (bytes, GDK_COLORSPACE_RGB, has_alpha, bits,
                                    width, height, rowstride);
}
