/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "pp-fuzz.h"
#include "pp-fuzz-private.h"
#include "pp-wire-private.h"

struct _PpFuzzSeeds
{
  GPtrArray *names;
  GPtrArray *contents;   /* of GBytes */
};

PpFuzzSeeds *
pp_fuzz_seeds_new (void)
{
  PpFuzzSeeds *seeds = g_new0 (PpFuzzSeeds, 1);

  seeds->names = g_ptr_array_new_with_free_func (g_free);
  seeds->contents = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return seeds;
}

void
pp_fuzz_seeds_free (PpFuzzSeeds *seeds)
{
  g_ptr_array_unref (seeds->names);
  g_ptr_array_unref (seeds->contents);
  g_free (seeds);
}

guint
pp_fuzz_seeds_get_n (PpFuzzSeeds *seeds)
{
  return seeds->names->len;
}

const char *
pp_fuzz_seeds_get_name (PpFuzzSeeds *seeds,
                        guint        i)
{
  return g_ptr_array_index (seeds->names, i);
}

GBytes *
pp_fuzz_seeds_get_contents (PpFuzzSeeds *seeds,
                            guint        i)
{
  return g_ptr_array_index (seeds->contents, i);
}

void
pp_fuzz_seed_add (PpFuzzSeeds   *seeds,
                  const char    *name,
                  gconstpointer  data,
                  gsize          size)
{
  for (guint i = 0; i < seeds->names->len; i++)
    g_assert (!g_str_equal (g_ptr_array_index (seeds->names, i), name));
  g_ptr_array_add (seeds->names, g_strdup (name));
  g_ptr_array_add (seeds->contents, g_bytes_new (data, size));
}

void
pp_fuzz_seed_add_frames (PpFuzzSeeds  *seeds,
                         const char   *name,
                         GBytes      **frames)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();

  for (GBytes **frame = frames; *frame != NULL; frame++)
    {
      gsize size;
      gconstpointer data = g_bytes_get_data (*frame, &size);

      g_byte_array_append (all, data, size);
      g_bytes_unref (*frame);
    }
  pp_fuzz_seed_add (seeds, name, all->data, all->len);
}

GBytes *
pp_fuzz_frame (guint8    kind,
               guint8    flags,
               guint32   serial,
               GVariant *body)
{
  return pp_wire_encode (kind, flags, serial, 0, body);
}

GBytes *
pp_fuzz_hello (guint32 serial)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "unix-fds", g_variant_new_boolean (FALSE));
  return pp_fuzz_frame (PP_WIRE_KIND_HELLO, 0, serial,
                        g_variant_new ("(sua{sv})", PP_WIRE_MAGIC,
                                       (guint32) PP_WIRE_PROTOCOL_VERSION, &options));
}

gboolean
pp_fuzz_iterate (GMainContext *context)
{
  gboolean any = FALSE;

  /* Bounded: a context that never becomes idle is a finding too, but a
   * hang would hide it */
  for (guint i = 0; i < 10000 && g_main_context_iteration (context, FALSE); i++)
    any = TRUE;
  return any;
}

gboolean
pp_fuzz_drain (int fd)
{
  static guint8 buffer[65536];
  gboolean any = FALSE;

  for (;;)
    {
      gssize n = read (fd, buffer, sizeof buffer);

      if (n > 0)
        {
          any = TRUE;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      return any;
    }
}

gsize
pp_fuzz_write_some (int           fd,
                    const guint8 *data,
                    gsize         size)
{
  gsize written = 0;

  while (written < size)
    {
      gssize n = send (fd, data + written, size - written, MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n > 0)
        written += n;
      else if (n < 0 && errno == EINTR)
        continue;
      else
        break;
    }
  return written;
}

static const char *tolerated_domain;

static gboolean
is_tolerated (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields)
{
  const char *domain = NULL, *message = NULL;

  if (tolerated_domain == NULL || !(level & G_LOG_LEVEL_CRITICAL))
    return FALSE;
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
    else if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  return g_strcmp0 (domain, tolerated_domain) == 0 && message != NULL &&
         strstr (message, ": assertion '") != NULL;
}

static GLogWriterOutput
fatal_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  /* Debug messages only as G_MESSAGES_DEBUG asks: thousands of inputs a
   * second would print them */
  GLogWriterOutput written = g_log_writer_default (level, fields, n_fields, user_data);

  /* abort(), which the fuzzer and the sanitizers report with a stack,
   * where a fatal message would raise SIGTRAP */
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) &&
      !is_tolerated (level, fields, n_fields))
    abort ();
  return written;
}

void
pp_fuzz_tolerate_preconditions (const char *log_domain)
{
  tolerated_domain = log_domain;
}

void
pp_fuzz_fatal_criticals (void)
{
  g_log_set_writer_func (fatal_writer, NULL, NULL);
}
