/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* remote-menu: a GMenuModel that lives in a worker process, copied into a
 * local GMenu that stays up to date.
 *
 * GMenuModel is a class, not an interface, so a proxy of a GMenu is a
 * PpProxy and not a GMenuModel: gtk_popover_menu_new_from_model() or
 * gtk_application_set_menubar() cannot take it. The route that works is
 * the one this program shows: copy the remote menu into a local GMenu
 * through its methods, and copy it again when it changes.
 *
 * - get_n_items () gives the number of items;
 * - iterate_item_attributes (i) gives a proxy of the remote
 *   GMenuAttributeIter, whose get_next () gives each attribute's name
 *   and value ("label" → 'Open', "action" → 'app.open'…);
 * - iterate_item_links (i) gives a proxy of the remote GMenuLinkIter,
 *   whose get_next () gives each link's name ("section", "submenu") and a
 *   proxy of the linked menu, copied the same way;
 * - every remote menu met on the way, the linked ones too, is watched
 *   for items-changed; when one comes, the whole menu is copied again
 *   (menus are small and change rarely: an item with n attributes and
 *   links costs n + 4 calls, plus what its linked menus cost).
 *
 * A proxy of the same remote menu is the same proxy each time (identity
 * is kept), so each is watched once.
 *
 * The worker (this program run again with --worker) serves a "File" menu
 * with a section (Open, Save) and a "Recent" submenu, to which it adds a
 * file every 100 ms, three in all, as an application adds the files it
 * opened. The parent prints its local copy each time it changes, and
 * checks the last one. It exits 0 when the copy shows the three recent
 * files, 1 otherwise (the test example-remote-menu runs it).
 *
 *   $ ./remote-menu
 */

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <pipeproxy/pipeproxy.h>

#define N_RECENT 3

/* The worker ---------------------------------------------------------- */

static gboolean
add_recent (gpointer user_data)
{
  GMenu *recent = user_data;
  int n = g_menu_model_get_n_items (G_MENU_MODEL (recent));
  g_autofree char *label = g_strdup_printf ("notes-%d.txt", n + 1);
  g_autofree char *action = g_strdup_printf ("app.open-recent(%d)", n);

  g_menu_append (recent, label, action);
  return n + 1 < N_RECENT ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static int
run_worker (void)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();
  g_autoptr(GMenu) recent = g_menu_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  g_menu_append (section, "Open", "app.open");
  g_menu_append (section, "Save", "app.save");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_menu_append_submenu (menu, "Recent", G_MENU_MODEL (recent));

  listener = pp_listener_new_for_parent (G_OBJECT (menu), &error);
  if (listener == NULL)
    {
      g_printerr ("worker: %s (run me without --worker)\n", error->message);
      return EXIT_FAILURE;
    }
  /* The recent files come once the parent is there */
  g_timeout_add (100, add_recent, recent);
  pp_listener_run (listener);   /* until the parent closes its proxy */
  return EXIT_SUCCESS;
}

/* The copy ------------------------------------------------------------ */

typedef struct
{
  PpProxy    *remote;     /* the worker's menu */
  GMenu      *local;      /* its copy, which GTK can show */
  GHashTable *watched;    /* PpProxy of a remote menu → itself */
  guint       copies;
  gboolean    failed;
} MenuCopy;

static GMenuModel *copy_menu (MenuCopy *copy, PpProxy *remote, GError **error);

/* A value of an iterator's get_next () reply, which may be a maybe */
static GVariant *
reply_value (GVariant *reply,
             gsize     index)
{
  g_autoptr(GVariant) value = g_variant_get_child_value (reply, index);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
    return g_variant_get_maybe (value);
  return g_steal_pointer (&value);
}

/* Each name and value (or linked menu) of the remote iterator @iter, set
 * on @item */
static gboolean
copy_iterator (MenuCopy   *copy,
               PpProxy    *iter,
               GMenuItem  *item,
               gboolean    links,
               GError    **error)
{
  for (;;)
    {
      g_autoptr(GPtrArray) objects = NULL;
      g_autoptr(GVariant) next = pp_proxy_call_full_sync (iter, "get_next", NULL, NULL, NULL,
                                                          -1, NULL, &objects, NULL, error);
      g_autoptr(GVariant) name = NULL;
      g_autoptr(GVariant) value = NULL;
      gboolean more;

      if (next == NULL)
        return FALSE;
      g_variant_get_child (next, 0, "b", &more);
      if (!more)
        return TRUE;
      name = reply_value (next, 1);
      if (links)
        {
          /* The linked menu came as an object: a proxy */
          g_autoptr(GMenuModel) linked = copy_menu (copy, g_ptr_array_index (objects, 0), error);

          if (linked == NULL)
            return FALSE;
          g_menu_item_set_link (item, g_variant_get_string (name, NULL), linked);
        }
      else
        {
          value = reply_value (next, 2);
          if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
            {
              GVariant *inner = g_variant_get_variant (value);

              g_variant_unref (value);
              value = inner;
            }
          g_menu_item_set_attribute_value (item, g_variant_get_string (name, NULL), value);
        }
    }
}

/* The item @index of @remote: its attributes, then its links */
static GMenuItem *
copy_item (MenuCopy  *copy,
           PpProxy   *remote,
           int        index,
           GError   **error)
{
  const char *iterators[] = { "iterate_item_attributes", "iterate_item_links" };
  g_autoptr(GMenuItem) item = g_menu_item_new (NULL, NULL);

  for (guint k = 0; k < G_N_ELEMENTS (iterators); k++)
    {
      g_autoptr(GPtrArray) objects = NULL;
      g_autoptr(GVariant) reply = pp_proxy_call_full_sync (remote, iterators[k],
                                                           g_variant_new ("(i)", index),
                                                           NULL, NULL, -1, NULL, &objects,
                                                           NULL, error);

      if (reply == NULL || !copy_iterator (copy, g_ptr_array_index (objects, 0), item, k == 1,
                                           error))
        return NULL;
    }
  return g_steal_pointer (&item);
}

