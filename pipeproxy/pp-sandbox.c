/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE  /* the CLONE_* flags */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifdef HAVE_LIBSECCOMP
# include <dlfcn.h>
# include <seccomp.h>
#endif

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-sandbox-private.h"

/* The policy of the seccomp filter. A worker keeps what it needs to
 * compute and to use the descriptors it was given (its connection, the
 * streams and memfds that arrive in calls): memory, threads, time, I/O on
 * descriptors, waiting on them, and making anonymous ones (pipes, eventfds,
 * memfds). What it gives up falls in two groups:
 *
 * - What a well-behaved library may try and copes with failing (opening a
 *   translation or a configuration file, looking a user up, forking a
 *   helper) fails with EPERM: opening files and anything else that takes a
 *   path, making sockets, starting processes, signalling other processes.
 *   clone3() fails with ENOSYS, as in Flatpak, because seccomp cannot see
 *   its flags: the C library then falls back to clone(), whose flags the
 *   filter can check.
 *
 * - Everything else kills the process with SIGSYS: the calls an attack
 *   needs (ptrace, bpf, io_uring, keyctl, mount, unshare, setuid, …) and
 *   any call this list did not foresee. Before it dies, the worker writes
 *   which call it was to stderr, which its parent puts in the reason the
 *   connection ended. The call is never executed. */

#ifdef HAVE_LIBSECCOMP

/* Allowed whatever the arguments */
static const char * const allowed_syscalls[] = {
  /* memory */
  "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "mincore", "membarrier",
  /* threads and their synchronisation; clone() is checked below */
  "futex", "futex_waitv", "set_robust_list", "set_tid_address", "rseq",
  "sched_yield", "sched_getaffinity", "sched_getparam", "sched_getscheduler", "sched_getattr",
  "sched_get_priority_max", "sched_get_priority_min", "arch_prctl", "getcpu",
  "exit", "exit_group", "restart_syscall", "wait4", "waitid",
  /* time */
  "clock_gettime", "clock_getres", "clock_nanosleep", "gettimeofday", "time", "nanosleep",
  "getitimer", "setitimer", "alarm", "times", "getrusage", "timer_create", "timer_settime",
  "timer_gettime", "timer_getoverrun", "timer_delete",
  /* who and where it is */
  "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
  "getresgid", "getgroups", "getpgrp", "getpgid", "getsid", "uname", "getcwd", "getrandom",
  "sysinfo", "getrlimit", "setrlimit",
  /* its own signals */
  "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend",
  "rt_sigtimedwait", "sigaltstack", "pause",
  /* I/O on the descriptors it has */
  "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
  "pwritev2", "lseek", "close", "close_range", "dup", "dup2", "dup3", "fstat", "fstatfs",
  "getdents64", "ftruncate", "fallocate", "fadvise64", "readahead", "fsync", "fdatasync",
  "flock", "splice", "tee", "sendfile", "copy_file_range", "recvfrom", "sendto", "recvmsg",
  "sendmsg", "recvmmsg", "sendmmsg", "shutdown", "getsockname", "getpeername", "getsockopt",
  "setsockopt",
  /* waiting on them */
  "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
  "epoll_wait", "epoll_pwait", "epoll_pwait2",
  /* anonymous descriptors: GLib's wake-ups, pipeproxy's large bodies */
  "pipe", "pipe2", "eventfd", "eventfd2", "memfd_create", "timerfd_create", "timerfd_settime",
  "timerfd_gettime", "signalfd", "signalfd4",
};

