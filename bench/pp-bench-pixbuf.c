/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pp-bench-pixbuf: decoding an image in a worker against decoding it here.
 *
 *   pp-bench-pixbuf [--quick] [--reps N] [--width W --height H] [--format png|jpeg]
 *
 * The image (a 4000x3000 JPEG by default, made here) is in a file opened
 * read-only. Each repetition decodes it twice, in turn: here, with
 * gdk_pixbuf_new_from_stream() on the descriptor, and in a worker child
 * started with pp_proxy_new_for_subprocess_sync(), which gets the
 * descriptor with the call and answers with the pixels: the worker and
 * the call of examples/pixbuf-decode.c (examples/pixbuf-decoder.c: no copy
 * of the pixels on either side outside the socket). Both results are checked against each other,
 * byte for byte, outside the time measured. Printed: the median time of
 * each, the ratio (target: the worker within 1.15x), and the minor page
 * faults of each side per decode, which do not depend on the machine's
 * load.
 *
 * Not a timed test: only --quick runs in the test suite, for correctness.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-bench-util.h"

#include "pixbuf-decoder.h"

static void G_GNUC_NORETURN
fail (const char *what,
      GError     *error)
{
  bench_fail ("%s: %s", what, error ? error->message : "");
}

static GdkPixbuf *
decode_fd (int      fd,
           GError **error)
{
  g_autoptr(GInputStream) stream = g_unix_input_stream_new (fd, FALSE);

  if (lseek (fd, 0, SEEK_SET) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "lseek: %s",
                   g_strerror (errno));
      return NULL;
    }
  return gdk_pixbuf_new_from_stream (stream, NULL, error);
}

static void
check_same (GdkPixbuf *a,
            GdkPixbuf *b)
{
  int row_bytes = gdk_pixbuf_get_width (a) * gdk_pixbuf_get_n_channels (a);

  if (gdk_pixbuf_get_width (b) != gdk_pixbuf_get_width (a) ||
      gdk_pixbuf_get_height (b) != gdk_pixbuf_get_height (a) ||
      gdk_pixbuf_get_n_channels (b) != gdk_pixbuf_get_n_channels (a))
    fail ("the worker's image differs in size", NULL);
  for (int y = 0; y < gdk_pixbuf_get_height (a); y++)
    if (memcmp (gdk_pixbuf_read_pixels (a) + (gsize) y * gdk_pixbuf_get_rowstride (a),
                gdk_pixbuf_read_pixels (b) + (gsize) y * gdk_pixbuf_get_rowstride (b),
                row_bytes) != 0)
      fail ("the worker's pixels differ", NULL);
}

/* An image with detail (so that it does not compress to nothing) in a
 * file opened read-only; the file itself is unlinked at once. */
static int
make_image (int         width,
            int         height,
            const char *format)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  guint32 x32 = 2463534242u;
  int fd;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + (gsize) y * rowstride + x * 3;

        x32 ^= x32 << 13;
        x32 ^= x32 >> 17;
        x32 ^= x32 << 5;
        p[0] = (x * 255 / width) ^ (x32 & 0x1f);
        p[1] = (y * 255 / height) ^ ((x32 >> 8) & 0x1f);
        p[2] = ((x ^ y) & 0xff) ^ ((x32 >> 16) & 0x1f);
      }

  fd = g_file_open_tmp ("pp-bench-pixbuf-XXXXXX", &path, &error);
  if (fd < 0)
    fail ("temporary file", error);
  close (fd);
  if (!gdk_pixbuf_save (pixbuf, path, format, &error, NULL))
    fail ("saving the image", error);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  g_unlink (path);
  if (fd < 0)
    fail ("opening the image", NULL);
  return fd;
}

