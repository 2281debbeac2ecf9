// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Run by tests/install/test-install.py with `gjs -m` against the installed
// pipeproxy only: imports the installed helper module (the URL is filled in
// by the test, as a program would write it), makes a GSimpleAction in a
// child through the installed pipeproxy-host and calls it through the
// helper, and prints where each piece came from.

import GIRepository from 'gi://GIRepository?version=2.0';
import GLib from 'gi://GLib';
import System from 'system';
import * as Pipeproxy from '@PIPEPROXY_JS@';

const Pp = Pipeproxy.Pp;
const loop = new GLib.MainLoop(null, false);
let status = 1;

async function main() {
    const proxy = Pp.Proxy.new_for_type_sync('Gio', '2.0', 'SimpleAction',
        ['name=frobnicate'], null, null);
    const action = Pipeproxy.wrap(proxy);
    print(`name=${await action.get_name()}`);
    print(`sync=${action.sync.get_name()}`);

    const [, maps] = GLib.file_get_contents('/proc/self/maps');
    const library = new TextDecoder().decode(maps).split('\n')
        .filter(line => line.endsWith('/libpipeproxy-1.0.so.0.0.0'))
        .map(line => line.slice(line.indexOf('/')))[0] ?? '';
    print(`library=${library}`);
    const pid = proxy.get_subprocess().get_identifier();
    print(`host=${GLib.file_read_link(`/proc/${pid}/exe`)}`);
    print(`typelib=${GIRepository.Repository.get_default().get_typelib_path('Pp')}`);
}

main().then(() => {
    status = 0;
}).catch(e => {
    printerr(`${e}\n${e.stack ?? ''}`);
}).finally(() => loop.quit());
loop.run();
System.exit(status);
