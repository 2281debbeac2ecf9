/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Preloaded by count-copies.sh: counts the calls of memcpy() and memmove()
 * that copy at least PP_COUNT_COPIES_MIN bytes (default 256 KiB), i.e.
 * copies of a large payload, and prints them when the process exits. Copies
 * inside libc (and the kernel's, by read and write) are not seen: only
 * those that go through the dynamic linker, as GLib's and pipeproxy's do. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void *(*CopyFunc) (void *, const void *, size_t);

static size_t min_size = 256 * 1024;
static unsigned long long n_copies, n_bytes;

static void *
count (const char *name,
       CopyFunc   *real,
       void       *dest,
       const void *src,
       size_t      n)
{
  if (*real == NULL)
    *real = (CopyFunc) dlsym (RTLD_NEXT, name);
  if (n >= min_size)
    {
      __atomic_add_fetch (&n_copies, 1, __ATOMIC_RELAXED);
      __atomic_add_fetch (&n_bytes, n, __ATOMIC_RELAXED);
    }
  return (*real) (dest, src, n);
}

void *
memcpy (void       *dest,
        const void *src,
        size_t      n)
{
  static CopyFunc real;

  return count ("memcpy", &real, dest, src, n);
}

void *
memmove (void       *dest,
         const void *src,
         size_t      n)
{
  static CopyFunc real;

  return count ("memmove", &real, dest, src, n);
}

__attribute__((constructor)) static void
start (void)
{
  const char *min = getenv ("PP_COUNT_COPIES_MIN");

  if (min != NULL)
    min_size = strtoull (min, NULL, 10);
}

__attribute__((destructor)) static void
report (void)
{
  char role[64] = "?";
  char cmdline[4096];
  FILE *f = fopen ("/proc/self/cmdline", "r");

  if (f != NULL)
    {
      size_t len = fread (cmdline, 1, sizeof cmdline - 1, f);

      fclose (f);
      cmdline[len] = '\0';
      for (size_t at = 0; at < len; at += strlen (cmdline + at) + 1)
        if (strncmp (cmdline + at, "--role=", 7) == 0)
          snprintf (role, sizeof role, "%s", cmdline + at + 7);
    }
  fprintf (stderr, "copies %s %llu %llu\n", role, n_copies, n_bytes);
}
