#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every catalogue in po/LINGUAS translates every message of the sources,
# as they are now: the template is made again from po/POTFILES.in with the
# keywords of meson's 'glib' preset (what `ninja pipeproxy-1.0-pot` uses),
# each catalogue merged with it in a scratch directory, and any message
# left untranslated or fuzzy is named. Fix with `ninja -C _build
# pipeproxy-1.0-update-po` and translate what it marks.
#
#   check-catalogues.py SOURCE_ROOT

import os
import shutil
import subprocess
import sys
import tempfile

KEYWORDS = ['_', 'N_', 'C_:1c,2', 'NC_:1c,2', 'g_dcgettext:2', 'g_dngettext:2,3',
            'g_dpgettext2:2c,3']
FLAGS = ['N_:1:pass-c-format', 'C_:2:pass-c-format', 'NC_:2:pass-c-format',
         'g_dngettext:2:pass-c-format', 'g_strdup_printf:1:c-format',
         'g_string_printf:2:c-format', 'g_string_append_printf:2:c-format',
         'g_error_new:3:c-format', 'g_set_error:4:c-format',
         'g_markup_printf_escaped:1:c-format', 'g_log:3:c-format', 'g_print:1:c-format',
         'g_printerr:1:c-format', 'g_printf:1:c-format', 'g_fprintf:2:c-format',
         'g_sprintf:2:c-format', 'g_snprintf:3:c-format']


def main():
    root = sys.argv[1]
    po = os.path.join(root, 'po')
    for tool in ('xgettext', 'msgmerge', 'msgattrib', 'msgfmt'):
        if shutil.which(tool) is None:
            print(f'1..0 # SKIP {tool} is not installed')
            return 0
    with open(os.path.join(po, 'LINGUAS'), encoding='utf-8') as f:
        languages = [w for line in f if not line.startswith('#') for w in line.split()]

    print(f'1..{len(languages)}')
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        template = os.path.join(scratch, 'messages.pot')
        subprocess.run(['xgettext', '--from-code=UTF-8', '--add-comments', '--directory', root,
                        '--files-from', os.path.join(po, 'POTFILES.in'), '-o', template]
                       + ['--keyword=' + k for k in KEYWORDS] + ['--flag=' + f for f in FLAGS],
                       check=True)
        for number, language in enumerate(languages, 1):
            merged = os.path.join(scratch, language + '.po')
            subprocess.run(['msgmerge', '--quiet', os.path.join(po, language + '.po'), template,
                            '-o', merged], check=True)
            statistics = subprocess.run(['msgfmt', '--statistics', '-o', os.devnull, merged],
                                        check=True, capture_output=True, text=True).stderr
            if 'fuzzy' in statistics or 'untranslated' in statistics:
                failed += 1
                print(f'not ok {number} - {language}: {statistics.strip()}')
                for which in ('--untranslated', '--only-fuzzy'):
                    listed = subprocess.run(['msgattrib', which, '--no-obsolete', '--no-location',
                                             merged],
                                            check=True, capture_output=True, text=True).stdout
                    # the header entry comes first; the messages after it
                    for line in listed.split('\n\n', 1)[-1].splitlines():
                        print('# ' + line)
            else:
                print(f'ok {number} - {language}: {statistics.strip()}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
