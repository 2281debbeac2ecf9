# SPDX-License-Identifier: LGPL-2.1-or-later
#
# PyGObject override for Pp-1.0 (pipeproxy).
#
# With it a proxy feels like the object it stands for:
#
#     proxy.set_parameter(5)                  # pp_proxy_call_sync, arguments
#     value = proxy.get_parameter()           # converted with the signature
#                                             # from the description
#     proxy.get_parameter_async(callback=done, user_data=data)
#     def done(proxy, result, data):
#         value = proxy.get_parameter_finish(result)
#
# a Pp.Pool of workers is called the same way, each call on a free worker:
#
#     pool = Pp.Pool.new_for_subprocess(['/usr/libexec/my-decoder'], None)
#     pixels = pool.decode(path)
#
# and a Python process can serve plain Python methods next to the properties
# and action signals that the C library exports by itself:
#
#     class Example(GObject.Object):
#         @Pp.method(in_signature='i')
#         def set_parameter(self, parameter): ...
#
#     listener, stream = Pp.Listener.new_pair(Example())
#     proxy_fd = Pp.stream_steal_fd(stream)   # for a child process
#
# Signatures follow the D-Bus convention: a string of complete GVariant types,
# one per argument or result ('' none, 'i' one int32, 'si' a string and an
# int32, '(ii)' one pair). Values are converted in _pp_variant.py, installed
# next to this file.

import os
from types import MethodType

from gi._gi import FunctionInfo
from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override
from . import _pp_variant as _variant

Pp = get_introspection_module('Pp')

__all__ = []

_NO_USER_DATA = object()



def _unwrap_remote(error):
    """A PP_ERROR_REMOTE_ERROR (the remote domain is not known in this
    process) as the GLib.Error the remote method raised; Python keeps error
    domains as strings, so no quark is needed for it."""
    if not error.matches(Pp.error_quark(), Pp.Error.REMOTE_ERROR):
        return error
    try:
        is_remote, domain, code = Pp.error_get_remote(error)
    except (TypeError, ValueError):
        return error
    if not is_remote:
        return error
    prefix = '%s:%d: ' % (domain, code)
    message = error.message
    if message.startswith(prefix):
        message = message[len(prefix):]
    return GLib.Error(message, domain, code)



# -- The proxy ----------------------------------------------------------------

class _RemoteMethod(object):
    """What the description says about one method, and the functions that
    call it, made once for every proxy with the same description."""

    __slots__ = ('name', 'in_signature', 'out_signature', 'packer', 'functions',
                 'passes_specials')

    def __init__(self, member):
        self.name = member.get_name()
        self.in_signature = member.get_in_signature() or '()'
        self.out_signature = member.get_out_signature() or '()'
        self.packer = _variant.packer(self.in_signature)
        self.functions = {}
        # Streams and descriptors ('h' at the top level) travel as file
        # descriptors with the call and its result, objects ('o') as
        # references in the lists of objects that go with them
        self.passes_specials = (self.packer.special or 'o' in self.out_signature or
                                'h' in _variant.split_tuple(self.out_signature))

    def pack(self, method, args):
        """(parameters, fd list or None, objects or None) of a call of
        method (the name it was called by) with args."""
        if self.passes_specials:
            return self.packer.pack_full(args, method + '()')
        return self.packer.pack(args, method + '()'), None, None


# description hash -> {python name: _RemoteMethod}, and {name: why it
# cannot be called} for the methods that cannot
_method_tables = {}
_refused_tables = {}


def _python_name(name):
    return name.replace('-', '_')


