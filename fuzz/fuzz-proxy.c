/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A proxy fed a hostile handshake and replies. The input is what a
 * listener writes: its first frame (the WELCOME, normally) is written
 * before the proxy is made, the rest once the proxy exists and has sent a
 * few calls, a property write and a subscription, so that replies can
 * meet pending calls (the proxy's HELLO has serial 1, its calls 2, 3…).
 * The proxy must end its construction and every call exactly once, close,
 * and neither crash, nor reach a precondition (criticals are fatal), nor
 * hang, nor leak. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-fuzz.h"
#include "pp-wire-private.h"

static GMainContext *context;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  pp_fuzz_fatal_criticals ();
  context = g_main_context_new ();
  return 0;
}

typedef struct
{
  guint     done;
  PpProxy  *proxy;
  GVariant *result;
  GError   *error;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_object (&outcome->proxy);
  g_clear_pointer (&outcome->result, g_variant_unref);
  g_clear_error (&outcome->error);
}

static void
new_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->done++;
  outcome->proxy = pp_proxy_new_finish (result, &outcome->error);
  g_assert_true ((outcome->proxy == NULL) != (outcome->error == NULL));
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->done++;
  outcome->result = pp_proxy_call_finish (PP_PROXY (source), result, &outcome->error);
  g_assert_true ((outcome->result == NULL) != (outcome->error == NULL));
}

static void
set_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->done++;
  if (!pp_proxy_set_property_finish (PP_PROXY (source), result, &outcome->error))
    g_assert_nonnull (outcome->error);
}

static void
on_signal (void)
{
}

/* Reads what the description says, the way an application would */
static void
look_at (PpProxy *proxy)
{
  GListModel *lists[] = {
    pp_proxy_list_methods (proxy),
    pp_proxy_list_signals (proxy),
    pp_proxy_list_properties (proxy),
  };
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs;

  pp_proxy_get_description (proxy);
  pp_proxy_get_remote_type_name (proxy);
  pp_proxy_get_description_hash (proxy);
  for (gsize l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      for (guint i = 0; i < g_list_model_get_n_items (lists[l]); i++)
        g_object_unref (g_list_model_get_item (lists[l], i));
      g_object_unref (lists[l]);
    }

  /* The mirrored properties, read from the cache */
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (proxy), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    if ((pspecs[i]->flags & G_PARAM_READABLE) && pspecs[i]->owner_type != PP_TYPE_PROXY)
      {
        GValue value = G_VALUE_INIT;

        g_value_init (&value, pspecs[i]->value_type);
        g_object_get_property (G_OBJECT (proxy), pspecs[i]->name, &value);
        g_value_unset (&value);
      }
}

/* A list model is read with synchronous calls (see
 * pp-mirror-list-model.c): in a thread of its own, while this one writes
 * the input; they end when the connection does, at the latest */
static gpointer
read_list (gpointer data)
{
  GListModel *model = data;
  guint positions[] = { 0, 1, 2, 70 };
  guint n = g_list_model_get_n_items (model);

  for (gsize i = 0; i < G_N_ELEMENTS (positions); i++)
    if (positions[i] < n || i == G_N_ELEMENTS (positions) - 1)
      {
        GObject *item = g_list_model_get_item (model, positions[i]);

        if (item != NULL)
          g_object_unref (item);
      }
  g_object_unref (model);
  return NULL;
}

