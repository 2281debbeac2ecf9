/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of pp-bench share (see pp-bench.c for what it measures) */

#include <sys/uio.h>

#include <gio/gio.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-bench-util.h"

G_BEGIN_DECLS

#define CHECK(cond, ...) \
  G_STMT_START { if (G_UNLIKELY (!(cond))) bench_fail (__VA_ARGS__); } G_STMT_END

#define CHECK_NO_ERROR(error, what) \
  G_STMT_START { \
    if (G_UNLIKELY ((error) != NULL)) \
      bench_fail ("%s: %s", (what), (error)->message); \
  } G_STMT_END

#define CTL_FD       5
#define CTL_MAX      256

typedef enum
{
  SYSTEM_RAW,
  SYSTEM_GDBUS,
  SYSTEM_PP,
} SystemKind;

typedef enum
{
  TRANSPORT_SOCKETPAIR,
  TRANSPORT_PIPES,
  TRANSPORT_NONE,
} Transport;


enum
{
  RAW_OP_ECHO = 1,
  RAW_OP_EMIT = 2,
  RAW_OP_TICK = 3,
};

typedef struct
{
  guint32 op;
  guint32 len;
  guint64 seq;
} RawHeader;

G_STATIC_ASSERT (sizeof (RawHeader) == 16);

#define RAW_BUFFER_SIZE  (64 * 1024)

/* A buffered reader that writes what is queued in @out before it blocks,
 * so that replies (or pipelined requests) go out in batches. */
typedef struct
{
  int         fd;
  guint8     *buf;
  gsize       start;
  gsize       end;
  int         out_fd;
  GByteArray *out;
} Reader;

#define GDBUS_PATH   "/org/pipeproxy/Bench"
#define GDBUS_IFACE  "org.pipeproxy.Bench"

typedef struct
{
  SystemKind       kind;
  Transport        transport;
  GSubprocess     *child;
  int              ctl_fd;
  /* raw */
  int              rfd;
  int              wfd;
  Reader           reader;
  guint8          *recv_buf;
  gsize            recv_size;
  /* GDBus */
  GDBusConnection *bus;
  GDBusProxy      *dproxy;
  /* pipeproxy */
  PpProxy         *proxy;
} Client;

typedef struct
{
  Client *client;
  guint   total;
  guint   depth;
  guint   issued;
  guint   completed;
  gint32  base;
  gint64  sum;
  /* pending-call measurement: "hold" instead of "echo" */
  gboolean hold;
} AsyncRun;

typedef struct
{
  PpProxy         *proxy;
  GDBusConnection *bus;
  GDBusProxy      *dproxy;
} Handle;

typedef struct
{
  gboolean  quick;
  guint     reps;
  double    scale;     /* < 1 under valgrind */
  char    **only;
  char    **systems;
} Config;

typedef struct
{
  const char *group;
  char       *row;
  SystemKind  kind;
  Transport   transport;
  guint       n_ops;       /* per repetition */
  guint       reps;
  double      med_us;
  double      min_us;
  double      max_us;
  gsize       bytes;       /* payload per operation, 0 if none */
  long        client_peak_kb;
  long        server_peak_kb;
  long        client_faults;   /* minor page faults over all repetitions */
  long        server_faults;
  double      x_raw;       /* this µs/op ÷ raw's; NAN if none */
  double      x_gdbus;     /* GDBus µs/op ÷ this; NAN if none */
  const char *target;
  const char *status;
} Result;

typedef struct
{
  guint  n;        /* operations per repetition */
  guint  depth;    /* async */
  gsize  size;     /* echo */
  guint  batch;    /* signals, notify */
  guint8 *payload;
} Work;

/* Runs one repetition, returns the nanoseconds it took. */
typedef gint64 (*WorkFunc) (Client     *c,
                            const Work *work,
                            gint32     *counter);

typedef struct
{
  SystemKind kind;
  Transport  transport;
} Contender;