def _make_function(method, remote, kind):
    """proxy.<method>, proxy.<method>_async or proxy.<method>_finish, as a
    function of the proxy: it does what call_method(), call_method_async()
    and call_method_finish() do, without looking the method up again.
    Asynchronous calls all go through call_full(), so that any _finish()
    ends any of them."""
    name = remote.name
    pack = remote.pack
    special = remote.passes_specials
    if kind == 'sync':
        def call(self, *args, timeout=-1, cancellable=None, byte_arrays=bytes):
            return self._pp_wait(name, *pack(method, args), special, timeout, cancellable,
                                 byte_arrays)
        doc = 'Calls the remote %s%s -> %s and waits.'
    elif kind == 'async':
        def call(self, *args, callback=None, user_data=_NO_USER_DATA, timeout=-1,
                 cancellable=None):
            self._pp_start(name, *pack(method, args), timeout, cancellable, callback,
                           user_data)
        doc = 'Calls the remote %s%s -> %s without waiting.'
    else:
        def call(self, result, byte_arrays=bytes):
            return self.call_method_finish(result, byte_arrays)
        doc = 'Ends a call of the remote %s%s -> %s.'
    call.__name__ = method if kind == 'sync' else method + '_' + kind
    call.__qualname__ = 'Proxy.' + call.__name__
    call.__doc__ = doc % (remote.name, remote.in_signature, remote.out_signature)
    return call


class _Described(object):
    """What a Pp.Proxy and a Pp.Pool share: the remote methods of a
    description as attributes, and calls by name. The class using it gives
    _pp_methods() and the _pp_call_* functions of its own."""

    def _pp_prepare(self, method, args):
        """(name, parameters, fd list or None, objects or None, whether the
        reply may bring descriptors or objects) of a call of method with
        args."""
        remote = self._pp_methods().get(_python_name(method))
        if remote is None and _python_name(method) in (self.__dict__.get('_pp_refused') or {}):
            # The listener answers with why it cannot be called
            return method, None, None, None, False
        if remote is None:
            # Not described (e.g. answered by ::handle-method-call): the
            # arguments must say their own types.
            if not all(isinstance(arg, GLib.Variant) for arg in args):
                raise TypeError('method %r is not in the description of the remote %s; '
                                'pass its arguments as GLib.Variant values'
                                % (method, self.get_remote_type_name()))
            return method, (_variant.new_tuple(list(args)) if args else None), None, None, True
        return (remote.name,) + remote.pack(method, args) + (remote.passes_specials,)

    def _pp_wait(self, name, parameters, fd_list, objects, special, timeout, cancellable,
                 byte_arrays):
        form = _variant.byte_array_form(byte_arrays)
        try:
            if not special:
                return _variant.unpack_result(self._pp_call_sync(name, parameters, timeout,
                                                                 cancellable), form)
            reply = self._pp_call_full_sync(name, parameters, fd_list, objects, timeout,
                                            cancellable)
        except GLib.Error as error:
            raise _unwrap_remote(error) from None
        return _variant.unpack_reply(*reply, form)

    def _pp_start(self, name, parameters, fd_list, objects, timeout, cancellable, callback,
                  user_data):
        extra = () if user_data is _NO_USER_DATA else (user_data,)
        self._pp_call_full(name, parameters, fd_list, objects, timeout, cancellable, callback,
                           *extra)

    def call_method(self, method, *args, timeout=-1, cancellable=None, byte_arrays=bytes):
        """Calls the remote method and waits for its result.

        Returns None, the one value, or a tuple of the values. Raises
        GLib.Error with the remote error, or Pp.Error.TIMED_OUT after
        timeout milliseconds (-1: the default time-out). Byte arrays ('ay')
        are bytes, copied from the reply; byte_arrays=memoryview gives a
        read-only memoryview of the reply's own memory instead, and
        byte_arrays=GLib.Bytes a GLib.Bytes over it: no copy.
        """
        name, parameters, fd_list, objects, special = self._pp_prepare(method, args)
        return self._pp_wait(name, parameters, fd_list, objects, special, timeout, cancellable,
                             byte_arrays)

    def call_method_async(self, method, *args, callback=None, user_data=_NO_USER_DATA,
                          timeout=-1, cancellable=None):
        """Calls the remote method without waiting.

        callback(source, result[, user_data]) runs in the thread-default main
        context; it gets the result with call_method_finish(result) (or
        <method>_finish(result)).
        """
        name, parameters, fd_list, objects, special = self._pp_prepare(method, args)
        self._pp_start(name, parameters, fd_list, objects, timeout, cancellable, callback,
                       user_data)

    def call_method_finish(self, result, byte_arrays=bytes):
        """Ends call_method_async(): returns what call_method() would have
        (byte_arrays as there)."""
        form = _variant.byte_array_form(byte_arrays)
        try:
            reply = self._pp_call_full_finish(result)
        except GLib.Error as error:
            raise _unwrap_remote(error) from None
        return _variant.unpack_reply(*reply, form)

    def __getattr__(self, name):
        # Reached when normal lookup failed; the proxy's own methods that a
        # remote one hides go through _OwnMethod. The function is bound here
        # rather than kept on the proxy: a bound method kept on it would keep
        # it alive.
        if name.startswith('_'):
            raise AttributeError(name)
        functions = self.__dict__.get('_pp_functions')
        function = functions.get(name) if functions is not None else None
        if function is None:
            function = self._pp_function(name)
        if function is None:
            refused = self.__dict__.get('_pp_refused') or {}
            for method in (name, name[:-6], name[:-7]):
                if method in refused:
                    raise AttributeError(refused[method])
            raise AttributeError('%r object has no attribute %r, and the remote %s has no '
                                 'such method' % (type(self).__name__, name,
                                                  self.get_remote_type_name()))
        return MethodType(function, self)

    def _pp_function(self, name):
        """The function of the remote method that name calls (name,
        name_async or name_finish), or None."""
        methods = self._pp_methods()
        for method, kind in ((name, 'sync'), (name[:-6], 'async'), (name[:-7], 'finish')):
            if method in methods and (kind == 'sync' or name.endswith('_' + kind)):
                break
        else:
            return None
        remote = methods[method]
        function = remote.functions.get(kind)
        if function is None:
            function = remote.functions[kind] = _make_function(method, remote, kind)
        functions = self.__dict__.get('_pp_functions')
        if functions is not None:
            functions[name] = function
        return function

    def __dir__(self):
        names = set(super().__dir__())
        for name in self._pp_methods():
            names.update((name, name + '_async', name + '_finish'))
        return sorted(names)


