/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The methods of PpTestObject that only take and return values: one per
 * basic type (echo_*), arrays, out, inout and nullable arguments, errors,
 * streams and descriptors. The type itself is pp-test-object.c. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <gio/gunixinputstream.h>

#include "pp-test-object-private.h"

/**
 * pp_test_object_echo_boolean:
 * @self: a [class@PpTest.Object]
 * @value: a boolean
 *
 * Returns its argument.
 *
 * Returns: @value
 */
gboolean
pp_test_object_echo_boolean (PpTestObject *self,
                             gboolean      value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), FALSE);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_int8:
 * @self: a [class@PpTest.Object]
 * @value: a signed 8-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
gint8
pp_test_object_echo_int8 (PpTestObject *self,
                          gint8         value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_uint8:
 * @self: a [class@PpTest.Object]
 * @value: an unsigned 8-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
guint8
pp_test_object_echo_uint8 (PpTestObject *self,
                           guint8        value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_int16:
 * @self: a [class@PpTest.Object]
 * @value: a signed 16-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
gint16
pp_test_object_echo_int16 (PpTestObject *self,
                           gint16        value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_uint16:
 * @self: a [class@PpTest.Object]
 * @value: an unsigned 16-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
guint16
pp_test_object_echo_uint16 (PpTestObject *self,
                            guint16       value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_int32:
 * @self: a [class@PpTest.Object]
 * @value: a signed 32-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
gint32
pp_test_object_echo_int32 (PpTestObject *self,
                           gint32        value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_uint32:
 * @self: a [class@PpTest.Object]
 * @value: an unsigned 32-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
guint32
pp_test_object_echo_uint32 (PpTestObject *self,
                            guint32       value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_int64:
 * @self: a [class@PpTest.Object]
 * @value: a signed 64-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
gint64
pp_test_object_echo_int64 (PpTestObject *self,
                           gint64        value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_uint64:
 * @self: a [class@PpTest.Object]
 * @value: an unsigned 64-bit integer
 *
 * Returns its argument.
 *
 * Returns: @value
 */
guint64
pp_test_object_echo_uint64 (PpTestObject *self,
                            guint64       value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_float:
 * @self: a [class@PpTest.Object]
 * @value: a single-precision number
 *
 * Returns its argument.
 *
 * Returns: @value
 */
float
pp_test_object_echo_float (PpTestObject *self,
                           float         value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0.0f);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_double:
 * @self: a [class@PpTest.Object]
 * @value: a double-precision number
 *
 * Returns its argument.
 *
 * Returns: @value
 */
double
pp_test_object_echo_double (PpTestObject *self,
                            double        value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0.0);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_string:
 * @self: a [class@PpTest.Object]
 * @value: a UTF-8 string
 *
 * Returns a copy of its argument.
 *
 * Returns: (transfer full): a copy of @value
 */
char *
pp_test_object_echo_string (PpTestObject *self,
                            const char   *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  return g_strdup (value);
}

/**
 * pp_test_object_echo_filename:
 * @self: a [class@PpTest.Object]
 * @value: (type filename): a file name, in the encoding of the file system
 *
 * Returns a copy of its argument, which need not be valid UTF-8.
 *
 * Returns: (type filename) (transfer full): a copy of @value
 */
char *
pp_test_object_echo_filename (PpTestObject *self,
                              const char   *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  return g_strdup (value);
}

/**
 * pp_test_object_echo_strv:
 * @self: a [class@PpTest.Object]
 * @value: (array zero-terminated=1): a %NULL-terminated array of strings
 *
 * Returns a copy of its argument.
 *
 * Returns: (array zero-terminated=1) (transfer full): a copy of @value
 */
char **
pp_test_object_echo_strv (PpTestObject       *self,
                          const char * const *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  return g_strdupv ((char **)value);
}

/**
 * pp_test_object_echo_bytes:
 * @self: a [class@PpTest.Object]
 * @value: some bytes
 *
 * Returns its argument.
 *
 * Returns: (transfer full): a new reference to @value
 */
GBytes *
pp_test_object_echo_bytes (PpTestObject *self,
                           GBytes       *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  return g_bytes_ref (value);
}

/**
 * pp_test_object_read_stream:
 * @self: a [class@PpTest.Object]
 * @stream: a stream to read to its end
 * @error: return location for an error
 *
 * Reads @stream to its end.
 *
 * Returns: (transfer full): everything read
 */
GBytes *
pp_test_object_read_stream (PpTestObject  *self,
                            GInputStream  *stream,
                            GError       **error)
{
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  COUNT_CALL (self);
  if (g_output_stream_splice (memory, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                              NULL, error) < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/**
 * pp_test_object_write_stream:
 * @self: a [class@PpTest.Object]
 * @stream: a stream to write to
 * @data: what to write
 * @error: return location for an error
 *
 * Writes @data to @stream and closes it.
 *
 * Returns: whether all of @data was written
 */
gboolean
pp_test_object_write_stream (PpTestObject  *self,
                             GOutputStream *stream,
                             GBytes        *data,
                             GError       **error)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);

  COUNT_CALL (self);
  return g_output_stream_write_all (stream, g_bytes_get_data (data, NULL),
                                    g_bytes_get_size (data), NULL, NULL, error) &&
         g_output_stream_close (stream, NULL, error);
}

/**
 * pp_test_object_open_bytes:
 * @self: a [class@PpTest.Object]
 * @data: the stream's content
 *
 * Makes a stream of @data that has no file descriptor of its own.
 *
 * Returns: (transfer full): a memory stream reading @data
 */
GInputStream *
pp_test_object_open_bytes (PpTestObject *self,
                           GBytes       *data)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);

  COUNT_CALL (self);
  return g_memory_input_stream_new_from_bytes (data);
}

/**
 * pp_test_object_open_file:
 * @self: a [class@PpTest.Object]
 * @path: (type filename): a file to open
 * @error: return location for an error
 *
 * Opens a file for reading.
 *
 * Returns: (transfer full): a stream on the open file's descriptor
 */
GInputStream *
pp_test_object_open_file (PpTestObject  *self,
                          const char    *path,
                          GError       **error)
{
  int fd;

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);

  COUNT_CALL (self);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "%s: %s", path, g_strerror (saved));
      return NULL;
    }
  return g_unix_input_stream_new (fd, TRUE);
}

/**
 * pp_test_object_echo_byte_array:
 * @self: a [class@PpTest.Object]
 * @value: a byte array
 *
 * Returns a copy of its argument.
 *
 * Returns: (transfer full): a new byte array with the contents of @value
 */
GByteArray *
pp_test_object_echo_byte_array (PpTestObject *self,
                                GByteArray   *value)
{
  GByteArray *copy;

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  copy = g_byte_array_sized_new (value->len);
  g_byte_array_append (copy, value->data, value->len);
  return copy;
}

/**
 * pp_test_object_echo_variant:
 * @self: a [class@PpTest.Object]
 * @value: a variant; a floating reference is consumed
 *
 * Returns its argument.
 *
 * Returns: (transfer full): a reference to @value
 */
GVariant *
pp_test_object_echo_variant (PpTestObject *self,
                             GVariant     *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);

  COUNT_CALL (self);
  return g_variant_ref_sink (value);
}

/**
 * pp_test_object_echo_color:
 * @self: a [class@PpTest.Object]
 * @value: a color
 *
 * Returns its argument.
 *
 * Returns: @value
 */
PpTestColor
pp_test_object_echo_color (PpTestObject *self,
                           PpTestColor   value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), PP_TEST_COLOR_RED);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_flags:
 * @self: a [class@PpTest.Object]
 * @value: flags
 *
 * Returns its argument.
 *
 * Returns: @value
 */
PpTestFlags
pp_test_object_echo_flags (PpTestObject *self,
                           PpTestFlags   value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), PP_TEST_FLAGS_NONE);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_gtype:
 * @self: a [class@PpTest.Object]
 * @value: a type
 *
 * Returns its argument.
 *
 * Returns: @value
 */
