#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# How much of real GObject types crosses a process boundary.
#
# For each installed type of a list (Gio, GdkPixbuf, Pango, Json-GLib, GTK 4,
# whichever typelibs are there), makes an object in a child with
# pipeproxy-host (Pp.Proxy.new_for_type_sync, or _full_sync with a
# constructor), reads the description the child sends, and counts:
#
# - methods: the instance methods the typelib declares for the class, its
#   parent classes below GObject.Object and the interfaces it implements,
#   against those the proxy can call. The x_finish() half of an async pair
#   counts as callable when its x_async() is (the listener calls it).
#   GObject.Object's own methods (ref, set_data, bind_property...) are left
#   out on both sides: they are plumbing, refused by design.
# - signals: all of the object's signals but GObject's notify, against those
#   mirrored on the proxy;
# - properties: the readable ones, against those mirrored and read
#   through the proxy (a property whose value is an object is read from
#   the child then, and reads as a proxy of it or None).
#
# A method the description does not list is called with no arguments to
# learn why: the listener refuses it before it looks at the arguments. The
# reasons are listed by frequency, with the names and argument names taken
# out, and the type that could not cross named by its kind (object, struct…).
#
# Usage: pp-coverage.py [--verbose] [--only NAMESPACE.TYPE,...]
# with GI_TYPELIB_PATH, LD_LIBRARY_PATH and PIPEPROXY_HOST naming the build
# (meson test -C _build coverage --verbose does that).

import argparse
import collections
import os
import re
import sys

sys.dont_write_bytecode = True

import gi  # noqa: E402
import gi.overrides  # noqa: E402

_overrides = os.environ.get('PP_TEST_OVERRIDES_DIR')
if _overrides:
    gi.overrides.__path__.insert(0, os.path.abspath(_overrides))

gi.require_version('Pp', '1.0')
from gi.repository import GLib, GObject, Pp  # noqa: E402

# A GSettings on a schema every Debian desktop has, kept in memory
os.environ['GSETTINGS_BACKEND'] = 'memory'

# (namespace, version, type, construct properties, constructor, arguments)
TYPES = [
    ('Gio', '2.0', 'Menu', [], None, None),
    ('Gio', '2.0', 'MenuItem', [], None, None),
    ('Gio', '2.0', 'ListStore', ['item-type=GObject'], None, None),
    ('Gio', '2.0', 'SimpleActionGroup', [], None, None),
    ('Gio', '2.0', 'SimpleAction', ['name=frobnicate'], None, None),
    ('Gio', '2.0', 'File', [], 'new_for_path', "(b'/tmp',)"),
    ('Gio', '2.0', 'Settings', ['schema-id=org.gnome.desktop.interface'], None, None),
    ('Gio', '2.0', 'Application', ['application-id=org.example.Coverage'], None, None),
    ('Gio', '2.0', 'SubprocessLauncher', [], None, None),
    ('Gio', '2.0', 'MemoryInputStream', [], None, None),
    ('Gio', '2.0', 'MemoryOutputStream', [], 'new_resizable', '()'),
    ('Gio', '2.0', 'Cancellable', [], None, None),
    ('Gio', '2.0', 'FileInfo', [], None, None),
    ('Gio', '2.0', 'ThemedIcon', ['name=folder'], None, None),
    ('Gio', '2.0', 'Notification', [], 'new', "('Title',)"),
    ('Gio', '2.0', 'SocketClient', [], None, None),
    ('GdkPixbuf', '2.0', 'Pixbuf', ['has-alpha=true', 'bits-per-sample=8', 'width=4',
                                    'height=4'], None, None),
    ('GdkPixbuf', '2.0', 'PixbufLoader', [], None, None),
    ('GdkPixbuf', '2.0', 'PixbufSimpleAnim', [], 'new', '(4, 4, 1.0)'),
    ('Pango', '1.0', 'Context', [], None, None),
    ('Json', '1.0', 'Builder', [], None, None),
    ('Json', '1.0', 'Generator', [], None, None),
    ('Json', '1.0', 'Parser', [], None, None),
    ('Json', '1.0', 'Reader', [], None, None),
    ('Json', '1.0', 'Path', [], None, None),
    ('Gtk', '4.0', 'TextBuffer', [], None, None),
    ('Gtk', '4.0', 'TextTagTable', [], None, None),
    ('Gtk', '4.0', 'StringList', [], 'new', "(['a', 'b'],)"),
    ('Gtk', '4.0', 'Adjustment', [], None, None),
    ('Gtk', '4.0', 'EntryBuffer', [], None, None),
    ('Gtk', '4.0', 'StringFilter', [], None, None),
    ('Gtk', '4.0', 'CssProvider', [], None, None),
]