class Proxy(_Described, Pp.Proxy):
    """A proxy that feels like the remote object.

    Every method in the remote object's description is an attribute:
    ``proxy.name(*args)`` calls it and waits, ``proxy.name_async(*args,
    callback=..., user_data=...)`` calls it without blocking and
    ``proxy.name_finish(result)`` ends that call in the callback. Arguments
    are converted to the method's in-signature; the result is None, the one
    value or a tuple of the values; a failure raises GLib.Error with the
    remote domain, code and message. Byte arrays are bytes, or with
    ``byte_arrays=memoryview`` (or ``GLib.Bytes``) views of the reply's
    memory, without a copy. Action signals named with '-' are
    reached with '_'. A method the remote object has but that cannot be
    called from another process raises AttributeError saying why.

    A remote method hides a method of the proxy itself of the same name
    (Pp.Proxy's, GObject.Object's or this class's): on a proxy of a stream,
    ``proxy.close()`` closes the remote stream. The proxy's own method is
    always reached unbound, through the class: ``Pp.Proxy.close(proxy)``,
    ``GObject.Object.connect(proxy, ...)``. Attributes that are not methods
    (``props``) are the proxy's.

    Signals and properties are the remote object's own: ``proxy.connect(...)``
    and ``proxy.props.name`` work as on the object.
    """

    # What the generated functions call: the proxy's own, never hidden
    _pp_call_sync = Pp.Proxy.call_sync
    _pp_call_full_sync = Pp.Proxy.call_full_sync
    _pp_call_full = Pp.Proxy.call_full
    _pp_call_full_finish = Pp.Proxy.call_full_finish

    def _pp_methods(self):
        # The description never changes once the proxy has one: its table
        # is kept on the proxy, which spares a call into the library on
        # every remote call.
        table = self.__dict__.get('_pp_table')
        if table is not None:
            return table
        key = Pp.Proxy.get_description_hash(self)
        table = _method_tables.get(key) if key else None
        refused = _refused_tables.get(key, {})
        if table is None:
            table = {}
            refused = {}
            methods = Pp.Proxy.list_methods(self)
            for i in range(methods.get_n_items() if methods is not None else 0):
                member = methods.get_item(i)
                if not member.get_available():
                    refused[_python_name(member.get_name())] = member.get_unavailable_reason()
                    continue
                # The first of two names that differ in '-'/'_' only is the
                # one the listener dispatches to.
                table.setdefault(_python_name(member.get_name()), _RemoteMethod(member))
            if key:
                _method_tables[key] = table
                _refused_tables[key] = refused
        if key:
            self.__dict__['_pp_table'] = table
            self.__dict__['_pp_refused'] = refused
            self.__dict__['_pp_functions'] = {}
        return table

    def _pp_property_value(self, name, value):
        if value is None or isinstance(value, GLib.Variant):
            return value
        properties = Pp.Proxy.list_properties(self)
        for i in range(properties.get_n_items()):
            member = properties.get_item(i)
            if member.get_name() == name.replace('_', '-'):
                return _variant.checked(member.get_signature(), value)
        raise TypeError('the remote %s has no property %r; pass a GLib.Variant'
                        % (self.get_remote_type_name(), name))

    def set_property_sync(self, name, value, cancellable=None):
        """Like Pp.Proxy.set_property_sync(), and value may also be a plain
        Python value, converted with the property's signature."""
        return Pp.Proxy.set_property_sync(self, name, self._pp_property_value(name, value),
                                          cancellable)

    def set_property_async(self, name, value, cancellable=None, callback=None,
                           user_data=_NO_USER_DATA):
        """Like Pp.Proxy.set_property_async(), and value may also be a plain
        Python value, converted with the property's signature."""
        value = self._pp_property_value(name, value)
        if user_data is _NO_USER_DATA:
            return Pp.Proxy.set_property_async(self, name, value, cancellable, callback)
        return Pp.Proxy.set_property_async(self, name, value, cancellable, callback, user_data)