GType
pp_test_object_echo_gtype (PpTestObject *self,
                           GType         value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), G_TYPE_INVALID);

  COUNT_CALL (self);
  return value;
}

/**
 * pp_test_object_echo_nullable_string:
 * @self: a [class@PpTest.Object]
 * @value: (nullable): a UTF-8 string, or %NULL
 *
 * Returns a copy of its argument, which may be %NULL.
 *
 * Returns: (transfer full) (nullable): a copy of @value
 */
char *
pp_test_object_echo_nullable_string (PpTestObject *self,
                                     const char   *value)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);

  COUNT_CALL (self);
  return g_strdup (value);
}

/**
 * pp_test_object_sum_int_array:
 * @self: a [class@PpTest.Object]
 * @values: (array length=n_values): integers to add up
 * @n_values: the length of @values
 *
 * Adds up @values, without overflow.
 *
 * Returns: the sum of @values, 0 if the array is empty
 */
gint64
pp_test_object_sum_int_array (PpTestObject *self,
                              const int    *values,
                              gsize         n_values)
{
  gint64 sum = 0;

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), 0);
  g_return_val_if_fail (values != NULL || n_values == 0, 0);

  COUNT_CALL (self);
  for (gsize i = 0; i < n_values; i++)
    sum += values[i];

  return sum;
}

