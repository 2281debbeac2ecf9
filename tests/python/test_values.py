# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Real GObject types hosted in a child by pipeproxy-host, used through the
# Pp override: boxed values, containers and GTypes crossing, constructors,
# refused methods that say why, plain values for maybes, the proxy's own
# methods never hiding the remote object's.

import os
import tempfile
import unittest

import gi

import pptest
from pptest import GLib, Gio, Pp


def have_typelib(namespace, version):
    try:
        gi.require_version(namespace, version)
        return True
    except ValueError:
        return False


def host(namespace, version, name, properties=(), constructor=None, arguments=None):
    if constructor is None:
        return Pp.Proxy.new_for_type_sync(namespace, version, name, list(properties), None, None)
    return Pp.Proxy.new_for_type_full_sync(namespace, version, name, constructor, arguments,
                                           list(properties), None, None)


class ValuesTestCase(unittest.TestCase):
    def setUp(self):
        self.proxies = []

    def tearDown(self):
        for proxy in self.proxies:
            Pp.Proxy.close(proxy)

    def host(self, *args, **kwargs):
        proxy = host(*args, **kwargs)
        self.proxies.append(proxy)
        return proxy

    def test_date_time(self):
        info = self.host('Gio', '2.0', 'FileInfo')
        zone = GLib.TimeZone.new_offset(3600)
        when = GLib.DateTime.new(zone, 2024, 2, 29, 12, 30, 15.25)
        usec = when.to_unix() * 1000000 + when.get_microsecond()
        info.set_modification_date_time(GLib.Variant('(xis)', (usec, 3600, zone.get_identifier())))
        # GFileInfo keeps the time in UTC: the same instant, to the µs
        self.assertEqual(info.get_modification_date_time(), (usec, 0, 'UTC'))

    @unittest.skipUnless(have_typelib('GdkPixbuf', '2.0'),
                         'the GdkPixbuf typelib is not installed')
    def test_hash_table_and_lists(self):
        pixbuf = self.host('GdkPixbuf', '2.0', 'Pixbuf',
                           ['has-alpha=true', 'bits-per-sample=8', 'width=2', 'height=2'])
        self.assertTrue(pixbuf.set_option('tEXt::comment', 'hello'))
        self.assertEqual(pixbuf.get_options(), {'tEXt::comment': 'hello'})

    def test_gtype_by_name_and_constructor(self):
        # GMenuItem is not registered in the child until the name arrives
        store = self.host('Gio', '2.0', 'ListStore', constructor='new',
                          arguments=GLib.Variant('(s)', ('GMenuItem',)))
        # The proxy is a Gio.ListModel: its get_item_type () gives a GType
        self.assertEqual(store.get_item_type().name, 'GMenuItem')
        result = Pp.Proxy.call_sync(store, 'get_item_type', None, -1, None)
        self.assertEqual(result.unpack(), ('GMenuItem',))

    @unittest.skipUnless(have_typelib('Gtk', '4.0'), 'the GTK 4 typelib is not installed')
    def test_constructor_with_strv(self):
        strings = self.host('Gtk', '4.0', 'StringList', constructor='new',
                            arguments=GLib.Variant('(mas)', (['a', 'b'],)))
        self.assertEqual(strings.get_n_items(), 2)
        self.assertEqual(strings.get_string(1), 'b')

    def test_variant_type_property(self):
        action = self.host('Gio', '2.0', 'SimpleAction', ['name=go', "parameter-type='s'"])
        self.assertEqual(action.props.parameter_type.dup_string(), 's')

    def test_refused_method_says_why(self):
        store = self.host('Gio', '2.0', 'ListStore')
        with self.assertRaises(AttributeError) as raised:
            store.sort
        self.assertIn('compare_func', str(raised.exception))
        # by any name it has here, and called by name the listener says why
        for name in ('sort_async', 'sort_finish'):
            with self.assertRaises(AttributeError) as raised:
                getattr(store, name)
            self.assertIn('compare_func', str(raised.exception))
        with self.assertRaises(GLib.Error) as raised:
            store.call_method('sort')
        self.assertTrue(raised.exception.matches(Pp.error_quark(), Pp.Error.ACCESS_DENIED))
        self.assertIn('compare_func', raised.exception.message)
        members = store.list_methods()
        refused = [members.get_item(i) for i in range(members.get_n_items())
                   if members.get_item(i).get_name() == 'sort']
        self.assertEqual(len(refused), 1)
        self.assertFalse(refused[0].get_available())

    def test_plain_values_for_maybes(self):
        menu = self.host('Gio', '2.0', 'Menu')
        # append (label: nullable, action: nullable) takes (msms)
        Pp.Proxy.call_sync(menu, 'append', GLib.Variant('(ss)', ('Open', 'app.open')), -1, None)
        menu.append(None, 'app.none')
        self.assertEqual(menu.get_n_items(), 2)

    def test_null_the_typelib_did_not_allow(self):
        # g_file_info_get_display_name () is not (nullable) but gives NULL
        # for an attribute never set: the call ran, its result is None
        info = self.host('Gio', '2.0', 'FileInfo')
        self.assertIsNone(info.get_display_name())
        result = Pp.Proxy.call_sync(info, 'get_display_name', None, -1, None)
        self.assertEqual(result.get_type_string(), '(ms)')
        info.set_display_name('shown')
        self.assertEqual(info.get_display_name(), 'shown')
        self.assertEqual(Pp.Proxy.call_sync(info, 'get_display_name', None, -1, None)
                         .get_type_string(), '(s)')

    @unittest.skipUnless(have_typelib('Json', '1.0'), 'the json-glib typelib is not installed')
    def test_value_form_registered_from_python(self):
        from gi.repository import Json
        self.assertIsNone(Pp.boxed_get_value_type(Json.Node))
        pptest.register_json_node_form()
        self.assertEqual(Pp.boxed_get_value_type(Json.Node).dup_string(), 's')
        generator = Pp.Proxy.new_for_subprocess_sync(None, pptest.python_child_argv('json'),
                                                     None, None)
        self.proxies.append(generator)
        names = [generator.list_methods().get_item(i)
                 for i in range(generator.list_methods().get_n_items())]
        self.assertTrue([m for m in names if m.get_name() == 'set_root'][0].get_available())
        # A Json.Node made here is set in the child as its JSON text, and
        # comes back as a new Json.Node
        node = Json.from_string('{"name": "pipeproxy", "sizes": [1, 2.5, null]}')
        generator.set_root(node)
        text, length = generator.to_data()
        self.assertEqual(Json.from_string(text).get_object().get_member('name').get_string(),
                         'pipeproxy')
        # A result is the value form; the mirrored property is a Json.Node,
        # made by from_variant() here
        self.assertEqual(Json.from_string(generator.get_root()).get_object()
                         .get_member('name').get_string(), 'pipeproxy')
        root = generator.props.root
        self.assertIsInstance(root, Json.Node)
        self.assertTrue(root.equal(node))
        self.assertIsNot(root, node)
        # Text that is not JSON, from a hostile peer, is refused by the
        # form's function rather than made into a node
        with self.assertRaises(GLib.Error) as raised:
            Pp.Proxy.call_sync(generator, 'set_root', GLib.Variant('(s)', ('{not json',)),
                               -1, None)
        self.assertIn('JsonNode', raised.exception.message)

    def test_own_methods_never_hide_remote_ones(self):
        stream = self.host('Gio', '2.0', 'MemoryInputStream')
        self.assertFalse(stream.is_closed())
        stream.close()                          # the remote stream's close()
        self.assertTrue(stream.is_closed())     # the remote stream's is_closed()
        self.assertFalse(Pp.Proxy.is_closed(stream))
        self.assertTrue(stream.call_method('is_closed'))
        # The proxy's own, reached through the class: the connection
        Pp.Proxy.close(stream)
        self.assertTrue(Pp.Proxy.is_closed(stream))
        with self.assertRaises(GLib.Error) as raised:
            stream.is_closed()
        self.assertTrue(raised.exception.matches(Pp.error_quark(), Pp.Error.DISCONNECTED))

    def test_async_pair_with_another_finish(self):
        directory = tempfile.mkdtemp()
        path = os.path.join(directory, 'f')
        remote = self.host('Gio', '2.0', 'File', constructor='new_for_path',
                           arguments=GLib.Variant('(ay)', (path.encode() + b'\0',)))
        names = {m.get_name(): m for m in
                 (remote.list_methods().get_item(i)
                  for i in range(remote.list_methods().get_n_items()))}
        member = names['replace_contents_bytes_async']
        self.assertTrue(member.get_available())
        self.assertEqual(member.get_dispatch(), Pp.MethodDispatch.ASYNC)
        # The listener calls the pair and answers with what
        # replace_contents_finish() gives: success and the new entity tag
        ok, etag = remote.replace_contents_bytes_async(b'written', None, False,
                                                       Gio.FileCreateFlags.NONE)
        self.assertTrue(ok)
        self.assertIsInstance(etag, str)
        with open(path, 'rb') as f:
            self.assertEqual(f.read(), b'written')
        os.unlink(path)
        os.rmdir(directory)


if __name__ == '__main__':
    pptest.main()