class _OwnMethod(object):
    """A method of the proxy itself that a remote method of the same name
    hides: on the class it is the proxy's own (``Pp.Proxy.close(proxy)``),
    on a proxy the remote one if there is one."""

    __slots__ = ('name', 'own')

    def __init__(self, name, own):
        self.name = name
        self.own = own

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self.own
        function = obj._pp_function(self.name)
        return MethodType(function if function is not None else self.own, obj)


def _own_methods(klass):
    """{name: method} of the instance methods klass and its bases have."""
    methods = {}
    for base in reversed(klass.__mro__):
        for name, value in vars(base).items():
            if name.startswith('_') or isinstance(value, (classmethod, staticmethod)):
                continue
            if isinstance(value, FunctionInfo):
                if not value.is_method():
                    continue
            elif not callable(value) or isinstance(value, type):
                continue
            methods[name] = value
    return methods


for _name, _method in _own_methods(Proxy).items():
    setattr(Proxy, _name, _OwnMethod(_name, _method))
del _name, _method

Proxy = override(Proxy)
__all__.append('Proxy')


# -- The pool -----------------------------------------------------------------

if hasattr(Pp, 'Pool'):
    class Pool(_Described, Pp.Pool):
        """A pool of workers that is called like one object.

        As on a Pp.Proxy, every method of the object the workers serve is an
        attribute: ``pool.name(*args)`` calls it on a free worker and waits,
        ``pool.name_async(*args, callback=..., user_data=...)`` calls it
        without blocking (callback(pool, result[, user_data])) and
        ``pool.name_finish(result)`` ends that call. Arguments are converted
        with the method's signature from a worker's description, so the
        first call by name when no worker has run yet starts the workers
        (start_sync()) to learn it. Names of the pool's own methods win:
        ``call_method(name, ...)`` reaches any remote one. Descriptors and
        objects pass both ways as through a proxy, on the connection of the
        worker the call goes to.

        Signals come with their worker:
        ``pool.connect('worker-signal::progress', handler)`` calls
        handler(pool, worker, name, args) with args a GLib.Variant tuple
        (args.unpack()); each worker's Pp.Proxy is in pool.get_workers().
        """

        def _pp_methods(self):
            # Workers come and go, but all serve the same program or type:
            # the table of the first one seen is kept.
            table = self.__dict__.get('_pp_table')
            if table is not None:
                return table
            workers = self.get_workers()
            if workers.get_n_items() == 0:
                self.start_sync(None)
            worker = workers.get_item(0)
            if worker is None:
                raise GLib.Error.new_literal(Pp.error_quark(), 'The pool has no worker to '
                                             'describe its methods', Pp.Error.DISCONNECTED)
            table = worker._pp_methods()
            self.__dict__['_pp_table'] = table
            self.__dict__['_pp_refused'] = worker.__dict__.get('_pp_refused', {})
            self.__dict__['_pp_functions'] = {}
            self.__dict__['_pp_remote_type_name'] = worker.get_remote_type_name()
            return table

        def get_remote_type_name(self):
            """The type name of the object the workers serve, from a
            worker's handshake; None before any worker has started."""
            name = self.__dict__.get('_pp_remote_type_name')
            if name is None:
                workers = self.get_workers()
                if workers.get_n_items() > 0:
                    name = workers.get_item(0).get_remote_type_name()
            return name

        # What the generated functions call: the pool's own, never hidden.
        # Objects go to the worker the call goes to, exported on its
        # connection; the objects a result gives are proxies on it.
        _pp_call_sync = Pp.Pool.call_sync
        _pp_call_full_sync = Pp.Pool.call_full_sync
        _pp_call_full = Pp.Pool.call_full
        _pp_call_full_finish = Pp.Pool.call_full_finish

    Pool = override(Pool)
    __all__.append('Pool')


