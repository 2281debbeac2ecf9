/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Serves one object to the process that spawned it, on an inherited socket
 * (fd 3) or pipe pair (fds 3 and 4), until the connection ends; then prints
 * why on stdout and exits 0. Used by the test suites as the far side of
 * every cross-process test. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib-unix.h>
#include <gio/gunixfdlist.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-test-object.h"
#include "pp-invocation-private.h"
#include "pp-listener-private.h"
#include "pp-mirror-private.h"

static guint finalized;

static void
count_finalized (gpointer  data,
                 GObject  *where_the_object_was)
{
  finalized++;
}

static GVariant *
concat_method (GObject   *object,
               GVariant  *parameters,
               gpointer   user_data,
               GError   **error)
{
  const char *a, *b;

  g_variant_get (parameters, "(&s&s)", &a, &b);
  if (*a == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "first string is empty");
      return NULL;
    }
  {
    GVariant *joined = g_variant_new_take_string (g_strconcat (a, b, NULL));
    return g_variant_new_tuple (&joined, 1);
  }
}

static guint hook_cancellations;

static GObject *
numbered_action (const char *prefix,
                 guint       i)
{
  g_autofree char *name = g_strdup_printf ("%s%u", prefix, i);

  return G_OBJECT (g_simple_action_new (name, NULL));
}

/* A store of @n actions "i0", "i1"… */
static GListStore *
numbered_store (guint n)
{
  GListStore *store = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr(GPtrArray) items = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, numbered_action ("i", i));
  g_list_store_splice (store, 0, 0, items->pdata, n);
  return store;
}

/* A list model's batch read that lies, by the block asked for (see
 * test-list-model): block 0 is true, 64 has one item too many, 128 names
 * an object that does not come with it, 192 has items past the count */
static void
lying_items (GObject      *object,
             GVariant     *parameters,
             PpInvocation *invocation,
             gpointer      user_data)
{
  GListModel *model = G_LIST_MODEL (object);
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_object_unref);
  GVariantBuilder paths;
  guint32 position, count, n_items = g_list_model_get_n_items (model);
  guint given;

  g_variant_get (parameters, "(uu)", &position, &count);
  given = position == 64 ? count + 1 : position == 128 ? 1 :
          position >= n_items ? 0 : MIN (count, n_items - position);
  if (position == 192)
    n_items = 100;
  g_variant_builder_init (&paths, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < given; i++)
    {
      g_autofree char *path = g_strdup_printf ("/%u", position == 128 ? 3 : i);

      g_ptr_array_add (objects, g_list_model_get_item (model, position + i));
      g_variant_builder_add (&paths, "o", path);
    }
  pp_invocation_return (invocation, g_variant_new ("(u@ao)", n_items,
                                                   g_variant_builder_end (&paths)),
                        NULL, objects, NULL);
}

static GVariant *
mistyped_items (GObject   *object,
                GVariant  *parameters,
                gpointer   user_data,
                GError   **error)
{
  return g_variant_new_parsed ("(@as [],)");
}

/* Proxies of the caller's objects the hooks keep, and the emissions of
 * their signals seen */
static GPtrArray *kept;
static guint signals_seen;

static void
count_signal (void)
{
  signals_seen++;
}

/* The object /0 of a hook's call: a proxy of the caller's */
static PpProxy *
passed_proxy (PpInvocation *invocation)
{
  GPtrArray *objects = pp_invocation_get_objects (invocation);

  if (objects == NULL || objects->len == 0 || !PP_IS_PROXY (g_ptr_array_index (objects, 0)))
    {
      pp_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                          "no proxy passed");
      return NULL;
    }
  return g_ptr_array_index (objects, 0);
}

static void
hook_wait_cancelled (GCancellable *cancellable,
                     PpInvocation *invocation)
{
  hook_cancellations++;
  pp_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped");
}

/* Real GIO types, whose properties test-checks and test-hostile-values
 * set: an object of the kind, made as an application would, with what it
 * needs around it; NULL for another kind */