/* Fail with EPERM whatever the arguments */
static const char * const refused_syscalls[] = {
  /* opening files, and everything else that takes a path */
  "open", "openat", "openat2", "creat", "open_by_handle_at", "name_to_handle_at",
  "access", "faccessat", "faccessat2", "stat", "lstat", "readlink", "readlinkat", "statfs",
  "chdir", "fchdir", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat",
  "renameat2", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat",
  "chown", "fchown", "lchown", "fchownat", "truncate", "utime", "utimes", "utimensat",
  "futimesat", "mknod", "mknodat", "getxattr", "lgetxattr", "fgetxattr", "listxattr",
  "llistxattr", "flistxattr", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
  "lremovexattr", "fremovexattr", "inotify_init", "inotify_init1", "inotify_add_watch",
  "fanotify_init",
  /* sockets */
  "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
  /* processes */
  "fork", "vfork", "execve", "execveat", "tkill", "setsid", "setpgid",
};

/* fcntl(), ioctl() and prctl() are allowed with these commands only */
static const int allowed_fcntl[] = {
  F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW,
  F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_ADD_SEALS, F_GET_SEALS, F_GETPIPE_SZ,
  F_SETPIPE_SZ,
};

static const unsigned long allowed_ioctl[] = {
  FIONREAD, FIONBIO, FIOCLEX, FIONCLEX,
  /* isatty() and the size of a terminal; never TIOCSTI */
  TCGETS, TIOCGWINSZ,
};

#ifndef PR_SET_VMA
# define PR_SET_VMA 0x53564d41
#endif

static const int allowed_prctl[] = {
  PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS,
  PR_GET_SECCOMP, PR_SET_SECCOMP, PR_CAPBSET_READ, PR_SET_VMA, PR_GET_TIMERSLACK,
  PR_SET_TIMERSLACK, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG,
};

/* Namespaces a new thread may not be put in */
#define CLONE_NAMESPACES (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
                          CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

#if defined (__s390__) || defined (__s390x__) || defined (__CRIS__)
/* CONFIG_CLONE_BACKWARDS2: the flags are the second argument */
# define CLONE_FLAGS_ARG(op, mask, value) SCMP_A1 (op, mask, value)
#else
# define CLONE_FLAGS_ARG(op, mask, value) SCMP_A0 (op, mask, value)
#endif

/* Names of the system calls, for the SIGSYS handler, which may not
 * allocate: looked up before the filter is loaded. */
#define N_SYSCALL_NAMES 512
static char *syscall_names[N_SYSCALL_NAMES];

#endif /* HAVE_LIBSECCOMP */

struct _PpSandbox
{
  PpSandboxFlags   flags;
#ifdef HAVE_LIBSECCOMP
  scmp_filter_ctx  filter;
#endif
};

/* Flags as text ------------------------------------------------------------ */

gboolean
pp_sandbox_flags_parse (const char      *text,
                        PpSandboxFlags  *out_flags,
                        GError         **error)
{
  g_autoptr(GFlagsClass) klass = g_type_class_ref (PP_TYPE_SANDBOX_FLAGS);
  g_auto(GStrv) words = g_strsplit (text, ",", -1);
  PpSandboxFlags flags = PP_SANDBOX_NONE;

  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *word = g_strstrip (words[i]);
      GFlagsValue *value;

      if (*word == '\0')
        continue;
      value = g_flags_get_value_by_nick (klass, word);
      if (value == NULL)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                       _("Unknown sandbox “%s” in “%s”"), word, text);
          return FALSE;
        }
      flags |= value->value;
    }

  *out_flags = flags;
  return TRUE;
}