# -- The listener -------------------------------------------------------------

class _Exported(object):
    __slots__ = ('name', 'in_signature', 'out_signature', 'extra', 'form')

    def __init__(self, name, in_signature, out_signature, extra=None, form=None):
        _variant.split(in_signature)
        _variant.split(out_signature)
        self.name = name
        self.in_signature = in_signature
        self.out_signature = out_signature
        # None, 'invocation' or 'cancellable': what the method gets after
        # its arguments
        self.extra = extra
        # What its byte array arguments become (see _variant.byte_array_form())
        self.form = form


def method(in_signature='', out_signature='', name=None, invocation=False, cancellable=False,
           byte_arrays=bytes):
    """Marks a method of a GObject.Object subclass to be served by a
    Pp.Listener, which the library cannot find on its own.

        @Pp.method(in_signature='i', out_signature='')
        def set_parameter(self, value): ...

    Signatures are strings of complete GVariant types, one per argument or
    result. The method gets the arguments as Python values and returns None
    (no results), the value (one result) or a tuple. Byte arrays ('ay')
    arrive as bytes, copied from the call; byte_arrays=memoryview gives a
    read-only memoryview of the call's own memory instead, and
    byte_arrays=GLib.Bytes a GLib.Bytes over it: no copy, however big.
    A GLib.Error it raises reaches the caller as it is; any other exception
    as Pp.Error.FAILED. name defaults to the function's name. Usable bare,
    as @Pp.method, for a method without arguments or results.

    With invocation=True the method gets one more argument, the call's
    Pp.Invocation, and answers through it, before it returns or later
    (from a thread, an idle...): invocation.return_value(value) with what
    the method would have returned, or invocation.return_gerror(error).
    invocation.get_cancellable() is cancelled when the caller gives up.
    With cancellable=True it gets that Gio.Cancellable instead, and answers
    by returning. Both forms take and give file descriptors: a handle ('h')
    argument arrives as a new descriptor the method owns, and a handle in
    the result is given as a descriptor (an int), which is closed once the
    answer is sent, or as anything with fileno() or get_fd() (a file, a
    Gio.UnixInputStream), which keeps its own.
    """
    if callable(in_signature):
        return method()(in_signature)
    if invocation and cancellable:
        raise ValueError('a method gets its invocation or its cancellable, not both')
    _variant.split(in_signature)
    _variant.split(out_signature)
    extra = 'invocation' if invocation else 'cancellable' if cancellable else None
    form = _variant.byte_array_form(byte_arrays)

    def mark(func):
        func._pp_method = _Exported(name or func.__name__, in_signature, out_signature, extra,
                                    form)
        return func
    return mark