from gi import _gi  # noqa: E402

_repository = _gi.Repository.get_default()


def _available(namespace, version):
    try:
        gi.require_version(namespace, version)
        _repository.require(namespace, version, 0)
        return True
    except (ValueError, GLib.Error):
        return False


def _info_kind(namespace, name):
    info = _repository.find_by_name(namespace, name)
    if info is None:
        return 'type'
    return {
        _gi.ObjectInfo: 'object',
        _gi.InterfaceInfo: 'interface',
        _gi.StructInfo: 'struct',
        _gi.UnionInfo: 'union',
        _gi.CallbackInfo: 'callback',
        _gi.EnumInfo: 'enum',
    }.get(type(info), type(info).__name__)


def _normalize(reason):
    """A refusal without the method's, type's and argument's names."""
    reason = re.sub(r'^Method “[^”]*” of \S+ (may not|cannot) be called from another '
                    r'process: ', '', reason)
    reason = re.sub(r'^Object of type \S+ has no method “[^”]*”', 'not found', reason)

    def kind(match):
        return 'has type <%s>' % _info_kind(match.group(1), match.group(2))
    reason = re.sub(r'has type (\w+)\.(\w+)', kind, reason)
    reason = re.sub(r'“[^”]*”', '“…”', reason)
    reason = re.sub(r'\([A-Za-z.]*\)', '', reason)
    return reason.strip()


_by_gtype = {}


def _find_by_gtype(gtype):
    """PyGObject 3.42's Repository has no find_by_gtype(): the interfaces of
    the loaded namespaces, by GType."""
    for namespace in _repository.get_loaded_namespaces():
        if namespace in _by_gtype:
            continue
        table = _by_gtype[namespace] = {}
        for info in _repository.get_infos(namespace):
            if isinstance(info, _gi.InterfaceInfo):
                table[info.get_g_type()] = info
    for table in _by_gtype.values():
        if gtype in table:
            return table[gtype]
    return None


def _declared_methods(info, gtype):
    """Instance method names of the class below GObject.Object, and of the
    interfaces it implements."""
    names = []
    if isinstance(info, _gi.InterfaceInfo):
        return [m.get_name() for m in info.get_methods() if m.is_method()]
    klass = info
    while klass is not None and not (klass.get_namespace() == 'GObject' and
                                     klass.get_name() in ('Object', 'InitiallyUnowned')):
        names.extend(m.get_name() for m in klass.get_methods() if m.is_method())
        klass = klass.get_parent()
    for iface_gtype in GObject.type_interfaces(gtype):
        iface = _find_by_gtype(iface_gtype)
        if iface is not None:
            names.extend(m.get_name() for m in iface.get_methods() if m.is_method())
    return list(dict.fromkeys(names))


def _make_proxy(namespace, version, name, properties, constructor, arguments):
    full = getattr(Pp.Proxy, 'new_for_type_full_sync', None)
    if constructor is not None:
        if full is None:
            raise GLib.Error('constructors cannot be used yet')
        args = GLib.Variant.parse(None, arguments, None, None)
        return full(namespace, version, name, constructor, args, None, None, None)
    return Pp.Proxy.new_for_type_sync(namespace, version, name, properties, None, None)


def _read(proxy, name):
    """None if the mirrored property reads through the proxy, else why not"""
    try:
        value = proxy.get_property(name)
    except (TypeError, GLib.Error) as error:
        return 'cannot be read: %s' % error
    if isinstance(value, GObject.Object) and not isinstance(value, Pp.Proxy):
        return 'reads as a %s, not a proxy' % type(value).__name__
    return None


def _member_table(model):
    return {model.get_item(i).get_name(): model.get_item(i) for i in range(model.get_n_items())}


class Counts:
    def __init__(self):
        self.methods = [0, 0]
        self.signals = [0, 0]
        self.properties = [0, 0]

    def add(self, other):
        for mine, theirs in ((self.methods, other.methods), (self.signals, other.signals),
                             (self.properties, other.properties)):
            mine[0] += theirs[0]
            mine[1] += theirs[1]


def _fraction(pair):
    return '%d/%d (%d%%)' % (pair[0], pair[1], round(100 * pair[0] / pair[1]) if pair[1] else 100)


