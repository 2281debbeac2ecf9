/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A GMenuModel in another process (tests/pp-test-server's sectioned
 * menu) shown where a GMenuModel is expected: GMenuModel is a class, so
 * its proxy is not one; the route docs/interfaces.md recommends copies it
 * into a local GMenu through its methods, links and all, and copies it
 * again on its items-changed. */

#include <string.h>

#include "pp-test-util.h"

static GMenuModel *copy_menu (PpProxy *remote);

static GVariant *
unwrap (GVariant *value)
{
  GVariant *inner;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
    return value;
  inner = g_variant_get_maybe (value);
  g_variant_unref (value);
  return inner;
}

/* The remote iterator's pairs: name → value (a GVariant) or object */
static void
copy_pairs (PpProxy   *iter,
            GMenuItem *item,
            gboolean   links)
{
  for (;;)
    {
      g_autoptr(GPtrArray) objects = NULL;
      g_autoptr(GVariant) next = pp_test_call_full (iter, "get_next", NULL, NULL, &objects);
      g_autoptr(GVariant) name = unwrap (g_variant_get_child_value (next, 1));
      g_autoptr(GVariant) value = unwrap (g_variant_get_child_value (next, 2));
      gboolean more;

      g_variant_get_child (next, 0, "b", &more);
      if (!more)
        break;
      if (!links)
        {
          g_autoptr(GVariant) plain = g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT)
                                      ? g_variant_get_variant (value) : g_variant_ref (value);

          g_menu_item_set_attribute_value (item, g_variant_get_string (name, NULL), plain);
        }
      else
        {
          g_autoptr(GMenuModel) linked = copy_menu (g_ptr_array_index (objects, 0));

          g_menu_item_set_link (item, g_variant_get_string (name, NULL), linked);
        }
    }
}

/* A local copy of the remote menu @remote, its linked menus copied too */
static GMenuModel *
copy_menu (PpProxy *remote)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GVariant) result = pp_test_call (remote, "get_n_items", NULL);
  int n_items;

  g_variant_get (result, "(i)", &n_items);
  for (int i = 0; i < n_items; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (NULL, NULL);
      const char *iterators[] = { "iterate_item_attributes", "iterate_item_links" };

      for (guint k = 0; k < G_N_ELEMENTS (iterators); k++)
        {
          g_autoptr(GPtrArray) objects = NULL;
          g_autoptr(GVariant) iterated = pp_test_call_full (remote, iterators[k],
                                                          g_variant_new ("(i)", i), NULL,
                                                          &objects);

          copy_pairs (g_ptr_array_index (objects, 0), item, k == 1);
        }
      g_menu_append_item (menu, item);
    }
  return G_MENU_MODEL (menu);
}

static char *
label_of (GMenuModel *menu,
          int         i)
{
  char *label = NULL;

  g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label));
  return label;
}

static void
on_changed (PpProxy *remote,
            int      position,
            int      removed,
            int      added,
            guint   *changes)
{
  (*changes)++;
}

static void
test_copy (PpTestFixture *f,
           gconstpointer  data)
{
  g_autoptr(GMenuModel) menu = copy_menu (f->proxy);
  g_autoptr(GMenuModel) section = NULL;
  g_autoptr(GMenuModel) submenu = NULL;
  g_autofree char *label = NULL;
  g_autofree char *action = NULL;
  guint changes = 0;

  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 2);
  section = g_menu_model_get_item_link (menu, 0, G_MENU_LINK_SECTION);
  g_assert_cmpint (g_menu_model_get_n_items (section), ==, 2);
  label = label_of (section, 1);
  g_assert_cmpstr (label, ==, "Two");
  g_assert_true (g_menu_model_get_item_attribute (section, 1, G_MENU_ATTRIBUTE_ACTION, "s",
                                                  &action));
  g_assert_cmpstr (action, ==, "app.two");
  g_clear_pointer (&label, g_free);
  label = label_of (menu, 1);
  g_assert_cmpstr (label, ==, "More");
  submenu = g_menu_model_get_item_link (menu, 1, G_MENU_LINK_SUBMENU);
  g_clear_pointer (&label, g_free);
  label = label_of (submenu, 0);
  g_assert_cmpstr (label, ==, "Three");

  /* A change in the child: copied again on its items-changed */
  g_signal_connect (f->proxy, "items-changed", G_CALLBACK (on_changed), &changes);
  g_variant_unref (pp_test_call (f->proxy, "hook_menu_append", g_variant_new ("(s)", "Four")));
  while (changes == 0)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&menu);
  menu = copy_menu (f->proxy);
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 3);
  g_clear_pointer (&label, g_free);
  label = label_of (menu, 2);
  g_assert_cmpstr (label, ==, "Four");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Pp/MenuModel/copy", PpTestFixture, "sectioned-menu", pp_test_fixture_set_up,
              test_copy, pp_test_fixture_tear_down);

  return g_test_run ();
}
