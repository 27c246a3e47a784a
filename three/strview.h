/*
 * strview.h - the borrowed C string of a Python str or bytes object, as the
 * builtins hand strings to callbacks.
 *
 * Caller holds the GIL.
 */
#ifndef RTLOADER_THREE_STRVIEW_H
#define RTLOADER_THREE_STRVIEW_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "three.h"

/*
 * The C string a builtin hands to a callback, borrowed from `obj`: the
 * UTF-8 of a str, or the bytes of a bytes object (upstream's as_string
 * takes bytes as UTF-8; here they must be valid UTF-8). Returns 0 with *out
 * set, 0 with *out NULL when the object cannot be a C string (another type,
 * unencodable, invalid UTF-8, embedded NUL: the callers skip or refuse it),
 * -1 only for a real failure (memory) with a Python error set. `len` may be
 * NULL. The pointer lives as long as `obj`.
 */
THREE_INTERNAL int c_string_view(PyObject *obj, const char **out, Py_ssize_t *len);

#endif /* RTLOADER_THREE_STRVIEW_H */
