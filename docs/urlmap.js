// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Where gi-docgen's links to types of other namespaces lead.
baseURLs = [
  ['GLib', 'https://docs.gtk.org/glib/'],
  ['GObject', 'https://docs.gtk.org/gobject/'],
  ['Gio', 'https://docs.gtk.org/gio/'],
]
