/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pipeproxy-host NAMESPACE VERSION TYPE [PROPERTY=VALUE…]
 *
 * Started by pp_proxy_new_for_type_sync(): makes an object of any type
 * named through GObject-Introspection and serves it to the parent, so that
 * no child code has to be written. A refusal (unknown type, bad property)
 * goes to the parent as the reason its proxy could not be made. */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "pp-error-private.h"
#include "pp-introspection-private.h"
#include "pp-subprocess.h"
#include "pp-wire-private.h"

static void
refuse (const GError *error)
{
  const char *value = g_getenv (PP_SUBPROCESS_FD_VARIABLE);
  g_autoptr(GBytes) frame = pp_wire_encode_error (0, error);
  gsize size;
  const guint8 *data = g_bytes_get_data (frame, &size);
  int fd = value ? atoi (value) : -1;

  g_printerr ("pipeproxy-host: %s\n", error->message);
  if (fd < 0)
    return;

  /* Read the parent's handshake first: a socket closed with unread data
   * makes the parent's side fail before it reads the refusal. */
  {
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    char buffer[4096];

    if (poll (&pfd, 1, 1000) > 0 && read (fd, buffer, sizeof buffer) < 0)
      {
        /* Nothing to read: the refusal is written all the same */
      }
  }

  if (write (fd, data, size) < 0)
    {
      /* The parent is gone: stderr said it all */
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GObject) object = NULL;
  g_autoptr(GError) error = NULL;

  /* Refusals and the usage in the language of the environment */
  setlocale (LC_ALL, "");
  pp_i18n_init ();

  if (argc < 4)
    {
      g_printerr ("%s\n", _("Usage: pipeproxy-host NAMESPACE VERSION TYPE [PROPERTY=VALUE…]"));
      return 2;
    }

  object = pp_introspection_new_object (argv[1], argv[2], argv[3],
                                        (const char * const *) argv + 4, &error);
  if (object == NULL)
    {
      refuse (error);
      return 2;
    }

  if (!pp_serve_parent (object, &error))
    {
      g_printerr ("pipeproxy-host: %s\n", error->message);
      return 1;
    }
  return 0;
}
