// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The value form of Json.Node that test-values.js and values-child.js both
// register: its JSON text.

import GLib from 'gi://GLib';
import Json from 'gi://Json?version=1.0';
import Pp from 'gi://Pp?version=1.0';

import * as Pipeproxy from '../../introspection/pipeproxy.js';

// Pp.boxed_register_value_form() itself, or the helper module's
// registerValueForm(), which also packs a Json.Node given as an argument
export function registerJsonNodeForm(helper = false) {
    (helper ? Pipeproxy.registerValueForm : Pp.boxed_register_value_form)(
        Json.Node, new GLib.VariantType('s'),
        node => new GLib.Variant('s', Json.to_string(node, false)),
        variant => {
            try {
                return Json.from_string(variant.get_string()[0]);
            } catch {
                return null;    // not JSON: the call fails, naming the type
            }
        });
}
