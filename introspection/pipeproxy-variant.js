// SPDX-License-Identifier: LGPL-2.1-or-later
//
// pipeproxy-variant.js: JavaScript values <-> GLib.Variant for the
// pipeproxy.js helper module, installed next to it: the one place where
// signatures are split and values packed and unpacked, descriptors and
// objects among them, for a proxy's calls, a pool's and the answers of
// methods served from JavaScript. Import pipeproxy.js, which exports what
// is public here; the rest may change at any time.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import Pp from 'gi://Pp?version=1.0';

// The wrapper state of wrap()'s wrappers, whose proxy unwrap() gives
export const WRAPPER_STATE = Symbol('pipeproxy wrapper state');

export function ppError(code, message) {
    return new GLib.Error(Pp.Error, code, message);
}

// The end of the complete type that starts at `i` in a valid type string.
export function typeEnd(signature, i) {
    const c = signature[i];
    if (c === 'a' || c === 'm')
        return typeEnd(signature, i + 1);
    if (c === '(' || c === '{') {
        i++;
        while (i < signature.length && signature[i] !== ')' && signature[i] !== '}')
            i = typeEnd(signature, i);
        return i + 1;
    }
    return i + 1;
}

// The item types of a tuple type: '(ias)' → ['i', 'as']. (Iterating a
// GLib.VariantType does not work in GJS: first() returns a copy, whose
// next() runs past its end.)
export function tupleItems(signature) {
    if (!GLib.variant_type_string_is_valid(signature) || signature[0] !== '(')
        throw ppError(Pp.Error.INVALID_ARGUMENTS, `“${signature}” is not a tuple type`);
    const items = [];
    for (let i = 1; i < signature.length - 1;) {
        const end = typeEnd(signature, i);
        items.push(signature.slice(i, end));
        i = end;
    }
    return items;
}

export function checkTupleSignature(signature, what) {
    if (typeof signature !== 'string' || !GLib.variant_type_string_is_valid(signature) ||
        signature[0] !== '(')
        throw new TypeError(`${what}: “${signature}” is not a GVariant tuple type such as '(i)' or '()'`);
    return signature;
}

const INTEGER_RANGES = {
    y: [0, 2 ** 8 - 1],
    n: [-(2 ** 15), 2 ** 15 - 1],
    q: [0, 2 ** 16 - 1],
    i: [-(2 ** 31), 2 ** 31 - 1],
    u: [0, 2 ** 32 - 1],
    h: [-(2 ** 31), 2 ** 31 - 1],
    x: [-(2n ** 63n), 2n ** 63n - 1n],
    t: [0n, 2n ** 64n - 1n],
};

export function describe(value) {
    if (value === null)
        return 'null';
    if (Array.isArray(value))
        return 'an Array';
    if (value instanceof GLib.Variant)
        return `a GLib.Variant of type ${value.get_type_string()}`;
    return `${typeof value} ${typeof value === 'string' ? JSON.stringify(value) : ''}`.trimEnd();
}

