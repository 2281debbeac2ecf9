/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The call families of pp-bench: sync calls, async calls with a number in
 * flight, and echoes of byte arrays. */

#include <string.h>

#include "pp-bench.h"

/* Operations ----------------------------------------------------------------------- */

static void
check_int_reply (GVariant   *reply,
                 gint32      expected,
                 const char *what)
{
  gint32 v;

  CHECK (g_variant_is_of_type (reply, G_VARIANT_TYPE ("(i)")),
         "%s: reply of type %s", what, g_variant_get_type_string (reply));
  g_variant_get (reply, "(i)", &v);
  CHECK (v == expected, "%s: sent %d, got %d", what, expected, v);
}

/* One synchronous i → i round trip. */
void
client_call_int (Client *c,
                 gint32  v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  switch (c->kind)
    {
    case SYSTEM_RAW:
      {
        RawHeader h = { RAW_OP_ECHO, 0, (guint64) (guint32) v };

        write_all (c->wfd, &h, sizeof h);
        reader_take (&c->reader, &h, sizeof h, FALSE);
        CHECK (h.op == RAW_OP_ECHO && h.len == 0 && h.seq == (guint64) (guint32) v,
               "raw echo: sent %d, got op %u seq %" G_GUINT64_FORMAT, v, h.op, h.seq);
      }
      return;

    case SYSTEM_GDBUS:
      reply = g_dbus_connection_call_sync (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "Echo",
                                           g_variant_new ("(i)", v), G_VARIANT_TYPE ("(i)"),
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      CHECK_NO_ERROR (error, "Echo");
      break;

    case SYSTEM_PP:
      reply = pp_proxy_call_sync (c->proxy, "echo_int32", g_variant_new ("(i)", v),
                                  -1, NULL, &error);
      CHECK_NO_ERROR (error, "echo_int32");
      break;

    default:
      g_assert_not_reached ();
    }
  check_int_reply (reply, v, "echo");
}

/* Asynchronous calls, @depth in flight, from the main context. */
AsyncRun *current_run;

static void
async_completed (GVariant *reply,
                 GError   *error,
                 gint32    expected)
{
  AsyncRun *run = current_run;

  CHECK_NO_ERROR (error, "asynchronous call");
  check_int_reply (reply, expected, "asynchronous echo");
  run->sum += expected;
  run->completed++;
  async_issue (run);
}

static void
pp_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pp_proxy_call_finish (PP_PROXY (source), result, &error);

  async_completed (reply, error, GPOINTER_TO_INT (user_data));
}

static void
gdbus_async_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source),
                                                             result, &error);

  async_completed (reply, error, GPOINTER_TO_INT (user_data));
}

