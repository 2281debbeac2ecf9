/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-error-private.h"

/**
 * pp_error_quark:
 *
 * The quark of the %PP_ERROR error domain.
 *
 * Returns: the error domain
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (pp-error-quark, pp_error)

void
pp_i18n_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
#ifdef ENABLE_NLS
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
      g_once_init_leave (&done, 1);
    }
}

/**
 * pp_error_get_remote:
 * @error: an error that ended a call
 * @out_domain: (out) (optional) (transfer full): the name of the remote
 *   error domain
 * @out_code: (out) (optional): the remote error code
 *
 * Tells which error the remote method raised.
 *
 * An error raised by the remote method keeps its domain, code and message
 * when its domain is known in this process (it has been registered here,
 * usually by calling its quark function). When it is not, the call fails
 * with %PP_ERROR_REMOTE_ERROR, whose message is
 * `<domain>:<code>: <message>`; this function takes that apart. For any
 * other error it returns the error's own domain name and code.
 *
 * Returns: %TRUE if @error came from the remote method through
 *   %PP_ERROR_REMOTE_ERROR, %FALSE otherwise
 *
 * Since: 1.0
 */
gboolean
pp_error_get_remote (const GError  *error,
                     char         **out_domain,
                     int           *out_code)
{
  const char *colon;
  char *end;
  long code;

  g_return_val_if_fail (error != NULL, FALSE);

  if (error->domain == PP_ERROR && error->code == PP_ERROR_REMOTE_ERROR &&
      (colon = strchr (error->message, ':')) != NULL)
    {
      code = strtol (colon + 1, &end, 10);
      if (end != colon + 1 && *end == ':')
        {
          if (out_domain != NULL)
            *out_domain = g_strndup (error->message, colon - error->message);
          if (out_code != NULL)
            *out_code = (int) code;
          return TRUE;
        }
    }

  if (out_domain != NULL)
    *out_domain = g_strdup (g_quark_to_string (error->domain));
  if (out_code != NULL)
    *out_code = error->code;
  return FALSE;
}

GError *
pp_error_no_such_object (guint32 handle)
{
  return g_error_new (PP_ERROR, PP_ERROR_NO_SUCH_OBJECT, _("No object %u is held here"), handle);
}
