/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The main of a fuzz target built without libFuzzer, as oss-fuzz projects
 * have one: runs the target's seeds and then every file named (every file
 * in a directory named) through LLVMFuzzerTestOneInput, once each, so that
 * a corpus is replayed by a plain test in any build. With --write-seeds
 * DIR it writes the seeds to DIR instead, one file each, which is how
 * fuzz/corpus/ is made. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pp-fuzz-private.h"

static guint n_run;

static void
run_one (const char *label,
         GBytes     *input)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (input, &size);
  /* A copy of exactly the input's size, so that reading past its end is
   * caught by the sanitizers and valgrind */
  g_autofree guint8 *copy = g_memdup2 (data, size);

  /* Said first, so that a crash is seen to be on this input */
  g_print ("%s (%zu bytes)\n", label, size);
  LLVMFuzzerTestOneInput (copy, size);
  n_run++;
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
run_path (const char *path)
{
  g_autoptr(GError) error = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      g_assert_no_error (error);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (names, g_build_filename (path, name, NULL));
      /* In the same order every time */
      g_ptr_array_sort (names, compare_paths);
      for (guint i = 0; i < names->len; i++)
        run_path (g_ptr_array_index (names, i));
    }
  else
    {
      g_autofree char *contents = NULL;
      g_autoptr(GBytes) input = NULL;
      gsize size;

      g_file_get_contents (path, &contents, &size, &error);
      g_assert_no_error (error);
      input = g_bytes_new_take (g_steal_pointer (&contents), size);
      run_one (path, input);
    }
}

static void
write_seeds (PpFuzzSeeds *seeds,
             const char  *dir)
{
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (guint i = 0; i < pp_fuzz_seeds_get_n (seeds); i++)
    {
      g_autofree char *path = g_build_filename (dir, pp_fuzz_seeds_get_name (seeds, i), NULL);
      g_autoptr(GError) error = NULL;
      gsize size;
      const char *data = g_bytes_get_data (pp_fuzz_seeds_get_contents (seeds, i), &size);

      g_file_set_contents (path, data, size, &error);
      g_assert_no_error (error);
    }
  g_print ("%u seeds written to %s\n", pp_fuzz_seeds_get_n (seeds), dir);
}

int
main (int   argc,
      char *argv[])
{
  PpFuzzSeeds *seeds = pp_fuzz_seeds_new ();
  g_autofree char *basename = g_path_get_basename (argv[0]);

  LLVMFuzzerInitialize (&argc, &argv);
  pp_fuzz_seeds (seeds);

  if (argc == 3 && g_str_equal (argv[1], "--write-seeds"))
    {
      write_seeds (seeds, argv[2]);
      pp_fuzz_seeds_free (seeds);
      return EXIT_SUCCESS;
    }
  if (argc > 1 && argv[1][0] == '-')
    {
      g_printerr ("Usage: %s [--write-seeds DIR] [FILE|DIR…]\n", basename);
      return EXIT_FAILURE;
    }

  for (guint i = 0; i < pp_fuzz_seeds_get_n (seeds); i++)
    {
      g_autofree char *label = g_strdup_printf ("seed %s", pp_fuzz_seeds_get_name (seeds, i));

      run_one (label, pp_fuzz_seeds_get_contents (seeds, i));
    }
  for (int i = 1; i < argc; i++)
    run_path (argv[i]);
  pp_fuzz_seeds_free (seeds);

  g_print ("%s: %u inputs replayed\n", basename, n_run);
  return EXIT_SUCCESS;
}