static GObject *
gio_object (const char *kind)
{
  if (strcmp (kind, "menu-item") == 0)
    return G_OBJECT (g_menu_item_new ("Label", "app.one"));
  if (strcmp (kind, "property-action") == 0)
    {
      /* Follows the "enabled" property of an action of its own */
      g_autoptr(GSimpleAction) target = g_simple_action_new ("target", NULL);

      return G_OBJECT (g_property_action_new ("follow", target, "enabled"));
    }
  if (strcmp (kind, "notification") == 0)
    return G_OBJECT (g_notification_new ("Title"));
  if (strcmp (kind, "cancellable") == 0)
    return G_OBJECT (g_cancellable_new ());
  if (strcmp (kind, "application") == 0 || strcmp (kind, "registered-application") == 0)
    {
      GApplication *application = g_application_new ("org.pipeproxy.Test",
                                                      G_APPLICATION_NON_UNIQUE);

      /* A non-unique one needs no bus */
      if (kind[0] == 'r' && !g_application_register (application, NULL, NULL))
        g_error ("could not register the application");
      return G_OBJECT (application);
    }
  if (strcmp (kind, "mount-operation") == 0)
    return G_OBJECT (g_mount_operation_new ());
  if (strcmp (kind, "socket-client") == 0)
    return G_OBJECT (g_socket_client_new ());
  if (strcmp (kind, "socket") == 0)
    return G_OBJECT (g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_DEFAULT, NULL));
  if (strcmp (kind, "socket-service") == 0)
    return G_OBJECT (g_socket_service_new ());
  if (strcmp (kind, "proxy-resolver") == 0)
    return G_OBJECT (g_simple_proxy_resolver_new (NULL, NULL));
  if (strcmp (kind, "tls-password") == 0)
    return G_OBJECT (g_tls_password_new (G_TLS_PASSWORD_NONE, "a password"));
  if (strcmp (kind, "data-input-stream") == 0)
    {
      g_autoptr(GInputStream) base = g_memory_input_stream_new ();

      return G_OBJECT (g_data_input_stream_new (base));
    }
  if (strcmp (kind, "buffered-output-stream") == 0)
    {
      g_autoptr(GOutputStream) base = g_memory_output_stream_new_resizable ();

      return G_OBJECT (g_buffered_output_stream_new (base));
    }
  if (strcmp (kind, "dbus-object-skeleton") == 0)
    return G_OBJECT (g_dbus_object_skeleton_new ("/org/pipeproxy/Test"));
  if (strcmp (kind, "zlib-compressor") == 0)
    return G_OBJECT (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1));
  if (strcmp (kind, "charset-converter") == 0)
    return G_OBJECT (g_charset_converter_new ("UTF-8", "ISO-8859-1", NULL));
  return NULL;
}

