/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pixbuf-decode: an image decoded in a worker process, its pixels back.
 *
 * Image decoders parse untrusted data, so a GTK application may want them
 * in a process of their own (GNOME's glycin does this). Here the parent
 * starts itself again with --worker through pp_proxy_new_for_subprocess_sync()
 * and passes the image to it as a file descriptor, so that the worker needs
 * no access to the file system; the worker decodes it with GdkPixbuf and
 * answers with the pixels:
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
#include <gio/gunixfdlist.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>

#include <pipeproxy/pipeproxy.h>

/* A decoder's output is bounded too: the parent is the one that trusts
 * nothing, but a worker that would build a 2 GiB reply fails instead. */
#define MAX_PIXEL_BYTES (512 * 1024 * 1024)

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
  pixbuf = gdk_pixbuf_new_from_stream (stream, NULL, &error);
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

static int
run_worker (void)
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

/* Decodes the image in @fd in the worker; the pixbuf's pixels are the
 * reply's memory. Does not close @fd. */
static GdkPixbuf *
decode_in_worker (PpProxy  *proxy,
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
    return run_worker ();

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

  remote = decode_in_worker (proxy, fd, &error);
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
  nothing = decode_in_worker (proxy, not_an_image, &error);
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
