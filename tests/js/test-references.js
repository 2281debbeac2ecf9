// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Objects and boxed values by reference, through the helper module, against
// real types hosted in a child by pipeproxy-host: objects of this process in
// the child's GListStore and GSimpleActionGroup (and called back from
// there), objects the child returns arriving as wrapped proxies to call and
// connect to, the same wrapper for the same object, and a Json.Builder's
// nodes as references to the child's copies.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Pp from 'gi://Pp?version=1.0';

import * as Pipeproxy from '../../introspection/pipeproxy.js';
import {assert, assertEqual, assertRejects, assertThrows, run, waitFor} from './harness.js';

Gio._promisify(Pp.Proxy, 'new_for_type_async', 'new_for_type_finish');
Gio._promisify(Pp.Proxy, 'new_for_type_full_async', 'new_for_type_full_finish');

function haveTypelib(namespace, version) {
    try {
        imports.gi.versions[namespace] = version;
        return imports.gi[namespace] !== undefined;
    } catch {
        return false;
    }
}

async function host(namespace, version, name, properties = [], constructor = null,
    args = null) {
    const proxy = constructor === null
        ? await Pp.Proxy.new_for_type_async(namespace, version, name, properties, null, null)
        : await Pp.Proxy.new_for_type_full_async(namespace, version, name, constructor, args,
            properties, null, null);
    return Pipeproxy.wrap(proxy);
}

async function hosted(args, body) {
    const proxy = await host(...args);
    try {
        await body(proxy);
    } finally {
        Pp.Proxy.prototype.close.call(Pipeproxy.unwrap(proxy));
    }
}

// A JavaScript action: what the child's activate_action() calls back adds
// up here
const Counter = GObject.registerClass({GTypeName: 'PpJsTestCounter'},
    class Counter extends Gio.SimpleAction {
        constructor(name) {
            super({name, parameter_type: new GLib.VariantType('u')});
            this.total = 0;
            this.connect('activate', (action, parameter) => {
                this.total += parameter.unpack();
            });
        }
    });

const Item = GObject.registerClass({
    GTypeName: 'PpJsTestItem',
    Properties: {
        label: GObject.ParamSpec.string('label', '', '', GObject.ParamFlags.READWRITE, ''),
    },
}, class Item extends GObject.Object {});

