# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Python values <-> GLib.Variant for the Pp override (gi/overrides/Pp.py),
# installed next to it: the one place where signatures are split and
# values packed and unpacked, for the proxy's calls, the pool's and the
# listener's answers alike. Private: its names may change at any time.
#
# Signatures follow the D-Bus convention: a string of complete GVariant
# types, one per argument or result ('' none, 'i' one int32, 'si' a string
# and an int32, '(ii)' one pair); the description gives them as tuple types.

import ctypes
import os

from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module

# GLib.Variant.new_tuple() of the GLib override takes the children as
# arguments and passes them on as a list; the introspected one takes the
# list itself.
new_tuple = get_introspection_module('GLib').Variant.new_tuple

Pp = get_introspection_module('Pp')


# -- Signatures ----------------------------------------------------------------

def _end_of_type(signature, start):
    """Index just past the complete type that starts at signature[start]."""
    char = signature[start]
    if char in 'am':
        return _end_of_type(signature, start + 1)
    if char in '({':
        close = ')' if char == '(' else '}'
        index = start + 1
        while signature[index] != close:
            index = _end_of_type(signature, index)
        return index + 1
    return start + 1


def split(signature):
    """'isv' -> ['i', 's', 'v']; raises ValueError for what is not a
    signature of definite types."""
    if not GLib.VariantType.string_is_valid('(' + signature + ')') or \
            not GLib.VariantType.new('(' + signature + ')').is_definite():
        raise ValueError('%r is not a valid GVariant signature' % signature)
    types = []
    index = 0
    while index < len(signature):
        end = _end_of_type(signature, index)
        types.append(signature[index:end])
        index = end
    return types


def split_tuple(signature):
    """The element types of a tuple type string such as '(ii)'; a signature
    that is not one tuple is split as it is."""
    if signature.startswith('(') and _end_of_type(signature, 0) == len(signature):
        return split(signature[1:-1])
    return split(signature)


# -- Packing ---------------------------------------------------------------------

# One GLib.Variant costs about a microsecond in PyGObject whatever its
# size, against tens of microseconds for a whole call: conversions make as
# few of them as they can, and find their way by a dictionary look-up rather
# than by parsing the type string again for every value.

_LEAF_CONSTRUCTORS = {
    'b': GLib.Variant.new_boolean,
    'y': GLib.Variant.new_byte,
    'n': GLib.Variant.new_int16,
    'q': GLib.Variant.new_uint16,
    'i': GLib.Variant.new_int32,
    'u': GLib.Variant.new_uint32,
    'x': GLib.Variant.new_int64,
    't': GLib.Variant.new_uint64,
    'h': GLib.Variant.new_handle,
    'd': GLib.Variant.new_double,
    's': GLib.Variant.new_string,
    'o': GLib.Variant.new_object_path,
    'g': GLib.Variant.new_signature,
}

_BYTE_STRINGS = (bytes, bytearray, memoryview)
_BYTE_ARRAY_TYPE = GLib.VariantType.new('ay')

# The exceptions of a value that does not fit its type
_MISFITS = (TypeError, ValueError, OverflowError, KeyError, IndexError, AttributeError)


def _new_byte_array(value):
    """'ay' over a GLib.Bytes without a copy, from bytes in one copy.
    GLib.Variant('ay', value) makes a GLib.Variant for every byte: seconds
    for a megabyte."""
    if isinstance(value, GLib.Bytes):
        return GLib.Variant.new_from_bytes(_BYTE_ARRAY_TYPE, value, True)
    if isinstance(value, _BYTE_STRINGS):
        if not isinstance(value, bytes):
            value = bytes(value)
        return GLib.Variant.new_from_bytes(_BYTE_ARRAY_TYPE, GLib.Bytes.new(value), True)
    return GLib.Variant('ay', value)   # e.g. a list of ints


def _new_boxed(value):
    if not isinstance(value, GLib.Variant):
        raise TypeError('a value of type v must be a GLib.Variant, not %s'
                        % type(value).__name__)
    return GLib.Variant.new_variant(value)


