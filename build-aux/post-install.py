#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run by `meson install` after the files are in place (not under DESTDIR:
# packages run ldconfig in their own way). Meson 1.0, Debian 12's, does not
# run ldconfig, and the dynamic linker finds a new library in a directory of
# /etc/ld.so.conf.d, such as /usr/local/lib/x86_64-linux-gnu, only once its
# cache has been rebuilt. So, when installing as root, rebuild it.

import os
import shutil
import subprocess
import sys

if os.environ.get('DESTDIR') or os.geteuid() != 0:
    sys.exit(0)

ldconfig = shutil.which('ldconfig', path=os.pathsep.join(
    [os.environ.get('PATH', ''), '/usr/sbin', '/sbin']))
if ldconfig is not None:
    sys.exit(subprocess.run([ldconfig], check=False).returncode)
