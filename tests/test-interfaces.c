/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The proxy is the object: the interfaces of a remote object, implemented
 * by its proxy's type, used across a process boundary (tests/pp-test-server
 * in a child) through their own C API. */

#include <string.h>

#include "pp-test-util.h"

static void
assert_variant (GVariant *value,
                GVariant *expected)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (expected);

  g_assert_cmpvariant (value, owned);
}

static void
test_list_model (PpTestFixture *f,
                 gconstpointer  data)
{
  GListModel *model;
  g_autoptr(GObject) first = NULL;
  g_autoptr(GObject) again = NULL;
  g_autoptr(GObject) last = NULL;
  g_autofree char *name = NULL;

  g_assert_true (G_IS_LIST_MODEL (f->proxy));
  model = G_LIST_MODEL (f->proxy);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  g_assert_true (g_list_model_get_item_type (model) == G_TYPE_SIMPLE_ACTION);

  first = g_list_model_get_item (model, 0);
  g_assert_true (PP_IS_PROXY (first));
  g_object_get (first, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "a0");
  /* The same remote object is the same proxy */
  again = g_list_model_get_item (model, 0);
  g_assert_true (first == again);
  last = g_list_model_get_item (model, 2);
  g_assert_true (first != last);
  g_assert_null (g_list_model_get_item (model, 3));
}

static void
test_action_group (PpTestFixture *f,
                   gconstpointer  data)
{
  GActionGroup *group;
  g_auto(GStrv) actions = NULL;
  g_autoptr(GVariant) state = NULL;
  const GVariantType *parameter_type = NULL;
  gboolean enabled = FALSE;

  g_assert_true (G_IS_ACTION_GROUP (f->proxy));
  g_assert_true (G_IS_ACTION_MAP (f->proxy));
  group = G_ACTION_GROUP (f->proxy);

  actions = g_action_group_list_actions (group);
  g_assert_cmpstrv (actions, ((const char *[]) { "toggle", NULL }));
  g_assert_true (g_action_group_has_action (group, "toggle"));
  g_assert_false (g_action_group_has_action (group, "nothing"));
  g_assert_true (g_action_group_get_action_enabled (group, "toggle"));
  g_assert_true (g_variant_type_equal (g_action_group_get_action_parameter_type (group, "toggle"),
                                       G_VARIANT_TYPE_STRING));
  state = g_action_group_get_action_state (group, "toggle");
  assert_variant (state, g_variant_new_boolean (FALSE));
  g_clear_pointer (&state, g_variant_unref);

  g_assert_true (g_action_group_query_action (group, "toggle", &enabled, &parameter_type, NULL,
                                              NULL, &state));
  g_assert_true (enabled);
  g_assert_true (g_variant_type_equal (parameter_type, G_VARIANT_TYPE_STRING));
  assert_variant (state, g_variant_new_boolean (FALSE));
  g_clear_pointer (&state, g_variant_unref);

  g_action_group_change_action_state (group, "toggle", g_variant_new_boolean (TRUE));
  state = g_action_group_get_action_state (group, "toggle");
  assert_variant (state, g_variant_new_boolean (TRUE));
}

static void
on_state_changed (GActionGroup *group,
                  const char   *name,
                  GVariant     *state,
                  gpointer      user_data)
{
  GVariant **out = user_data;

  g_assert_cmpstr (name, ==, "toggle");
  g_clear_pointer (out, g_variant_unref);
  *out = g_variant_ref (state);
}

/* The action-* signals are the remote group's; activating and changing
 * the state go there */
static void
test_action_signals (PpTestFixture *f,
                     gconstpointer  data)
{
  GActionGroup *group = G_ACTION_GROUP (f->proxy);
  g_autoptr(GVariant) seen = NULL;
  g_autoptr(GVariant) state = NULL;
  gulong handler;

  handler = g_signal_connect (group, "action-state-changed",
                              G_CALLBACK (on_state_changed), &seen);
  /* Its parameter is a string: activating it with one reaches it */
  g_action_group_activate_action (group, "toggle", g_variant_new_string ("on"));
  g_action_group_change_action_state (group, "toggle", g_variant_new_boolean (TRUE));
  while (seen == NULL)
    g_main_context_iteration (NULL, TRUE);
  assert_variant (seen, g_variant_new_boolean (TRUE));
  state = g_action_group_get_action_state (group, "toggle");
  assert_variant (state, g_variant_new_boolean (TRUE));
  g_signal_handler_disconnect (group, handler);
}

static void
count_state_change (GActionGroup *group,
                    const char   *name,
                    GVariant     *state,
                    gpointer      user_data)
{
  guint *count = user_data;

  g_assert_cmpstr (name, ==, "toggle");
  (*count)++;
}

static void
count_enabled_change (GActionGroup *group,
                      const char   *name,
                      gboolean      enabled,
                      gpointer      user_data)
{
  guint *count = user_data;

  g_assert_cmpstr (name, ==, "toggle");
  g_assert_false (enabled);
  (*count)++;
}

/* A signal of GActionGroup is detailed with the action's name, on the
 * proxy too: the child's GIO emits it without a detail when nobody
 * there used the name as one, and handlers here get it all the same. */
