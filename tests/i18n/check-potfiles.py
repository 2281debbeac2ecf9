#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every message reaches the translators whole:
# - po/POTFILES.in lists exactly the source files with translatable strings:
#   every C file that marks a string with _(), N_(), C_(), NC_(), Q_() or
#   the g_dngettext()/g_dpgettext2() family is listed (else its messages
#   never reach the translators), and every file listed exists and has some
#   (else xgettext fails, or the list has gone stale);
# - no marked string is glued to a macro such as G_GSIZE_FORMAT: xgettext
#   cannot expand it, so the catalogue would hold a message cut short that
#   never matches the one looked up (cast to gulong and use %lu instead).
# Test programs are not translated, so tests/ is left out.
#
#   check-potfiles.py SOURCE_ROOT

import os
import re
import sys

MARK = re.compile(r'(?<![\w])(?:_|N_|C_|NC_|Q_|g_dngettext|g_dpgettext2?|ngettext)\s*\(')
SKIP = {'.git', 'tests', 'po', 'subprojects'}
ROOT = '.'


# A string literal inside _( ) followed by an identifier: "…%" G_GSIZE_FORMAT
GLUED = re.compile(r'(?<![\w])(?:_|N_|C_|NC_|Q_)\s*\(\s*(?:"(?:[^"\\\n]|\\.)*"\s*)+([A-Za-z_]\w*)')


def translatable(path, problems):
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    for m in GLUED.finditer(text):
        line = text.count('\n', 0, m.start()) + 1
        problems.append('%s:%d: a translatable string is glued to %s, which xgettext '
                        'cannot expand' % (os.path.relpath(path, ROOT), line, m.group(1)))
    return MARK.search(text) is not None


def main(root):
    global ROOT
    ROOT = root
    found = set()
    problems = []
    for directory, dirs, files in os.walk(root):
        rel = os.path.relpath(directory, root)
        # Build directories (anywhere) and hidden ones are not sources
        dirs[:] = [d for d in dirs
                   if not d.startswith('.') and not (rel == '.' and d in SKIP)
                   and not os.path.exists(os.path.join(directory, d, 'meson-private'))]
        for name in files:
            if name.endswith(('.c', '.h')):
                path = os.path.join(directory, name)
                if translatable(path, problems):
                    found.add(os.path.relpath(path, root))

    listed = []
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                listed.append(line)

    for path in sorted(found - set(listed)):
        problems.append('%s has translatable strings but is not in po/POTFILES.in' % path)
    for path in listed:
        full = os.path.join(root, path)
        if not os.path.exists(full):
            problems.append('po/POTFILES.in lists %s, which does not exist' % path)
        elif path not in found:
            problems.append('po/POTFILES.in lists %s, which has no translatable strings' % path)
    if len(set(listed)) != len(listed):
        problems.append('po/POTFILES.in lists a file twice')
    if listed != sorted(listed):
        problems.append('po/POTFILES.in is not sorted')

    for problem in problems:
        print(problem)
    if problems:
        print('Once fixed, update the catalogues: ninja -C _build pipeproxy-1.0-update-po')
        return 1
    print('po/POTFILES.in lists the %d files with translatable strings' % len(listed))
    return 0


if __name__ == '__main__':
    sys.exit(main(os.path.abspath(sys.argv[1])))
