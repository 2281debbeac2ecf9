/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pp-bench-pixbuf: decoding an image in a worker against decoding it here.
 *
 *   pp-bench-pixbuf [--quick] [--reps N] [--width W --height H] [--format png|jpeg]
 *
 * The image (a 4000x3000 JPEG by default, made here) is in a file opened
 * read-only. Each repetition decodes it three times, in turns: here with
 * gdk_pixbuf_new_from_stream() on the descriptor; here with the worker's
 * decoding code (pixbuf_decoder_decode_stream(): a GdkPixbufLoader whose
 * pixels are advised into huge pages); and in a worker child started with
 * pp_proxy_new_for_subprocess_sync(), which gets the descriptor with the
 * call and answers with the pixels: the worker and the call of
 * examples/pixbuf-decode.c (examples/pixbuf-decoder.c: no copy of the
 * pixels on either side outside the socket). The results are checked
 * against each other, byte for byte, outside the time measured. Printed:
 * the median time of each, the ratios, and the minor page faults of each
 * side per decode, which do not depend on the machine's load. The target
 * (the worker within 1.15x) is checked against the same decoding code run
 * here, so that only crossing the process boundary counts; the ratio to
 * gdk_pixbuf_new_from_stream() is printed too.
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

/* What is timed, in turns */
enum { PLAIN, HERE, WORKER, N_SYSTEMS };

static GdkPixbuf *
decode (int       system,
        PpProxy  *proxy,
        int       fd,
        GError  **error)
{
  g_autoptr(GInputStream) stream = NULL;

  if (lseek (fd, 0, SEEK_SET) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "lseek: %s",
                   g_strerror (errno));
      return NULL;
    }
  if (system == WORKER)
    return pixbuf_decode_in_worker (proxy, fd, error);
  stream = g_unix_input_stream_new (fd, FALSE);
  if (system == HERE)
    return pixbuf_decoder_decode_stream (stream, error);
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
  double *times[N_SYSTEMS];
  double medians[N_SYSTEMS];
  long faults[N_SYSTEMS] = { 0 };
  long worker_faults = 0;
  const char *worker_argv[] = { argv[0], "--worker", NULL };
  const char *child;
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

  for (int k = 0; k < N_SYSTEMS; k++)
    times[k] = g_new (double, reps);
  for (int r = -1; r < reps; r++)   /* -1: the warm-up */
    {
      GdkPixbuf *results[N_SYSTEMS] = { NULL };

      /* Taking turns, in an order that rotates, so that load hits all alike */
      for (int turn = 0; turn < N_SYSTEMS; turn++)
        {
          int k = (turn + r + N_SYSTEMS) % N_SYSTEMS;
          long f0 = bench_minor_faults ("self"), w0 = child ? bench_minor_faults (child) : 0;
          gint64 t0 = bench_now_ns ();

          results[k] = decode (k, proxy, fd, &error);
          if (results[k] == NULL)
            fail ("decoding", error);
          if (r < 0)
            continue;
          times[k][r] = (bench_now_ns () - t0) / 1e6;
          faults[k] += bench_minor_faults ("self") - f0;
          if (k == WORKER)
            worker_faults += child ? bench_minor_faults (child) - w0 : 0;
        }
      for (int k = 1; k < N_SYSTEMS; k++)
        check_same (results[0], results[k]);
      for (int k = 0; k < N_SYSTEMS; k++)
        g_object_unref (results[k]);
    }

  size = g_format_size ((guint64) width * height * 3);
  for (int k = 0; k < N_SYSTEMS; k++)
    medians[k] = bench_median (times[k], reps);
  printf ("pipeproxy %s, decoding a %dx%d %s (%s pixels) with GdkPixbuf: median of %d "
          "repetitions after a warm-up\n\n", PP_VERSION_S, width, height, format,
          size, reps);
  printf ("%-34s %10s  %-22s  %s\n", "system", "ms/decode", "faults/decode", "x in-process");
  printf ("%-34s %10.1f  %-22ld  %.2f\n", "in-process, new_from_stream()",
          medians[PLAIN], faults[PLAIN] / reps, medians[PLAIN] / medians[HERE]);
  printf ("%-34s %10.1f  %-22ld  %.2f\n", "in-process, the worker's decoder",
          medians[HERE], faults[HERE] / reps, 1.0);
  printf ("%-34s %10.1f  parent %ld, worker %-6ld  %.2f  target <= 1.15x %s "
          "(%.2fx new_from_stream() here)\n",
          "worker (pipeproxy)", medians[WORKER], faults[WORKER] / reps, worker_faults / reps,
          medians[WORKER] / medians[HERE], medians[WORKER] / medians[HERE] <= 1.15 ? "PASS" : "MISS",
          medians[WORKER] / medians[PLAIN]);
  printf ("\nx in-process: against the same decoding code run here (pixbuf-decoder.c: a\n"
          "GdkPixbufLoader whose pixels are advised into huge pages); the first row is\n"
          "gdk_pixbuf_new_from_stream(), the decoding without that advice.\n");
  for (int k = 0; k < N_SYSTEMS; k++)
    g_free (times[k]);

  pp_proxy_close (proxy);
  close (fd);
  return EXIT_SUCCESS;
}