__all__.append('method')


def _marked_methods(obj):
    """(bound method, _Exported) for each @Pp.method of obj's class; a
    redefinition in a subclass wins, marked or not."""
    found = []
    seen = set()
    for klass in type(obj).__mro__:
        for attr, value in list(vars(klass).items()):
            if attr in seen:
                continue
            seen.add(attr)
            marker = getattr(value, '_pp_method', None)
            if isinstance(marker, _Exported):
                found.append((getattr(obj, attr), marker))
    return found


def _make_method_func(func, exported):
    answer = _Answer(exported.name, exported.out_signature, with_fds=False)
    form = exported.form

    def invoke(obj, parameters, *unused):
        try:
            result = func(*_variant.unpack_children(parameters, form))
        except Exception as error:
            raise _failure(error) from None
        return answer.result(result)[0]
    return invoke


def _failure(error):
    """What the caller gets for an exception of a method: a GLib.Error as
    it is, anything else as Pp.Error.FAILED naming it."""
    if isinstance(error, GLib.Error):
        return error
    return GLib.Error.new_literal(Pp.error_quark(), '%s: %s' % (type(error).__name__, error),
                                  Pp.Error.FAILED)


class _Answer(object):
    """How an invocation of a method exported from Python is answered:
    Python values to the out-signature's tuple, descriptors to a
    Gio.UnixFDList."""

    __slots__ = ('name', 'out_signature', 'packer', 'handles')

    def __init__(self, name, out_signature, with_fds=True):
        self.name = name
        self.out_signature = out_signature
        self.packer = _variant.packer('(' + out_signature + ')')
        # Without a list of descriptors to answer with (a method added with
        # add_method()), a handle is the number given
        self.handles = self.packer.handles if with_fds else ()

    def result(self, value):
        """(the result tuple, a Gio.UnixFDList or None, the descriptors to
        close once it is sent) for what a method returned; raises GLib.Error
        Pp.Error.FAILED when it does not fit. A descriptor given as an int
        is handed over; a file or a stream keeps its own."""
        if isinstance(value, GLib.Variant) and \
                value.get_type_string() == '(' + self.out_signature + ')':
            return value, None, ()
        n = len(self.packer.types)
        if n == 0:
            values = []
        elif n == 1:
            values = [value]
        else:
            values = list(value) if isinstance(value, (tuple, list)) else None
            if values is None or len(values) != n:
                raise GLib.Error.new_literal(
                    Pp.error_quark(),
                    'Method “%s” must return a tuple of %d values (%s), not %r'
                    % (self.name, n, self.out_signature, value), Pp.Error.FAILED)
        fd_list = None
        handed_over = []
        if self.handles:
            fd_list = Gio.UnixFDList.new()
            for i in self.handles:
                if not isinstance(values[i], GLib.Variant):
                    try:
                        fd = _variant.fileno(values[i])
                        if isinstance(values[i], int):
                            handed_over.append(fd)
                        values[i] = fd_list.append(fd)
                    except (TypeError, GLib.Error) as error:
                        raise GLib.Error.new_literal(
                            Pp.error_quark(), 'Method “%s” returned %r for a descriptor: %s'
                            % (self.name, values[i], error), Pp.Error.FAILED) from None
        try:
            return self.packer.pack(values, ''), fd_list, handed_over
        except TypeError as error:
            raise GLib.Error.new_literal(
                Pp.error_quark(),
                'Method “%s” returned a value that does not fit (%s): %s'
                % (self.name, self.out_signature, error), Pp.Error.FAILED) from None


