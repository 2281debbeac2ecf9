#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The installed copy works as the README says (TAP).
#
# Configures the source tree a second time, with a prefix of its own under
# this test's build directory (the library, pipeproxy-host, typelib, .mo and
# .pc hold their install paths, so a DESTDIR would not show whether those are
# right), installs it into that prefix, emptied first, and then, from a
# temporary directory outside the source and build trees, with an
# environment made from nothing that names only the prefix:
#   - builds consumer.c with `pkg-config --cflags --libs pipeproxy-1.0`;
#   - builds project/ (consumer.c again) with meson's dependency();
#   - runs both: each makes a GSimpleAction in a child through the installed
#     pipeproxy-host (found at its compiled-in path), calls it, and makes a
#     call the proxy refuses, whose message must come out in German under
#     LANGUAGE=de from the installed catalogue;
#   - runs consumer.py (Pp and the override) and consumer.js (Pp and the
#     helper module, imported by its file:// URL), which call the same way;
#   - runs pipeproxy-host by hand, and the pipeproxy tool;
# and checks that everything came from the prefix: no path in the
# environment and nothing loaded lies in the source or build tree outside it.
# The second build directory is kept, so only the first run compiles it all.
#
#   test-install.py SOURCE_ROOT BUILD_ROOT WORK_DIR MESON NINJA GJS PYTHON [-Doption=value…]
#
# GJS and PYTHON are empty when that language is not tested.

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

source_root, build_root, work_dir, meson, ninja, gjs, python = \
    [os.path.realpath(a) if a else '' for a in sys.argv[1:8]]
options = sys.argv[8:]
sub_build = os.path.join(work_dir, 'build')
prefix = os.path.join(work_dir, 'prefix')

results = []


def tap(ok, name, detail=''):
    results.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(results), name), flush=True)
    if detail and not ok:
        print('\n'.join('# ' + line for line in detail.rstrip().split('\n')), flush=True)
    return ok


def run(args, env, cwd, timeout=120):
    return subprocess.run(args, env=env, cwd=cwd, timeout=timeout, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def step(name, args, env, cwd):
    proc = run(args, env, cwd)
    tap(proc.returncode == 0, name,
        '' if proc.returncode == 0 else '$ %s\n%s' % (shlex.join(args), proc.stdout))
    return proc


def values(output):
    return dict(line.split('=', 1) for line in output.splitlines() if '=' in line)


def inside(path, root):
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root + os.sep)


def from_trees(path):
    """Whether path lies in the source or build tree, outside the prefix."""
    if inside(path, prefix):
        return False
    return inside(path, source_root) or inside(path, build_root)


def build_and_install():
    env = {k: v for k, v in os.environ.items()
           if k not in ('LD_LIBRARY_PATH', 'GI_TYPELIB_PATH', 'PYTHONPATH',
                        'PKG_CONFIG_PATH', 'PIPEPROXY_HOST', 'DESTDIR')}
    args = ['--prefix', prefix, '--buildtype=plain', '-Dtests=false',
            '-Dexamples=false', '-Ddocumentation=disabled'] + options
    if os.path.exists(os.path.join(sub_build, 'build.ninja')):
        proc = run([meson, 'configure', sub_build] + args, env, work_dir)
    else:
        shutil.rmtree(sub_build, ignore_errors=True)
        proc = run([meson, 'setup', sub_build, source_root] + args, env, work_dir)
    if proc.returncode == 0:
        # A kept build reads a changed meson.build only when regenerated, and
        # its list of targets is read below before anything is built
        proc = run([ninja, '-C', sub_build, 'build.ninja'], env, work_dir)
    if proc.returncode != 0:
        return tap(False, 'configure a build with prefix %s' % prefix, proc.stdout)
    # Only what is installed (not pp-bench); the test runs alone (is_parallel
    # is false), so ninja may use every core
    out = run([meson, 'introspect', '--targets', sub_build], env, work_dir).stdout
    targets = [os.path.relpath(f, sub_build) for t in json.loads(out) if t['installed']
               for f in t['filename']]
    proc = run([ninja, '-C', sub_build] + targets, env, work_dir, timeout=600)
    if proc.returncode != 0:
        return tap(False, 'build it', proc.stdout)
    shutil.rmtree(prefix, ignore_errors=True)
    proc = run([meson, 'install', '-C', sub_build, '--no-rebuild', '--quiet'], env, work_dir)
    return tap(proc.returncode == 0, 'meson install into a fresh prefix under the build directory',
               proc.stdout if proc.returncode else '')


