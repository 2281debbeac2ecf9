/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pixbuf-decode: an image decoded in a worker process, its pixels back.
 *
 * Image decoders parse untrusted data, so a GTK application may want them
 * in a process of their own (GNOME's glycin does this). Here the parent
 * starts itself again with --worker through pp_proxy_new_for_subprocess_sync()
 * and passes the image to it as a file descriptor, so that the worker needs
 * no access to the file system; the worker decodes it with GdkPixbuf and
 * answers with the pixels (pixbuf-decoder.c has both sides of the call):
 *
 *   decode (h image) → (iiibi ay)  width, height, rowstride, has alpha,
 *                                   bits per sample, pixels
 *
 * Neither side copies the pixels: the worker's reply is built over the
 * pixbuf's own memory, and the parent makes
 * its GdkPixbuf over the reply's bytes (g_variant_get_data_as_bytes() and
 * gdk_pixbuf_new_from_bytes()). What crosses is one write and one read of
 * the socket.
 *
 *   $ ./pixbuf-decode [IMAGE]
 *
 * Without IMAGE it makes a 1000x750 PNG of its own in a temporary file.
 * It exits 0 only if the pixels from the worker are those of the same image
 * decoded in the parent, and if the worker refuses a descriptor that holds
 * no image with the decoder's error.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>

#include <pipeproxy/pipeproxy.h>

#include "pixbuf-decoder.h"

static gboolean
same_pixels (GdkPixbuf *a,
             GdkPixbuf *b)
{
  int height = gdk_pixbuf_get_height (a);
  int row_bytes = gdk_pixbuf_get_width (a) * gdk_pixbuf_get_n_channels (a);
  const guint8 *pa = gdk_pixbuf_read_pixels (a);
  const guint8 *pb = gdk_pixbuf_read_pixels (b);

  if (gdk_pixbuf_get_width (b) != gdk_pixbuf_get_width (a) ||
      gdk_pixbuf_get_height (b) != height ||
      gdk_pixbuf_get_n_channels (b) != gdk_pixbuf_get_n_channels (a))
    return FALSE;
  for (int y = 0; y < height; y++)
    if (memcmp (pa + (gsize) y * gdk_pixbuf_get_rowstride (a),
                pb + (gsize) y * gdk_pixbuf_get_rowstride (b), row_bytes) != 0)
      return FALSE;
  return TRUE;
}

/* A PNG of a gradient in a temporary file, which is unlinked at once:
 * only the descriptor is left. */
static int
make_image (GError **error)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 1000, 750);
  g_autofree char *path = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  int fd;

  for (int y = 0; y < 750; y++)
    for (int x = 0; x < 1000; x++)
      {
        guint8 *p = pixels + (gsize) y * rowstride + x * 3;

        p[0] = x * 255 / 999;
        p[1] = y * 255 / 749;
        p[2] = (x ^ y) & 0xff;
      }

  fd = g_file_open_tmp ("pixbuf-decode-XXXXXX.png", &path, error);
  if (fd < 0)
    return -1;
  close (fd);
  if (!gdk_pixbuf_save (pixbuf, path, "png", error, NULL))
    {
      g_unlink (path);
      return -1;
    }
  fd = open (path, O_RDONLY | O_CLOEXEC);
  g_unlink (path);
  if (fd < 0)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s", g_strerror (errno));
  return fd;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GdkPixbuf) local = NULL;
  g_autoptr(GdkPixbuf) remote = NULL;
  g_autoptr(GdkPixbuf) nothing = NULL;
  g_autoptr(GError) error = NULL;
  const char *worker_argv[] = { argv[0], "--worker", NULL };
  int fd, not_an_image;

  if (argc > 1 && g_str_equal (argv[1], "--worker"))
    return pixbuf_decoder_run_worker ();

  /* A remote error keeps its domain only if this process knows it */
  gdk_pixbuf_error_quark ();

  fd = argc > 1 ? open (argv[1], O_RDONLY | O_CLOEXEC) : make_image (&error);
  if (fd < 0)
    {
      g_printerr ("%s\n", error ? error->message : g_strerror (errno));
      return EXIT_FAILURE;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  proxy = pp_proxy_new_for_subprocess_sync (launcher, worker_argv, NULL, NULL, &error);
  if (proxy == NULL)
    {
      g_printerr ("starting the worker: %s\n", error->message);
      return EXIT_FAILURE;
    }

  remote = pixbuf_decode_in_worker (proxy, fd, &error);
  if (remote == NULL)
    {
      g_printerr ("decoding in the worker: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("worker decoded %dx%d, %d channels\n", gdk_pixbuf_get_width (remote),
           gdk_pixbuf_get_height (remote), gdk_pixbuf_get_n_channels (remote));

  /* The same image decoded here, from the same descriptor */
  {
    g_autoptr(GInputStream) stream = NULL;

    if (lseek (fd, 0, SEEK_SET) != 0)
      {
        g_printerr ("lseek: %s\n", g_strerror (errno));
        return EXIT_FAILURE;
      }
    stream = g_unix_input_stream_new (fd, TRUE);
    local = gdk_pixbuf_new_from_stream (stream, NULL, &error);
    if (local == NULL)
      {
        g_printerr ("decoding here: %s\n", error->message);
        return EXIT_FAILURE;
      }
  }
  if (!same_pixels (local, remote))
    {
      g_printerr ("the worker's pixels differ from those decoded here\n");
      return EXIT_FAILURE;
    }
  g_print ("the pixels are those decoded here\n");

  /* A descriptor with no image: the decoder's error, and the worker lives */
  not_an_image = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  nothing = pixbuf_decode_in_worker (proxy, not_an_image, &error);
  close (not_an_image);
  if (nothing != NULL || error == NULL || error->domain != GDK_PIXBUF_ERROR)
    {
      g_printerr ("an empty file was not refused with a GdkPixbufError: %s\n",
                  error ? error->message : "decoded");
      return EXIT_FAILURE;
    }
  g_print ("an empty file is refused: %s\n", error->message);

  pp_proxy_close (proxy);
  return EXIT_SUCCESS;
}