/**
 * pp_test_object_make_double_array:
 * @self: a [class@PpTest.Object]
 * @n: how many numbers to make
 * @out_len: (out): the length of the returned array, @n
 *
 * Makes the array `[0.5, 1.5, 2.5, …]` of @n numbers.
 *
 * Returns: (array length=out_len) (transfer full): the new array
 */
double *
pp_test_object_make_double_array (PpTestObject *self,
                                  guint         n,
                                  gsize        *out_len)
{
  double *values;

  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), NULL);
  g_return_val_if_fail (out_len != NULL, NULL);

  COUNT_CALL (self);

  /* Never return NULL, even for an empty array. */
  values = g_new0 (double, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    values[i] = i + 0.5;

  *out_len = n;
  return values;
}

/**
 * pp_test_object_divide:
 * @self: a [class@PpTest.Object]
 * @a: the dividend
 * @b: the divisor
 * @quotient: (out) (optional): where to store @a / @b
 * @remainder: (out) (optional): where to store @a % @b
 * @error: return location for an error
 *
 * Divides @a by @b, rounding towards zero as C does.
 *
 * Fails with %PP_TEST_ERROR_DIVIDE_BY_ZERO, message
 * `"Division of A by zero"`, when @b is 0, and with %PP_TEST_ERROR_OTHER
 * when the quotient does not fit in an int (`G_MININT / -1`). The out
 * arguments are left untouched on failure.
 *
 * Returns: %TRUE on success, %FALSE if @error is set
 */
gboolean
pp_test_object_divide (PpTestObject  *self,
                       int            a,
                       int            b,
                       int           *quotient,
                       int           *remainder,
                       GError       **error)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  COUNT_CALL (self);

  if (b == 0)
    {
      g_set_error (error, PP_TEST_ERROR, PP_TEST_ERROR_DIVIDE_BY_ZERO,
                   "Division of %d by zero", a);
      return FALSE;
    }

  if (a == G_MININT && b == -1)
    {
      g_set_error (error, PP_TEST_ERROR, PP_TEST_ERROR_OTHER,
                   "Division of %d by %d overflows", a, b);
      return FALSE;
    }

  if (quotient != NULL)
    *quotient = a / b;
  if (remainder != NULL)
    *remainder = a % b;

  return TRUE;
}

/**
 * pp_test_object_increment:
 * @self: a [class@PpTest.Object]
 * @value: (inout): the number to increment
 *
 * Adds 1 to @value, wrapping around from `G_MAXINT` to `G_MININT`.
 */
void
pp_test_object_increment (PpTestObject *self,
                          int          *value)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  g_return_if_fail (value != NULL);

  COUNT_CALL (self);
  *value = (int)((guint)*value + 1u);
}

/**
 * pp_test_object_split_string:
 * @self: a [class@PpTest.Object]
 * @text: the string to split
 * @first: (out) (optional) (transfer full): where to store the part of @text
 *   before its first space, or all of @text if it has no space
 * @rest: (out) (optional) (nullable) (transfer full): where to store the part
 *   of @text after its first space, or %NULL if it has no space
 *
 * Splits @text at its first space.
 */
void
pp_test_object_split_string (PpTestObject  *self,
                             const char    *text,
                             char         **first,
                             char         **rest)
{
  const char *space;

  g_return_if_fail (PP_TEST_IS_OBJECT (self));
  g_return_if_fail (text != NULL);

  COUNT_CALL (self);

  space = strchr (text, ' ');

  if (first != NULL)
    *first = space != NULL ? g_strndup (text, space - text) : g_strdup (text);
  if (rest != NULL)
    *rest = space != NULL ? g_strdup (space + 1) : NULL;
}

/**
 * pp_test_object_fail_with_io_error:
 * @self: a [class@PpTest.Object]
 * @error: return location for an error
 *
 * Always fails with `G_IO_ERROR_NOT_FOUND`, message `"No such thing"`.
 *
 * Returns: %FALSE, always
 */
gboolean
pp_test_object_fail_with_io_error (PpTestObject  *self,
                                   GError       **error)
{
  g_return_val_if_fail (PP_TEST_IS_OBJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  COUNT_CALL (self);

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No such thing");
  return FALSE;
}

/**
 * pp_test_object_sleep_msec:
 * @self: a [class@PpTest.Object]
 * @msec: how long to sleep, in milliseconds
 *
 * Blocks the calling thread for @msec milliseconds.
 */
void
pp_test_object_sleep_msec (PpTestObject *self,
                           guint         msec)
{
  g_return_if_fail (PP_TEST_IS_OBJECT (self));

  COUNT_CALL (self);
  g_usleep ((gulong)msec * 1000);
}
