/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pp-relay COMMAND [ARG…]: stands in for ssh in the tests. Starts COMMAND
 * with one end of a socket pair as its stdin and stdout (as some sshd
 * do) and copies bytes both ways between that socket and its own stdin
 * and stdout, through buffers of its own, until either side ends: a
 * process of its own between the two ends, so that nothing passes but
 * the bytes. Whatever COMMAND writes to stderr goes to ours. Exits with
 * COMMAND's status, as ssh does. */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define BUFFER_SIZE 65536

typedef struct
{
  int    from;
  int    to;
  char   data[BUFFER_SIZE];
  size_t len;
  size_t pos;
  int    eof;
} Direction;

/* Reads what is there into an empty buffer, or writes what is left;
 * returns -1 on an error */
static int
step (Direction *d,
      short      revents_from,
      short      revents_to)
{
  ssize_t n;

  if (d->len == d->pos && (revents_from & (POLLIN | POLLHUP | POLLERR)))
    {
      n = read (d->from, d->data, sizeof d->data);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
      if (n <= 0)
        {
          d->eof = 1;
          return 0;
        }
      d->len = n;
      d->pos = 0;
    }
  if (d->pos < d->len && (revents_to & POLLOUT))
    {
      n = write (d->to, d->data + d->pos, d->len - d->pos);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
      if (n < 0)
        return -1;
      d->pos += n;
    }
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  Direction up = { .from = STDIN_FILENO };     /* our stdin → the command */
  Direction down = { .to = STDOUT_FILENO };    /* the command → our stdout */
  int fds[2];
  int status = 0;
  pid_t pid;

  if (argc < 2)
    {
      fprintf (stderr, "Usage: pp-relay COMMAND [ARG…]\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      perror ("pp-relay: socketpair");
      return 1;
    }

  pid = fork ();
  if (pid < 0)
    {
      perror ("pp-relay: fork");
      return 1;
    }
  if (pid == 0)
    {
      dup2 (fds[1], STDIN_FILENO);
      dup2 (fds[1], STDOUT_FILENO);
      execvp (argv[1], argv + 1);
      fprintf (stderr, "pp-relay: %s: %s\n", argv[1], strerror (errno));
      _exit (127);
    }
  close (fds[1]);
  up.to = down.from = fds[0];

  /* Until the command's side ends; our stdin ending is passed on */
  while (!down.eof || down.pos < down.len)
    {
      struct pollfd p[3] = {
        { .fd = up.eof || up.pos < up.len ? -1 : up.from, .events = POLLIN },
        { .fd = fds[0], .events = (down.pos == down.len && !down.eof ? POLLIN : 0) |
                                  (up.pos < up.len ? POLLOUT : 0) },
        { .fd = down.pos < down.len ? down.to : -1, .events = POLLOUT },
      };

      if (poll (p, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (step (&up, p[0].revents, p[1].revents) < 0 ||
          step (&down, p[1].revents, p[2].revents) < 0)
        break;
      if (up.eof && up.pos == up.len && up.to >= 0)
        {
          shutdown (fds[0], SHUT_WR);
          up.to = -1;
          up.eof = 2;
        }
      if (down.eof && down.pos == down.len)
        break;
    }

  close (fds[0]);
  close (STDOUT_FILENO);
  if (waitpid (pid, &status, 0) < 0)
    return 255;
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}