// new GLib.Variant() converts leniently ('x' for an 'i' gives 0): check the
// JavaScript value against the type first, so a wrong value is an error.
function checkValue(type, value) {
    if (value instanceof GLib.Variant) {
        if (value.get_type_string() === type || type === 'v')
            return;
        if (type[0] === 'm') {     // the value of a maybe: 'mv' takes any
            checkValue(type.slice(1), value);
            return;
        }
        throw new TypeError(`expected ${type}, got ${describe(value)}`);
    }
    const c = type[0];
    const fail = () => {
        throw new TypeError(`expected ${type}, got ${describe(value)}`);
    };
    if (c === 'b') {
        if (typeof value !== 'boolean')
            fail();
    } else if (c in INTEGER_RANGES) {
        const [min, max] = INTEGER_RANGES[c];
        if (typeof value === 'number') {
            if (!Number.isInteger(value) || value < min || value > max ||
                ((c === 'x' || c === 't') && !Number.isSafeInteger(value)))
                throw new TypeError(`expected ${type}, got ${value}, not an integer in its range` +
                    `${c === 'x' || c === 't' ? ' (give a BigInt beyond 2^53)' : ''}`);
        } else if (typeof value === 'bigint') {
            if (value < BigInt(min) || value > BigInt(max))
                throw new TypeError(`expected ${type}, got ${value}n, out of range`);
        } else {
            fail();
        }
    } else if (c === 'd') {
        if (typeof value !== 'number')
            fail();
    } else if (c === 's' || c === 'o' || c === 'g') {
        if (typeof value !== 'string')
            fail();
    } else if (c === 'v') {
        fail();  // only a GLib.Variant, handled above
    } else if (c === 'm') {
        if (value !== null && value !== undefined)
            checkValue(type.slice(1), value);
    } else if (type === 'ay') {
        if (typeof value !== 'string' && !(value instanceof Uint8Array) &&
            !(value instanceof GLib.Bytes) && !Array.isArray(value))
            fail();
    } else if (type.startsWith('a{')) {
        if (value === null || typeof value !== 'object' || Array.isArray(value))
            fail();
        const valueType = type.slice(typeEnd(type, 2), -1);
        for (const item of Object.values(value))
            checkValue(valueType, item);
    } else if (c === 'a') {
        if (!Array.isArray(value))
            fail();
        for (const item of value)
            checkValue(type.slice(1), item);
    } else if (c === '(') {
        const items = tupleItems(type);
        if (!Array.isArray(value) || value.length !== items.length)
            throw new TypeError(`expected ${type}, an Array of ${items.length}, got ${describe(value)}`);
        items.forEach((item, i) => checkValue(item, value[i]));
    }
}

// The boxed classes whose value form was registered with
// registerValueForm(): class -> its toVariant
const valueForms = new Map();

export function packOne(type, value) {
    if (value === undefined && type.startsWith('m'))
        value = null;
    if (valueForms.size > 0 && value !== null && typeof value === 'object') {
        const toVariant = valueForms.get(value.constructor);
        if (toVariant)
            value = toVariant(value);
    }
    checkValue(type, value);
    if (value instanceof GLib.Variant && value.get_type_string() === type)
        return value;
    if (value instanceof GLib.Bytes && type === 'ay')
        return GLib.Variant.new_from_bytes(new GLib.VariantType('ay'), value, true);
    return new GLib.Variant(type, value);
}

/**
 * Lets values of a boxed type with no value form of its own cross by value:
 * Pp.boxed_register_value_form(), and a method argument may then be a value
 * of the type, converted here with `toVariant`. Both processes register the
 * same form before their first proxy or listener uses the type.
 *
 * ```js
 * Pipeproxy.registerValueForm(Json.Node, 's',
 *     node => new GLib.Variant('s', Json.to_string(node, false)),
 *     variant => Json.from_string(variant.get_string()[0]));
 * ```
 *
 * Signal arguments and property values of the type arrive as boxed values;
 * a method's result is the value form.
 *
 * @param {Function} boxedType - the boxed class, e.g. Json.Node
 * @param {string|GLib.VariantType} valueType - the type of its value form
 * @param {Function} toVariant - a value of the type to a GLib.Variant of
 *   valueType
 * @param {Function} fromVariant - a GLib.Variant of valueType, from the
 *   peer, to a new value of the type, or null if it does not stand for one
 */
export function registerValueForm(boxedType, valueType, toVariant, fromVariant) {
    if (typeof valueType === 'string')
        valueType = new GLib.VariantType(valueType);
    Pp.boxed_register_value_form(boxedType, valueType, toVariant, fromVariant);
    valueForms.set(boxedType, toVariant);
}

