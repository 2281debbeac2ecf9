// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Serves a Json.Generator on the inherited socket fd 3, with Json.Node
// registered to cross as its JSON text, until the connection ends. Started
// by test-values.js.

import Json from 'gi://Json?version=1.0';
import Pp from 'gi://Pp?version=1.0';
import System from 'system';

import * as Pipeproxy from '../../introspection/pipeproxy.js';
import {registerJsonNodeForm} from './json-form.js';

registerJsonNodeForm();
const listener = Pipeproxy.serve(new Json.Generator(), Pp.stream_new_for_fd(3));
await Pipeproxy.closed(listener);
System.exit(0);
