/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A C proxy for an object served by a Python listener (tests/python): it
 * gets its connection on fd 3, makes a few calls, prints what it saw on
 * stdout, one line each, and exits 0; 1 on an unexpected failure. */

#include <stdio.h>
#include <stdlib.h>

#include <pipeproxy/pipeproxy.h>

static int changed_value = -1;

static void
on_changed (PpProxy  *proxy,
            int       value,
            gpointer  user_data)
{
  changed_value = value;
}

static gboolean
time_out (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

static GVariant *
call (PpProxy    *proxy,
      const char *method,
      GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = pp_proxy_call_sync (proxy, method, parameters, -1, NULL, &error);

  if (result == NULL)
    {
      fprintf (stderr, "%s failed: %s\n", method, error->message);
      exit (1);
    }
  return result;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *domain = NULL;
  gboolean expired = FALSE;
  int a, b, code;
  guint source;

  stream = pp_stream_new_for_fd (3, &error);
  if (stream != NULL)
    proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);
  if (proxy == NULL)
    {
      fprintf (stderr, "no proxy: %s\n", error->message);
      return 1;
    }
  printf ("type %s\n", pp_proxy_get_remote_type_name (proxy));

  g_signal_connect (proxy, "changed", G_CALLBACK (on_changed), NULL);

  g_clear_pointer (&result, g_variant_unref);
  result = call (proxy, "set_parameter", g_variant_new ("(i)", 5));
  g_clear_pointer (&result, g_variant_unref);
  result = call (proxy, "get_parameter", NULL);
  g_variant_get (result, "(i)", &a);
  printf ("parameter %d\n", a);

  g_clear_pointer (&result, g_variant_unref);
  result = call (proxy, "divide", g_variant_new ("(ii)", 7, 2));
  g_variant_get (result, "(ii)", &a, &b);
  printf ("divide %d %d\n", a, b);

  g_clear_pointer (&result, g_variant_unref);
  result = pp_proxy_call_sync (proxy, "divide", g_variant_new ("(ii)", 7, 0), -1, NULL, &error);
  if (result != NULL)
    return 1;
  pp_error_get_remote (error, &domain, &code);
  printf ("error %s %d %s\n", domain, code, error->message);
  g_clear_error (&error);

  result = call (proxy, "add-numbers", g_variant_new ("(ii)", 2, 3));
  g_variant_get (result, "(i)", &a);
  printf ("add-numbers %d\n", a);

  g_clear_pointer (&result, g_variant_unref);
  result = call (proxy, "reverse",
                 g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                                    "abc", 3, 1)));
  {
    g_autoptr(GVariant) bytes = g_variant_get_child_value (result, 0);
    const char *data;
    gsize size;
    guint32 length;

    data = g_variant_get_fixed_array (bytes, &size, 1);
    g_variant_get_child (result, 1, "u", &length);
    printf ("reverse %.*s %u\n", (int) size, data, length);
  }

  /* The signal the first call caused follows when the main context runs */
  source = g_timeout_add (5000, time_out, &expired);
  while (changed_value < 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (source);
  printf ("changed %d\n", changed_value);

  g_object_get (proxy, "parameter", &a, NULL);
  printf ("property %d\n", a);
  printf ("done\n");
  return 0;
}