// Object values (type 'o') pass by reference: in a call or a result, an
// object is '/N', its index in the list of objects that goes with it.
// Each object in `value` (a GObject, a proxy or a wrapper of one) is put
// in `objects` and replaced by its index; what is not an object is left
// for checkValue() to refuse.
function objectsToPaths(type, value, objects) {
    if (!type.includes('o') || value instanceof GLib.Variant)
        return value;
    const c = type[0];
    if (c === 'o') {
        const object = unwrap(value);
        if (!(object instanceof GObject.Object))
            throw new TypeError(`expected an object, got ${describe(value)}`);
        let index = objects.indexOf(object);
        if (index < 0)
            index = objects.push(object) - 1;
        return `/${index}`;
    }
    if (c === 'm')
        return value === null || value === undefined ? null : objectsToPaths(type.slice(1), value, objects);
    if (c === '(') {
        const items = tupleItems(type);
        return Array.isArray(value) && value.length === items.length
            ? items.map((item, i) => objectsToPaths(item, value[i], objects)) : value;
    }
    if (type.startsWith('a{')) {
        const valueType = type.slice(typeEnd(type, 2), -1);
        return value !== null && typeof value === 'object' && !Array.isArray(value)
            ? Object.fromEntries(Object.entries(value).map(([k, v]) =>
                [k, objectsToPaths(valueType, v, objects)]))
            : value;
    }
    if (c === 'a')
        return Array.isArray(value) ? value.map(item => objectsToPaths(type.slice(1), item, objects)) : value;
    return value;
}

// objectsToPaths() backwards, on an unpacked value: '/N' is objects[N]
// (the library checked that it indexes the list), given to `wrapObject`
// (which wraps a proxy).
function pathsToObjects(type, value, objects, wrapObject) {
    if (!type.includes('o') || value instanceof GLib.Variant)
        return value;
    const c = type[0];
    if (c === 'o')
        return wrapObject(objects[Number(value.slice(1))]);
    if (c === 'm')
        return value === null ? null : pathsToObjects(type.slice(1), value, objects, wrapObject);
    if (c === '(')
        return tupleItems(type).map((item, i) => pathsToObjects(item, value[i], objects, wrapObject));
    if (type.startsWith('a{')) {
        const valueType = type.slice(typeEnd(type, 2), -1);
        return Object.fromEntries(Object.entries(value).map(([k, v]) =>
            [k, pathsToObjects(valueType, v, objects, wrapObject)]));
    }
    if (c === 'a')
        return value.map(item => pathsToObjects(type.slice(1), item, objects, wrapObject));
    return value;
}

// unpackResult() of a reply that came with objects: each object value is
// the object, a proxy of the peer's (given to `wrapObject`) or one of this
// process. A 'v' keeps its '/N' strings.
export function unpackReply(result, objects, mode, wrapObject) {
    const value = unpackResult(result, mode);
    if (mode === 'none' || !objects || !result.get_type_string().includes('o'))
        return value;
    const items = tupleItems(result.get_type_string());
    if (items.length === 1)
        return pathsToObjects(items[0], value, objects, wrapObject);
    return items.map((item, i) => pathsToObjects(item, value[i], objects, wrapObject));
}

/**
 * Packs JavaScript values into a tuple of the given GVariant type.
 *
 * Each value is converted with `new GLib.Variant(type, value)`; a value that
 * already is a GLib.Variant of the item's type is taken as it is, and
 * `undefined` is `null` for a maybe type.
 *
 * @param {string} signature - a tuple type, e.g. '(is)'
 * @param {Array} values - one value per item of the tuple
 * @param {string} [what] - names the method in error messages
 * @param {GObject.Object[]} [objects] - where to put the objects of object
 *   values (type 'o'), which stand in the tuple as their index, '/N': the
 *   list of objects of Pp.Proxy.call_full(). Without it, an object value is
 *   such a string.
 * @returns {GLib.Variant} the tuple
 * @throws {GLib.Error} Pp.Error.INVALID_ARGUMENTS if the values do not fit
 */
export function packArguments(signature, values, what = 'method', objects = undefined) {
    const items = tupleItems(signature);
    if (values.length !== items.length) {
        throw ppError(Pp.Error.INVALID_ARGUMENTS,
            `${what} expects ${signature}: ${items.length} argument(s), got ${values.length}`);
    }
    const children = items.map((type, i) => {
        try {
            if (objects !== undefined && type.includes('o'))
                return packOne(type, objectsToPaths(type, values[i], objects));
            return packOne(type, values[i]);
        } catch (e) {
            throw ppError(Pp.Error.INVALID_ARGUMENTS,
                `${what} expects ${signature}: argument ${i + 1} is not a ${type}: ${e.message}`);
        }
    });
    return GLib.Variant.new_tuple(children);
}