static void on_remote_changed (PpProxy *remote, int position, int removed, int added,
                               MenuCopy *copy);

/* A new local GMenu with what @remote holds now; @remote is watched */
static GMenuModel *
copy_menu (MenuCopy  *copy,
           PpProxy   *remote,
           GError   **error)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GVariant) reply = pp_proxy_call_sync (remote, "get_n_items", NULL, -1, NULL, error);
  int n_items;

  if (reply == NULL)
    return NULL;
  if (!g_hash_table_contains (copy->watched, remote))
    {
      g_hash_table_add (copy->watched, g_object_ref (remote));
      g_signal_connect (remote, "items-changed", G_CALLBACK (on_remote_changed), copy);
    }
  g_variant_get (reply, "(i)", &n_items);
  for (int i = 0; i < n_items; i++)
    {
      g_autoptr(GMenuItem) item = copy_item (copy, remote, i, error);

      if (item == NULL)
        return NULL;
      g_menu_append_item (menu, item);
    }
  return G_MENU_MODEL (g_steal_pointer (&menu));
}

static char *menu_text (GMenuModel *menu);

/* The local menu takes the new copy's items (whoever shows it, a
 * GtkPopoverMenu, follows its items-changed) */
static void
menu_copy_update (MenuCopy *copy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMenuModel) fresh = copy_menu (copy, copy->remote, &error);
  g_autofree char *text = NULL;

  if (fresh == NULL)
    {
      g_printerr ("cannot copy the worker's menu: %s\n", error->message);
      copy->failed = TRUE;
      return;
    }
  g_menu_remove_all (copy->local);
  for (int i = 0; i < g_menu_model_get_n_items (fresh); i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new_from_model (fresh, i);

      g_menu_append_item (copy->local, item);
    }
  copy->copies++;
  text = menu_text (G_MENU_MODEL (copy->local));
  g_print ("the copy, version %u:\n%s", copy->copies, text);
}

static void
on_remote_changed (PpProxy  *remote,
                   int       position,
                   int       removed,
                   int       added,
                   MenuCopy *copy)
{
  menu_copy_update (copy);
}

/* Printing the local copy --------------------------------------------- */

static void
print_menu (GMenuModel *menu,
            int         depth,
            GString    *out)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autofree char *action = NULL;
      g_autoptr(GMenuLinkIter) links = g_menu_model_iterate_item_links (menu, i);
      const char *link_name;
      GMenuModel *linked;

      g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
      g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action);
      if (label != NULL || action != NULL)
        g_string_append_printf (out, "%*s%s%s%s%s\n", depth * 2, "", label ? label : "",
                                action ? " (" : "", action ? action : "", action ? ")" : "");
      while (g_menu_link_iter_get_next (links, &link_name, &linked))
        {
          g_string_append_printf (out, "%*s[%s]\n", depth * 2 + 2, "", link_name);
          print_menu (linked, depth + 2, out);
          g_object_unref (linked);
        }
    }
}

static char *
menu_text (GMenuModel *menu)
{
  GString *out = g_string_new (NULL);

  print_menu (menu, 0, out);
  return g_string_free (out, FALSE);
}

/* The parent ---------------------------------------------------------- */

static gboolean
give_up (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static int
run_parent (const char *self)
{
  const char *argv[] = { self, "--worker", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMenuModel) recent = NULL;
  g_autofree char *text = NULL;
  MenuCopy copy = { NULL, };
  gboolean timed_out = FALSE;
  guint timeout_id;
  gboolean ok;

  copy.remote = pp_proxy_new_for_subprocess_sync (NULL, argv, NULL, NULL, &error);
  if (copy.remote == NULL)
    {
      g_printerr ("cannot start the worker: %s\n", error->message);
      return EXIT_FAILURE;
    }
  copy.local = g_menu_new ();
  copy.watched = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  menu_copy_update (&copy);

  /* The worker adds its recent files; each change is copied */
  timeout_id = g_timeout_add_seconds (20, give_up, &timed_out);
  while (!timed_out && !copy.failed &&
         (recent = g_menu_model_get_item_link (G_MENU_MODEL (copy.local), 1,
                                                G_MENU_LINK_SUBMENU)) != NULL &&
         g_menu_model_get_n_items (recent) < N_RECENT)
    {
      g_clear_object (&recent);
      g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (timeout_id);

  text = menu_text (G_MENU_MODEL (copy.local));
  ok = !copy.failed && g_str_equal (text, "  [section]\n"
                                          "    Open (app.open)\n"
                                          "    Save (app.save)\n"
                                          "Recent\n"
                                          "  [submenu]\n"
                                          "    notes-1.txt (app.open-recent)\n"
                                          "    notes-2.txt (app.open-recent)\n"
                                          "    notes-3.txt (app.open-recent)\n");
  g_print ("%u copies, %u remote menus watched: %s\n", copy.copies,
           g_hash_table_size (copy.watched),
           ok ? "the copy is the worker's menu" : "FAILED: the copy is not the worker's menu");

  g_hash_table_unref (copy.watched);
  pp_proxy_close (copy.remote);
  g_object_unref (copy.remote);
  g_object_unref (copy.local);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 2 && strcmp (argv[1], "--worker") == 0)
    return run_worker ();
  if (argc != 1)
    {
      g_printerr ("Usage: %s\n", argv[0]);
      return EXIT_FAILURE;
    }
  return run_parent (argv[0]);
}
