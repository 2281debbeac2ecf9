/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The signal families of pp-bench: signals and property notifications
 * emitted by the server, checked one by one as the client receives them. */



#include "pp-bench.h"

typedef struct
{
  guint    received;
  gint32   first;
  gboolean replied;
} Stream;

static void
stream_step (Stream *s,
             gint64  value,
             gint64  expected,
             const char *what)
{
  CHECK (value == expected, "%s: got %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
         what, value, expected);
  s->received++;
}

static void
on_pp_tick (PpProxy *proxy,
            guint    n,
            Stream  *s)
{
  stream_step (s, n, s->received, "tick");
}

static void
on_pp_notify (GObject    *proxy,
              GParamSpec *pspec,
              Stream     *s)
{
  int v;

  g_object_get (proxy, "value", &v, NULL);
  /* A newer value takes the place of one not delivered yet: the values
   * seen only go up, and the last one is always seen */
  CHECK (v >= s->first + (gint64) s->received,
         "notify::value: got %d, expected at least %" G_GINT64_FORMAT, v,
         s->first + (gint64) s->received);
  s->received = v - s->first + 1;
}

static void
on_gdbus_signal (GDBusProxy *proxy,
                 const char *sender,
                 const char *signal_name,
                 GVariant   *parameters,
                 Stream     *s)
{
  guint32 n;

  CHECK (g_str_equal (signal_name, "Tick") &&
         g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(u)")), "unexpected signal %s",
         signal_name);
  g_variant_get (parameters, "(u)", &n);
  stream_step (s, n, s->received, "Tick");
}

static void
on_gdbus_properties_changed (GDBusProxy  *proxy,
                             GVariant    *changed,
                             const char **invalidated,
                             Stream      *s)
{
  gint32 v;

  CHECK (g_variant_lookup (changed, "Value", "i", &v), "PropertiesChanged without Value");
  stream_step (s, v, s->first + (gint64) s->received, "PropertiesChanged");
}

static void
stream_call_done_pp (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pp_proxy_call_finish (PP_PROXY (source), result, &error);
  Stream *s = user_data;

  CHECK_NO_ERROR (error, "emit_signals / set_value");
  CHECK (g_variant_is_of_type (reply, G_VARIANT_TYPE_UNIT), "emit_signals / set_value: reply %s",
         g_variant_get_type_string (reply));
  s->replied = TRUE;
}

static void
stream_call_done_gdbus (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source),
                                                             result, &error);
  Stream *s = user_data;

  CHECK_NO_ERROR (error, "Emit / SetProp");
  CHECK (g_variant_is_of_type (reply, G_VARIANT_TYPE_UNIT), "Emit / SetProp: reply %s",
         g_variant_get_type_string (reply));
  s->replied = TRUE;
}

/* Receives @total signals in batches of @batch. */
void
client_signals (Client *c,
                guint   total,
                guint   batch)
{
  Stream s = { 0 };
  gulong id = 0;

  if (c->kind == SYSTEM_RAW)
    {
      for (guint done = 0; done < total; done += batch)
        {
          guint n = MIN (batch, total - done);

          raw_queue (&c->reader, RAW_OP_EMIT, n, 0);
          for (guint i = 0; i < n; i++)
            {
              RawHeader h;

              reader_take (&c->reader, &h, sizeof h, FALSE);
              CHECK (h.op == RAW_OP_TICK && h.seq == i, "raw tick: got %" G_GUINT64_FORMAT
                     ", expected %u", h.seq, i);
            }
        }
      return;
    }

  if (c->kind == SYSTEM_PP)
    id = g_signal_connect (c->proxy, "tick", G_CALLBACK (on_pp_tick), &s);
  else
    id = g_signal_connect (c->dproxy, "g-signal", G_CALLBACK (on_gdbus_signal), &s);

  for (guint done = 0; done < total; done += batch)
    {
      guint n = MIN (batch, total - done);

      s.received = 0;
      s.replied = FALSE;
      if (c->kind == SYSTEM_PP)
        pp_proxy_call_async (c->proxy, "emit_signals", g_variant_new ("(u)", n), -1, NULL,
                             stream_call_done_pp, &s);
      else
        g_dbus_connection_call (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "Emit",
                                g_variant_new ("(u)", n), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                                NULL, stream_call_done_gdbus, &s);
      while (!s.replied || s.received < n)
        g_main_context_iteration (NULL, TRUE);
      CHECK (s.received == n, "received %u signals, %u were emitted", s.received, n);
    }

  g_signal_handler_disconnect (c->kind == SYSTEM_PP ? (gpointer) c->proxy : (gpointer) c->dproxy,
                               id);
}

/* Receives @total property changes in batches of @batch; values count up
 * from *@next_value. */
void
client_notify (Client *c,
               guint   total,
               guint   batch,
               gint32 *next_value)
{
  Stream s = { 0 };
  gulong id = 0;

  if (c->kind == SYSTEM_PP)
    id = g_signal_connect (c->proxy, "notify::value", G_CALLBACK (on_pp_notify), &s);
  else
    id = g_signal_connect (c->dproxy, "g-properties-changed",
                           G_CALLBACK (on_gdbus_properties_changed), &s);

  for (guint done = 0; done < total; done += batch)
    {
      guint n = MIN (batch, total - done);

      s.received = 0;
      s.replied = FALSE;
      s.first = *next_value;
      if (c->kind == SYSTEM_PP)
        pp_proxy_call_async (c->proxy, "set_value", g_variant_new ("(iu)", s.first, n), -1,
                             NULL, stream_call_done_pp, &s);
      else
        g_dbus_connection_call (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "SetProp",
                                g_variant_new ("(iu)", s.first, n), NULL,
                                G_DBUS_CALL_FLAGS_NONE, -1, NULL, stream_call_done_gdbus, &s);
      while (!s.replied || s.received < n)
        g_main_context_iteration (NULL, TRUE);
      CHECK (s.received == n, "received %u notifications, %u were made", s.received, n);
      *next_value += n;
    }

  g_signal_handler_disconnect (c->kind == SYSTEM_PP ? (gpointer) c->proxy : (gpointer) c->dproxy,
                               id);

  /* The local copy is the remote value. */
  if (c->kind == SYSTEM_PP)
    {
      int v;

      g_object_get (c->proxy, "value", &v, NULL);
      CHECK (v == *next_value - 1, "cached value %d, expected %d", v, *next_value - 1);
    }
  else
    {
      g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property (c->dproxy, "Value");

      CHECK (v != NULL && g_variant_get_int32 (v) == *next_value - 1, "cached Value is wrong");
    }
}
