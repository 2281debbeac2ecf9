# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Objects and boxed values by reference, through the Pp override, against
# real types hosted in a child by pipeproxy-host: objects of this process
# handed to the child's GListStore and GSimpleActionGroup (and called back
# from there), objects the child returns arriving as proxies to call and
# connect to, the same proxy for the same object, and a Json.Builder's
# nodes as references to the child's copies.

import gc
import os
import shutil
import tempfile
import unittest
import weakref

import gi

import pptest
from pptest import GLib, GObject, Gio, Pp


def have_typelib(namespace, version):
    try:
        gi.require_version(namespace, version)
        return True
    except ValueError:
        return False


class Counter(Gio.SimpleAction):
    """A Python action: what the child's activate_action() calls back adds
    up here."""

    __gtype_name__ = 'PpPyTestCounter'

    def __init__(self, name):
        super().__init__(name=name, parameter_type=GLib.VariantType('u'))
        self.total = 0
        self.connect('activate', self._on_activate)

    def _on_activate(self, action, parameter):
        self.total += parameter.unpack()


class Item(GObject.Object):
    __gtype_name__ = 'PpPyTestItem'

    label = GObject.Property(type=str, default='')


class ReferencesTestCase(unittest.TestCase):
    def setUp(self):
        self.proxies = []

    def tearDown(self):
        for proxy in self.proxies:
            Pp.Proxy.close(proxy)

    def host(self, namespace, version, name, properties=(), constructor=None, arguments=None):
        if constructor is None:
            proxy = Pp.Proxy.new_for_type_sync(namespace, version, name, list(properties),
                                               None, None)
        else:
            proxy = Pp.Proxy.new_for_type_full_sync(namespace, version, name, constructor,
                                                    arguments, list(properties), None, None)
        self.proxies.append(proxy)
        return proxy

    def test_list_store_of_our_objects(self):
        store = self.host('Gio', '2.0', 'ListStore', ['item-type=GObject'])
        action = Gio.SimpleAction.new('go', None)
        item = Item(label='first')
        store.append(action)
        store.append(item)
        store.insert(2, item)
        store.insert(3, action)
        self.assertEqual(store.get_n_items(), 4)
        # They come back as themselves, never as proxies of proxies
        self.assertIs(store.get_item(0), action)
        self.assertIs(store.get_item(1), item)
        self.assertIs(store.get_item(3), action)
        self.assertEqual(store.find(item), (True, 1))
        self.assertEqual(store.get_item(1).props.label, 'first')
        self.assertIsNone(store.get_item(10))         # a maybe object: nothing

        # The child holds them while they are in the store, not longer
        watched = weakref.ref(item)
        del item
        gc.collect()
        self.assertIsNotNone(watched())
        store.remove_all()
        pptest.wait_for(lambda: gc.collect() is not None and watched() is None,
                        what='the release of the item')

    def test_not_an_object(self):
        store = self.host('Gio', '2.0', 'ListStore', ['item-type=GObject'])
        with self.assertRaises(TypeError) as raised:
            store.append('text')
        self.assertIn('GObject.Object', str(raised.exception))

    def test_our_action_called_back(self):
        group = self.host('Gio', '2.0', 'SimpleActionGroup')
        counter = Counter('count')
        group.add_action(counter)
        self.assertEqual(group.list_actions(), ['count'])
        # The child activates our action while we wait in the call: served
        # here by the waiting thread
        group.activate_action('count', GLib.Variant('u', 5))
        group.activate_action('count', GLib.Variant('u', 2))
        self.assertEqual(counter.total, 7)
        self.assertIs(group.lookup_action('count'), counter)

        # The child connected to our action's notify::enabled: its group
        # says so, and the signal comes back here
        changes = []
        group.connect('action-enabled-changed',
                      lambda group, name, enabled: changes.append((name, enabled)))
        counter.set_enabled(False)
        pptest.wait_for(lambda: changes, what='action-enabled-changed')
        self.assertEqual(changes, [('count', False)])
        self.assertFalse(group.query_action('count')[1])

    def test_our_action_called_back_async(self):
        group = self.host('Gio', '2.0', 'SimpleActionGroup')
        counter = Counter('count')
        loop = GLib.MainLoop()
        results = []

        def added(proxy, result):
            proxy.add_action_finish(result)
            proxy.activate_action_async('count', GLib.Variant('u', 3), callback=activated)

        def activated(proxy, result):
            results.append(proxy.call_method_finish(result))
            loop.quit()

        group.add_action_async(counter, callback=added)
        pptest.run_loop(loop)
        self.assertEqual(results, [None])
        self.assertEqual(counter.total, 3)

    def test_returned_objects_are_proxies(self):
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        remote = self.host('Gio', '2.0', 'File', constructor='new_for_path',
                           arguments=GLib.Variant('(ay)', (directory.encode() + b'\0',)))
        # A GFile the child made: a proxy to call
        parent = remote.get_parent()
        self.assertIsInstance(parent, Pp.Proxy)
        self.assertEqual(parent.get_uri(), 'file://' + os.path.dirname(directory))
        self.assertTrue(remote.has_parent(parent))    # and to pass back

        # A GFileMonitor: its methods, mirrored properties and notify
        monitor = remote.monitor_directory(Gio.FileMonitorFlags.NONE)
        self.assertIsInstance(monitor, Pp.Proxy)
        self.assertTrue(Pp.Proxy.get_remote_type_name(monitor).endswith('FileMonitor'))
        notified = []
        monitor.connect('notify::rate-limit', lambda monitor, pspec: notified.append(
            monitor.props.rate_limit))
        monitor.set_rate_limit(1234)
        pptest.wait_for(lambda: notified, what='notify::rate-limit')
        self.assertEqual(notified, [1234])
        # GLib 2.74's GFileMonitor reads its cancelled property as False
        # even after cancel(), so only the notify tells
        cancelled = []
        monitor.connect('notify::cancelled', lambda monitor, pspec: cancelled.append(True))
        self.assertTrue(monitor.cancel())
        self.assertTrue(monitor.is_cancelled())
        pptest.wait_for(lambda: cancelled, what='notify::cancelled')


    @unittest.skipUnless(have_typelib('Gtk', '4.0'), 'the GTK 4 typelib is not installed')
    def test_same_proxy_for_the_same_object(self):
        strings = self.host('Gtk', '4.0', 'StringList', constructor='new',
                            arguments=GLib.Variant('(mas)', (['a', 'b'],)))
        first = strings.get_item(0)
        self.assertIsInstance(first, Pp.Proxy)
        self.assertIs(strings.get_item(0), first)
        self.assertIsNot(strings.get_item(1), first)
        self.assertEqual(first.get_string(), 'a')
        self.assertEqual(first.props.string, 'a')

    @unittest.skipUnless(have_typelib('Json', '1.0'), 'the json-glib typelib is not installed')
    def test_builder_and_its_nodes(self):
        builder = self.host('Json', '1.0', 'Builder')
        # Each method returns the builder: the proxy itself
        self.assertIs(builder.begin_object(), builder)
        self.assertIs(builder.set_member_name('name'), builder)
        builder.add_string_value('pipeproxy')
        builder.set_member_name('sizes')
        builder.begin_array().add_int_value(1).add_int_value(2).end_array()
        builder.end_object()

        # A JsonNode has no value form here: a reference to the child's copy
        root = builder.get_root()
        self.assertIsInstance(root, Pp.Proxy)
        self.assertEqual(Pp.Proxy.get_remote_type_name(root), 'JsonNode')
        obj = root.get_object()
        self.assertEqual(Pp.Proxy.get_remote_type_name(obj), 'JsonObject')
        self.assertEqual(obj.get_string_member('name'), 'pipeproxy')
        self.assertEqual(obj.get_array_member('sizes').get_length(), 2)
        self.assertEqual(sorted(obj.get_members()), ['name', 'sizes'])

        # Passed back: the builder takes a copy of that very node
        builder.reset()
        builder.begin_array().add_value(root).add_value(root).end_array()
        array = builder.get_root().get_array()
        self.assertEqual(array.get_length(), 2)
        self.assertEqual(array.get_object_element(1).get_string_member('name'), 'pipeproxy')


if __name__ == '__main__':
    pptest.main()
