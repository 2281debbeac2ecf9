# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run by tests/install/test-install.py with Debian's /usr/bin/python3 against
# the installed pipeproxy only: imports Pp and its override, makes a
# GSimpleAction in a child through the installed pipeproxy-host and calls it
# through the override, and prints where each piece came from.

import os
import sys

import gi
gi.require_version('Pp', '1.0')
gi.require_version('GIRepository', '2.0')
from gi.repository import GIRepository, Pp  # noqa: E402

proxy = Pp.Proxy.new_for_type_sync('Gio', '2.0', 'SimpleAction', ['name=frobnicate'])
print('name=%s' % proxy.get_name())     # a Python method, made by the override

library = ''
with open('/proc/self/maps') as maps:
    for line in maps:
        if line.rstrip().endswith('/libpipeproxy-1.0.so.0.0.0'):
            library = line[line.index('/'):].rstrip()
print('library=%s' % library)
print('host=%s' % os.readlink('/proc/%s/exe' % proxy.get_subprocess().get_identifier()))
print('typelib=%s' % GIRepository.Repository.get_default().get_typelib_path('Pp'))
print('override=%s' % sys.modules['gi.overrides.Pp'].__file__)
print('sys.path=%s' % ':'.join(sys.path))