char *
pp_sandbox_flags_to_string (PpSandboxFlags flags)
{
  g_autoptr(GFlagsClass) klass = g_type_class_ref (PP_TYPE_SANDBOX_FLAGS);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    {
      const GFlagsValue *value = &klass->values[i];

      if (value->value != 0 && (flags & value->value) == value->value)
        {
          if (text->len > 0)
            g_string_append_c (text, ',');
          g_string_append (text, value->value_nick);
        }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Landlock ------------------------------------------------------------------ */

/* Defined here rather than taken from <linux/landlock.h>, which a build
 * system's kernel headers may have in an older version or not at all:
 * what matters is the running kernel's version. */
#define LL_CREATE_RULESET_VERSION (1u << 0)

#define LL_FS_V1       ((1ull << 13) - 1)  /* EXECUTE … MAKE_SYM */
#define LL_FS_REFER    (1ull << 13)        /* ABI 2 */
#define LL_FS_TRUNCATE (1ull << 14)        /* ABI 3 */
#define LL_FS_IOCTL    (1ull << 15)        /* ABI 5: IOCTL_DEV */
#define LL_NET_TCP     ((1ull << 0) | (1ull << 1))  /* ABI 4: BIND_TCP, CONNECT_TCP */
#define LL_SCOPE_ALL   ((1ull << 0) | (1ull << 1))  /* ABI 6: abstract unix sockets, signals */

typedef struct
{
  guint64 handled_access_fs;
  guint64 handled_access_net;
  guint64 scoped;
} LandlockRulesetAttr;

int
pp_sandbox_landlock_abi (void)
{
#ifdef SYS_landlock_create_ruleset
  long abi = syscall (SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);

  return abi > 0 ? (int) abi : 0;
#else
  return 0;
#endif
}

/* Forbids opening anything by path, as far as the kernel's Landlock goes:
 * a ruleset that handles every access right it knows and grants none.
 * What was open before stays usable. */
static gboolean
apply_landlock (GError **error)
{
#ifdef SYS_landlock_create_ruleset
  LandlockRulesetAttr attr = { 0, };
  int abi = pp_sandbox_landlock_abi ();
  gsize attr_size;
  int fd;

  if (abi == 0)
    {
      g_debug ("Sandbox: this kernel has no Landlock (%s); files are not restricted by it",
               g_strerror (errno));
      return TRUE;
    }

  attr.handled_access_fs = LL_FS_V1;
  if (abi >= 2)
    attr.handled_access_fs |= LL_FS_REFER;
  if (abi >= 3)
    attr.handled_access_fs |= LL_FS_TRUNCATE;
  if (abi >= 5)
    attr.handled_access_fs |= LL_FS_IOCTL;
  attr_size = sizeof attr.handled_access_fs;
  if (abi >= 4)
    {
      attr.handled_access_net = LL_NET_TCP;
      attr_size = G_STRUCT_OFFSET (LandlockRulesetAttr, scoped);
    }
  if (abi >= 6)
    {
      attr.scoped = LL_SCOPE_ALL;
      attr_size = sizeof attr;
    }

  fd = syscall (SYS_landlock_create_ruleset, &attr, attr_size, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Could not make a Landlock ruleset: %s"), g_strerror (saved));
      return FALSE;
    }
  if (syscall (SYS_landlock_restrict_self, fd, 0) != 0)
    {
      int saved = errno;

      close (fd);
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Could not apply Landlock: %s"), g_strerror (saved));
      return FALSE;
    }
  close (fd);
  g_debug ("Sandbox: Landlock ABI %d, nothing may be opened by path", abi);
  return TRUE;
#else
  g_debug ("Sandbox: built without the Landlock system calls; files are not restricted by it");
  return TRUE;
#endif
}

/* seccomp ------------------------------------------------------------------- */

#ifdef HAVE_LIBSECCOMP

/* libseccomp is opened by the first sandbox that filters system calls,
 * not linked: every program using the library, parent or worker, would
 * otherwise map and relocate it at its start (about 100,000 instructions
 * and six page faults) for the few workers that are sandboxed. The
 * sandbox is made before it is applied, while files can still be opened.
 * Its ABI is that of the 2.x series, libseccomp.so.2, the version the
 * build checked. */
#define LIBSECCOMP_SONAME "libseccomp.so.2"

static struct
{
  __typeof__ (seccomp_init)                    *init;
  __typeof__ (seccomp_attr_set)                *attr_set;
  __typeof__ (seccomp_rule_add)                *rule_add;
  __typeof__ (seccomp_load)                    *load;
  __typeof__ (seccomp_release)                 *release;
  __typeof__ (seccomp_syscall_resolve_name)    *syscall_resolve_name;
  __typeof__ (seccomp_syscall_resolve_num_arch) *syscall_resolve_num_arch;
} libseccomp;

static const char *libseccomp_error;

static gboolean
open_libseccomp (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      void *handle = dlopen (LIBSECCOMP_SONAME, RTLD_NOW | RTLD_LOCAL);

      if (handle == NULL)
        libseccomp_error = g_strdup (dlerror ());
      else if ((libseccomp.init = dlsym (handle, "seccomp_init")) == NULL ||
               (libseccomp.attr_set = dlsym (handle, "seccomp_attr_set")) == NULL ||
               (libseccomp.rule_add = dlsym (handle, "seccomp_rule_add")) == NULL ||
               (libseccomp.load = dlsym (handle, "seccomp_load")) == NULL ||
               (libseccomp.release = dlsym (handle, "seccomp_release")) == NULL ||
               (libseccomp.syscall_resolve_name =
                  dlsym (handle, "seccomp_syscall_resolve_name")) == NULL ||
               (libseccomp.syscall_resolve_num_arch =
                  dlsym (handle, "seccomp_syscall_resolve_num_arch")) == NULL)
        {
          libseccomp_error = g_strdup (dlerror ());
          libseccomp.init = NULL;
        }
      /* The handle stays open: the filter's functions are used until the
       * process ends */
      g_once_init_leave (&done, 1);
    }
  return libseccomp.init != NULL;
}

#define seccomp_init                     libseccomp.init
#define seccomp_attr_set                 libseccomp.attr_set
#define seccomp_rule_add                 libseccomp.rule_add
#define seccomp_load                     libseccomp.load
#define seccomp_release                  libseccomp.release
#define seccomp_syscall_resolve_name     libseccomp.syscall_resolve_name
#define seccomp_syscall_resolve_num_arch libseccomp.syscall_resolve_num_arch

#endif /* HAVE_LIBSECCOMP */

gboolean
pp_sandbox_has_seccomp (void)
{
#ifdef HAVE_LIBSECCOMP
  return open_libseccomp ();
#else
  return FALSE;
#endif
}

#ifdef HAVE_LIBSECCOMP

/* Appends the decimal digits of @value; async-signal-safe */
static gsize
append_number (char   *buffer,
               gsize   at,
               gsize   size,
               long    value)
{
  char digits[24];
  gsize n = 0;
  gboolean negative = value < 0;
  unsigned long rest = negative ? -(unsigned long) value : (unsigned long) value;

  do
    {
      digits[n++] = '0' + rest % 10;
      rest /= 10;
    }
  while (rest != 0 && n < sizeof digits);
  if (negative && at < size)
    buffer[at++] = '-';
  while (n > 0 && at < size)
    buffer[at++] = digits[--n];
  return at;
}

static gsize
append_text (char       *buffer,
             gsize       at,
             gsize       size,
             const char *text)
{
  while (*text != '\0' && at < size)
    buffer[at++] = *text++;
  return at;
}

/* A call the filter does not allow: say which on stderr, then die of
 * SIGSYS (the handler was reset to the default on entry, and SIGSYS is not
 * blocked in it). Only async-signal-safe calls, all allowed by the filter. */
static void G_GNUC_NORETURN
on_sigsys (int        sig,
           siginfo_t *info,
           void      *context)
{
  char message[160];
  gsize at = 0;
  int nr = info->si_syscall;
  const char *name = nr >= 0 && nr < N_SYSCALL_NAMES ? syscall_names[nr] : NULL;
  ssize_t written;

  at = append_text (message, at, sizeof message, "pipeproxy: the sandbox does not allow system call ");
  if (name != NULL)
    {
      at = append_text (message, at, sizeof message, name);
      at = append_text (message, at, sizeof message, " (");
      at = append_number (message, at, sizeof message, nr);
      at = append_text (message, at, sizeof message, ")");
    }
  else
    at = append_number (message, at, sizeof message, nr);
  at = append_text (message, at, sizeof message, "; ending the process\n");
  written = write (STDERR_FILENO, message, at);
  (void) written;

  syscall (SYS_tgkill, getpid (), (pid_t) syscall (SYS_gettid), SIGSYS);
  _exit (128 + SIGSYS);
}

static void
look_up_syscall_names (void)
{
  for (int nr = 0; nr < N_SYSCALL_NAMES; nr++)
    if (syscall_names[nr] == NULL)
      syscall_names[nr] = seccomp_syscall_resolve_num_arch (SCMP_ARCH_NATIVE, nr);
}

static int
add_rules (scmp_filter_ctx      filter,
           uint32_t             action,
           const char * const  *names,
           gsize                n_names)
{
  for (gsize i = 0; i < n_names; i++)
    {
      int nr = seccomp_syscall_resolve_name (names[i]);
      int rc;

      /* Unknown to this libseccomp: then also to the kernels it knows */
      if (nr == __NR_SCMP_ERROR)
        continue;
      rc = seccomp_rule_add (filter, action, nr, 0);
      if (rc != 0)
        {
          g_debug ("Sandbox: no rule for %s: %s", names[i], g_strerror (-rc));
          return rc;
        }
    }
  return 0;
}

/* The calls allowed with some arguments only, refused with EPERM with the
 * others */
static int
add_argument_rules (scmp_filter_ctx filter,
                    pid_t           pid)
{
  const uint32_t eperm = SCMP_ACT_ERRNO (EPERM);
  int rc = 0;

  /* Threads, but not processes; glibc tries clone3() first */
  if (rc == 0)
    rc = seccomp_rule_add (filter, SCMP_ACT_ALLOW, SCMP_SYS (clone), 1,
                           CLONE_FLAGS_ARG (SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_NAMESPACES,
                                            CLONE_THREAD));
  if (rc == 0)
    rc = seccomp_rule_add (filter, eperm, SCMP_SYS (clone), 1,
                           CLONE_FLAGS_ARG (SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  if (rc == 0)
    rc = seccomp_rule_add (filter, SCMP_ACT_ERRNO (ENOSYS), SCMP_SYS (clone3), 0);

  /* fstat() is newfstatat (fd, "", …, AT_EMPTY_PATH) in glibc */
  if (rc == 0)
    rc = seccomp_rule_add (filter, SCMP_ACT_ALLOW, SCMP_SYS (newfstatat), 1,
                           SCMP_A3_32 (SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
  if (rc == 0)
    rc = seccomp_rule_add (filter, eperm, SCMP_SYS (newfstatat), 1,
                           SCMP_A3_32 (SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0));
  if (rc == 0)
    rc = seccomp_rule_add (filter, SCMP_ACT_ALLOW, SCMP_SYS (statx), 1,
                           SCMP_A2_32 (SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
  if (rc == 0)
    rc = seccomp_rule_add (filter, eperm, SCMP_SYS (statx), 1,
                           SCMP_A2_32 (SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0));

  /* Signals to itself only; getrlimit() and setrlimit() are prlimit64 (0, …).
   * A call on another process fails with EPERM. */
  if (rc == 0)
    rc = seccomp_rule_add (filter, SCMP_ACT_ALLOW, SCMP_SYS (kill), 1,
                           SCMP_A0_32 (SCMP_CMP_EQ, pid));
  if (rc == 0)
    rc = seccomp_rule_add (filter, eperm, SCMP_SYS (kill), 1, SCMP_A0_32 (SCMP_CMP_NE, pid));
  if (rc == 0)
    rc = seccomp_rule_add (filter, SCMP_ACT_ALLOW, SCMP_SYS (tgkill), 1,
                           SCMP_A0_32 (SCMP_CMP_EQ, pid));
  if (rc == 0)
    rc = seccomp_rule_add (filter, eperm, SCMP_SYS (tgkill), 1, SCMP_A0_32 (SCMP_CMP_NE, pid));
  /* GLib's thread pool gives a new thread its creator's scheduling */
  if (rc == 0)
    rc = seccomp_rule_add (filter, SCMP_ACT_ALLOW, SCMP_SYS (sched_setattr), 1,
                           SCMP_A0_32 (SCMP_CMP_EQ, 0));
  if (rc == 0)
    rc = seccomp_rule_add (filter, eperm, SCMP_SYS (sched_setattr), 1,
                           SCMP_A0_32 (SCMP_CMP_NE, 0));
  if (rc == 0)
    rc = seccomp_rule_add (filter, SCMP_ACT_ALLOW, SCMP_SYS (prlimit64), 1,
                           SCMP_A0_32 (SCMP_CMP_EQ, 0));
  if (rc == 0)
    rc = seccomp_rule_add (filter, eperm, SCMP_SYS (prlimit64), 1, SCMP_A0_32 (SCMP_CMP_NE, 0));

  for (gsize i = 0; rc == 0 && i < G_N_ELEMENTS (allowed_fcntl); i++)
    rc = seccomp_rule_add (filter, SCMP_ACT_ALLOW, SCMP_SYS (fcntl), 1,
                           SCMP_A1_32 (SCMP_CMP_EQ, allowed_fcntl[i]));
  for (gsize i = 0; rc == 0 && i < G_N_ELEMENTS (allowed_ioctl); i++)
    rc = seccomp_rule_add (filter, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1,
                           SCMP_A1_32 (SCMP_CMP_EQ, allowed_ioctl[i]));
  for (gsize i = 0; rc == 0 && i < G_N_ELEMENTS (allowed_prctl); i++)
    rc = seccomp_rule_add (filter, SCMP_ACT_ALLOW, SCMP_SYS (prctl), 1,
                           SCMP_A0_32 (SCMP_CMP_EQ, allowed_prctl[i]));
  return rc;
}

static scmp_filter_ctx
build_filter (GError **error)
{
  scmp_filter_ctx filter = seccomp_init (SCMP_ACT_TRAP);
  const uint32_t eperm = SCMP_ACT_ERRNO (EPERM);
  const pid_t pid = getpid ();
  int rc = 0;

  if (filter == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Could not make a seccomp filter: %s"), g_strerror (ENOMEM));
      return NULL;
    }

  /* Every thread of the process, also those GLib started already; a call
   * of another architecture's ABI (x32, i386) kills at once. */
  rc = seccomp_attr_set (filter, SCMP_FLTATR_CTL_TSYNC, 1);
  if (rc == 0)
    rc = seccomp_attr_set (filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);

  if (rc == 0)
    rc = add_rules (filter, SCMP_ACT_ALLOW, allowed_syscalls, G_N_ELEMENTS (allowed_syscalls));
  if (rc == 0)
    rc = add_rules (filter, eperm, refused_syscalls, G_N_ELEMENTS (refused_syscalls));

  if (rc == 0)
    rc = add_argument_rules (filter, pid);

  if (rc != 0)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Could not make a seccomp filter: %s"), g_strerror (-rc));
      seccomp_release (filter);
      return NULL;
    }
  return filter;
}

static gboolean
apply_seccomp (scmp_filter_ctx   filter,
               GError          **error)
{
  struct sigaction action = { 0, };
  int rc;

  look_up_syscall_names ();

  action.sa_sigaction = on_sigsys;
  action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
  sigemptyset (&action.sa_mask);
  if (sigaction (SIGSYS, &action, NULL) != 0)
    {
      int saved = errno;

      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Could not handle SIGSYS: %s"), g_strerror (saved));
      return FALSE;
    }

  rc = seccomp_load (filter);
  if (rc != 0)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Could not apply the seccomp filter: %s"), g_strerror (-rc));
      return FALSE;
    }
  g_debug ("Sandbox: seccomp filter applied");
  return TRUE;
}

#endif /* HAVE_LIBSECCOMP */

/* The sandbox ---------------------------------------------------------------- */

PpSandbox *
pp_sandbox_new (PpSandboxFlags   flags,
                GError         **error)
{
  g_autoptr(PpSandbox) self = g_new0 (PpSandbox, 1);

  self->flags = flags;

  if (flags & PP_SANDBOX_SYSCALLS)
    {
#ifdef HAVE_LIBSECCOMP
      if (!open_libseccomp ())
        {
          g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                       _("Could not load libseccomp to filter the system calls of a "
                         "worker: %s"), libseccomp_error);
          return NULL;
        }
      self->filter = build_filter (error);
      if (self->filter == NULL)
        return NULL;
#else
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("This pipeproxy was built without libseccomp: "
                     "it cannot filter the system calls of a worker"));
      return NULL;
#endif
    }

  return g_steal_pointer (&self);
}

gboolean
pp_sandbox_apply (PpSandbox  *self,
                  GError    **error)
{
  /* PP_SANDBOX_NAMESPACES was the parent's to apply */
  if ((self->flags & (PP_SANDBOX_SYSCALLS | PP_SANDBOX_FILESYSTEM)) == 0)
    return TRUE;

  /* Nothing this process runs can gain privileges (setuid programs, file
   * capabilities): what Landlock and seccomp need to be allowed. */
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    {
      int saved = errno;

      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Could not give up new privileges: %s"), g_strerror (saved));
      return FALSE;
    }

  if ((self->flags & PP_SANDBOX_FILESYSTEM) && !apply_landlock (error))
    return FALSE;

#ifdef HAVE_LIBSECCOMP
  if (self->filter != NULL && !apply_seccomp (self->filter, error))
    return FALSE;
#endif

  return TRUE;
}

void
pp_sandbox_free (PpSandbox *self)
{
  if (self == NULL)
    return;
#ifdef HAVE_LIBSECCOMP
  if (self->filter != NULL)
    seccomp_release (self->filter);
#endif
  g_free (self);
}

/* Checking a worker ------------------------------------------------------------ */

gboolean
pp_sandbox_check_process (const char      *pid,
                          PpSandboxFlags   flags,
                          GError         **error)
{
  g_autofree char *path = NULL;
  g_autofree char *status = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean ok = TRUE;

  if ((flags & (PP_SANDBOX_SYSCALLS | PP_SANDBOX_FILESYSTEM)) == 0)
    return TRUE;

  path = g_strdup_printf ("/proc/%s/status", pid ? pid : "");
  if (pid == NULL || !g_file_get_contents (path, &status, NULL, &local_error))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Could not check the sandbox of the worker process: %s"),
                   local_error ? local_error->message : g_strerror (ESRCH));
      return FALSE;
    }

  /* Landlock leaves no trace here; no new privileges comes with it */
  ok = strstr (status, "\nNoNewPrivs:\t1") != NULL;
  if (flags & PP_SANDBOX_SYSCALLS)
    ok = ok && strstr (status, "\nSeccomp:\t2") != NULL;
  if (!ok)
    g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                 _("The worker process did not sandbox itself as asked: it must serve "
                   "with pp_serve_parent() or pp_listener_new_for_parent()"));
  return ok;
}