class Invocation(Pp.Invocation):
    """One call from the peer, answered exactly once.

    For a method exported from Python with @Pp.method(invocation=True),
    return_value() takes what the method would have returned (None, the
    value, or a tuple of the values; for a handle a descriptor, closed once
    sent, or a file), converted with its out-signature; for others, a
    GLib.Variant tuple or None.
    return_gerror() also takes any exception, sent as Pp.Error.FAILED
    naming it. Both may be called from any thread."""

    def _pp_take_answer(self):
        if getattr(self, '_pp_answered', False):
            raise RuntimeError('the call to %r was already answered'
                               % Pp.Invocation.get_method_name(self))
        self._pp_answered = True

    def return_value(self, value=None):
        answer = getattr(self, '_pp_answer', None)
        if answer is None:
            self._pp_take_answer()
            return Pp.Invocation.return_value(self, value)
        try:
            result, fd_list, handed_over = answer.result(value)
        except GLib.Error as error:
            return self.return_gerror(error)
        self._pp_take_answer()
        if fd_list is None:
            Pp.Invocation.return_value(self, result)
        else:
            Pp.Invocation.return_value_with_unix_fd_list(self, result, fd_list)
        for fd in handed_over:
            os.close(fd)

    def return_value_with_unix_fd_list(self, result, fd_list):
        self._pp_take_answer()
        Pp.Invocation.return_value_with_unix_fd_list(self, result, fd_list)

    def return_gerror(self, error):
        self._pp_take_answer()
        Pp.Invocation.return_gerror(self, _failure(error))

    def return_error_literal(self, domain, code, message):
        self._pp_take_answer()
        Pp.Invocation.return_error_literal(self, domain, code, message)


Invocation = override(Invocation)
__all__.append('Invocation')


def _make_invocation_func(func, exported):
    """A PpInvocationFunc for a method marked with invocation=True or
    cancellable=True: handles ('h') arrive as descriptors of their own."""
    in_handles = _variant.packer('(' + exported.in_signature + ')').handles
    what = 'Method “%s”' % exported.name
    answer = _Answer(exported.name, exported.out_signature)
    pass_invocation = exported.extra == 'invocation'
    form = exported.form

    def invoke(obj, parameters, invocation, *unused):
        invocation._pp_answer = answer
        try:
            args = _variant.unpack_children(parameters, form)
            if in_handles:
                _variant.take_descriptors(args, in_handles, invocation.get_unix_fd_list(), what)
            if pass_invocation:
                func(*args, invocation)
            else:
                invocation.return_value(func(*args, invocation.get_cancellable()))
        except Exception as error:
            if getattr(invocation, '_pp_answered', False):
                raise   # a bug after the answer: PyGObject prints it
            invocation.return_gerror(error)
    return invoke


