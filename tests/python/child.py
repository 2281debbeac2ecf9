# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The child side of the Python suites, started with a connection on fd 3:
#   serve         serve a pptest.Example with a Pp.Listener until the peer goes
#   serve-parent  the same through Pp.serve_parent() (PIPEPROXY_FD)
#   seed-set      the pipe-proxy README's TEST 1: proxy.set_parameter(5)
#   seed-get      its TEST 2: exit 0 if proxy.get_parameter() == 1

import sys

import pptest
from pptest import Pp


def serve():
    example = pptest.Example()
    listener = Pp.Listener.new(example, Pp.stream_new_for_fd(3))
    listener.run()


def serve_parent():
    Pp.serve_parent(pptest.Example())


def seed_set():
    example_proxy = Pp.Proxy.new_sync(Pp.stream_new_for_fd(3))
    example_proxy.set_parameter(5)


def seed_get():
    example_proxy = Pp.Proxy.new_sync(Pp.stream_new_for_fd(3))
    return example_proxy.get_parameter() == 1


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'serve':
        serve()
    elif mode == 'serve-parent':
        serve_parent()
    elif mode == 'seed-set':
        seed_set()
    elif mode == 'seed-get':
        sys.exit(0 if seed_get() else 1)
    else:
        sys.exit('unknown mode %s' % mode)