/* bubblewrap ----------------------------------------------------------------- */

/* Top-level directories that usr-merged systems make links into /usr */
static const char * const root_links[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

/* Variables whose directories a worker loads code from */
static const char * const path_variables[] = {
  "LD_LIBRARY_PATH", "GI_TYPELIB_PATH", "PYTHONPATH", "GJS_PATH",
};

static gboolean
under_usr (const char *path)
{
  return g_str_has_prefix (path, "/usr/");
}

/* What every sandbox gets: read-only /usr and the links or directories
 * into it, the dynamic linker's cache, its own /proc, /dev and /tmp, and
 * no other namespace shared with the parent. */
static void
add_base_args (GStrvBuilder *args,
               const char   *bwrap)
{
  g_strv_builder_add_many (args, bwrap, "--unshare-all", "--die-with-parent", "--new-session",
                           "--ro-bind", "/usr", "/usr", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (root_links); i++)
    {
      g_autofree char *path = g_strconcat ("/", root_links[i], NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target != NULL)
        g_strv_builder_add_many (args, "--symlink", target, path, NULL);
      else if (g_file_test (path, G_FILE_TEST_IS_DIR))
        g_strv_builder_add_many (args, "--ro-bind", path, path, NULL);
    }
  g_strv_builder_add_many (args, "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
                           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                           "--chdir", "/", NULL);
}

static char *
find_bwrap (void)
{
  return g_find_program_in_path ("bwrap");
}

/* Whether bwrap can make its namespaces here: it may be missing, or the
 * kernel or a container may forbid user namespaces. Asked once. */
static gboolean
bwrap_usable (const char *bwrap)
{
  static gsize usable;

  if (g_once_init_enter (&usable))
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) argv = NULL;
      g_autofree char *errors = NULL;
      g_autoptr(GError) error = NULL;
      int status = -1;
      gboolean ok;

      add_base_args (builder, bwrap);
      g_strv_builder_add_many (builder, "--", "true", NULL);
      argv = g_strv_builder_end (builder);
      ok = g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                         &errors, &status, &error) &&
           g_spawn_check_wait_status (status, NULL);
      if (!ok)
        g_debug ("Sandbox: %s cannot make a sandbox here: %s", bwrap,
                 error ? error->message : g_strstrip (errors));
      g_once_init_leave (&usable, ok ? 1 : 2);
    }
  return usable == 1;
}

