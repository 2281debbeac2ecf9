/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

/* Every frame is a fixed 16-byte header followed by a GVariant body in
 * normal form, little-endian, padded with zeros to a multiple of 8 bytes so
 * that the next frame's body stays 8-aligned in a receive buffer:
 *
 *   offset 0   u32  body size in bytes, without padding
 *   offset 4   u8   kind (PpWireKind)
 *   offset 5   u8   flags (PpWireFlags)
 *   offset 6   u16  how many file descriptors travel with the frame (on
 *                   a unix socket, as SCM_RIGHTS sent with the header's
 *                   first byte); a body's 'h' values index them
 *   offset 8   u32  serial
 *   offset 12  u32  deadline of a CALL: the caller's monotonic clock in ms
 *                   (low 32 bits) when it gives up, 0 for never; the HELLO
 *                   carries that clock's reading ("clock-ms"), so the
 *                   listener can read it in its own clock
 *
 * A fixed binary header keeps kind and serial out of the GVariant: building
 * and parsing GVariants is what a small call spends its time on.
 *
 * With PP_WIRE_FLAGS_BODY_IN_FD the body does not follow the header on the
 * stream: it is the whole content of the frame's last descriptor, a sealed
 * memfd (see pp-memfd-private.h), and is not one of the indexed ones.
 */
#define PP_WIRE_HEADER_SIZE 16
#define PP_WIRE_ALIGN       8

/* The wire protocol version; HELLO and WELCOME keep their body type in
 * every version so that a mismatch can always be reported. */
#define PP_WIRE_PROTOCOL_VERSION 2
#define PP_WIRE_MAGIC            "pipeproxy"

typedef enum
{
  PP_WIRE_KIND_HELLO   = 1, /* (sua{sv}) magic, version, options       */
  PP_WIRE_KIND_WELCOME = 2, /* (sua{sv}) magic, version, object info   */
  PP_WIRE_KIND_CALL    = 3, /* (usv)     handle, method, argument tuple */
  PP_WIRE_KIND_RETURN  = 4, /* v         result tuple                  */
  PP_WIRE_KIND_ERROR   = 5, /* (sis)     domain, code, message         */
  PP_WIRE_KIND_SIGNAL  = 6, /* (ussv)    handle, name, detail, arguments */
  PP_WIRE_KIND_CANCEL  = 7, /* ()        serial is the call cancelled  */
  PP_WIRE_KIND_SUBSCRIBE   = 8,  /* (us)  forward this signal from now on  */
  PP_WIRE_KIND_UNSUBSCRIBE = 9,  /* (us)  stop forwarding it               */
  PP_WIRE_KIND_PROPERTY    = 10, /* (usmv) a property's new value        */
  PP_WIRE_KIND_SET_PROPERTY = 11, /* (usmv) set a property; RETURN (mv)  */
  /* The handle tables (see pp-exports-private.h, pp-imports-private.h);
   * never answered */
  PP_WIRE_KIND_TYPE      = 12, /* (ua{sv})    type id, its description   */
  PP_WIRE_KIND_INTRODUCE = 13, /* a(uua{sv})  handle, type id, property values */
  PP_WIRE_KIND_RELEASE   = 14, /* a(uu)       handle, references received */
  PP_WIRE_KIND_RELEASED  = 15, /* au          handles no longer exported */
  /* A property whose values are references is read when asked for */
  PP_WIRE_KIND_GET_PROPERTY = 16, /* (us) a property's value; RETURN (mv)  */
  PP_WIRE_KIND_LAST    = PP_WIRE_KIND_GET_PROPERTY,
} PpWireKind;

