/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Error messages come out in the language of the environment. Run with
 * LC_ALL=C.UTF-8 and LANGUAGE=de (glibc ignores LANGUAGE under the C
 * locale, but not under C.UTF-8, which Debian 12's glibc 2.36 has built in,
 * so no locale has to be generated), against the German catalogue of the
 * build tree, which is bound here in place of the installed one. Both ends
 * run in this process: a listener serving a GSimpleAction, and a proxy. */

#include "config.h"

#include <locale.h>
#include <libintl.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-error-private.h"

typedef struct {
  GSimpleAction *action;
  PpListener *listener;
  PpProxy *proxy;
  GError *error;
  gboolean done;
} Fixture;

static void
new_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Fixture *f = user_data;

  f->proxy = pp_proxy_new_finish (result, &f->error);
  f->done = TRUE;
}

static void
call_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fixture *f = user_data;

  g_assert_null (pp_proxy_call_finish (PP_PROXY (source), result, &f->error));
  f->done = TRUE;
}

static void
wait_done (Fixture *f)
{
  while (!f->done)
    g_main_context_iteration (NULL, TRUE);
  f->done = FALSE;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  f->action = g_simple_action_new ("frobnicate", NULL);
  f->listener = pp_listener_new_pair (G_OBJECT (f->action), &stream, &error);
  g_assert_no_error (error);
  pp_proxy_new_async (stream, NULL, NULL, new_cb, f);
  wait_done (f);
  g_assert_no_error (f->error);
  g_assert_nonnull (f->proxy);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_error (&f->error);
  g_clear_object (&f->proxy);
  g_clear_object (&f->listener);
  g_clear_object (&f->action);
}

/* Refused by the proxy against the description, before anything is sent */
static void
test_proxy_message (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  result = pp_proxy_call_sync (f->proxy, "get_name", g_variant_new ("(i)", 5), -1, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_cmpstr (error->message, ==, "Methode „get_name“ erwartet (), (i) erhalten");
}

/* Made by the listener, and carried to the proxy as it is */
static void
test_listener_message (Fixture       *f,
                       gconstpointer  data)
{
  pp_proxy_call_async (f->proxy, "frobnicate_harder", NULL, -1, NULL, call_cb, f);
  wait_done (f);
  g_assert_error (f->error, PP_ERROR, PP_ERROR_UNKNOWN_METHOD);
  g_assert_cmpstr (f->error->message, ==,
                   "Objekt vom Typ GSimpleAction hat keine Methode „frobnicate_harder“");
}

/* Made by the connection, before anything is sent: both ends are in this
 * thread, which nothing else serves */
static void
test_connection_message (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  result = pp_proxy_call_sync (f->proxy, "get_name", NULL, -1, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_WOULD_DEADLOCK);
  g_assert_true (g_str_has_prefix (error->message,
                                   "Dieser synchrone Aufruf könnte nie beantwortet werden"));
}

int
main (int   argc,
      char *argv[])
{
  const char *podir = g_getenv ("PP_TEST_LOCALEDIR");

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  /* The library binds its domain to the installed catalogue once; bind it
   * again, afterwards, to the one built in the build tree */
  g_assert_nonnull (podir);
  pp_i18n_init ();
  bindtextdomain (GETTEXT_PACKAGE, podir);

  g_test_add ("/Pp/I18n/proxy-message", Fixture, NULL,
              fixture_set_up, test_proxy_message, fixture_tear_down);
  g_test_add ("/Pp/I18n/listener-message", Fixture, NULL,
              fixture_set_up, test_listener_message, fixture_tear_down);
  g_test_add ("/Pp/I18n/connection-message", Fixture, NULL,
              fixture_set_up, test_connection_message, fixture_tear_down);

  return g_test_run ();
}