void
async_issue (AsyncRun *run)
{
  Client *c = run->client;

  while (run->issued < run->total && run->issued - run->completed < run->depth)
    {
      gint32 v = run->base + (gint32) run->issued++;

      if (c->kind == SYSTEM_PP)
        pp_proxy_call_async (c->proxy, run->hold ? "hold_echo" : "echo_int32",
                             g_variant_new ("(i)", v), -1, NULL, pp_async_done,
                             GINT_TO_POINTER (v));
      else
        g_dbus_connection_call (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE,
                                run->hold ? "Hold" : "Echo", g_variant_new ("(i)", v),
                                G_VARIANT_TYPE ("(i)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                gdbus_async_done, GINT_TO_POINTER (v));
    }
}

void
async_wait (AsyncRun *run)
{
  gint64 expected_sum;

  while (run->completed < run->total)
    g_main_context_iteration (NULL, TRUE);
  expected_sum = (gint64) run->total * run->base + (gint64) run->total * (run->total - 1) / 2;
  CHECK (run->sum == expected_sum, "asynchronous calls: sum %" G_GINT64_FORMAT
         ", expected %" G_GINT64_FORMAT, run->sum, expected_sum);
  current_run = NULL;
}

static void
raw_async (Client *c,
           guint   total,
           guint   depth,
           gint32  base)
{
  Reader *r = &c->reader;
  guint issued = 0, completed = 0;
  gint64 sum = 0;

  while (issued < total && issued < depth)
    raw_queue (r, RAW_OP_ECHO, 0, (guint32) (base + (gint32) issued++));
  while (completed < total)
    {
      RawHeader h;

      reader_take (r, &h, sizeof h, FALSE);   /* sends what is queued first */
      CHECK (h.op == RAW_OP_ECHO && h.seq == (guint32) (base + (gint32) completed),
             "raw pipelined echo: got seq %" G_GUINT64_FORMAT, h.seq);
      sum += (gint32) (guint32) h.seq;
      completed++;
      if (issued < total)
        raw_queue (r, RAW_OP_ECHO, 0, (guint32) (base + (gint32) issued++));
    }
  CHECK (sum == (gint64) total * base + (gint64) total * (total - 1) / 2, "raw: bad sum");
}

void
client_async (Client *c,
              guint   total,
              guint   depth,
              gint32  base)
{
  AsyncRun run = { 0 };

  if (c->kind == SYSTEM_RAW)
    {
      raw_async (c, total, depth, base);
      return;
    }

  run.client = c;
  run.total = total;
  run.depth = depth;
  run.base = base;
  current_run = &run;
  async_issue (&run);
  async_wait (&run);
}

/* Echo of a byte array; returns the nanoseconds spent in the call itself
 * (building the argument included, checking the answer not). */
gint64
client_echo_bytes (Client       *c,
                   const guint8 *payload,
                   gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) echoed = NULL;
  const guint8 *data;
  gsize n = 0;
  gint64 t0, t1;

  if (c->kind == SYSTEM_RAW)
    {
      RawHeader h = { RAW_OP_ECHO, (guint32) size, size };
      struct iovec iov[2] = { { &h, sizeof h }, { (void *) payload, size } };

      if (c->recv_size < size)
        {
          g_free (c->recv_buf);
          c->recv_buf = g_malloc (size);
          c->recv_size = size;
        }
      t0 = bench_now_ns ();
      writev_all (c->wfd, iov, 2);
      reader_take (&c->reader, &h, sizeof h, FALSE);
      CHECK (h.op == RAW_OP_ECHO && h.len == size, "raw echo: bad header");
      reader_take (&c->reader, c->recv_buf, size, FALSE);
      t1 = bench_now_ns ();
      CHECK (memcmp (c->recv_buf, payload, size) == 0, "raw echo: payload differs");
      return t1 - t0;
    }

  t0 = bench_now_ns ();
  {
    g_autoptr(GBytes) bytes = g_bytes_new_static (payload, size);
    GVariant *arg = g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);

    if (c->kind == SYSTEM_PP)
      {
        reply = pp_proxy_call_sync (c->proxy, "echo_bytes", g_variant_new_tuple (&arg, 1),
                                    G_MAXINT, NULL, &error);
        CHECK_NO_ERROR (error, "echo_bytes");
      }
    else
      {
        reply = g_dbus_connection_call_sync (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "EchoBytes",
                                             g_variant_new_tuple (&arg, 1),
                                             G_VARIANT_TYPE ("(ay)"), G_DBUS_CALL_FLAGS_NONE,
                                             G_MAXINT, NULL, &error);
        CHECK_NO_ERROR (error, "EchoBytes");
      }
  }
  t1 = bench_now_ns ();

  CHECK (g_variant_is_of_type (reply, G_VARIANT_TYPE ("(ay)")), "echo: reply of type %s",
         g_variant_get_type_string (reply));
  echoed = g_variant_get_child_value (reply, 0);
  data = g_variant_get_fixed_array (echoed, &n, 1);
  CHECK (n == size, "echo: sent %" G_GSIZE_FORMAT " bytes, got %" G_GSIZE_FORMAT, size, n);
  CHECK (size == 0 || memcmp (data, payload, size) == 0, "echo: payload differs");
  return t1 - t0;
}

/* Signals and notifications: the server emits @n, the client checks each
 * one's sequence number as it is received. */
