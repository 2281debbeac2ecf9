# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Shared by listener.py and proxy.py: makes PyGObject load the Pp override
# from the source tree (PP_TEST_OVERRIDES_DIR, set by meson.build), as
# tests/python/pptest.py does, then imports Pp. GI_TYPELIB_PATH and
# LD_LIBRARY_PATH come from meson.

import os
import sys

sys.dont_write_bytecode = True   # nothing lands in the source tree

import gi                        # noqa: E402
import gi.overrides              # noqa: E402

_overrides = os.environ.get('PP_TEST_OVERRIDES_DIR')
if _overrides:
    gi.overrides.__path__.insert(0, os.path.abspath(_overrides))

gi.require_version('Pp', '1.0')
from gi.repository import GLib, GObject, Gio, Pp   # noqa: E402,F401

assert Pp.Proxy.__module__ == 'gi.overrides.Pp', 'the Pp override is not loaded'