def installed_layout():
    out = run([meson, 'introspect', '--buildoptions', sub_build], os.environ, work_dir).stdout
    opts = {o['name']: o['value'] for o in json.loads(out)}
    out = run([meson, 'introspect', '--installed', sub_build], os.environ, work_dir).stdout
    installed = list(json.loads(out).values())
    return opts, installed


def main():
    print('TAP version 13', flush=True)
    os.makedirs(work_dir, exist_ok=True)
    if not build_and_install():
        print('1..%d' % len(results))
        return 1

    opts, installed = installed_layout()
    libdir = os.path.join(prefix, opts['libdir'])
    gir = opts['introspection'] != 'disabled' and any(p.endswith('.typelib') for p in installed)
    nls = opts['nls'] != 'disabled' and any(p.endswith('.mo') for p in installed)

    expected = [
        os.path.join(libdir, 'libpipeproxy-1.0.so.0'),
        os.path.join(libdir, 'pkgconfig', 'pipeproxy-1.0.pc'),
        os.path.join(prefix, opts['includedir'], 'pipeproxy-1.0', 'pipeproxy', 'pipeproxy.h'),
        os.path.join(prefix, opts['libexecdir'], 'pipeproxy-host'),
        os.path.join(prefix, opts['bindir'], 'pipeproxy'),
        os.path.join(prefix, opts['mandir'], 'man1', 'pipeproxy.1'),
    ]
    if gir:
        expected += [
            os.path.join(libdir, 'girepository-1.0', 'Pp-1.0.typelib'),
            os.path.join(prefix, opts['datadir'], 'gir-1.0', 'Pp-1.0.gir'),
            os.path.join(prefix, opts['datadir'], 'pipeproxy-1.0', 'js', 'pipeproxy.js'),
        ]
    if nls:
        expected.append(os.path.join(prefix, opts['localedir'], 'de', 'LC_MESSAGES',
                                     'pipeproxy-1.0.mo'))
    missing = [p for p in expected if not os.path.exists(p)]
    tap(not missing, 'the files are where the README says', '\n'.join('missing: ' + p for p in missing))
    host = expected[3]
    overrides = [p for p in installed if p.endswith(os.path.join('gi', 'overrides', 'Pp.py'))]

    tmp = tempfile.mkdtemp(prefix='pp-install-test-')
    try:
        return consume(tmp, opts, libdir, host, gir, nls, overrides)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def consume(tmp, opts, libdir, host, gir, nls, overrides):
    # The environment is made from nothing: the system's PATH, and the
    # prefix's directories where the README says to set them for a prefix
    # the system does not search.
    env = {
        'PATH': '/usr/local/bin:/usr/bin:/bin',
        'HOME': tmp,
        'TMPDIR': tempfile.gettempdir(),
        'LC_ALL': 'C.UTF-8',
        'LD_LIBRARY_PATH': libdir,
        'PKG_CONFIG_PATH': os.path.join(libdir, 'pkgconfig'),
        'G_DEBUG': 'fatal-criticals',
        'PYTHONDONTWRITEBYTECODE': '1',
    }
    if gir:
        env['GI_TYPELIB_PATH'] = os.path.join(libdir, 'girepository-1.0')
    if overrides:
        env['PYTHONPATH'] = os.path.dirname(os.path.dirname(os.path.dirname(overrides[0])))
    leaks = ['%s=%s' % (k, v) for k, v in env.items()
             for p in v.split(os.pathsep) if p.startswith('/') and from_trees(p)]
    tap(not leaks and not from_trees(tmp),
        'the environment names no directory of the source or build tree but the prefix',
        '\n'.join(leaks))

    for name in ('consumer.c', 'consumer.py', 'consumer.js'):
        shutil.copy(os.path.join(HERE, name), tmp)
    project = os.path.join(tmp, 'project')
    os.makedirs(project)
    shutil.copy(os.path.join(HERE, 'project', 'meson.build'), project)
    shutil.copy(os.path.join(HERE, 'consumer.c'), project)

    programs = []
    proc = run(['pkg-config', '--cflags', '--libs', 'pipeproxy-1.0'], env, tmp)
    flags = shlex.split(proc.stdout)
    stray = [f for f in flags if f[:2] in ('-I', '-L') and from_trees(f[2:])]
    if tap(proc.returncode == 0 and not stray,
           'pkg-config --cflags --libs pipeproxy-1.0 names the prefix only',
           proc.stdout + '\n'.join(stray)):
        cc = os.environ.get('CC', 'cc')
        if step('cc consumer.c $(pkg-config --cflags --libs pipeproxy-1.0)',
                shlex.split(cc) + ['-o', 'consumer-pkgconfig', 'consumer.c'] + flags,
                env, tmp).returncode == 0:
            programs.append(('C program built with pkg-config', [os.path.join(tmp, 'consumer-pkgconfig')]))

    if step('meson setup of a project with dependency(\'pipeproxy-1.0\')',
            [meson, 'setup', '_build'], env, project).returncode == 0 and \
       step('ninja -C _build', [ninja, '-C', '_build'], env, project).returncode == 0:
        programs.append(('C program built with meson', [os.path.join(project, '_build', 'consumer')]))

    if python and gir:
        programs.append(('Python program with the override', [python, 'consumer.py']))
    if gjs and gir:
        url = 'file://' + os.path.join(prefix, opts['datadir'], 'pipeproxy-1.0', 'js', 'pipeproxy.js')
        with open(os.path.join(tmp, 'consumer.js')) as f:
            text = f.read().replace('@PIPEPROXY_JS@', url)
        with open(os.path.join(tmp, 'consumer.js'), 'w') as f:
            f.write(text)
        programs.append(('GJS program with the helper module', [gjs, '-m', 'consumer.js']))

    for name, args in programs:
        proc = run(args, env, tmp)
        got = values(proc.stdout)
        problems = []
        if proc.returncode != 0:
            problems.append('exit status %d' % proc.returncode)
        if got.get('name') != 'frobnicate':
            problems.append('the call through pipeproxy-host did not answer "frobnicate"')
        if not inside(got.get('host', ''), prefix):
            problems.append('the child ran %s, not the installed pipeproxy-host' % got.get('host'))
        for key in ('library', 'typelib', 'override'):
            if key in got and not inside(got[key], prefix):
                problems.append('%s loaded from %s, not from the prefix' % (key, got[key] or '?'))
        if not got.get('library'):
            problems.append('libpipeproxy-1.0.so.0.0.0 is not mapped')
        for entry in got.get('sys.path', '').split(':'):
            if entry and from_trees(entry):
                problems.append('sys.path holds %s' % entry)
        tap(not problems, '%s calls the installed copy' % name,
            '\n'.join(problems + [proc.stdout]))

        if nls and 'refused' in got:
            de = values(run(args, dict(env, LANGUAGE='de'), tmp).stdout).get('refused', '')
            tap(de == 'Methode „get_name“ erwartet (), (i) erhalten' and de != got['refused'],
                '%s: the refusal comes out in German under LANGUAGE=de' % name,
                'C: %s\nde: %s' % (got['refused'], de))

    proc = run([host], env, tmp)
    tap(proc.returncode == 2 and
        proc.stdout == 'Usage: pipeproxy-host [--sandbox[=LIST]] [--stdio] '
        '[--constructor=NAME [--arguments=TUPLE]] NAMESPACE VERSION TYPE [PROPERTY=VALUE…]\n',
        'pipeproxy-host without arguments prints its usage and exits with 2', proc.stdout)
    if nls:
        proc = run([host], dict(env, LANGUAGE='de'), tmp)
        tap(proc.returncode == 2 and
            proc.stdout == 'Aufruf: pipeproxy-host [--sandbox[=LISTE]] [--stdio] '
            '[--constructor=NAME [--arguments=TUPEL]] NAMENSRAUM VERSION TYP '
            '[EIGENSCHAFT=WERT…]\n',
            'pipeproxy-host prints its usage in German under LANGUAGE=de', proc.stdout)

    # The tool, from bindir, runs the host from libexecdir; its manual page
    tool = os.path.join(prefix, opts['bindir'], 'pipeproxy')
    proc = run([tool, 'call', 'Gio', '2.0', 'SimpleAction', '--prop', 'name=frobnicate',
                'get_name'], env, tmp)
    tap(proc.returncode == 0 and proc.stdout == "('frobnicate',)\n",
        'the installed pipeproxy calls a GSimpleAction made by the installed pipeproxy-host',
        proc.stdout)
    # pipeproxy serve finds the installed host too: the far end of ssh
    proc = run([tool, 'describe', '--command', shlex.join([tool, 'serve', 'Gio', '2.0', 'Menu'])],
               env, tmp)
    tap(proc.returncode == 0 and proc.stdout.startswith('type GMenu\n'),
        'the installed pipeproxy describes a GMenu served by its own serve on stdio',
        proc.stdout)
    man = os.path.join(prefix, opts['mandir'], 'man1', 'pipeproxy.1')
    tap(os.path.exists(man) and host in open(man, encoding='utf-8').read(),
        'pipeproxy(1) is installed and names the installed pipeproxy-host', man)

    print('1..%d' % len(results))
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
