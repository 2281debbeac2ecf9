// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Values of a boxed type whose form is registered from JavaScript, in this
// process and in a gjs child serving a Json.Generator: a Json.Node set from
// here, read back through the mirrored property, text that is not JSON
// refused; and the proxy's own close() never hiding a remote one.

import GLib from 'gi://GLib';
import Json from 'gi://Json?version=1.0';
import Pp from 'gi://Pp?version=1.0';

import * as Pipeproxy from '../../introspection/pipeproxy.js';
import {assert, assertEqual, assertRejects, gjsPath, run, sibling} from './harness.js';
import {registerJsonNodeForm} from './json-form.js';

const CHILD = sibling(import.meta.url, 'values-child.js');

await run([
    ['a Json.Node crosses as its registered form', async () => {
        assertEqual(Pp.boxed_get_value_type(Json.Node), null);
        registerJsonNodeForm(true);
        assertEqual(Pp.boxed_get_value_type(Json.Node).dup_string(), 's');

        const {subprocess, stream} = Pipeproxy.spawn([gjsPath(), '-m', CHILD]);
        const generator = await Pipeproxy.newProxy(stream);
        try {
            const node = Json.from_string('{"name": "pipeproxy", "sizes": [1, 2.5, null]}');
            // The argument is packed with the registered function, the
            // mirrored property is a Json.Node made here by the other one
            await generator.set_root(node);
            const [text] = await generator.to_data();
            assertEqual(Json.from_string(text).get_object().get_string_member('name'),
                'pipeproxy');
            const root = generator.root;
            assert(root instanceof Json.Node, `root is ${root}`);
            assert(root.equal(node), 'the node came back equal');
            await assertRejects(generator.set_root('{not json'), Pp.error_quark(),
                Pp.Error.INVALID_ARGUMENTS, 'JsonNode');
        } finally {
            Pipeproxy.unwrap(generator).close();
            subprocess.wait(null);
        }
    }],
    ['a remote close() closes the remote stream', async () => {
        const stream = Pipeproxy.wrap(await new Promise((resolve, reject) => {
            Pp.Proxy.new_for_type_async('Gio', '2.0', 'MemoryInputStream', null, null, null,
                (source, result) => {
                    try {
                        resolve(Pp.Proxy.new_for_type_finish(result));
                    } catch (e) {
                        reject(e);
                    }
                });
        }));
        try {
            assertEqual(await stream.is_closed(), false);
            await stream.close();
            assertEqual(await stream.is_closed(), true);
            assertEqual(Pipeproxy.unwrap(stream).is_closed(), false);
        } finally {
            Pipeproxy.unwrap(stream).close();
        }
    }],
]);
