// SPDX-License-Identifier: LGPL-2.1-or-later
//
// parameter.js: the pipe-proxy README example in JavaScript (GJS).
//
// The parent process owns an Example object, a GObject class defined in
// JavaScript, and serves it. It starts itself again with --child, handing
// over the other end of a socket pair as fd 3; the child makes a proxy of
// it, calls set_parameter(5) and get_parameter(), and exits. The parent then
// checks that its own object really holds 5, and exits 0 only if everything
// went right.
//
//   $ gjs -m examples/parameter.js
//
// Run from the build tree with GI_TYPELIB_PATH=_build/introspection and
// LD_LIBRARY_PATH=_build/pipeproxy. Installed, the helper module is
// imported from its installed place instead (/usr/share/… with --prefix=/usr):
//   import * as Pipeproxy from 'file:///usr/local/share/pipeproxy-1.0/js/pipeproxy.js';

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import System from 'system';

import * as Pipeproxy from '../introspection/pipeproxy.js';

Gio._promisify(Gio.Subprocess.prototype, 'wait_check_async', 'wait_check_finish');

// A tiny object with a parameter, like the Example class of the original.
const Example = GObject.registerClass({
    GTypeName: 'ExampleThing',
}, class Example extends GObject.Object {
    constructor() {
        super();
        this.parameter = null;
    }

    set_parameter(parameter) {
        print(`parent: setting parameter to: ${parameter}`);
        this.parameter = parameter;
    }

    get_parameter() {
        print(`parent: getting parameter: ${this.parameter}`);
        return this.parameter;
    }
});

// The child: the proxy side.
async function runChild() {
    // fd 3 is the socket the parent passed down.
    const example = Pipeproxy.newProxyForFd(3);
    print(`child: got a proxy of a ${example.get_remote_type_name()}`);

    // The arguments are packed with the methods' signatures, which the
    // proxy learnt from the parent: set_parameter takes (i).
    await example.set_parameter(5);
    const parameter = await example.get_parameter();
    print(`child: get_parameter() returned ${parameter}`);

    Pipeproxy.unwrap(example).close();
    return parameter === 5 ? 0 : 1;
}

// The parent: the listener side.
async function runParent() {
    const thing = new Example();
    const self = GLib.filename_from_uri(import.meta.url)[0];
    let gjs = 'gjs';
    try {
        gjs = GLib.file_read_link('/proc/self/exe');
    } catch {}

    const {subprocess, stream} = Pipeproxy.spawn([gjs, '-m', self, '--child']);

    // Example has no typelib, so its two methods are exported by hand, with
    // their GVariant signatures. They run here, in the main context; the
    // arguments have already been checked against the in-signature.
    const listener = Pipeproxy.serve(thing, stream, {
        methods: {
            set_parameter: {in: '(i)', impl: thing.set_parameter},
            get_parameter: {out: '(i)', impl: thing.get_parameter},
        },
    });

    // Answer calls until the child goes away (listener.listen() in Python).
    await Pipeproxy.closed(listener);

    try {
        await subprocess.wait_check_async(null);
    } catch (e) {
        printerr(`parent: the child failed: ${e.message}`);
        return 1;
    }
    if (thing.parameter !== 5) {
        printerr(`parent: the object's parameter is ${thing.parameter}, not 5`);
        return 1;
    }
    print(`parent: the child exited cleanly and the object's parameter is ${thing.parameter}`);
    return 0;
}

const args = System.programArgs;
let status;
if (args.length === 1 && args[0] === '--child') {
    status = await runChild();
} else if (args.length === 0) {
    status = await runParent();
} else {
    printerr('Usage: gjs -m parameter.js');
    status = 1;
}
System.exit(status);