typedef enum
{
  PP_WIRE_FLAGS_NONE     = 0,
  PP_WIRE_FLAGS_NO_REPLY = 1 << 0,
  PP_WIRE_FLAGS_BODY_IN_FD = 1 << 1,
  /* The frame refers to objects: its body is (B a(bu)), B the kind's
   * body, and the array its object table: for each index whether the
   * handle is the sender's (TRUE) or the receiver's (FALSE), and the
   * handle. Its values of type 'o' are "/N", N an index into the table.
   * Only CALL, RETURN, SIGNAL and SET_PROPERTY carry it (the last one's
   * "/N" is inside its value's variant, checked when it is read). */
  PP_WIRE_FLAGS_OBJECTS  = 1 << 2,
  /* Never on the wire (a peer's frame with it is refused): set by
   * pp_wire_decode_body() on a CALL whose arguments are a valid GVariant
   * but nested deeper than PP_WIRE_MAX_ARGS_DEPTH, so that the call alone
   * fails. The body it gives has the method's name and no arguments. */
  PP_WIRE_FLAGS_ARGS_TOO_DEEP = 1 << 7,
} PpWireFlags;

/* How deep an argument of a CALL may be nested, counted as GLib counts:
 * the body's own limit, minus the CALL tuple, its variant and the
 * argument tuple */
#define PP_WIRE_MAX_ARGS_DEPTH 61

#define PP_WIRE_FLAGS_ALL (PP_WIRE_FLAGS_NO_REPLY | PP_WIRE_FLAGS_BODY_IN_FD | \
                           PP_WIRE_FLAGS_OBJECTS)

/* The most strings before the arguments in a CALL or SIGNAL body (a
 * method's name; a signal's name and detail) */
#define PP_WIRE_MAX_BODY_STRINGS 2

/* The handle of the object a listener serves: the first one it exports */
#define PP_WIRE_ROOT_HANDLE 0

/* The kernel's limit of descriptors in one SCM_RIGHTS message */
#define PP_WIRE_MAX_FDS 253

typedef struct
{
  guint32 body_size;
  guint8  kind;
  guint8  flags;
  guint16 n_fds;
  guint32 serial;
  guint32 timeout_msec;
} PpWireHeader;

/* RETURN, ERROR and WELCOME answer a request of the receiver's; every
 * other kind is a message of the peer's own. */
static inline gboolean
pp_wire_kind_is_reply (PpWireKind kind)
{
  return kind == PP_WIRE_KIND_RETURN || kind == PP_WIRE_KIND_ERROR ||
         kind == PP_WIRE_KIND_WELCOME;
}

/* The body type of a frame of @kind with @flags: for
 * PP_WIRE_FLAGS_OBJECTS the kind's body and the object table, NULL for a
 * kind that does not carry objects */
const GVariantType *pp_wire_body_type        (PpWireKind          kind);
const GVariantType *pp_wire_frame_body_type  (PpWireKind          kind,
                                              PpWireFlags         flags);
const char         *pp_wire_kind_to_string   (PpWireKind          kind);
gsize               pp_wire_frame_size       (gsize               body_size);
gsize               pp_wire_stream_size      (const PpWireHeader *header);
void                pp_wire_write_header     (const PpWireHeader *header,
                                              guint8             *data);
gboolean            pp_wire_parse_header     (const guint8       *data,
                                              gsize               max_body_size,
                                              PpWireHeader       *header,
                                              GError            **error);
GBytes             *pp_wire_encode           (PpWireKind          kind,
                                              PpWireFlags         flags,
                                              guint32             serial,
                                              guint32             timeout_msec,
                                              GVariant           *body);
/* The whole body, its object table included when the frame has one */
GVariant           *pp_wire_decode_body      (PpWireHeader       *header,
                                              GBytes             *body,
                                              GError            **error);
/* A decoded body of a frame with PP_WIRE_FLAGS_OBJECTS: the kind's body,
 * and its object table (a(bu)) in @objects; both new references */
GVariant           *pp_wire_unwrap_objects   (GVariant           *body,
                                              GVariant          **objects);