static void
test_action_detailed_signals (PpTestFixture *f,
                              gconstpointer  data)
{
  GActionGroup *group = G_ACTION_GROUP (f->proxy);
  g_autoptr(GVariant) seen = NULL;
  GObject *toggle;
  g_autoptr(GVariant) reply = NULL;
  guint other = 0, state_changed = 0, enabled_changed = 0, any_enabled_changed = 0;
  gulong handlers[5];

  handlers[0] = g_signal_connect (group, "action-state-changed::toggle",
                                  G_CALLBACK (on_state_changed), &seen);
  handlers[1] = g_signal_connect (group, "action-state-changed::other",
                                  G_CALLBACK (count_state_change), &other);
  handlers[2] = g_signal_connect (group, "action-enabled-changed::toggle",
                                  G_CALLBACK (count_enabled_change), &enabled_changed);
  /* Without a detail, for waiting: a missing detail fails, not hangs */
  handlers[3] = g_signal_connect (group, "action-state-changed",
                                  G_CALLBACK (count_state_change), &state_changed);
  handlers[4] = g_signal_connect (group, "action-enabled-changed",
                                  G_CALLBACK (count_enabled_change), &any_enabled_changed);

  g_action_group_change_action_state (group, "toggle", g_variant_new_boolean (TRUE));
  while (state_changed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (seen);
  assert_variant (seen, g_variant_new_boolean (TRUE));

  /* The action itself (the proxy keeps it), disabled in the child: its
   * group says so */
  toggle = G_OBJECT (g_action_map_lookup_action (G_ACTION_MAP (group), "toggle"));
  g_assert_true (PP_IS_PROXY (toggle));
  reply = pp_test_call (PP_PROXY (toggle), "set_enabled", g_variant_new ("(b)", FALSE));
  while (any_enabled_changed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (g_action_group_get_action_enabled (group, "toggle"));

  g_assert_cmpuint (enabled_changed, ==, 1);
  g_assert_cmpuint (state_changed, ==, 1);
  g_assert_cmpuint (other, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_handler_disconnect (group, handlers[i]);
}

/* A group that can no longer ask its child has no actions, rather than a
 * NULL list its callers (GTK's action muxer) would walk */
static void
test_action_group_closed (PpTestFixture *f,
                          gconstpointer  data)
{
  GActionGroup *group = G_ACTION_GROUP (f->proxy);
  g_auto(GStrv) before = g_action_group_list_actions (group);
  g_auto(GStrv) after = NULL;

  g_assert_cmpstrv (before, ((const char *[]) { "toggle", NULL }));
  pp_proxy_close (f->proxy);
  after = g_action_group_list_actions (group);
  g_assert_nonnull (after);
  g_assert_cmpstrv (after, ((const char *[]) { NULL }));
  g_assert_false (g_action_group_has_action (group, "toggle"));
}

static void
count_removed (GActionGroup *group,
               const char   *name,
               gpointer      user_data)
{
  g_assert_cmpstr (name, ==, "toggle");
  (*(guint *) user_data)++;
}

/* The child goes away: the proxy removes the actions it had, so that a
 * GTK action muxer holding it forgets them (it cannot list them again) */
static void
test_action_group_peer_gone (PpTestFixture *f,
                             gconstpointer  data)
{
  GActionGroup *group = G_ACTION_GROUP (f->proxy);
  g_auto(GStrv) before = g_action_group_list_actions (group);
  guint removed = 0;

  g_assert_cmpstrv (before, ((const char *[]) { "toggle", NULL }));
  g_signal_connect (group, "action-removed", G_CALLBACK (count_removed), &removed);
  g_subprocess_force_exit (f->peer->process);
  while (!pp_proxy_is_closed (f->proxy))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (removed, ==, 1);
  g_assert_false (g_action_group_has_action (group, "toggle"));
}

/* GFile's asynchronous virtual functions take a callback: a proxy of a
 * GFile is not one, and the description says why */
static void
test_refused (PpTestFixture *f,
              gconstpointer  data)
{
  GVariant *description = pp_proxy_get_description (f->proxy);
  g_autoptr(GVariant) refused = NULL;
  g_autoptr(GVariant) interfaces = NULL;
  g_autofree const char **names = NULL;
  const char *reason = NULL;
  GVariantIter iter;
  const char *name, *why;

  g_assert_false (G_IS_FILE (f->proxy));
  g_assert_true (g_variant_lookup (description, "interfaces", "@as", &interfaces));
  names = g_variant_get_strv (interfaces, NULL);
  g_assert_true (g_strv_contains (names, "GFile"));
  g_assert_true (g_variant_lookup (description, "refused-interfaces", "@a(ss)", &refused));
  g_variant_iter_init (&iter, refused);
  while (g_variant_iter_next (&iter, "(&s&s)", &name, &why))
    if (g_str_equal (name, "GFile"))
      reason = why;
  g_assert_nonnull (reason);
  g_test_message ("GFile: %s", reason);
  g_assert_nonnull (strstr (reason, "virtual function"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Pp/Interfaces/list-model", PpTestFixture, "action-store",
              pp_test_fixture_set_up, test_list_model, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Interfaces/action-group", PpTestFixture, "action-group",
              pp_test_fixture_set_up, test_action_group, pp_test_fixture_tear_down);

  g_test_add ("/Pp/Interfaces/action-signals", PpTestFixture, "action-group",
              pp_test_fixture_set_up, test_action_signals, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Interfaces/action-detailed-signals", PpTestFixture, "action-group",
              pp_test_fixture_set_up, test_action_detailed_signals, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Interfaces/action-group-closed", PpTestFixture, "action-group",
              pp_test_fixture_set_up, test_action_group_closed, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Interfaces/action-group-peer-gone", PpTestFixture, "action-group",
              pp_test_fixture_set_up, test_action_group_peer_gone, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Interfaces/refused", PpTestFixture, "file",
              pp_test_fixture_set_up, test_refused, pp_test_fixture_tear_down);

  return g_test_run ();
}
