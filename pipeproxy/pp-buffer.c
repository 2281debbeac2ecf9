/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "pp-buffer-private.h"

/* Fresh buffers from this size up are asked to be backed by transparent
 * huge pages: one page fault per 2 MiB instead of 512, which is what
 * filling a fresh buffer costs where page faults are dear (virtual
 * machines). */
#define HUGE_PAGE_SIZE (2 * 1024 * 1024)

static gpointer
allocate (gsize size)
{
  gpointer data = NULL;

  if (size < HUGE_PAGE_SIZE)
    return g_malloc (size);

  if (posix_memalign (&data, HUGE_PAGE_SIZE, size) != 0)
    g_error ("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC, size);
#ifdef MADV_HUGEPAGE
  /* Only advice: without transparent huge pages this changes nothing */
  madvise (data, size - size % HUGE_PAGE_SIZE, MADV_HUGEPAGE);
#endif
  return data;
}

#define POOL_MAX_BYTES   PP_BUFFER_POOL_MAX
#define POOL_MAX_BUFFERS 8

typedef struct
{
  gpointer data;
  gsize    capacity;
} Buffer;

static GMutex pool_lock;
static Buffer pool[POOL_MAX_BUFFERS];
static gsize pool_bytes;

/* A buffer of at least @size bytes, reused when one of a fitting size is
 * kept; @capacity says how big it really is. */
gpointer
pp_buffer_take (gsize  size,
                gsize *capacity)
{
  gpointer data = NULL;

  if (size >= PP_BUFFER_POOLED_MIN)
    {
      g_mutex_lock (&pool_lock);
      for (guint i = 0; i < POOL_MAX_BUFFERS; i++)
        if (pool[i].data != NULL && pool[i].capacity >= size && pool[i].capacity <= 2 * size)
          {
            data = g_steal_pointer (&pool[i].data);
            *capacity = pool[i].capacity;
            pool_bytes -= pool[i].capacity;
            break;
          }
      g_mutex_unlock (&pool_lock);
    }

  if (data == NULL)
    {
      data = allocate (size);
      *capacity = size;
    }
  return data;
}

void
pp_buffer_give (gpointer data,
                gsize    capacity)
{
  if (data == NULL)
    return;

  if (capacity >= PP_BUFFER_POOLED_MIN)
    {
#ifdef MADV_FREE
      /* The kernel may take the pages of a kept buffer back when it is
       * short of memory; until then, reusing them costs nothing more, not
       * even a page fault. Whoever takes a buffer writes before reading,
       * so pages that come back as zeros do no harm. Before the buffer is
       * in the pool, where another thread may take it and write to it;
       * only advice, and only on the whole huge pages allocate() aligned. */
      if (capacity >= HUGE_PAGE_SIZE && capacity <= POOL_MAX_BYTES)
        madvise (data, capacity - capacity % HUGE_PAGE_SIZE, MADV_FREE);
#endif

      g_mutex_lock (&pool_lock);
      if (pool_bytes + capacity <= POOL_MAX_BYTES)
        for (guint i = 0; i < POOL_MAX_BUFFERS; i++)
          if (pool[i].data == NULL)
            {
              pool[i].data = data;
              pool[i].capacity = capacity;
              pool_bytes += capacity;
              data = NULL;
              break;
            }
      g_mutex_unlock (&pool_lock);
    }

  g_free (data);
}

typedef struct
{
  gpointer data;
  gsize    capacity;
} Loan;

static void
loan_return (gpointer user_data)
{
  Loan *loan = user_data;

  pp_buffer_give (loan->data, loan->capacity);
  g_free (loan);
}

/* Bytes over part of a taken buffer, which goes back when they are freed */
GBytes *
pp_buffer_to_bytes (gpointer data,
                    gsize    offset,
                    gsize    size,
                    gsize    capacity)
{
  Loan *loan = g_new0 (Loan, 1);

  loan->data = data;
  loan->capacity = capacity;
  return g_bytes_new_with_free_func ((guint8 *) data + offset, size, loan_return, loan);
}
