/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* parameter: the C version of the pipe-proxy README example.
 *
 * The parent process owns an ExampleThing and serves it with a PpListener.
 * It spawns itself with --child, handing over the other end of the socket
 * pair as fd 3; the child makes a PpProxy of it, calls set_parameter (5)
 * and get_parameter (), and exits. The parent then checks that its own
 * object really holds 5, and exits 0 only if everything went right.
 *
 *   $ ./parameter
 */

#include <stdlib.h>
#include <string.h>

#include <pipeproxy/pipeproxy.h>

/* A tiny object with a parameter, like the Example class of the original. */

#define EXAMPLE_TYPE_THING (example_thing_get_type ())
G_DECLARE_FINAL_TYPE (ExampleThing, example_thing, EXAMPLE, THING, GObject)

struct _ExampleThing
{
  GObject parent_instance;
  int     parameter;
};

G_DEFINE_FINAL_TYPE (ExampleThing, example_thing, G_TYPE_OBJECT)

static void
example_thing_class_init (ExampleThingClass *klass)
{
}

static void
example_thing_init (ExampleThing *self)
{
}

static void
example_thing_set_parameter (ExampleThing *self,
                             int           parameter)
{
  g_print ("parent: setting parameter to: %d\n", parameter);
  self->parameter = parameter;
}

static int
example_thing_get_parameter (ExampleThing *self)
{
  g_print ("parent: getting parameter: %d\n", self->parameter);
  return self->parameter;
}

/* ExampleThing has no typelib, so its two methods are exported by hand.
 * They run in the parent, in the listener's main context; the arguments
 * have already been checked against the in-type. */

static GVariant *
set_parameter_method (GObject   *object,
                      GVariant  *parameters,
                      gpointer   user_data,
                      GError   **error)
{
  int parameter;

  g_variant_get (parameters, "(i)", &parameter);
  example_thing_set_parameter (EXAMPLE_THING (object), parameter);
  return g_variant_new ("()");
}

static GVariant *
get_parameter_method (GObject   *object,
                      GVariant  *parameters,
                      gpointer   user_data,
                      GError   **error)
{
  return g_variant_new ("(i)", example_thing_get_parameter (EXAMPLE_THING (object)));
}

/* The child: the proxy side. */

static int
run_child (void)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  int parameter;

  /* fd 3 is the socket the parent passed down. */
  stream = pp_stream_new_for_fd (3, &error);
  if (stream != NULL)
    proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);
  if (proxy == NULL)
    {
      g_printerr ("child: cannot reach the parent: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("child: got a proxy of a %s\n", pp_proxy_get_remote_type_name (proxy));

  result = pp_proxy_call_sync (proxy, "set_parameter", g_variant_new ("(i)", 5),
                               -1, NULL, &error);
  if (result == NULL)
    {
      g_printerr ("child: set_parameter failed: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_clear_pointer (&result, g_variant_unref);

  result = pp_proxy_call_sync (proxy, "get_parameter", NULL, -1, NULL, &error);
  if (result == NULL)
    {
      g_printerr ("child: get_parameter failed: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_variant_get (result, "(i)", &parameter);
  g_print ("child: get_parameter () returned %d\n", parameter);

  return parameter == 5 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The parent: the listener side. */

static int
run_parent (const char *self_path)
{
  g_autoptr(ExampleThing) thing = g_object_new (EXAMPLE_TYPE_THING, NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GIOStream) proxy_stream = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  int proxy_fd = -1;

  /* The proxy's end of the pair goes to the child as a plain descriptor */
  listener = pp_listener_new_pair (G_OBJECT (thing), &proxy_stream, &error);
  if (listener != NULL)
    proxy_fd = pp_stream_steal_fd (proxy_stream, &error);
  if (proxy_fd < 0)
    {
      g_printerr ("parent: %s\n", error->message);
      return EXIT_FAILURE;
    }
  pp_listener_add_method (listener, "set_parameter",
                          G_VARIANT_TYPE ("(i)"), G_VARIANT_TYPE_UNIT,
                          set_parameter_method, NULL, NULL);
  pp_listener_add_method (listener, "get_parameter",
                          G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE ("(i)"),
                          get_parameter_method, NULL, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_fd (launcher, proxy_fd, 3);
  child = g_subprocess_launcher_spawn (launcher, &error, self_path, "--child", NULL);
  /* Drop our copy of the child's end, so that its exit ends the connection. */
  g_clear_object (&launcher);
  if (child == NULL)
    {
      g_printerr ("parent: cannot start the child: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* Answer calls until the child goes away (listener.listen () in Python). */
  pp_listener_run (listener);

  if (!g_subprocess_wait_check (child, NULL, &error))
    {
      g_printerr ("parent: the child failed: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (thing->parameter != 5)
    {
      g_printerr ("parent: the object's parameter is %d, not 5\n", thing->parameter);
      return EXIT_FAILURE;
    }

  g_print ("parent: the child exited cleanly and the object's parameter is %d\n",
           thing->parameter);
  return EXIT_SUCCESS;
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 2 && strcmp (argv[1], "--child") == 0)
    return run_child ();
  if (argc != 1)
    {
      g_printerr ("Usage: %s\n", argv[0]);
      return EXIT_FAILURE;
    }
  return run_parent (argv[0]);
}