/**
 * Unpacks a result tuple: no item gives undefined, one item its value,
 * several an Array.
 *
 * @param {GLib.Variant} tuple - the result
 * @param {string} [mode] - 'deep' (GLib.Variant.deepUnpack: a 'v' stays a
 *   GLib.Variant), 'recursive' (recursiveUnpack: variants unpacked too) or
 *   'none' (the tuple itself)
 * @returns {*} the values
 */
export function unpackResult(tuple, mode = 'deep') {
    if (mode === 'none')
        return tuple;
    const values = unpackArguments(tuple, mode);
    if (values.length === 0)
        return undefined;
    return values.length === 1 ? values[0] : values;
}

// The values of an arguments tuple, as an Array ([tuple] for 'none')
export function unpackArguments(tuple, mode) {
    if (mode === 'none')
        return [tuple];
    const values = [];
    for (let i = 0; i < tuple.n_children(); i++) {
        const child = tuple.get_child_value(i);
        values.push(mode === 'recursive' ? child.recursiveUnpack() : child.deepUnpack());
    }
    return values;
}

/**
 * The Pp.Proxy behind a wrapper made by wrap(); any other value is returned
 * as it is.
 *
 * @param {*} wrapped - a wrapper or a Pp.Proxy
 * @returns {Pp.Proxy} the proxy
 */
export function unwrap(wrapped) {
    return wrapped?.[WRAPPER_STATE]?.proxy ?? wrapped;
}

// Top-level handles ('h', e.g. a GInputStream argument or result) travel
// as file descriptors: the positions of those in a tuple signature.
export function handlePositions(signature) {
    return tupleItems(signature).flatMap((type, i) => type === 'h' ? [i] : []);
}

function fdPositions(method) {
    if (method.handles === undefined)
        method.handles = {in: handlePositions(method.in), out: handlePositions(method.out)};
    return method.handles;
}

// The parameters of a call whose handle arguments are descriptors (numbers)
// or have one (get_fd(): Gio.UnixInputStream, Gio.UnixOutputStream), and the
// Gio.UnixFDList they go in; its objects go in `objects`, if given.
export function packWithFds(method, values, objects = undefined) {
    const fdList = new Gio.UnixFDList();
    values = [...values];
    for (const i of fdPositions(method).in) {
        const value = values[i];
        if (value === undefined || value instanceof GLib.Variant)
            continue;
        const fd = typeof value === 'number' ? value : value?.get_fd?.();
        if (typeof fd !== 'number') {
            throw ppError(Pp.Error.INVALID_ARGUMENTS,
                `Method “${method.name}”: argument ${i + 1} must be a file descriptor or ` +
                `have one (get_fd()), got ${describe(value)}`);
        }
        values[i] = fdList.append(fd);
    }
    return [packArguments(method.in, values, `Method “${method.name}”`, objects), fdList];
}

// unpackResult(), each handle of the result replaced by its descriptor: a
// new one the caller owns (Gio.UnixInputStream.new(fd, true) takes it); and
// its objects, if any came, as unpackReply() gives them.
export function unpackWithFds(method, result, outFds, mode, objects, wrapObject) {
    const value = unpackReply(result, objects, mode, wrapObject);
    const positions = fdPositions(method).out;
    if (positions.length === 0)
        return value;
    const single = tupleItems(method.out).length === 1;
    const values = single ? [value] : [...value];
    for (const i of positions)
        values[i] = outFds ? outFds.get(values[i]) : null;
    return single ? values[0] : values;
}

export function passesFds(method) {
    const {in: inside, out} = fdPositions(method);
    return inside.length > 0 || out.length > 0;
}

export function passesObjects(method) {
    return method.in.includes('o') || method.out.includes('o');
}