class Listener(Pp.Listener):
    """Serves one object; the constructors also serve its @Pp.method
    methods (see export_methods())."""

    @classmethod
    def new(cls, object, stream):
        listener = super().new(object, stream)
        listener.export_methods(object)
        return listener

    @classmethod
    def new_pair(cls, object):
        listener, stream = super().new_pair(object)
        listener.export_methods(object)
        return listener, stream

    def export_method(self, func, in_signature=None, out_signature=None, name=None):
        """Serves a Python callable as a method, with pp_listener_add_method(),
        or pp_listener_add_method_with_invocation() for one marked with
        invocation=True or cancellable=True.

        func is called with the arguments only (bind it yourself); a
        @Pp.method-marked function brings its signatures and name, which the
        arguments given here override. Returns the method's name.
        """
        marker = getattr(func, '_pp_method', None)
        if not isinstance(marker, _Exported):
            marker = _Exported(getattr(func, '__name__', None), '', '')
        exported = _Exported(name or marker.name,
                             marker.in_signature if in_signature is None else in_signature,
                             marker.out_signature if out_signature is None else out_signature,
                             form=marker.form)
        if not exported.name:
            raise ValueError('a method needs a name')
        if marker.extra is not None:
            exported.extra = marker.extra
            self.add_method_with_invocation(
                exported.name, GLib.VariantType.new('(' + exported.in_signature + ')'),
                GLib.VariantType.new('(' + exported.out_signature + ')'),
                _make_invocation_func(func, exported))
            return exported.name
        self.add_method(exported.name,
                        GLib.VariantType.new('(' + exported.in_signature + ')'),
                        GLib.VariantType.new('(' + exported.out_signature + ')'),
                        _make_method_func(func, exported))
        return exported.name

    def export_methods(self, obj=None):
        """Serves every @Pp.method method of obj (by default the served
        object), bound to obj. The constructors call this for the served
        object; a listener made with Pp.Listener(...) and init() does not.
        Returns the names."""
        if obj is None:
            obj = self.get_object()
        return [self.export_method(bound) for bound, marker in _marked_methods(obj)]


Listener = override(Listener)
__all__.append('Listener')


def boxed_register_value_form(boxed_type, value_type, to_variant, from_variant):
    """Lets values of boxed_type (a class such as Json.Node, or its GType)
    cross by value, as GLib.Variant values of value_type (a GLib.VariantType
    or a type string): to_variant(boxed) gives one, from_variant(variant)
    gives a new boxed value back, or None when the variant does not stand for
    one (it comes from the peer). Both processes register the same form
    before their first listener or proxy uses the type.

    Signal arguments and property values of the type arrive as boxed values.
    A method argument may be a boxed value (converted here with to_variant);
    a method's result is its value form, which from_variant turns back into
    a boxed value."""
    if isinstance(value_type, str):
        value_type = GLib.VariantType.new(value_type)
    Pp.boxed_register_value_form(boxed_type, value_type, to_variant, from_variant)
    gtype = boxed_type if isinstance(boxed_type, GObject.GType) else boxed_type.__gtype__
    _variant.value_forms[gtype] = to_variant


__all__.append('boxed_register_value_form')


if hasattr(Pp, 'serve_parent'):
    def serve_parent(object):
        """Like the C pp_serve_parent(), and also serves the object's
        @Pp.method methods. A sandbox the parent asked for (Pp.Options'
        sandbox) applies before the first call is read: import every module
        the methods use before calling this."""
        if not _marked_methods(object):
            return Pp.serve_parent(object)
        # The library takes the connection and the variable naming it, and
        # says what is wrong if there is none; os.environ, a copy of the
        # environment, forgets the variable too
        listener = Pp.Listener.new_for_parent(object)
        os.environ.pop(getattr(Pp, 'SUBPROCESS_FD_VARIABLE', 'PIPEPROXY_FD'), None)
        listener.export_methods()
        ends = []
        handler = listener.connect('closed', lambda listener, error: ends.append(error))
        listener.run()
        listener.disconnect(handler)
        if ends and ends[0] is not None and \
                not ends[0].matches(Pp.error_quark(), Pp.Error.DISCONNECTED):
            raise ends[0]
        return True

    __all__.append('serve_parent')