def _new_object(value, objects):
    """An object value: the object goes in objects (once) and stands in the
    value as its index there, "/N"."""
    if not isinstance(value, GObject.Object):
        raise TypeError('expected a GObject.Object, got %r' % (value,))
    for index, known in enumerate(objects):
        if known is value:
            break
    else:
        index = len(objects)
        objects.append(value)
    return GLib.Variant.new_object_path('/%d' % index)


def _make_converter(type_string):
    """A function of one Python value and a list of objects (None: object
    values are paths) to a GLib.Variant of type_string."""
    if type_string in _LEAF_CONSTRUCTORS:
        new = _LEAF_CONSTRUCTORS[type_string]
        if type_string == 'o':
            return lambda value, objects: (new(value) if objects is None
                                           else _new_object(value, objects))
        return lambda value, objects: new(value)
    if type_string == 'ay':
        return lambda value, objects: _new_byte_array(value)
    if type_string == 'v':
        return lambda value, objects: _new_boxed(value)
    if 'ay' not in type_string and 'o' not in type_string:
        # The GLib override knows the rest; only byte arrays are slow there.
        return lambda value, objects: GLib.Variant(type_string, value)

    # Containers of byte arrays or objects: built here, a byte array in one
    # piece, an object as its index
    if type_string[0] == '(':
        converters = [converter(t) for t in split_tuple(type_string)]

        def new_tuple_value(value, objects):
            if len(value) != len(converters):
                raise TypeError('%d values for %d members' % (len(value), len(converters)))
            return new_tuple([to_variant(pair[0], v, objects, pair)
                              for pair, v in zip(converters, value)])
        return new_tuple_value
    if type_string[0] == 'm':
        element = GLib.VariantType.new(type_string[1:])
        inner = converter(type_string[1:])
        return lambda value, objects: GLib.Variant.new_maybe(
            element, None if value is None else to_variant(inner[0], value, objects, inner))
    if type_string.startswith('a{'):
        entry = GLib.VariantType.new(type_string[1:])
        key, item = (converter(t) for t in split(type_string[2:-1]))
        return lambda value, objects: GLib.Variant.new_array(
            entry, [GLib.Variant.new_dict_entry(to_variant(key[0], k, objects, key),
                                                to_variant(item[0], v, objects, item))
                    for k, v in (value.items() if isinstance(value, dict) else value)])
    if type_string[0] == 'a':
        element = GLib.VariantType.new(type_string[1:])
        inner = converter(type_string[1:])
        return lambda value, objects: GLib.Variant.new_array(
            element, [to_variant(inner[0], v, objects, inner) for v in value])
    raise ValueError('%r is not a type of values' % type_string)


_converters = {}


def converter(type_string):
    """(type_string, its conversion function), made once."""
    pair = _converters.get(type_string)
    if pair is None:
        pair = _converters[type_string] = (type_string, _make_converter(type_string))
    return pair


# GType -> to_variant of the boxed types whose value form was registered
# from Python: a value of such a type is packed as its value form
value_forms = {}


def to_variant(type_string, value, objects=None, pair=None):
    """One value of type_string: a GLib.Variant of that type passes as it
    is (for 'v' a GLib.Variant is the boxed value), a boxed value with a
    registered value form as that. objects: where object values go (see
    _new_object), None to take them as paths. Raises what the conversion
    raised (_MISFITS)."""
    if value_forms and isinstance(value, GObject.GBoxed):
        form = value_forms.get(type(value).__gtype__)
        if form is not None:
            value = form(value)
    if type_string != 'v' and isinstance(value, GLib.Variant) and \
            value.get_type_string() == type_string:
        return value
    return (pair or converter(type_string))[1](value, objects)


def checked(type_string, value, what='', objects=None, pair=None):
    """to_variant(), raising TypeError led by what when value does not
    fit."""
    try:
        return to_variant(type_string, value, objects, pair)
    except _MISFITS as error:
        lead = what + ': ' if what else ''
        if type_string == 'v':
            raise TypeError(lead + str(error)) from None
        raise TypeError('%s%r does not fit GVariant type %s: %s'
                        % (lead, value, type_string, error)) from None


