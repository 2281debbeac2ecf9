/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <stddef.h>

#include <gio/gio.h>

G_BEGIN_DECLS

/* A fuzz target is one file defining the entry points libFuzzer calls
 * (LLVMFuzzerTestOneInput, LLVMFuzzerInitialize) and pp_fuzz_seeds(),
 * which adds its hand-made inputs. It is linked twice: with libFuzzer's
 * main when clang can build it, and always with replay.c, a main that
 * runs the seeds and the files of a corpus through the same entry point
 * (the replay test), or writes the seeds to a directory (--write-seeds). */

int  LLVMFuzzerTestOneInput (const uint8_t *data,
                             size_t         size);
int  LLVMFuzzerInitialize   (int           *argc,
                             char        ***argv);

typedef struct _PpFuzzSeeds PpFuzzSeeds;

void pp_fuzz_seeds          (PpFuzzSeeds   *seeds);
void pp_fuzz_seed_add       (PpFuzzSeeds   *seeds,
                             const char    *name,
                             gconstpointer  data,
                             gsize          size);
/* Adds the concatenation of the frames in @frames (a NULL-terminated
 * array of GBytes, consumed) */
void pp_fuzz_seed_add_frames (PpFuzzSeeds  *seeds,
                              const char   *name,
                              GBytes      **frames);

/* A frame as a peer would send it: the header with @body_size, @kind,
 * @flags, @serial, then @body and zeros up to the next multiple of 8 */
GBytes *pp_fuzz_frame       (guint8         kind,
                             guint8         flags,
                             guint32        serial,
                             GVariant      *body);
GBytes *pp_fuzz_hello       (guint32        serial);

/* Runs what is ready in @context without blocking; FALSE if nothing was */
gboolean pp_fuzz_iterate    (GMainContext  *context);
/* Reads and drops whatever is readable on the non-blocking @fd; FALSE if
 * nothing was, or at the end of the stream */
gboolean pp_fuzz_drain      (int            fd);
/* Writes as much of @data as @fd takes without blocking; returns how much */
gsize    pp_fuzz_write_some (int            fd,
                             const guint8  *data,
                             gsize          size);

/* Aborts on a critical or a warning, as G_DEBUG=fatal-criticals does:
 * whatever the peer sends must not reach a precondition */
void     pp_fuzz_fatal_criticals (void);
/* But not a failed precondition (g_return_if_fail()) in @log_domain */
void     pp_fuzz_tolerate_preconditions (const char *log_domain);

G_END_DECLS
