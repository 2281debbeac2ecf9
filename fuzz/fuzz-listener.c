/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A listener fed from a socket. The first byte of the input picks the
 * object served (a stateful GSimpleAction with a method added by hand, or
 * a GMenu, both described through GObject-Introspection); the rest is
 * written into the other end of the socket as the proxy's frames, and the
 * listener's main context runs until the listener has closed, having
 * answered or refused them. The listener must neither crash, nor reach a
 * precondition (criticals are fatal, but see LLVMFuzzerInitialize()), nor
 * hang, nor leak. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-fuzz.h"
#include "pp-wire-private.h"

enum
{
  OBJECT_ACTION,
  OBJECT_MENU,
  N_OBJECTS
};

static GMainContext *context;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  pp_fuzz_fatal_criticals ();
  context = g_main_context_new ();
  return 0;
}

static GVariant *
concat (GObject   *object,
        GVariant  *parameters,
        gpointer   user_data,
        GError   **error)
{
  const char *a, *b;
  g_autofree char *both = NULL;

  g_variant_get (parameters, "(&s&s)", &a, &b);
  both = g_strconcat (a, b, NULL);
  return g_variant_new ("(s)", both);
}

static GObject *
make_object (guint        which,
             PpListener **out_listener,
             GIOStream   *stream,
             GError     **error)
{
  g_autoptr(GObject) object = NULL;

  if (which == OBJECT_MENU)
    {
      GMenu *menu = g_menu_new ();

      g_menu_append (menu, "One", "app.one");
      g_menu_append (menu, "Two", "app.two");
      object = G_OBJECT (menu);
    }
  else
    object = G_OBJECT (g_simple_action_new_stateful ("fuzz", G_VARIANT_TYPE_STRING,
                                                     g_variant_new_int32 (0)));

  *out_listener = pp_listener_new (object, stream, error);
  if (*out_listener != NULL && which == OBJECT_ACTION)
    pp_listener_add_method (*out_listener, "concat", G_VARIANT_TYPE ("(ss)"),
                            G_VARIANT_TYPE ("(s)"), concat, NULL, NULL);
  return g_steal_pointer (&object);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GObject) object = NULL;
  g_autoptr(GError) error = NULL;
  gsize written = 0;
  gboolean shut = FALSE;
  guint idle_rounds = 0;
  int fds[2];

  if (size < 1)
    return 0;

  g_main_context_push_thread_default (context);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), ==, 0);
  stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  object = make_object (data[0] % N_OBJECTS, &listener, stream, &error);
  g_assert_no_error (error);
  data++;
  size--;

  /* Feed it, read what it answers, until it closes: it must close, at
   * the latest when it reads the end of the stream */
  while (!pp_listener_is_closed (listener))
    {
      gboolean progress = FALSE;

      if (written < size)
        {
          gsize n = pp_fuzz_write_some (fds[1], data + written, size - written);

          written += n;
          progress |= n > 0;
        }
      if (written == size && !shut)
        {
          shutdown (fds[1], SHUT_WR);
          shut = TRUE;
          progress = TRUE;
        }
      progress |= pp_fuzz_iterate (context);
      progress |= pp_fuzz_drain (fds[1]);

      if (progress)
        idle_rounds = 0;
      else if (++idle_rounds > 1000)
        {
          fprintf (stderr, "The listener neither closed nor did anything after the end "
                           "of its input (%zu bytes written of %zu)\n", written, size);
          abort ();
        }
      else
        g_usleep (100);
    }

  g_clear_object (&listener);
  close (fds[1]);
  g_io_stream_close (stream, NULL, NULL);
  g_clear_object (&stream);
  pp_fuzz_iterate (context);
  g_main_context_pop_thread_default (context);
  return 0;
}

static void
add_frames (PpFuzzSeeds *seeds,
            const char  *name,
            guint8       object,
            GBytes     **frames)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();

  g_byte_array_append (all, &object, 1);
  for (GBytes **frame = frames; *frame != NULL; frame++)
    {
      gsize size;
      gconstpointer bytes = g_bytes_get_data (*frame, &size);

      g_byte_array_append (all, bytes, size);
      g_bytes_unref (*frame);
    }
  pp_fuzz_seed_add (seeds, name, all->data, all->len);
}

static GBytes *
call (guint32     serial,
      const char *method,
      const char *args)
{
  return pp_wire_encode_call (serial, 0, PP_WIRE_FLAGS_NONE, 0, method,
                              g_variant_new_parsed (args), NULL);
}