def fileno(value):
    """The descriptor to send for a handle: an int, or what get_fd()
    (Gio.UnixInputStream, Gio.UnixOutputStream, Gio.Socket) or fileno() (a
    Python file or socket) says."""
    if isinstance(value, int):
        return value
    for getter in ('get_fd', 'fileno'):
        get = getattr(value, getter, None)
        if get is not None:
            return get()
    raise TypeError('%r is not a file descriptor and has none' % (value,))


class Packer(object):
    """How Python values become the tuple of one signature, made once per
    signature (packer()): for a proxy's or a pool's call, and for the answer
    of a method served from Python."""

    __slots__ = ('signature', 'types', 'converters', 'handles', 'objects', 'special')

    def __init__(self, signature):
        self.signature = signature
        self.types = split_tuple(signature)
        self.converters = [converter(t) for t in self.types]
        # Descriptors ('h' at the top level) travel in a Gio.UnixFDList,
        # objects ('o') as references in the list of objects of the call
        self.handles = [i for i, t in enumerate(self.types) if t == 'h']
        self.objects = [i for i, t in enumerate(self.types) if 'o' in t]
        self.special = bool(self.handles or self.objects)

    def pack(self, values, what, objects=None):
        """The tuple of values; what (e.g. 'name()') starts the TypeError
        raised when they do not fit."""
        converters = self.converters
        if len(values) != len(converters):
            raise TypeError('%s takes %d argument%s %s, %d given'
                            % (what, len(converters), '' if len(converters) == 1 else 's',
                               self.signature, len(values)))
        return new_tuple([checked(pair[0], value, what, objects, pair)
                          for pair, value in zip(converters, values)])

    def pack_full(self, values, what, fd_list=None):
        """pack(), with each handle (a descriptor, or a file or stream that
        has one, see fileno()) put in a Gio.UnixFDList and each object in a
        list of objects: (parameters, fd list or None, objects or None).
        A descriptor given as an int stays the caller's."""
        objects = [] if self.objects else None
        if self.handles:
            values = list(values)
            fd_list = fd_list or Gio.UnixFDList.new()
            for i in self.handles:
                if i < len(values) and not isinstance(values[i], GLib.Variant):
                    values[i] = fd_list.append(fileno(values[i]))
        return self.pack(values, what, objects), fd_list, objects


_packers = {}


def packer(signature):
    found = _packers.get(signature)
    if found is None:
        found = _packers[signature] = Packer(signature)
    return found


# -- Unpacking -------------------------------------------------------------------

_LEAF_GETTERS = {
    'b': GLib.Variant.get_boolean,
    'y': GLib.Variant.get_byte,
    'n': GLib.Variant.get_int16,
    'q': GLib.Variant.get_uint16,
    'i': GLib.Variant.get_int32,
    'u': GLib.Variant.get_uint32,
    'x': GLib.Variant.get_int64,
    't': GLib.Variant.get_uint64,
    'h': GLib.Variant.get_handle,
    'd': GLib.Variant.get_double,
    's': GLib.Variant.get_string,
    'o': GLib.Variant.get_string,
    'g': GLib.Variant.get_string,
}


def bytes_view(data):
    """A read-only memoryview of the memory of a GLib.Bytes, without a
    copy; it keeps the GLib.Bytes alive."""
    size = data.get_size()
    if size == 0:
        return memoryview(b'')
    memory = (ctypes.c_char * size).from_address(data.get_region(1, 0, size))
    memory.bytes = data
    return memoryview(memory).toreadonly().cast('B')


# What a byte array ('ay') of a result becomes, by the byte_arrays a call
# is given: a function of its GLib.Bytes (None: bytes, one copy)
_BYTE_ARRAY_FORMS = {bytes: None, memoryview: bytes_view, GLib.Bytes: lambda data: data}


def byte_array_form(byte_arrays):
    try:
        return _BYTE_ARRAY_FORMS[byte_arrays]
    except (KeyError, TypeError):
        raise ValueError('byte_arrays is bytes, memoryview or GLib.Bytes, not %r'
                         % (byte_arrays,)) from None


