/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-test-types.h"
#include "pp-test-enums.h"
#include "pp-test-base.h"
#include "pp-test-greeter.h"

G_BEGIN_DECLS

#define PP_TEST_TYPE_OBJECT (pp_test_object_get_type ())

G_DECLARE_FINAL_TYPE (PpTestObject, pp_test_object, PP_TEST, OBJECT, PpTestBase)

PpTestObject *pp_test_object_new                    (void);

void          pp_test_object_set_parameter          (PpTestObject       *self,
                                                     int                 value);
int           pp_test_object_get_parameter          (PpTestObject       *self);

gboolean      pp_test_object_echo_boolean           (PpTestObject       *self,
                                                     gboolean            value);
gint8         pp_test_object_echo_int8              (PpTestObject       *self,
                                                     gint8               value);
guint8        pp_test_object_echo_uint8             (PpTestObject       *self,
                                                     guint8              value);
gint16        pp_test_object_echo_int16             (PpTestObject       *self,
                                                     gint16              value);
guint16       pp_test_object_echo_uint16            (PpTestObject       *self,
                                                     guint16             value);
gint32        pp_test_object_echo_int32             (PpTestObject       *self,
                                                     gint32              value);
guint32       pp_test_object_echo_uint32            (PpTestObject       *self,
                                                     guint32             value);
gint64        pp_test_object_echo_int64             (PpTestObject       *self,
                                                     gint64              value);
guint64       pp_test_object_echo_uint64            (PpTestObject       *self,
                                                     guint64             value);
float         pp_test_object_echo_float             (PpTestObject       *self,
                                                     float               value);
double        pp_test_object_echo_double            (PpTestObject       *self,
                                                     double              value);
char         *pp_test_object_echo_string            (PpTestObject       *self,
                                                     const char         *value);
char         *pp_test_object_echo_filename          (PpTestObject       *self,
                                                     const char         *value);
char        **pp_test_object_echo_strv              (PpTestObject       *self,
                                                     const char * const *value);
GBytes       *pp_test_object_echo_bytes             (PpTestObject       *self,
                                                     GBytes             *value);
GByteArray   *pp_test_object_echo_byte_array        (PpTestObject       *self,
                                                     GByteArray         *value);
GVariant     *pp_test_object_echo_variant           (PpTestObject       *self,
                                                     GVariant           *value);
PpTestColor   pp_test_object_echo_color             (PpTestObject       *self,
                                                     PpTestColor         value);
PpTestFlags   pp_test_object_echo_flags             (PpTestObject       *self,
                                                     PpTestFlags         value);
GType         pp_test_object_echo_gtype             (PpTestObject       *self,
                                                     GType               value);
char         *pp_test_object_echo_nullable_string   (PpTestObject       *self,
                                                     const char         *value);

gint64        pp_test_object_sum_int_array          (PpTestObject       *self,
                                                     const int          *values,
                                                     gsize               n_values);
double       *pp_test_object_make_double_array      (PpTestObject       *self,
                                                     guint               n,
                                                     gsize              *out_len);
gboolean      pp_test_object_divide                 (PpTestObject       *self,
                                                     int                 a,
                                                     int                 b,
                                                     int                *quotient,
                                                     int                *remainder,
                                                     GError            **error);
void          pp_test_object_increment              (PpTestObject       *self,
                                                     int                *value);
void          pp_test_object_split_string           (PpTestObject       *self,
                                                     const char         *text,
                                                     char              **first,
                                                     char              **rest);
gboolean      pp_test_object_fail_with_io_error     (PpTestObject       *self,
                                                     GError            **error);
void          pp_test_object_sleep_msec             (PpTestObject       *self,
                                                     guint               msec);
void          pp_test_object_emit_changed_times     (PpTestObject       *self,
                                                     guint               n);

guint         pp_test_object_get_call_count         (PpTestObject       *self);
guint         pp_test_object_get_dangerous_call_count
                                                    (PpTestObject       *self);

void          pp_test_object_set_callback           (PpTestObject       *self,
                                                     PpTestCallback      callback,
                                                     gpointer            user_data,
                                                     GDestroyNotify      destroy);
gpointer      pp_test_object_get_pointer            (PpTestObject       *self);
void          pp_test_object_take_pointer           (PpTestObject       *self,
                                                     gpointer            data);
char         *pp_test_object_steal_name             (PpTestObject       *self);
void          pp_test_object_take_object            (PpTestObject       *self,
                                                     GObject            *object);
void          pp_test_object_take_point             (PpTestObject       *self,
                                                     PpTestPoint        *point);

GBytes       *pp_test_object_read_stream  (PpTestObject  *self,
                                          GInputStream  *stream,
                                          GError       **error);
gboolean      pp_test_object_write_stream (PpTestObject  *self,
                                          GOutputStream *stream,
                                          GBytes        *data,
                                          GError       **error);
GInputStream *pp_test_object_open_bytes   (PpTestObject  *self,
                                          GBytes        *data);
GInputStream *pp_test_object_open_file    (PpTestObject  *self,
                                          const char    *path,
                                          GError       **error);
void          pp_test_object_emit_ping     (PpTestObject *self);
void          pp_test_object_emit_numbers  (PpTestObject *self,
                                            gboolean      extreme);
void          pp_test_object_emit_stream_ready (PpTestObject *self,
                                                GBytes       *data);
void          pp_test_object_emit_many     (PpTestObject *self,
                                            int           i);
void          pp_test_object_emit_detailed (PpTestObject *self,
                                            const char   *detail,
                                            const char   *text);
void          pp_test_object_bump_count    (PpTestObject *self);
gboolean      pp_test_object_has_handlers  (PpTestObject *self,
                                            const char   *signal_name);

void          pp_test_object_end_process   (PpTestObject *self,
                                            const char   *how);

void          pp_test_object_wait_async    (PpTestObject        *self,
                                            guint                msec,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean      pp_test_object_wait_finish   (PpTestObject        *self,
                                            GAsyncResult        *result,
                                            GError             **error);
guint         pp_test_object_get_cancelled_count (PpTestObject  *self);
gboolean      pp_test_object_work          (PpTestObject        *self,
                                            guint                msec,
                                            GCancellable        *cancellable,
                                            GError             **error);

G_END_DECLS