static gboolean
handle_any (PpListener   *listener,
            const char   *method,
            GVariant     *parameters,
            PpInvocation *invocation,
            gpointer      user_data)
{
  if (!g_str_has_prefix (method, "hook_"))
    return FALSE;
  if (strcmp (method, "hook_wait_for_cancel") == 0)
    {
      /* Answered only when the caller gives up */
      g_cancellable_connect (pp_invocation_get_cancellable (invocation),
                             G_CALLBACK (hook_wait_cancelled),
                             g_object_ref (invocation), g_object_unref);
      return TRUE;
    }
  if (strcmp (method, "hook_call_back") == 0)
    {
      /* (osv) → (v): calls the caller's object back, synchronously */
      g_autoptr(GVariant) args = NULL;
      g_autoptr(GVariant) result = NULL;
      g_autoptr(GError) error = NULL;
      PpProxy *proxy = passed_proxy (invocation);
      const char *name;

      if (proxy == NULL)
        return TRUE;
      g_variant_get (parameters, "(&o&sv)", NULL, &name, &args);
      result = pp_proxy_call_sync (proxy, name, g_steal_pointer (&args), -1, NULL, &error);
      if (result == NULL)
        pp_invocation_return_gerror (invocation, error);
      else
        pp_invocation_return_value (invocation, g_variant_new ("(v)", result));
      return TRUE;
    }
  if (strcmp (method, "hook_connect") == 0)
    {
      /* (os) → (): counts the emissions of a signal of the caller's
       * object, keeping its proxy */
      PpProxy *proxy = passed_proxy (invocation);
      const char *name;

      if (proxy == NULL)
        return TRUE;
      g_variant_get (parameters, "(&o&s)", NULL, &name);
      if (kept == NULL)
        kept = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (kept, g_object_ref (proxy));
      g_signal_connect (proxy, name, G_CALLBACK (count_signal), NULL);
      /* Subscribed before the caller hears back */
      pp_mirror_sync_subscriptions (pp_mirror_get (proxy));
      pp_invocation_return_value (invocation, NULL);
      return TRUE;
    }
  if (strcmp (method, "hook_signals_seen") == 0)
    {
      pp_invocation_return_value (invocation, g_variant_new ("(u)", signals_seen));
      return TRUE;
    }
  if (strcmp (method, "hook_drop_kept") == 0)
    {
      g_clear_pointer (&kept, g_ptr_array_unref);
      pp_invocation_return_value (invocation, NULL);
      return TRUE;
    }
  if (strcmp (method, "hook_cancellations") == 0)
    {
      pp_invocation_return_value (invocation, g_variant_new ("(u)", hook_cancellations));
      return TRUE;
    }
  if (strcmp (method, "hook_fd_info") == 0)
    {
      /* (ah) → (a(tt)): device and inode of each descriptor received, so
       * the caller can tell they are the ones it sent */
      GUnixFDList *fds = pp_invocation_get_unix_fd_list (invocation);
      GVariantBuilder info;
      g_autoptr(GVariant) handles = g_variant_get_child_value (parameters, 0);
      GVariantIter iter;
      gint32 handle;

      g_variant_builder_init (&info, G_VARIANT_TYPE ("a(tt)"));
      g_variant_iter_init (&iter, handles);
      while (g_variant_iter_next (&iter, "h", &handle))
        {
          g_autoptr(GError) error = NULL;
          struct stat st;
          int fd = fds ? g_unix_fd_list_get (fds, handle, &error) : -1;

          if (fd < 0 || fstat (fd, &st) < 0)
            {
              g_variant_builder_clear (&info);
              pp_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_FAILED,
                                                  "no such descriptor");
              if (fd >= 0)
                close (fd);
              return TRUE;
            }
          close (fd);
          g_variant_builder_add (&info, "(tt)", (guint64) st.st_dev, (guint64) st.st_ino);
        }
      pp_invocation_return_value (invocation, g_variant_new ("(a(tt))", &info));
      return TRUE;
    }
  if (strcmp (method, "hook_make_fds") == 0)
    {
      /* (u) → (ah): that many pipes, each holding "pipe <i>" */
      g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
      GVariantBuilder handles;
      guint32 n;

      g_variant_get (parameters, "(u)", &n);
      g_variant_builder_init (&handles, G_VARIANT_TYPE ("ah"));
      for (guint i = 0; i < n; i++)
        {
          g_autofree char *text = g_strdup_printf ("pipe %u", i);
          int p[2];

          if (!g_unix_open_pipe (p, FD_CLOEXEC, NULL) ||
              write (p[1], text, strlen (text)) != (gssize) strlen (text))
            g_error ("pipe");
          close (p[1]);
          g_variant_builder_add (&handles, "h", g_unix_fd_list_append (fds, p[0], NULL));
          close (p[0]);
        }
      pp_invocation_return_value_with_unix_fd_list (invocation,
                                                    g_variant_new ("(ah)", &handles), fds);
      return TRUE;
    }
  if (strcmp (method, "hook_watch_item") == 0)
    {
      /* (u) → (): counts the finalization of the list's item @i */
      g_autoptr(GObject) item = NULL;
      guint32 i;

      g_variant_get (parameters, "(u)", &i);
      item = G_IS_LIST_MODEL (pp_listener_get_object (listener))
             ? g_list_model_get_item (G_LIST_MODEL (pp_listener_get_object (listener)), i) : NULL;
      if (item == NULL)
        {
          pp_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                              "no such item");
          return TRUE;
        }
      g_object_weak_ref (item, count_finalized, NULL);
      pp_invocation_return_value (invocation, NULL);
      return TRUE;
    }
  if (strcmp (method, "hook_splice") == 0)
    {
      /* (uuu) → (): removes @removed items at @position and adds @added
       * new ones there, named "n0", "n1"… in the order they are made */
      static guint made;
      g_autoptr(GPtrArray) additions = g_ptr_array_new_with_free_func (g_object_unref);
      guint32 position, removed, added;

      g_variant_get (parameters, "(uuu)", &position, &removed, &added);
      for (guint i = 0; i < added; i++)
        g_ptr_array_add (additions, numbered_action ("n", made++));
      g_list_store_splice (G_LIST_STORE (pp_listener_get_object (listener)), position, removed,
                           additions->pdata, added);
      pp_invocation_return_value (invocation, NULL);
      return TRUE;
    }
  if (strcmp (method, "hook_menu_append") == 0)
    {
      /* (s) → (): appends an item with that label to the menu */
      const char *label;

      g_variant_get (parameters, "(&s)", &label);
      g_menu_append (G_MENU (pp_listener_get_object (listener)), label, NULL);
      pp_invocation_return_value (invocation, NULL);
      return TRUE;
    }
  if (strcmp (method, "hook_finalized") == 0)
    {
      pp_invocation_return_value (invocation, g_variant_new ("(u)", finalized));
      return TRUE;
    }
  if (strcmp (method, "hook_exported") == 0)
    {
      /* How many objects the peer holds proxies of */
      pp_invocation_return_value (invocation,
                                  g_variant_new ("(u)", pp_listener_get_n_exported (listener)));
      return TRUE;
    }
  if (strcmp (method, "hook_fail") == 0)
    {
      /* A domain only this process knows */
      pp_invocation_return_error_literal (invocation,
                                          g_quark_from_static_string ("pp-server-only-error-quark"),
                                          42, "only the server knows this domain");
      return TRUE;
    }
  pp_invocation_return_value (invocation, g_variant_new ("(s@*)", method, parameters));
  return TRUE;
}