/* A frame in pieces: pp_wire_gather() and the pp_wire_gather_*()
 * encoders append a frame to an array of GBytes as the pieces that follow
 * each other on the wire, the first one holding the header, so that big
 * values of the body are written from where they are instead of being
 * copied into the frame first. A body under 64 KiB is one piece. The
 * bytes are always those the pp_wire_encode*() twins give in one piece. */
void                pp_wire_gather           (GPtrArray          *frames,
                                              PpWireKind          kind,
                                              PpWireFlags         flags,
                                              guint32             serial,
                                              guint32             timeout_msec,
                                              GVariant           *body);
/* How many of @pieces make the frame that the first one starts */
guint               pp_wire_frame_n_pieces   (GBytes * const     *pieces,
                                              guint               n_pieces);
/* A frame's pieces as one: a copy unless there is one piece */
GBytes             *pp_wire_join             (GBytes * const     *pieces,
                                              guint               n_pieces);
/* For the tests: values from @size bytes up become pieces of their own */
void                pp_wire_set_gather_min   (gsize               size);

/* Convenience encoders, each consuming a floating @args; @objects, if not
 * NULL, is the frame's object table (a(bu), consumed if floating). The
 * gather twins append the frame's pieces to @frames. */
void                pp_wire_gather_call      (GPtrArray          *frames,
                                              guint32             serial,
                                              guint32             timeout_msec,
                                              PpWireFlags         flags,
                                              guint32             handle,
                                              const char         *method,
                                              GVariant           *args,
                                              GVariant           *objects);
void                pp_wire_gather_return    (GPtrArray          *frames,
                                              guint32             serial,
                                              GVariant           *result,
                                              GVariant           *objects);
void                pp_wire_gather_signal    (GPtrArray          *frames,
                                              guint32             handle,
                                              const char         *name,
                                              const char         *detail,
                                              GVariant           *args,
                                              GVariant           *objects);
GBytes             *pp_wire_encode_call      (guint32             serial,
                                              guint32             timeout_msec,
                                              PpWireFlags         flags,
                                              guint32             handle,
                                              const char         *method,
                                              GVariant           *args,
                                              GVariant           *objects);
GBytes             *pp_wire_encode_return    (guint32             serial,
                                              GVariant           *result,
                                              GVariant           *objects);
GBytes             *pp_wire_encode_error     (guint32             serial,
                                              const GError       *error);
GError             *pp_wire_decode_error     (GVariant           *body);
GBytes             *pp_wire_encode_signal    (guint32             handle,
                                              const char         *name,
                                              const char         *detail,
                                              GVariant           *args,
                                              GVariant           *objects);

/* The handle a CALL, SIGNAL, SUBSCRIBE, UNSUBSCRIBE, PROPERTY,
 * SET_PROPERTY, GET_PROPERTY or TYPE body starts with (its first member) */
guint32             pp_wire_body_handle      (GVariant           *body);

/* The strings and the argument tuple of a decoded CALL (1 string), SIGNAL
 * (2) or RETURN (none) body, without copying; the handle of a CALL or
 * SIGNAL is pp_wire_body_handle()'s */
gboolean            pp_wire_split_body       (GVariant           *body,
                                              const char        **strings,
                                              guint               n_strings,
                                              GVariant          **args,
                                              char              **type_string);
gboolean            pp_wire_locate_args      (GVariant           *body,
                                              const char        **strings,
                                              guint               n_strings,
                                              const char        **type_string,
                                              const guint8      **args_data,
                                              gsize              *args_size);

/* The index an object value ('o', "/N") stands for, or -1 if it is not
 * one below @n_objects */
int                 pp_wire_object_index     (const char         *path,
                                              guint               n_objects);
/* Whether every object value of @value (outside variants) is one below
 * @n_objects */
gboolean            pp_wire_check_object_values (GVariant        *value,
                                                 guint            n_objects);
/* Whether a value of @type refers to objects (an 'o' outside variants), so
 * that its frame needs an object table */
static inline gboolean
pp_wire_type_has_objects (const char *type)
{
  return strchr (type, 'o') != NULL;
}

G_END_DECLS