def _measure(spec, reasons, details, verbose):
    namespace, version, name = spec[:3]
    counts = Counts()
    info = _repository.find_by_name(namespace, name)
    gtype = info.get_g_type()
    declared = _declared_methods(info, gtype)
    counts.methods[1] = len(declared)
    ids = []
    t = gtype
    while t is not None:
        if not GObject.type_is_a(t, GObject.TYPE_INTERFACE):
            GObject.type_class_ref(t)   # signals are made by class_init
        ids.extend(GObject.signal_list_ids(t))
        try:
            t = GObject.type_parent(t)
        except RuntimeError:
            t = None
    for iface in GObject.type_interfaces(gtype):
        ids.extend(GObject.signal_list_ids(iface))
    signal_names = {GObject.signal_name(i) for i in ids} - {'notify'}
    counts.signals[1] = len(signal_names)

    try:
        proxy = _make_proxy(*spec)
    except GLib.Error as error:
        reasons['type cannot be hosted: ' + _normalize(error.message)] += len(declared)
        print('  %s.%s: not hostable: %s' % (namespace, name, error.message))
        return counts

    try:
        methods = _member_table(proxy.list_methods())
        signals = _member_table(proxy.list_signals())
        properties = _member_table(proxy.list_properties())

        if isinstance(info, _gi.InterfaceInfo):
            # Made by a constructor of an interface: the signals of the real class
            signal_names = {n for n in signals if n != 'notify'}
            counts.signals[1] = len(signal_names)
        callable_ = {n for n, m in methods.items() if m.get_available()}
        for method in declared:
            base = method[:-len('_finish')] if method.endswith('_finish') else None
            if method in callable_ or (base and any(
                    c.startswith(base) and methods[c].get_dispatch() ==
                    Pp.MethodDispatch.ASYNC for c in callable_)):
                counts.methods[0] += 1
                continue
            member = methods.get(method)
            if member is not None:
                reason = member.get_unavailable_reason()
            else:
                try:
                    proxy.call_sync(method, None, 5000, None)
                    reason = 'callable but not described'
                except GLib.Error as error:
                    reason = error.message
            reasons[_normalize(reason)] += 1
            details[reason] += 1
            if verbose:
                print('    method %s: %s' % (method, reason))

        counts.signals[0] = sum(1 for s in signal_names
                                if s in signals and signals[s].get_available())
        for s in sorted(signal_names):
            member = signals.get(s)
            if member is None or not member.get_available():
                why = member.get_unavailable_reason() if member else 'not described'
                reasons['signal: ' + _normalize(why)] += 1
                if verbose:
                    print('    signal %s: %s' % (s, why))

        readable = {n: p for n, p in properties.items()
                    if p.get_flags() & GObject.ParamFlags.READABLE}
        counts.properties[1] = len(readable)
        for n, p in sorted(readable.items()):
            why = p.get_unavailable_reason() if not p.get_available() else _read(proxy, n)
            if why is None:
                counts.properties[0] += 1
                continue
            reasons['property: ' + _normalize(why)] += 1
            if verbose:
                print('    property %s: %s' % (n, why))
    finally:
        Pp.Proxy.close(proxy)
    return counts


def main():
    parser = argparse.ArgumentParser(description='How much of real GObject types crosses a process '
                                     'boundary.')
    parser.add_argument('--verbose', action='store_true')
    parser.add_argument('--only', default='')
    options = parser.parse_args()
    only = set(filter(None, options.only.split(',')))

    total = Counts()
    reasons = collections.Counter()
    details = collections.Counter()
    n_types = 0
    print('%-28s %-18s %-18s %-18s' % ('type', 'methods', 'signals', 'properties'))
    for spec in TYPES:
        namespace, version, name = spec[:3]
        if only and '%s.%s' % (namespace, name) not in only:
            continue
        if not _available(namespace, version):
            print('%-28s not installed' % ('%s.%s' % (namespace, name)))
            continue
        counts = _measure(spec, reasons, details, options.verbose)
        total.add(counts)
        n_types += 1
        print('%-28s %-18s %-18s %-18s' % ('%s.%s' % (namespace, name), _fraction(counts.methods),
                                           _fraction(counts.signals),
                                           _fraction(counts.properties)))

    print()
    print('total, %d types: methods %s, signals %s, properties %s'
          % (n_types, _fraction(total.methods), _fraction(total.signals),
             _fraction(total.properties)))
    print()
    print('what is refused, by frequency:')
    for reason, n in reasons.most_common():
        print('%5d  %s' % (n, reason))
    if options.verbose:
        print()
        print('in detail:')
        for reason, n in details.most_common():
            print('%5d  %s' % (n, reason))
    return 0


if __name__ == '__main__':
    sys.exit(main())