static void
on_closed (PpListener   *listener,
           const GError *error,
           gpointer      user_data)
{
  /* A TAP comment: where the output is not captured, it reaches the
   * test's own output */
  printf ("# closed: %s %d %s\n",
          error ? g_quark_to_string (error->domain) : "none",
          error ? error->code : 0,
          error ? error->message : "");
  fflush (stdout);
}

static GVariant *
matcher_to_variant (gconstpointer   boxed,
                    GError        **error)
{
  g_autofree char *text = g_file_attribute_matcher_to_string ((GFileAttributeMatcher *) boxed);

  return g_variant_new_string (text);
}

/* The peer's text: an empty one stands for no matcher, and is refused */
static gpointer
matcher_from_variant (GVariant  *value,
                      GError   **error)
{
  const char *text = g_variant_get_string (value, NULL);

  if (text[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "empty matcher");
      return NULL;
    }
  return g_file_attribute_matcher_new (text);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GObject) object = NULL;
  g_autoptr(GError) error = NULL;
  const char *kind = "test";
  gboolean pipes = FALSE;
  gint64 memfd_threshold = -1;
  gint64 max_objects = -1;
  gint64 start_after_msec = 0;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--pipes") == 0)
        pipes = TRUE;
      else if (g_str_has_prefix (argv[i], "--object="))
        kind = argv[i] + strlen ("--object=");
      else if (g_str_has_prefix (argv[i], "--memfd-threshold="))
        memfd_threshold = g_ascii_strtoll (argv[i] + strlen ("--memfd-threshold="), NULL, 10);
      else if (g_str_has_prefix (argv[i], "--max-objects="))
        max_objects = g_ascii_strtoll (argv[i] + strlen ("--max-objects="), NULL, 10);
      else if (g_str_has_prefix (argv[i], "--start-after-msec="))
        start_after_msec = g_ascii_strtoll (argv[i] + strlen ("--start-after-msec="), NULL, 10);
    }

  if (strcmp (kind, "test") == 0)
    object = G_OBJECT (pp_test_object_new ());
  else if (strcmp (kind, "menu") == 0)
    {
      GMenu *menu = g_menu_new ();

      g_menu_append (menu, "One", "app.one");
      g_menu_append (menu, "Two", "app.two");
      object = G_OBJECT (menu);
    }
  else if (strcmp (kind, "action") == 0)
    object = G_OBJECT (g_simple_action_new ("frobnicate", NULL));
  else if (strcmp (kind, "stateful-action") == 0)
    object = G_OBJECT (g_simple_action_new_stateful ("toggle", G_VARIANT_TYPE_STRING,
                                                     g_variant_new_boolean (FALSE)));
  else if (strcmp (kind, "action-group") == 0)
    {
      GSimpleActionGroup *group = g_simple_action_group_new ();
      g_autoptr(GSimpleAction) toggle = NULL;

      toggle = g_simple_action_new_stateful ("toggle", G_VARIANT_TYPE_STRING,
                                             g_variant_new_boolean (FALSE));
      g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (toggle));
      object = G_OBJECT (group);
    }
  else if (strcmp (kind, "list-store") == 0)
    object = G_OBJECT (g_list_store_new (G_TYPE_OBJECT));
  else if (strcmp (kind, "action-store") == 0 || strcmp (kind, "limited-action-store") == 0)
    {
      /* Objects to hand out: actions a0, a1 and a2 */
      GListStore *store = g_list_store_new (G_TYPE_SIMPLE_ACTION);

      for (guint i = 0; i < 3; i++)
        {
          g_autofree char *name = g_strdup_printf ("a%u", i);
          g_autoptr(GSimpleAction) action = g_simple_action_new (name, NULL);

          g_list_store_append (store, action);
        }
      object = G_OBJECT (store);
      /* The peer may hold one at a time */
      if (kind[0] == 'l')
        max_objects = 1;
    }
  else if (g_str_has_prefix (kind, "store-"))
    object = G_OBJECT (numbered_store (g_ascii_strtoull (kind + strlen ("store-"), NULL, 10)));
  else if (strcmp (kind, "lying-store") == 0 || strcmp (kind, "mistyped-store") == 0)
    object = G_OBJECT (numbered_store (300));
  else if (strcmp (kind, "sectioned-menu") == 0)
    {
      /* A menu whose item 0 is a section of two items, and item 1 a submenu */
      GMenu *menu = g_menu_new ();
      g_autoptr(GMenu) section = g_menu_new ();
      g_autoptr(GMenu) submenu = g_menu_new ();

      g_menu_append (section, "One", "app.one");
      g_menu_append (section, "Two", "app.two");
      g_menu_append (submenu, "Three", "app.three");
      g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
      g_menu_append_submenu (menu, "More", G_MENU_MODEL (submenu));
      object = G_OBJECT (menu);
    }
  else if (strcmp (kind, "file") == 0)
    object = G_OBJECT (g_file_new_for_path ("/"));  /* a GFile: see test-interfaces */
  else if (strcmp (kind, "settings") == 0)
    object = G_OBJECT (g_settings_new ("org.pipeproxy.Test"));  /* see test-checks */
  else if (strcmp (kind, "file-info") == 0)
    object = G_OBJECT (g_file_info_new ());
  else if (strcmp (kind, "file-info-matcher-form") == 0)
    {
      /* GFileAttributeMatcher crosses as its string (see test-boxed) */
      pp_boxed_register_value_form (G_TYPE_FILE_ATTRIBUTE_MATCHER, G_VARIANT_TYPE_STRING,
                                    matcher_to_variant, matcher_from_variant);
      object = G_OBJECT (g_file_info_new ());
    }
  else if ((object = gio_object (kind)) == NULL)
    {
      fprintf (stderr, "unknown object kind %s\n", kind);
      return 2;
    }

  stream = pipes ? pp_stream_new_for_fds (3, 4, &error) : pp_stream_new_for_fd (3, &error);
  if (stream == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  /* A listener that reads the HELLO late, as one on a loaded machine does */
  if (start_after_msec > 0)
    g_usleep (start_after_msec * 1000);
  listener = pp_listener_new (object, stream, &error);
  if (listener == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  if (memfd_threshold >= 0)
    pp_listener_set_memfd_threshold (listener, memfd_threshold);
  if (max_objects >= 0)
    pp_listener_set_max_objects (listener, max_objects);
  pp_listener_add_method (listener, "concat", G_VARIANT_TYPE ("(ss)"), G_VARIANT_TYPE ("(s)"),
                          concat_method, NULL, NULL);
  g_signal_connect (listener, "handle-method-call", G_CALLBACK (handle_any), NULL);
  /* Added methods come before the object's own */
  if (strcmp (kind, "lying-store") == 0)
    pp_listener_add_method_with_invocation (listener, "pp-list-model-items",
                                            G_VARIANT_TYPE ("(uu)"), G_VARIANT_TYPE ("(uao)"),
                                            lying_items, NULL, NULL);
  if (strcmp (kind, "mistyped-store") == 0)
    pp_listener_add_method (listener, "pp-list-model-items", G_VARIANT_TYPE ("(uu)"),
                            G_VARIANT_TYPE ("(as)"), mistyped_items, NULL, NULL);
  g_signal_connect (listener, "closed", G_CALLBACK (on_closed), NULL);

  pp_listener_run (listener);
  g_clear_pointer (&kept, g_ptr_array_unref);
  return 0;
}