const cases = [
    ['our objects in a GListStore of the child', () => hosted(
        ['Gio', '2.0', 'ListStore', ['item-type=GObject']], async store => {
            const action = Gio.SimpleAction.new('go', null);
            const item = new Item({label: 'first'});
            await store.append(action);
            store.sync.append(item);
            assertEqual(await store.get_n_items(), 2);
            // They come back as themselves, never as proxies of proxies
            assert(await store.get_item(0) === action, 'the action came back');
            assert(store.sync.get_item(1) === item, 'the item came back');
            assertEqual((await store.get_item(1)).label, 'first');
            assertEqual(await store.find(item), [true, 1]);
            assertEqual(await store.get_item(10), null);
            await Pipeproxy.call(store, 'insert', [0, item]);
            assert(Pipeproxy.callSync(store, 'get_item', [0]) === item, 'call() converts too');
            let error = null;
            try {
                await store.append('text');
            } catch (e) {
                error = e;
            }
            assert(error?.matches(Pp.error_quark(), Pp.Error.INVALID_ARGUMENTS),
                `a string for an object: ${error}`);
            assert(error.message.includes('expected an object'), error.message);
        })],
    ['our action called back by a GSimpleActionGroup of the child', () => hosted(
        ['Gio', '2.0', 'SimpleActionGroup'], async group => {
            const counter = new Counter('count');
            await group.add_action(counter);
            assertEqual(await group.list_actions(), ['count']);
            await group.activate_action('count', new GLib.Variant('u', 5));
            // Also while this thread waits in a blocking call: it serves
            // the child's call back itself
            group.sync.activate_action('count', new GLib.Variant('u', 2));
            assertEqual(counter.total, 7);
            assert(await group.lookup_action('count') === counter, 'lookup gives ours');

            // The child connected to our action's notify::enabled
            const changes = [];
            group.connect('action-enabled-changed', (g, name, enabled) =>
                changes.push([name, enabled]));
            counter.set_enabled(false);
            await waitFor(() => changes.length > 0, 'action-enabled-changed');
            assertEqual(changes, [['count', false]]);
        })],
    ['objects the child returns are wrapped proxies', async () => {
        const directory = GLib.dir_make_tmp('pp-refs-XXXXXX');
        try {
            const path = new TextEncoder().encode(`${directory}\0`);
            await hosted(['Gio', '2.0', 'File', [], 'new_for_path',
                new GLib.Variant('(ay)', [path])], async file => {
                const parent = await file.get_parent();
                assert(Pipeproxy.unwrap(parent) instanceof Pp.Proxy, 'a proxy');
                assertEqual(await parent.get_uri(), `file://${GLib.path_get_dirname(directory)}`);
                assertEqual(await file.has_parent(parent), true);

                const monitor = await file.monitor_directory(Gio.FileMonitorFlags.NONE);
                assert(monitor.get_remote_type_name().endsWith('FileMonitor'),
                    monitor.get_remote_type_name());
                const seen = [];
                monitor.connect('notify::rate-limit', m => seen.push(m.rate_limit));
                await monitor.set_rate_limit(1234);
                await waitFor(() => seen.length > 0, 'notify::rate-limit');
                assertEqual(seen, [1234]);
                assertEqual(await monitor.cancel(), true);
                assertEqual(monitor.sync.is_cancelled(), true);
            });
        } finally {
            GLib.rmdir(directory);
        }
    }],

    ['a refused method says why, by any name', () => hosted(
        ['Gio', '2.0', 'ListStore', ['item-type=GObject']], async store => {
            for (const [what, get] of [['wrapped', () => store.sort],
                ['blocking', () => store.sync.sort]]) {
                let error = null;
                try {
                    get();
                } catch (e) {
                    error = e;
                }
                assert(error instanceof TypeError && error.message.includes('compare_func'),
                    `${what}: ${error}`);
            }
            // Called by name, the listener says why
            await assertRejects(Pipeproxy.call(store, 'sort', []), Pp.Error,
                Pp.Error.ACCESS_DENIED, 'compare_func');
            assertThrows(() => Pipeproxy.callSync(store, 'sort', []), Pp.Error,
                Pp.Error.ACCESS_DENIED, 'compare_func');
        })],

    ['the proxy\'s own methods never hide the remote ones', () => hosted(
        ['Gio', '2.0', 'MemoryInputStream'], async stream => {
            const proxy = Pipeproxy.unwrap(stream);
            assertEqual(await stream.is_closed(), false);
            await stream.close();                     // the remote stream's close()
            assertEqual(stream.sync.is_closed(), true);
            // The proxy's own, on the Pp.Proxy or through the prototype
            assertEqual(proxy.is_closed(), false, 'the connection is open');
            assertEqual(Pp.Proxy.prototype.is_closed.call(proxy), false);
            Pp.Proxy.prototype.close.call(proxy);
            assertEqual(proxy.is_closed(), true);
            await assertRejects(stream.is_closed(), Pp.Error, Pp.Error.DISCONNECTED);
        })],
];

if (haveTypelib('Gtk', '4.0')) {
    cases.push(['the same wrapper for the same object', () => hosted(
        ['Gtk', '4.0', 'StringList', [], 'new', new GLib.Variant('(mas)', [['a', 'b']])],
        async strings => {
            const first = await strings.get_item(0);
            assert(await strings.get_item(0) === first, 'the same wrapper');
            assert(await strings.get_item(1) !== first, 'another one');
            assertEqual(await first.get_string(), 'a');
            assertEqual(first.string, 'a');
        })]);
}

if (haveTypelib('Json', '1.0')) {
    cases.push(['a Json.Builder and its nodes by reference', () => hosted(
        ['Json', '1.0', 'Builder'], async builder => {
            // Each method returns the builder: the wrapper itself
            assert(await builder.begin_object() === builder, 'the builder itself');
            await builder.set_member_name('name');
            await builder.add_string_value('pipeproxy');
            await (await (await builder.set_member_name('n')).begin_array()).add_int_value(1);
            await builder.end_array();
            await builder.end_object();

            const root = await builder.get_root();
            assertEqual(root.get_remote_type_name(), 'JsonNode');
            const object = await root.get_object();
            assertEqual(object.get_remote_type_name(), 'JsonObject');
            assertEqual(await object.get_string_member('name'), 'pipeproxy');
            assertEqual((await object.get_members()).sort(), ['n', 'name']);

            // Passed back: the builder copies that very node
            await builder.reset();
            await builder.begin_array();
            await builder.add_value(root);
            await builder.end_array();
            const array = await (await builder.get_root()).get_array();
            assertEqual(await array.get_length(), 1);
            const element = await array.get_object_element(0);
            assertEqual(await element.get_string_member('name'), 'pipeproxy');
        })]);
}

await run(cases, 25);
