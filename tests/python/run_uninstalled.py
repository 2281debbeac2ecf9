#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs a Python program (an example) against the Pp override of the source
# tree, as if it were installed: PyGObject finds gi/overrides/Pp.py (which
# imports _pp_variant.py next to it) in any directory on sys.path, so one is
# made and put on PYTHONPATH, which child processes inherit too.

import os
import shutil
import subprocess
import sys
import tempfile


def main():
    source = os.path.abspath(os.environ['PP_TEST_OVERRIDES_DIR'])
    root = tempfile.mkdtemp(prefix='pp-overrides-')
    try:
        overrides = os.path.join(root, 'gi', 'overrides')
        os.makedirs(overrides)
        for name in ('Pp.py', '_pp_variant.py'):
            os.symlink(os.path.join(source, name), os.path.join(overrides, name))
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(filter(None, [root, env.get('PYTHONPATH')]))
        env['PYTHONDONTWRITEBYTECODE'] = '1'
        return subprocess.call([sys.executable] + sys.argv[1:], env=env)
    finally:
        shutil.rmtree(root)


if __name__ == '__main__':
    sys.exit(main())
