# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A Python worker that its parent starts sandboxed: everything it uses is
# imported before Pp.serve_parent(), which applies the sandbox before the
# first call is read; from then on nothing can be imported from a file.

import hashlib

import pptest
from pptest import GObject, Pp


class Decoder(GObject.Object):
    __gtype_name__ = 'PpPySandboxDecoder'

    @Pp.method(in_signature='ay', out_signature='s')
    def digest(self, data):
        return hashlib.sha256(bytes(data)).hexdigest()

    @Pp.method(in_signature='s', out_signature='i')
    def try_open(self, path):
        try:
            with open(path, 'rb'):
                return 0
        except OSError as error:
            return error.errno


if __name__ == '__main__':
    pptest.check_override()
    Pp.serve_parent(Decoder())