def unpack(variant, objects=None, form=None):
    """Like GLib.Variant.unpack(), but byte arrays ('ay') become bytes (or
    what form, a function of their GLib.Bytes, gives), and, with objects,
    each object value ("/N") is objects[N] (the library checked that it
    indexes the list)."""
    type_string = variant.get_type_string()
    if objects is not None and type_string == 'o':
        return objects[int(variant.get_string()[1:])]
    getter = _LEAF_GETTERS.get(type_string)
    if getter is not None:
        return getter(variant)
    if type_string == 'ay':
        # A GLib.Bytes over the variant's own memory, which get_data() copies
        data = variant.get_data_as_bytes()
        return data.get_data() if form is None else form(data)
    if type_string == 'v':
        return unpack(variant.get_variant(), None, form)   # keeps its "/N" strings
    if 'ay' not in type_string and 'v' not in type_string and \
            (objects is None or 'o' not in type_string):
        return variant.unpack()
    if type_string.startswith('m'):
        return unpack(variant.get_child_value(0), objects, form) if variant.n_children() \
            else None
    children = [unpack(variant.get_child_value(i), objects, form)
                for i in range(variant.n_children())]
    if type_string.startswith('a{'):
        return dict(children)
    if type_string.startswith('a'):
        return children
    return tuple(children)


def unpack_children(parameters, form=None):
    """The values of a tuple, as a list; form: as for unpack()."""
    return [unpack(parameters.get_child_value(i), None, form)
            for i in range(parameters.n_children())]


def _make_result_unpacker(type_string):
    """A function of a result of type_string to what unpack_result() gives."""
    if not type_string.startswith('('):
        return unpack
    unpackers = [_LEAF_GETTERS.get(t, unpack) for t in split_tuple(type_string)]
    if not unpackers:
        return lambda result: None
    if len(unpackers) == 1:
        first = unpackers[0]
        return lambda result: first(result.get_child_value(0))
    return lambda result: tuple(each(result.get_child_value(i))
                                for i, each in enumerate(unpackers))


_result_unpackers = {}


def _values(values):
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(values)


def unpack_result(result, form=None):
    """A result tuple -> None, its one value, or a tuple of its values;
    form: as for unpack()."""
    if result is None:
        return None
    if form is not None:
        return _values([unpack(result.get_child_value(i), None, form)
                        for i in range(result.n_children())])
    type_string = result.get_type_string()
    unpacker = _result_unpackers.get(type_string)
    if unpacker is None:
        unpacker = _result_unpackers[type_string] = _make_result_unpacker(type_string)
    return unpacker(result)


def unpack_reply(result, out_fds=None, out_objects=None, form=None):
    """unpack_result() of a reply that came with descriptors and objects:
    each handle at the top level becomes a new descriptor the caller owns
    (os.fdopen() or Gio.UnixInputStream.new() take it), each object value
    the object, a proxy of the peer's or one of this process."""
    if result is None:
        return None
    type_string = result.get_type_string()
    if 'o' not in type_string and 'h' not in type_string:
        return unpack_result(result, form)
    values = []
    for i in range(result.n_children()):
        child = result.get_child_value(i)
        if child.get_type_string() == 'h':
            values.append(out_fds.get(child.get_handle()) if out_fds is not None else None)
        else:
            values.append(unpack(child, out_objects or [], form))
    return _values(values)


def take_descriptors(args, handles, fd_list, what):
    """Replaces each handle argument (its index in fd_list) by a new
    descriptor of its own; GLib.Error when one is not in the list."""
    n_fds = fd_list.get_length() if fd_list is not None else 0
    for i in handles:
        if not 0 <= args[i] < n_fds:
            raise GLib.Error.new_literal(
                Pp.error_quark(), '%s: argument %d is handle %d, but %d descriptors came '
                'with the call' % (what, i + 1, args[i], n_fds), Pp.Error.INVALID_ARGUMENTS)
    fds = {}
    try:
        for i in handles:
            fds[i] = fd_list.get(args[i])
    except GLib.Error:
        for fd in fds.values():
            os.close(fd)
        raise
    for i, fd in fds.items():
        args[i] = fd
