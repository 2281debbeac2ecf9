#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The pipe-proxy README example, with pipeproxy: an object with
# set_parameter()/get_parameter() stays in this process; another process
# uses it through a proxy as if it were its own.

import subprocess
import sys

import gi
gi.require_version('Pp', '1.0')
from gi.repository import GLib, GObject, Gio, Pp  # noqa: E402


class Example(GObject.Object):
    def __init__(self):
        super().__init__()
        self.parameter = None

    @Pp.method(in_signature='i')
    def set_parameter(self, parameter):
        print('setting parameter to: ' + str(parameter))
        self.parameter = parameter

    @Pp.method(out_signature='i')
    def get_parameter(self):
        print('getting parameter: ' + str(self.parameter))
        return self.parameter


def child(test):
    """The other process: it only has the proxy, on its fd 3."""
    example_proxy = Pp.Proxy.new_sync(Pp.stream_new_for_fd(3))
    if test == 'set':
        example_proxy.set_parameter(5)
        return 0
    return 0 if example_proxy.get_parameter() == 1 else 1


def run_in_child(example, test):
    """Serves example to a child that runs test, until the child is done."""
    listener, stream = Pp.Listener.new_pair(example)
    fd = Pp.stream_steal_fd(stream)
    launcher = Gio.SubprocessLauncher.new(Gio.SubprocessFlags.NONE)
    launcher.take_fd(fd, 3)
    process = launcher.spawnv([sys.executable, __file__, '--child', test])
    launcher.close()

    done = []
    process.wait_async(None, lambda p, result: done.append(p.wait_finish(result)))
    context = GLib.MainContext.default()
    while not done:
        context.iteration(True)
    listener.close()
    return process.get_if_exited() and process.get_exit_status() == 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--child':
        return child(sys.argv[2])

    example = Example()

    # TEST 1
    assert run_in_child(example, 'set')
    assert example.get_parameter() == 5

    # TEST 2
    example.set_parameter(1)
    assert run_in_child(example, 'get')

    print('both tests passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