#define RAW_SP    { SYSTEM_RAW, TRANSPORT_SOCKETPAIR }
#define RAW_PIPES { SYSTEM_RAW, TRANSPORT_PIPES }
#define GDBUS     { SYSTEM_GDBUS, TRANSPORT_SOCKETPAIR }
#define PP_SP     { SYSTEM_PP, TRANSPORT_SOCKETPAIR }
#define PP_PIPES  { SYSTEM_PP, TRANSPORT_PIPES }

typedef enum
{
  MEMORY_FLAT,
  MEMORY_PENDING,
  MEMORY_IDLE,
} MemoryKind;

typedef struct
{
  MemoryKind  what;
  SystemKind  kind;
  guint       n;
  long        client_before_kb;
  long        client_after_kb;
  long        server_before_kb;
  long        server_after_kb;
  char       *how;
  const char *status;   /* only for the flatness target */
} MemoryResult;

typedef struct
{
  char *date;
  int   nproc;
  char *cpu;
  char *kernel;
} Machine;


/* pp-bench-io.c */
long status_kb (const char *field);
void reset_peak_rss (void);
void write_all (int         fd,
                const void *data,
                gsize       len);
void writev_all (int           fd,
                 struct iovec *iov,
                 int           n_iov);
void fill_pattern (guint8  *buf,
                   gsize    len,
                   guint64  seed);
void ctl_send (int         fd,
               const char *message,
               int         pass_fd);
gboolean ctl_recv (int   fd,
                   char *buf,
                   int  *out_fd);
const char *system_arg (SystemKind kind);
const char *transport_arg (Transport transport);
const char *system_label (SystemKind kind,
                          Transport  transport);
void reader_init (Reader *r,
                  int     fd,
                  int     out_fd);
void reader_clear (Reader *r);
void reader_flush (Reader *r);
gboolean reader_take (Reader   *r,
                      void     *dest,
                      gsize     len,
                      gboolean  eof_ok);
void raw_queue (Reader  *r,
                guint32  op,
                guint32  len,
                guint64  seq);

/* pp-bench-server.c */
GDBusInterfaceInfo *gdbus_interface_info (void);
GIOStream *socket_stream_for_fd (int fd);
int run_server (SystemKind kind,
                Transport  transport);

/* pp-bench-client.c */
void client_server_stats (Client *c,
                          long   *hwm_kb,
                          long   *rss_kb);
Client *client_open (SystemKind kind,
                     Transport  transport);
void client_close (Client *c,
                   long   *server_peak_kb);
gint64 client_new_handle (Client *c,
                          Handle *handle);
void handle_clear (Handle *handle);
extern char *self_exe;

/* pp-bench-calls.c */
void client_call_int (Client *c,
                      gint32  v);
void async_issue (AsyncRun *run);
void async_wait (AsyncRun *run);
void client_async (Client *c,
                   guint   total,
                   guint   depth,
                   gint32  base);
gint64 client_echo_bytes (Client       *c,
                          const guint8 *payload,
                          gsize         size);
extern AsyncRun *current_run;

/* pp-bench-signals.c */
void client_signals (Client *c,
                     guint   total,
                     guint   batch);
void client_notify (Client *c,
                    guint   total,
                    guint   batch,
                    gint32 *next_value);

/* pp-bench.c */
gboolean system_selected (SystemKind kind);
void progress_begin (const char *row,
                     const char *system);
guint scaled (guint n,
              guint minimum);
extern Config config;
extern GPtrArray *results;

/* pp-bench-memory.c */
int run_memory_role (const char *what,
                     SystemKind  kind,
                     guint       n);
void run_memory_rows (void);
extern const char * const memory_args[];
extern GPtrArray *memory_results;

/* pp-bench-report.c */
void compute_ratios (void);
void machine_init (Machine *machine);
void print_table (const Machine *machine);
void write_json (const char    *path,
                 const Machine *machine);

G_END_DECLS