void
pp_fuzz_seeds (PpFuzzSeeds *seeds)
{
  add_frames (seeds, "action-calls", OBJECT_ACTION, (GBytes *[]) {
    pp_fuzz_hello (1),
    call (2, "activate", "(@mv just <'x'>,)"),
    call (3, "change_state", "(<5>,)"),
    call (4, "set_enabled", "(false,)"),
    call (5, "get_state", "()"),
    call (6, "concat", "('ab', 'cd')"),
    call (7, "set_state_hint", "(@mv nothing,)"),
    call (8, "no_such_method", "()"),
    NULL });
  add_frames (seeds, "action-properties", OBJECT_ACTION, (GBytes *[]) {
    pp_fuzz_hello (1),
    pp_wire_encode (PP_WIRE_KIND_SUBSCRIBE, 0, 0, 0, g_variant_new ("(us)", 0, "activate")),
    pp_wire_encode (PP_WIRE_KIND_SET_PROPERTY, 0, 2, 0,
                    g_variant_new_parsed ("(uint32 0, 'enabled', @mv just <false>)")),
    pp_wire_encode (PP_WIRE_KIND_SET_PROPERTY, 0, 3, 0,
                    g_variant_new_parsed ("(uint32 0, 'state', @mv just <<7>>)")),
    call (4, "activate", "(@mv just <'y'>,)"),
    pp_wire_encode (PP_WIRE_KIND_UNSUBSCRIBE, 0, 0, 0, g_variant_new ("(us)", 0, "activate")),
    NULL });
  /* The "state" property is set through g_simple_action_set_state(),
   * which asserts the state's type */
  add_frames (seeds, "action-state-property-wrong-type", OBJECT_ACTION, (GBytes *[]) {
    pp_fuzz_hello (1),
    pp_wire_encode (PP_WIRE_KIND_SET_PROPERTY, 0, 2, 0,
                    g_variant_new_parsed ("(uint32 0, 'state', @mv just <<'on'>>)")),
    pp_wire_encode (PP_WIRE_KIND_SET_PROPERTY, 0, 3, 0,
                    g_variant_new_parsed ("(uint32 0, 'state', @mv nothing)")),
    pp_wire_encode (PP_WIRE_KIND_SET_PROPERTY, 0, 4, 0,
                    g_variant_new_parsed ("(uint32 0, 'state', @mv just <7>)")),
    call (5, "get_state", "()"),
    NULL });
  add_frames (seeds, "action-cancel", OBJECT_ACTION, (GBytes *[]) {
    pp_fuzz_hello (1),
    call (2, "concat", "('a', 'b')"),
    pp_wire_encode (PP_WIRE_KIND_CANCEL, 0, 2, 0, g_variant_new ("()")),
    pp_wire_encode (PP_WIRE_KIND_CANCEL, 0, 99, 0, g_variant_new ("()")),
    NULL });
  add_frames (seeds, "action-no-reply", OBJECT_ACTION, (GBytes *[]) {
    pp_fuzz_hello (1),
    pp_wire_encode_call (2, 0, PP_WIRE_FLAGS_NO_REPLY, 0, "concat",
                         g_variant_new ("(ss)", "a", "b"), NULL),
    pp_wire_encode_call (3, 1, PP_WIRE_FLAGS_NONE, 0, "concat",
                         g_variant_new ("(ss)", "a", "b"), NULL),
    NULL });
  add_frames (seeds, "action-wrong-args", OBJECT_ACTION, (GBytes *[]) {
    pp_fuzz_hello (1),
    call (2, "concat", "(1, 2)"),
    call (3, "set_enabled", "('yes',)"),
    call (4, "activate", "(1, 2, 3)"),
    NULL });
  add_frames (seeds, "menu-calls", OBJECT_MENU, (GBytes *[]) {
    pp_fuzz_hello (1),
    call (2, "append", "(@ms just 'Three', @ms just 'app.three')"),
    call (3, "insert", "(1, @ms just 'Four', @ms nothing)"),
    call (4, "get_n_items", "()"),
    call (5, "get_item_attribute_value", "(0, 'label', @ms nothing)"),
    call (6, "remove", "(0,)"),
    call (7, "freeze", "()"),
    NULL });
  add_frames (seeds, "menu-objects", OBJECT_MENU, (GBytes *[]) {
    pp_fuzz_hello (1),
    call (2, "get_item_link", "(0, 'section')"),
    /* The menu itself, as an object the proxy holds */
    pp_wire_encode_call (3, 0, PP_WIRE_FLAGS_OBJECTS, 0, "get_n_items", g_variant_new ("()"),
                         g_variant_new_parsed ("[(false, uint32 0)]")),
    pp_wire_encode (PP_WIRE_KIND_RELEASE, 0, 0, 0, g_variant_new_parsed ("[(uint32 1, uint32 1)]")),
    NULL });
  add_frames (seeds, "action-unknown-object", OBJECT_ACTION, (GBytes *[]) {
    pp_fuzz_hello (1),
    pp_wire_encode_call (2, 0, PP_WIRE_FLAGS_OBJECTS, 7, "get_name", g_variant_new ("()"),
                         g_variant_new_parsed ("[(true, uint32 3), (false, uint32 9)]")),
    pp_wire_encode (PP_WIRE_KIND_RELEASED, 0, 0, 0, g_variant_new_parsed ("[uint32 1]")),
    NULL });
  add_frames (seeds, "no-hello", OBJECT_MENU, (GBytes *[]) {
    call (1, "get_n_items", "()"),
    NULL });
  add_frames (seeds, "bad-hello", OBJECT_ACTION, (GBytes *[]) {
    pp_wire_encode (PP_WIRE_KIND_HELLO, 0, 1, 0,
                    g_variant_new_parsed ("(uint32 0, 'pipeproxy', uint32 99, @a{sv} {})")),
    NULL });
  add_frames (seeds, "second-hello", OBJECT_ACTION, (GBytes *[]) {
    pp_fuzz_hello (1),
    pp_fuzz_hello (2),
    NULL });
}
