/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <glib.h>

#include "pp-version-macros.h"

G_BEGIN_DECLS

/**
 * PP_ERROR:
 *
 * The error domain of pipeproxy. Errors in it use codes from [enum@Pp.Error].
 *
 * Since: 1.0
 */
#define PP_ERROR (pp_error_quark ())

/**
 * PpError:
 * @PP_ERROR_FAILED: a failure with no more specific code
 * @PP_ERROR_DISCONNECTED: the peer went away, or the connection was closed
 *   before the call ended
 * @PP_ERROR_TIMED_OUT: the call did not end within its time-out
 * @PP_ERROR_UNKNOWN_METHOD: the exported object has no method of that name
 * @PP_ERROR_INVALID_ARGUMENTS: the arguments do not match the method's signature
 * @PP_ERROR_UNSUPPORTED_TYPE: an argument or return value has a type that cannot
 *   cross a process boundary
 * @PP_ERROR_ACCESS_DENIED: the peer may not do this: the method or property
 *   may not be used from another process, the listener's allowlist leaves
 *   it out, a [signal@Pp.Listener::authorize] handler refused it, or the
 *   peer runs as another user than the listener serves
 * @PP_ERROR_PROTOCOL: the peer sent something that is not valid pipeproxy
 *   protocol; the connection is closed
 * @PP_ERROR_LIMIT_EXCEEDED: a size or count limit was reached
 * @PP_ERROR_REMOTE_ERROR: the remote method failed with an error whose domain
 *   is not known in this process; the message starts with the remote domain
 *   name and code, see [func@Pp.Error.get_remote]
 * @PP_ERROR_NO_SUCH_OBJECT: the call was for an object the peer does not
 *   hold: one it never got, or one already released. The two are not told
 *   apart.
 * @PP_ERROR_WOULD_DEADLOCK: a synchronous call could never be answered: the
 *   listener that must answer it runs in this process, in a main context
 *   only the calling thread can dispatch (see docs/threading.md)
 *
 * Error codes of the %PP_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum
{
  PP_ERROR_FAILED,
  PP_ERROR_DISCONNECTED,
  PP_ERROR_TIMED_OUT,
  PP_ERROR_UNKNOWN_METHOD,
  PP_ERROR_INVALID_ARGUMENTS,
  PP_ERROR_UNSUPPORTED_TYPE,
  PP_ERROR_ACCESS_DENIED,
  PP_ERROR_PROTOCOL,
  PP_ERROR_LIMIT_EXCEEDED,
  PP_ERROR_REMOTE_ERROR,
  PP_ERROR_NO_SUCH_OBJECT,
  PP_ERROR_WOULD_DEADLOCK,
} PpError;

PP_AVAILABLE_IN_1_0
GQuark pp_error_quark (void);

PP_AVAILABLE_IN_1_0
gboolean pp_error_get_remote (const GError  *error,
                              char         **out_domain,
                              int           *out_code);

G_END_DECLS
