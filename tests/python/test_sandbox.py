# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A sandboxed Python worker (sandbox_child.py): Pp.Options(sandbox=...)
# from Python; the worker computes on what it is sent and is refused files.

import errno
import hashlib
import os
import sys
import unittest

import pptest
from pptest import GLib, Pp

CHILD = os.path.join(pptest.HERE, 'sandbox_child.py')


class SandboxTestCase(unittest.TestCase):
    def test_sandboxed_worker(self):
        options = Pp.Options(sandbox=Pp.SandboxFlags.SYSCALLS | Pp.SandboxFlags.FILESYSTEM)
        try:
            proxy = Pp.Proxy.new_for_subprocess_sync(None, [sys.executable, CHILD], options)
        except GLib.Error as error:
            if 'without libseccomp' in error.message:
                self.skipTest(error.message)
            raise
        process = proxy.get_subprocess()
        with open('/proc/%s/status' % process.get_identifier()) as status:
            self.assertIn('Seccomp:\t2', status.read())

        data = bytes(range(256)) * 4096
        self.assertEqual(proxy.digest(data), hashlib.sha256(data).hexdigest())
        self.assertEqual(proxy.try_open('/etc/passwd'), errno.EPERM)
        self.assertEqual(proxy.try_open(CHILD), errno.EPERM)

        proxy.close()
        self.assertEqual(pptest.wait_process(process), 0)


if __name__ == '__main__':
    pptest.main()