int
main (int   argc,
      char *argv[])
{
  gboolean quick = FALSE;
  int reps = 0, width = 4000, height = 3000;
  g_autofree char *format = NULL;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "A small image, two repetitions", NULL },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions after the warm-up", "N" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "Width of the image", "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, "Height of the image", "H" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "png or jpeg (the default)", "FORMAT" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *here = NULL;
  g_autofree double *there = NULL;
  const char *worker_argv[] = { argv[0], "--worker", NULL };
  const char *child;
  long faults_here = 0, faults_parent = 0, faults_worker = 0;
  double med_here, med_there;
  g_autofree char *size = NULL;
  int fd;

  bench_set_name ("pp-bench-pixbuf");

  if (argc > 1 && g_str_equal (argv[1], "--worker"))
    return pixbuf_decoder_run_worker ();

  context = g_option_context_new ("- decoding an image in a worker against in-process");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    fail ("options", error);
  if (quick)
    {
      width = MIN (width, 400);
      height = MIN (height, 300);
    }
  if (reps <= 0)
    reps = quick ? 2 : 7;
  if (format == NULL)
    format = g_strdup ("jpeg");

  fd = make_image (width, height, format);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  proxy = pp_proxy_new_for_subprocess_sync (launcher, worker_argv, NULL, NULL, &error);
  if (proxy == NULL)
    fail ("starting the worker", error);
  child = pp_proxy_get_subprocess (proxy) != NULL
            ? g_subprocess_get_identifier (pp_proxy_get_subprocess (proxy)) : NULL;

  here = g_new (double, reps);
  there = g_new (double, reps);
  for (int r = -1; r < reps; r++)   /* -1: the warm-up */
    {
      g_autoptr(GdkPixbuf) local = NULL;
      g_autoptr(GdkPixbuf) remote = NULL;
      long self_faults = 0, parent_faults = 0, worker_faults = 0;
      double local_ms = 0, remote_ms = 0;

      /* Taking turns, in alternating order, so that load hits both alike */
      for (int turn = 0; turn < 2; turn++)
        {
          gboolean in_worker = (turn + r) % 2 != 0;
          long f0 = bench_minor_faults ("self"), w0 = child ? bench_minor_faults (child) : 0;
          gint64 t0 = bench_now_ns ();

          if (in_worker && lseek (fd, 0, SEEK_SET) != 0)
            fail ("lseek", NULL);
          if (in_worker)
            remote = pixbuf_decode_in_worker (proxy, fd, &error);
          else
            local = decode_fd (fd, &error);
          if (error != NULL)
            fail ("decoding", error);
          if (in_worker)
            {
              remote_ms = (bench_now_ns () - t0) / 1e6;
              parent_faults = bench_minor_faults ("self") - f0;
              worker_faults = child ? bench_minor_faults (child) - w0 : 0;
            }
          else
            {
              local_ms = (bench_now_ns () - t0) / 1e6;
              self_faults = bench_minor_faults ("self") - f0;
            }
        }
      check_same (local, remote);
      if (r < 0)
        continue;
      here[r] = local_ms;
      there[r] = remote_ms;
      faults_here += self_faults;
      faults_parent += parent_faults;
      faults_worker += worker_faults;
    }

  size = g_format_size ((guint64) width * height * 3);
  med_here = bench_median (here, reps);
  med_there = bench_median (there, reps);
  printf ("pipeproxy %s, decoding a %dx%d %s (%s pixels) with GdkPixbuf: median of %d "
          "repetitions after a warm-up\n\n", PP_VERSION_S, width, height, format,
          size, reps);
  printf ("%-22s %10s  %-22s  %s\n", "system", "ms/decode", "faults/decode", "x in-process");
  printf ("%-22s %10.1f  %-22ld  %.2f\n", "in-process", med_here, faults_here / reps, 1.0);
  printf ("%-22s %10.1f  parent %ld, worker %-6ld  %.2f  target <= 1.15x %s\n", "worker (pipeproxy)",
          med_there, faults_parent / reps, faults_worker / reps, med_there / med_here,
          med_there / med_here <= 1.15 ? "PASS" : "MISS");

  pp_proxy_close (proxy);
  close (fd);
  return EXIT_SUCCESS;
}
