/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The C proxy of the cross-language matrix:
 *
 *   matrix-proxy-c LISTENER-COMMAND...
 *
 * starts the listener command with pp_proxy_new_for_subprocess_sync(), runs
 * the scenario against the object it serves (see README.md here) and prints
 * TAP, one line per step; exits 1 if a step failed. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pipeproxy/pipeproxy.h>

#define WAIT_MSEC 3000

static int test_number = 0;
static int failures = 0;

static void
report (gboolean    ok,
        const char *name,
        const char *diagnostic)
{
  printf ("%s %d - %s\n", ok ? "ok" : "not ok", ++test_number, name);
  if (!ok && diagnostic != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (diagnostic, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        printf ("# %s\n", lines[i]);
    }
  fflush (stdout);
  if (!ok)
    failures++;
}

/* One step: a check that is TRUE, or FALSE with *why set. */
#define STEP(name, expr) G_STMT_START {                 \
    g_autofree char *why = NULL;                        \
    gboolean step_ok = (expr);                          \
    report (step_ok, (name), why);                      \
  } G_STMT_END

static gboolean
expired_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the default main context until *done or msec have passed. */
static gboolean
wait_until (const gboolean *done,
            guint           msec)
{
  gboolean expired = FALSE;
  guint source = g_timeout_add (msec, expired_cb, &expired);

  while (!*done && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (source);
  return *done;
}

static gboolean
check_remote_type (PpProxy  *proxy,
                   char    **why)
{
  const char *type_name = pp_proxy_get_remote_type_name (proxy);

  printf ("# the listener serves a %s\n", type_name);
  if (!g_str_has_prefix (type_name, "Matrix"))
    {
      *why = g_strdup_printf ("unexpected remote type %s", type_name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
call_ok (PpProxy     *proxy,
         const char  *method,
         GVariant    *parameters,
         GVariant   **out_result,
         char       **why)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = pp_proxy_call_sync (proxy, method, parameters, -1, NULL, &error);

  if (result == NULL)
    {
      *why = g_strdup_printf ("%s() failed: %s %d: %s", method,
                              g_quark_to_string (error->domain), error->code, error->message);
      return FALSE;
    }
  if (out_result != NULL)
    *out_result = result;
  else
    g_variant_unref (result);
  return TRUE;
}

static gboolean
check_get_parameter (PpProxy  *proxy,
                     int       expected,
                     char    **why)
{
  g_autoptr(GVariant) result = NULL;
  int value;

  if (!call_ok (proxy, "get_parameter", NULL, &result, why))
    return FALSE;
  if (!g_variant_is_of_type (result, G_VARIANT_TYPE ("(i)")))
    {
      *why = g_strdup_printf ("get_parameter() returned %s", g_variant_get_type_string (result));
      return FALSE;
    }
  g_variant_get (result, "(i)", &value);
  if (value != expected)
    {
      *why = g_strdup_printf ("get_parameter() returned %d, not %d", value, expected);
      return FALSE;
    }
  return TRUE;
}

static void
on_parameter_is_5 (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  gboolean *is_5 = user_data;
  int local = -1;

  g_object_get (object, "parameter", &local, NULL);
  *is_5 = local == 5;
}

static gboolean
check_set_get (PpProxy  *proxy,
               char    **why)
{
  gboolean is_5 = FALSE;
  gulong id;
  int local = -1;

  if (!call_ok (proxy, "set_parameter", g_variant_new ("(i)", 5), NULL, why) ||
      !check_get_parameter (proxy, 5, why))
    return FALSE;

  /* The PROPERTY frame came before the replies: when pp_proxy_call_sync()
   * returns the cache holds 5; the notify for it follows in the main
   * context, which is run here so it is not taken for the next step's. */
  g_object_get (proxy, "parameter", &local, NULL);
  if (local != 5)
    {
      *why = g_strdup_printf ("the proxy's parameter property reads %d, not 5", local);
      return FALSE;
    }
  id = g_signal_connect (proxy, "notify::parameter", G_CALLBACK (on_parameter_is_5), &is_5);
  wait_until (&is_5, WAIT_MSEC);
  g_signal_handler_disconnect (proxy, id);
  return TRUE;
}

static gboolean
check_fail (PpProxy  *proxy,
            char    **why)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  result = pp_proxy_call_sync (proxy, "fail", NULL, -1, NULL, &error);
  if (result != NULL)
    {
      *why = g_strdup ("fail() succeeded");
      return FALSE;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_strcmp0 (error->message, "nothing here") != 0)
    {
      *why = g_strdup_printf ("expected g-io-error-quark %d “nothing here”, got %s %d “%s”",
                              G_IO_ERROR_NOT_FOUND, g_quark_to_string (error->domain),
                              error->code, error->message);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  int       changed_value;
  guint     n_changed;
  int       notify_value;
  guint     n_notify;
  gboolean  returned;
  GError   *error;
  gboolean  done;
} SignalState;

static void
update_done (SignalState *state)
{
  state->done = state->returned && state->n_changed > 0 && state->n_notify > 0;
}

static void
on_changed (PpProxy  *proxy,
            int       value,
            gpointer  user_data)
{
  SignalState *state = user_data;

  state->changed_value = value;
  state->n_changed++;
  update_done (state);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  SignalState *state = user_data;

  g_object_get (object, "parameter", &state->notify_value, NULL);
  state->n_notify++;
  update_done (state);
}

static void
set_returned (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  SignalState *state = user_data;
  g_autoptr(GVariant) result = pp_proxy_call_finish (PP_PROXY (source), res, &state->error);

  state->returned = TRUE;
  update_done (state);
}

static gboolean
check_signals (PpProxy  *proxy,
               char    **why)
{
  SignalState state = { .changed_value = -1, .notify_value = -1 };
  gulong changed_id, notify_id;
  int local = -1;

  changed_id = g_signal_connect (proxy, "changed", G_CALLBACK (on_changed), &state);
  notify_id = g_signal_connect (proxy, "notify::parameter", G_CALLBACK (on_notify), &state);
  pp_proxy_call_async (proxy, "set_parameter", g_variant_new ("(i)", 7), -1, NULL,
                       set_returned, &state);
  wait_until (&state.done, WAIT_MSEC);
  g_signal_handler_disconnect (proxy, changed_id);
  g_signal_handler_disconnect (proxy, notify_id);
  g_object_get (proxy, "parameter", &local, NULL);

  if (state.error != NULL)
    {
      *why = g_strdup_printf ("set_parameter(7) failed: %s", state.error->message);
      g_clear_error (&state.error);
      return FALSE;
    }
  if (!state.done || state.n_changed != 1 || state.changed_value != 7 ||
      state.n_notify != 1 || state.notify_value != 7 || local != 7)
    {
      *why = g_strdup_printf ("after %d ms: returned %d, “changed” %u time(s) (last with %d), "
                              "“notify::parameter” %u time(s) (last with the property at %d), "
                              "the property reads %d",
                              WAIT_MSEC, state.returned, state.n_changed, state.changed_value,
                              state.n_notify, state.notify_value, local);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_timeout (PpProxy  *proxy,
               char    **why)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed_msec;

  result = pp_proxy_call_sync (proxy, "slow", g_variant_new ("(u)", 2000), 100, NULL, &error);
  elapsed_msec = (g_get_monotonic_time () - start) / 1000;
  if (result != NULL)
    {
      *why = g_strdup_printf ("slow(2000) returned after %" G_GINT64_FORMAT " ms", elapsed_msec);
      return FALSE;
    }
  if (!g_error_matches (error, PP_ERROR, PP_ERROR_TIMED_OUT))
    {
      *why = g_strdup_printf ("expected PP_ERROR_TIMED_OUT, got %s %d: %s",
                              g_quark_to_string (error->domain), error->code, error->message);
      return FALSE;
    }
  if (elapsed_msec < 90 || elapsed_msec > 1500)
    {
      *why = g_strdup_printf ("timed out after %" G_GINT64_FORMAT " ms, not about 100",
                              elapsed_msec);
      return FALSE;
    }
  return TRUE;
}

static void
wait_done (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *done = TRUE;
}

static gboolean
check_close (PpProxy  *proxy,
             char    **why)
{
  GSubprocess *subprocess = pp_proxy_get_subprocess (proxy);
  gboolean done = FALSE;

  if (subprocess == NULL)
    {
      *why = g_strdup ("the proxy has no subprocess");
      return FALSE;
    }
  g_object_ref (subprocess);
  pp_proxy_close (proxy);
  g_subprocess_wait_async (subprocess, NULL, wait_done, &done);
  if (!wait_until (&done, WAIT_MSEC))
    {
      g_subprocess_force_exit (subprocess);
      *why = g_strdup_printf ("the listener still runs %d ms after the proxy was closed",
                              WAIT_MSEC);
    }
  else if (!g_subprocess_get_if_exited (subprocess))
    *why = g_strdup_printf ("the listener was killed by signal %d",
                            g_subprocess_get_term_sig (subprocess));
  else if (g_subprocess_get_exit_status (subprocess) != 0)
    *why = g_strdup_printf ("the listener exited with status %d",
                            g_subprocess_get_exit_status (subprocess));
  g_object_unref (subprocess);
  return *why == NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s LISTENER-COMMAND...\n", argv[0]);
      return 2;
    }

  printf ("1..7\n");
  fflush (stdout);

  proxy = pp_proxy_new_for_subprocess_sync (NULL, (const char * const *) argv + 1, NULL, NULL, &error);
  if (proxy == NULL)
    {
      printf ("Bail out! no proxy for %s: %s\n", argv[1], error->message);
      return 1;
    }

  STEP ("the proxy stands for the listener's object", check_remote_type (proxy, &why));
  STEP ("set_parameter(5), then get_parameter() == 5 and the property reads 5",
        check_set_get (proxy, &why));
  STEP ("fail() fails with g-io-error-quark NOT_FOUND “nothing here”",
        check_fail (proxy, &why));
  STEP ("async set_parameter(7): “changed” (7), “notify::parameter”, the property reads 7",
        check_signals (proxy, &why));
  STEP ("slow(2000) with a 100 ms time-out fails with PP_ERROR_TIMED_OUT",
        check_timeout (proxy, &why));
  STEP ("after the time-out, get_parameter() == 7", check_get_parameter (proxy, 7, &why));
  STEP ("closing the proxy ends the listener with status 0", check_close (proxy, &why));

  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