static const char *
child_getenv (GSubprocessLauncher *launcher,
              const char          *variable)
{
  return launcher ? g_subprocess_launcher_getenv (launcher, variable) : g_getenv (variable);
}

GStrv
pp_sandbox_bwrap_argv (const char * const  *argv,
                       GSubprocessLauncher *launcher)
{
  g_autofree char *bwrap = find_bwrap ();
  g_autoptr(GStrvBuilder) args = NULL;
  g_autoptr(GPtrArray) command = g_ptr_array_new_with_free_func (g_free);

  if (bwrap == NULL)
    {
      g_debug ("Sandbox: bwrap is not installed; the worker shares this file system");
      return NULL;
    }
  if (!bwrap_usable (bwrap))
    return NULL;

  args = g_strv_builder_new ();
  add_base_args (args, bwrap);

  /* The worker's own files, read-only where they are: the program and
   * every argument that names a file (a script), by absolute path since
   * the sandbox starts in /. */
  for (guint i = 0; argv[i] != NULL; i++)
    {
      g_autofree char *path = NULL;

      if (i == 0 && strchr (argv[0], '/') == NULL)
        path = g_find_program_in_path (argv[0]);
      else if (g_file_test (argv[i], G_FILE_TEST_IS_REGULAR))
        path = g_canonicalize_filename (argv[i], NULL);

      if (path != NULL && !under_usr (path))
        g_strv_builder_add_many (args, "--ro-bind", path, path, NULL);
      g_ptr_array_add (command, path ? g_steal_pointer (&path) : g_strdup (argv[i]));
    }

  /* Where it loads libraries, typelibs and modules from */
  for (guint i = 0; i < G_N_ELEMENTS (path_variables); i++)
    {
      const char *value = child_getenv (launcher, path_variables[i]);
      g_auto(GStrv) dirs = value ? g_strsplit (value, G_SEARCHPATH_SEPARATOR_S, -1) : NULL;

      for (guint j = 0; dirs != NULL && dirs[j] != NULL; j++)
        if (g_path_is_absolute (dirs[j]) && !under_usr (dirs[j]))
          g_strv_builder_add_many (args, "--ro-bind-try", dirs[j], dirs[j], NULL);
    }

  g_strv_builder_add (args, "--");
  for (guint i = 0; i < command->len; i++)
    g_strv_builder_add (args, g_ptr_array_index (command, i));
  return g_strv_builder_end (args);
}
