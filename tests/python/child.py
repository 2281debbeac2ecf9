# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The child side of the Python suites, started with a connection on fd 3:
#   serve         serve a pptest.Example with a Pp.Listener until the peer goes
#   serve-parent  the same through Pp.serve_parent() (PIPEPROXY_FD)
#   seed-set      the pipe-proxy README's TEST 1: proxy.set_parameter(5)
#   seed-get      its TEST 2: exit 0 if proxy.get_parameter() == 1
#   serve-guarded serve a pptest.Example with an allowlist and authorize
#                 handlers written in Python (see test_access.py)
#   connect NAME  connect to the abstract unix socket NAME (no fd 3), make a
#                 proxy and print 'served <parameter>' or
#                 'refused <domain> <code> <message>'
#   json          serve a Json.Generator through Pp.serve_parent(), with
#                 Json.Node registered to cross as its JSON text

import socket
import sys

import pptest
from pptest import GLib, Pp


def serve():
    example = pptest.Example()
    listener = Pp.Listener.new(example, Pp.stream_new_for_fd(3))
    listener.run()


def serve_guarded():
    example = pptest.Example()
    listener = Pp.Listener.new(example, Pp.stream_new_for_fd(3))
    listener.set_allowed_members(['get_parameter', 'set_parameter', 'divide', 'add-numbers',
                                  'property:parameter', 'changed'])

    def no_dividing(listener, request):
        assert request.get_kind() == Pp.RequestKind.CALL
        assert request.get_parameters().get_type_string() == '(ii)'
        assert request.get_credentials().get_unix_user() == listener.get_peer_credentials().get_unix_user()
        request.refuse_literal(GLib.quark_from_string('pp-py-example-error-quark'), 9,
                               'No dividing here')
        return True

    def small_numbers(listener, request):
        # Calls of set_parameter and writes of the property alike
        value = request.get_parameters().unpack()[0]
        return value is None or value < 100

    listener.connect('authorize::divide', no_dividing)
    listener.connect('authorize::set_parameter', small_numbers)
    listener.connect('authorize::parameter', small_numbers)
    listener.run()


def connect(name):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect('\0' + name)
    try:
        proxy = Pp.Proxy.new_sync(Pp.stream_new_for_fd(sock.detach()), None, None)
    except GLib.Error as error:
        print('refused %s %d %s' % (error.domain, error.code, error.message), flush=True)
        return
    print('served %d' % proxy.get_parameter(), flush=True)
    proxy.close()


def serve_parent():
    Pp.serve_parent(pptest.Example())


def seed_set():
    example_proxy = Pp.Proxy.new_sync(Pp.stream_new_for_fd(3))
    example_proxy.set_parameter(5)


def seed_get():
    example_proxy = Pp.Proxy.new_sync(Pp.stream_new_for_fd(3))
    return example_proxy.get_parameter() == 1


def json():
    import gi
    gi.require_version('Json', '1.0')
    from gi.repository import Json
    pptest.register_json_node_form()
    Pp.serve_parent(Json.Generator())


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'serve':
        serve()
    elif mode == 'serve-guarded':
        serve_guarded()
    elif mode == 'connect':
        connect(sys.argv[2])
    elif mode == 'serve-parent':
        serve_parent()
    elif mode == 'seed-set':
        seed_set()
    elif mode == 'seed-get':
        sys.exit(0 if seed_get() else 1)
    elif mode == 'json':
        json()
    else:
        sys.exit('unknown mode %s' % mode)