#define N_CALLS 3

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  Outcome made = { 0 };
  Outcome calls[N_CALLS] = { { 0 } };
  Outcome set = { 0 };
  gsize first = size, written = 0;
  gboolean shut = FALSE, calls_made = FALSE, stalled = FALSE;
  GThread *list_reader = NULL;
  guint idle_rounds = 0;
  int fds[2];

  /* The first frame, if its header says how long it is */
  if (size >= PP_WIRE_HEADER_SIZE)
    {
      guint32 body_size;

      memcpy (&body_size, data, sizeof body_size);
      first = MIN (size, pp_wire_frame_size (GUINT32_FROM_LE (body_size)));
    }

  g_main_context_push_thread_default (context);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), ==, 0);
  stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  pp_proxy_new_async (stream, NULL, NULL, new_done, &made);

  for (;;)
    {
      gboolean progress = FALSE;
      gsize limit = made.done || stalled ? size : first;

      /* Once made, a few calls whose replies the rest of the input may be */
      if (made.proxy != NULL && !calls_made)
        {
          calls_made = TRUE;
          look_at (made.proxy);
          pp_proxy_call_async (made.proxy, "concat", g_variant_new ("(ss)", "a", "b"), -1,
                               NULL, call_done, &calls[0]);
          pp_proxy_call_async (made.proxy, "get_state", NULL, -1, NULL, call_done, &calls[1]);
          pp_proxy_call_async (made.proxy, "activate", g_variant_new ("(mv)", NULL), -1,
                               NULL, call_done, &calls[2]);
          pp_proxy_set_property_async (made.proxy, "enabled", g_variant_new_boolean (FALSE),
                                       NULL, set_done, &set);
          if (g_signal_lookup ("activate", G_OBJECT_TYPE (made.proxy)) != 0)
            g_signal_connect (made.proxy, "activate", G_CALLBACK (on_signal), NULL);
          if (G_IS_LIST_MODEL (made.proxy))
            list_reader = g_thread_new ("fuzz-list-reader", read_list, g_object_ref (made.proxy));
          progress = TRUE;
        }

      if (written < limit)
        {
          gsize n = pp_fuzz_write_some (fds[1], data + written, limit - written);

          written += n;
          progress |= n > 0;
        }
      /* All written, and the calls made (or the proxy never made): the end */
      if (written == size && !shut && (made.done || stalled))
        {
          shutdown (fds[1], SHUT_WR);
          shut = TRUE;
          progress = TRUE;
        }
      progress |= pp_fuzz_iterate (context);
      progress |= pp_fuzz_drain (fds[1]);

      /* Every call ends once; done when the proxy failed or closed and
       * every call ended */
      g_assert_cmpuint (made.done, <=, 1);
      g_assert_cmpuint (set.done, <=, 1);
      for (guint i = 0; i < N_CALLS; i++)
        g_assert_cmpuint (calls[i].done, <=, 1);
      if (made.done && (made.proxy == NULL || pp_proxy_is_closed (made.proxy)))
        {
          gboolean ended = made.proxy == NULL || set.done == 1;

          for (guint i = 0; i < N_CALLS; i++)
            ended = ended && (made.proxy == NULL || calls[i].done == 1);
          if (ended)
            break;
        }

      if (progress)
        idle_rounds = 0;
      else if (!stalled && idle_rounds > 10)
        {
          /* The proxy waits for more than the first frame: give it the rest */
          stalled = TRUE;
          idle_rounds = 0;
        }
      else if (++idle_rounds > 2000)
        {
          fprintf (stderr, "The proxy neither ended nor did anything after the end of "
                           "its input (%zu bytes written of %zu)\n", written, size);
          abort ();
        }
      else
        g_usleep (100);
    }

  /* Closed: the reader's calls end */
  if (list_reader != NULL)
    g_thread_join (list_reader);
  /* Nothing completes twice, even while everything is released */
  g_clear_object (&made.proxy);
  pp_fuzz_iterate (context);
  g_assert_cmpuint (made.done, ==, 1);
  g_assert_cmpuint (set.done, <=, 1);
  for (guint i = 0; i < N_CALLS; i++)
    {
      g_assert_cmpuint (calls[i].done, <=, 1);
      outcome_clear (&calls[i]);
    }
  outcome_clear (&made);
  outcome_clear (&set);
  close (fds[1]);
  g_io_stream_close (stream, NULL, NULL);
  g_clear_object (&stream);
  pp_fuzz_iterate (context);
  g_main_context_pop_thread_default (context);
  return 0;
}

