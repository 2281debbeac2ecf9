/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A program built against the installed pipeproxy only (with
 * `pkg-config --cflags --libs pipeproxy-1.0` or meson's
 * dependency('pipeproxy-1.0')) by tests/install/test-install.py. It makes a
 * GSimpleAction in a child through the installed pipeproxy-host, calls it,
 * makes one call the proxy refuses (to show the message in the language
 * of the environment), and prints where its libpipeproxy and the
 * pipeproxy-host it ran came from.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <pipeproxy/pipeproxy.h>

static char *
loaded_from (const char *soname)
{
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL))
    return NULL;
  lines = g_strsplit (maps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *path = strchr (lines[i], '/');

      if (path != NULL && g_str_has_suffix (path, soname))
        return g_strdup (path);
    }
  return NULL;
}

int
main (void)
{
  const char *properties[] = { "name=frobnicate", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *library = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *host = NULL;
  const char *name = NULL;

  setlocale (LC_ALL, "");

  if (!PP_CHECK_VERSION (PP_MAJOR_VERSION, PP_MINOR_VERSION, PP_MICRO_VERSION))
    return 1;

  proxy = pp_proxy_new_for_type_sync ("Gio", "2.0", "SimpleAction", properties, NULL, NULL,
                                      &error);
  if (proxy == NULL)
    {
      g_printerr ("pp_proxy_new_for_type_sync: %s\n", error->message);
      return 1;
    }

  result = pp_proxy_call_sync (proxy, "get_name", NULL, -1, NULL, &error);
  if (result == NULL)
    {
      g_printerr ("get_name: %s\n", error->message);
      return 1;
    }
  g_variant_get (result, "(&s)", &name);
  g_print ("name=%s\n", name);
  g_clear_pointer (&result, g_variant_unref);

  /* Refused by the proxy before anything is sent: the message comes from
   * this process, translated through the installed catalogue */
  result = pp_proxy_call_sync (proxy, "get_name", g_variant_new ("(i)", 5), -1, NULL, &error);
  if (result != NULL || !g_error_matches (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS))
    {
      g_printerr ("get_name (5) did not fail with PP_ERROR_INVALID_ARGUMENTS\n");
      return 1;
    }
  g_print ("refused=%s\n", error->message);

  library = loaded_from ("/libpipeproxy-1.0.so.0.0.0");
  g_print ("library=%s\n", library ? library : "");
  exe = g_strdup_printf ("/proc/%s/exe",
                         g_subprocess_get_identifier (pp_proxy_get_subprocess (proxy)));
  host = g_file_read_link (exe, NULL);
  g_print ("host=%s\n", host ? host : "");
  g_print ("version=%s\n", PP_VERSION_S);
  return 0;
}
