#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The guide pages (docs/*.md) are plain Markdown that reads well on a forge:
# API names are written as C in code spans, `PpProxy`, `pp_proxy_call_sync()`,
# `PpProxy::closed`, `PpProxy:default-timeout`, never in gi-docgen's link
# syntax. This turns every such code span that names a symbol of the GIR
# into gi-docgen's link (`[method@Pp.Proxy.call_sync]`, which gi-docgen
# renders as the linked name in code font), outside fenced code blocks;
# turns the heading on the first line, `# Overview`, into the `Title:`
# gi-docgen wants there; points images (`![…](images/x.png)`, which
# gi-docgen copies next to the pages as content_images) at where they end
# up; and writes the pages into OUTDIR for gi-docgen's --content-dir.
#
#   link-pages.py GIR OUTDIR PAGE.md…
#   link-pages.py --check GIR PAGE.md…    fails on link syntax in a page, and
#                                         on a pp_/Pp name the GIR lacks
#
# Only exact names are linked: `pp_proxy_call_sync (proxy, …)` stays code.

import os
import re
import sys
import xml.etree.ElementTree as ET

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C = '{http://www.gtk.org/introspection/c/1.0}'
GLIB = '{http://www.gtk.org/introspection/glib/1.0}'

TYPE_FRAGMENTS = {
    'class': 'class', 'interface': 'iface', 'record': 'struct', 'union': 'struct',
    'enumeration': 'enum', 'bitfield': 'flags', 'callback': 'callback', 'alias': 'alias',
}
CALLABLES = {'constructor': 'ctor', 'method': 'method', 'function': 'func'}

CODE_SPAN = re.compile(r'`([^`\n]+)`')
FENCE = re.compile(r'^\s*(```|~~~)')
LINK_SYNTAX = re.compile(r'\[`?(alias|callback|class|const|ctor|enum|error|flags|func|id|iface|'
                         r'method|property|signal|struct|type|vfunc)@[^\]]+\]')
API_NAME = re.compile(r'^(pp_\w+\(\)|Pp[A-Z]\w*(::?[\w-]+)?)$')


def symbols(gir):
    """C name as written in a page → gi-docgen link."""
    root = ET.parse(gir).getroot()
    ns = root.find(CORE + 'namespace')
    nsname = ns.get('name')
    links = {}
    for node in ns:
        tag = node.tag[len(CORE):] if node.tag.startswith(CORE) else None
        name = node.get('name')
        if tag in CALLABLES:
            # A function also listed under its type (pp_error_quark() as
            # Pp.Error.quark) links to that page
            links.setdefault(node.get(C + 'identifier') + '()', 'func@%s.%s' % (nsname, name))
            continue
        if tag == 'constant':
            links[node.get(C + 'type')] = 'const@%s.%s' % (nsname, name)
            continue
        if tag not in TYPE_FRAGMENTS or node.get(GLIB + 'is-gtype-struct-for'):
            continue
        fragment = TYPE_FRAGMENTS[tag]
        if tag == 'enumeration' and node.get(GLIB + 'error-domain'):
            fragment = 'error'
        ctype = node.get(C + 'type') or node.get(GLIB + 'type-name')
        if ctype:
            links[ctype] = '%s@%s.%s' % (fragment, nsname, name)
        for child in node:
            ctag = child.tag[len(CORE):] if child.tag.startswith(CORE) else None
            if ctag in CALLABLES and child.get(C + 'identifier'):
                links[child.get(C + 'identifier') + '()'] = \
                    '%s@%s.%s.%s' % (CALLABLES[ctag], nsname, name, child.get('name'))
            elif ctag == 'property' and ctype:
                links['%s:%s' % (ctype, child.get('name'))] = \
                    'property@%s.%s:%s' % (nsname, name, child.get('name'))
            elif child.tag == GLIB + 'signal' and ctype:
                links['%s::%s' % (ctype, child.get('name'))] = \
                    'signal@%s.%s::%s' % (nsname, name, child.get('name'))
    return links


def pages(paths):
    for path in paths:
        with open(path, encoding='utf-8') as f:
            yield path, f.read().split('\n')


def link(lines, links):
    out = []
    fenced = False
    if lines and lines[0].startswith('# '):
        lines = ['Title: ' + lines[0][2:]] + lines[1:]
    for line in lines:
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            def replace(m):
                target = links.get(m.group(1))
                if target is None:
                    return m.group(0)
                return '[%s]' % target
            line = CODE_SPAN.sub(replace, line)
            line = line.replace('](images/', '](')
        out.append(line)
    return out


def check(lines, links, path):
    problems = []
    fenced = False
    for number, line in enumerate(lines, 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        for m in LINK_SYNTAX.finditer(line):
            problems.append('%s:%d: %s is gi-docgen link syntax, which a forge shows as it is: '
                            'write the C name in a code span' % (path, number, m.group(0)))
        for m in CODE_SPAN.finditer(line):
            if API_NAME.match(m.group(1)) and m.group(1) not in links:
                problems.append('%s:%d: `%s` is not in the GIR' % (path, number, m.group(1)))
    return problems


def main(args):
    if args[0] == '--check':
        links = symbols(args[1])
        problems = []
        for path, lines in pages(args[2:]):
            problems += check(lines, links, os.path.relpath(path))
        print('\n'.join(problems) if problems else 'The pages read as Markdown and name known symbols')
        return 1 if problems else 0

    links = symbols(args[0])
    os.makedirs(args[1], exist_ok=True)
    for path, lines in pages(args[2:]):
        with open(os.path.join(args[1], os.path.basename(path)), 'w', encoding='utf-8') as f:
            f.write('\n'.join(link(lines, links)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