/* The WELCOME a real listener serving @object sends */
static GBytes *
real_welcome (GObject *object)
{
  g_autoptr(GMainContext) own = g_main_context_new ();
  g_autoptr(GIOStream) proxy_stream = NULL;
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) hello = pp_fuzz_hello (1);
  GByteArray *welcome = g_byte_array_new ();
  GSocket *socket;
  int fd;

  g_main_context_push_thread_default (own);
  listener = pp_listener_new_pair (object, &proxy_stream, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (proxy_stream));
  fd = g_socket_get_fd (socket);
  g_assert_cmpuint (pp_fuzz_write_some (fd, g_bytes_get_data (hello, NULL), g_bytes_get_size (hello)),
                    ==, g_bytes_get_size (hello));
  for (;;)
    {
      guint8 buffer[4096];
      gssize n;
      guint32 body_size;

      if (welcome->len >= PP_WIRE_HEADER_SIZE)
        {
          memcpy (&body_size, welcome->data, sizeof body_size);
          if (welcome->len >= pp_wire_frame_size (GUINT32_FROM_LE (body_size)))
            break;
        }
      n = recv (fd, buffer, sizeof buffer, MSG_DONTWAIT);

      if (n > 0)
        g_byte_array_append (welcome, buffer, n);
      else
        g_main_context_iteration (own, TRUE);
    }
  g_clear_object (&listener);
  g_main_context_pop_thread_default (own);
  return g_byte_array_free_to_bytes (welcome);
}

static GBytes *
frame (PpWireKind  kind,
       guint32     serial,
       const char *body)
{
  return pp_wire_encode (kind, 0, serial, 0, g_variant_new_parsed (body));
}

void
pp_fuzz_seeds (PpFuzzSeeds *seeds)
{
  g_autoptr(GObject) action = G_OBJECT (g_simple_action_new_stateful ("fuzz", G_VARIANT_TYPE_STRING,
                                                                     g_variant_new_int32 (0)));
  g_autoptr(GObject) menu = G_OBJECT (g_menu_new ());
  g_autoptr(GBytes) action_welcome = real_welcome (action);
  g_autoptr(GBytes) menu_welcome = real_welcome (menu);
  g_autoptr(GObject) store = G_OBJECT (g_list_store_new (G_TYPE_OBJECT));
  g_autoptr(GBytes) store_welcome = real_welcome (store);

  pp_fuzz_seed_add_frames (seeds, "action-replies", (GBytes *[]) {
    g_bytes_ref (action_welcome),
    pp_wire_encode_return (2, g_variant_new ("(s)", "ab"), NULL),
    pp_wire_encode_return (3, g_variant_new_parsed ("(@mv just <0>,)"), NULL),
    pp_wire_encode_return (4, g_variant_new ("()"), NULL),
    frame (PP_WIRE_KIND_PROPERTY, 0, "(uint32 0, 'enabled', @mv just <false>)"),
    pp_wire_encode_return (5, g_variant_new_parsed ("(@mv just <false>,)"), NULL),
    pp_wire_encode_signal (0, "activate", "", g_variant_new_parsed ("(@mv just <'x'>,)"), NULL),
    NULL });
  pp_fuzz_seed_add_frames (seeds, "action-errors", (GBytes *[]) {
    g_bytes_ref (action_welcome),
    frame (PP_WIRE_KIND_ERROR, 2, "('g-io-error-quark', 1, 'Not found')"),
    frame (PP_WIRE_KIND_ERROR, 3, "('no-such-domain', -5, '')"),
    pp_wire_encode_return (4, g_variant_new ("(i)", 5), NULL),
    pp_wire_encode_return (99, g_variant_new ("()"), NULL),
    NULL });
  pp_fuzz_seed_add_frames (seeds, "action-welcome-only", (GBytes *[]) {
    g_bytes_ref (action_welcome),
    NULL });
  pp_fuzz_seed_add_frames (seeds, "menu-signal", (GBytes *[]) {
    g_bytes_ref (menu_welcome),
    pp_wire_encode_signal (0, "items-changed", "", g_variant_new ("(iii)", 0, 1, 2), NULL),
    NULL });
  pp_fuzz_seed_add_frames (seeds, "hand-made-welcome", (GBytes *[]) {
    frame (PP_WIRE_KIND_WELCOME, 1,
           "('pipeproxy', uint32 2, {'type-name': <'Thing'>, 'type-chain': <['Thing', 'GObject']>, "
           "'methods': <[('concat', '(ss)', '(s)', false, 'added')]>, "
           "'signals': <[('activate', uint32 130, ['GVariant'], '(mv)', '')]>, "
           "'properties': <[('enabled', uint32 227, 'gboolean', 'b', '', @mv <true>)]>})"),
    pp_wire_encode_return (2, g_variant_new ("(s)", "ab"), NULL),
    NULL });
  /* Objects: a type, an object of it, a reply and a signal that refer to
   * it, its property change, and the acknowledgement of its release */
  pp_fuzz_seed_add_frames (seeds, "action-objects", (GBytes *[]) {
    g_bytes_ref (action_welcome),
    frame (PP_WIRE_KIND_TYPE, 0,
           "(uint32 1, {'type-name': <'Thing'>, 'type-chain': <['Thing', 'GObject']>, "
           "'methods': <[('get_name', '()', '(s)', false, 'introspected')]>, "
           "'signals': <[('activate', uint32 130, ['GVariant'], '(mv)', '')]>, "
           "'properties': <[('name', uint32 227, 'gchararray', 's', '', @mv <'x'>)]>})"),
    frame (PP_WIRE_KIND_INTRODUCE, 0, "[(uint32 5, uint32 1, {'name': <@mv <'y'>>})]"),
    pp_wire_encode_return (2, g_variant_new_parsed ("(@mo just '/0',)"),
                           g_variant_new_parsed ("[(true, uint32 5)]")),
    frame (PP_WIRE_KIND_PROPERTY, 0, "(uint32 5, 'name', @mv just <'z'>)"),
    pp_wire_encode_signal (5, "activate", "", g_variant_new_parsed ("(@mv nothing,)"), NULL),
    frame (PP_WIRE_KIND_RELEASED, 0, "[uint32 5]"),
    NULL });
  /* A handle never introduced, a type described twice, an object of a
   * type never described */
  pp_fuzz_seed_add_frames (seeds, "action-bad-objects", (GBytes *[]) {
    g_bytes_ref (action_welcome),
    frame (PP_WIRE_KIND_TYPE, 0, "(uint32 1, {'type-name': <'Thing'>})"),
    frame (PP_WIRE_KIND_TYPE, 0, "(uint32 1, {'type-name': <'Thing'>})"),
    frame (PP_WIRE_KIND_INTRODUCE, 0, "[(uint32 5, uint32 2, @a{sv} {})]"),
    pp_wire_encode_return (2, g_variant_new_parsed ("(@o '/0',)"),
                           g_variant_new_parsed ("[(true, uint32 6)]")),
    NULL });
  /* A list model read in batches (pp-list-model-items, serials 5 and 6
   * after the three calls a store does not have): the count and an
   * object, an items-changed, a batch of items past its own count */
  pp_fuzz_seed_add_frames (seeds, "list-model-items", (GBytes *[]) {
    g_bytes_ref (store_welcome),
    frame (PP_WIRE_KIND_ERROR, 2, "('g-io-error-quark', 1, 'Not found')"),
    frame (PP_WIRE_KIND_ERROR, 3, "('g-io-error-quark', 1, 'Not found')"),
    frame (PP_WIRE_KIND_ERROR, 4, "('g-io-error-quark', 1, 'Not found')"),
    frame (PP_WIRE_KIND_TYPE, 0,
           "(uint32 1, {'type-name': <'Thing'>, 'type-chain': <['Thing', 'GObject']>})"),
    frame (PP_WIRE_KIND_INTRODUCE, 0, "[(uint32 5, uint32 1, @a{sv} {})]"),
    pp_wire_encode_return (5, g_variant_new_parsed ("(uint32 100, [objectpath '/0', '/0'])"),
                           g_variant_new_parsed ("[(true, uint32 5)]")),
    pp_wire_encode_signal (0, "items-changed", "", g_variant_new ("(uuu)", 1, 1, 0), NULL),
    pp_wire_encode_return (6, g_variant_new_parsed ("(uint32 1, [objectpath '/0', '/0'])"),
                           g_variant_new_parsed ("[(true, uint32 5)]")),
    NULL });
  pp_fuzz_seed_add_frames (seeds, "wrong-magic", (GBytes *[]) {
    frame (PP_WIRE_KIND_WELCOME, 1, "('pipeprox', uint32 1, @a{sv} {})"),
    NULL });
  pp_fuzz_seed_add_frames (seeds, "return-before-welcome", (GBytes *[]) {
    pp_wire_encode_return (1, g_variant_new ("()"), NULL),
    NULL });
}
