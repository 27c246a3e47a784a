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
#include <string.h>

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
THREE_INTERNAL int c_string_view_slow(PyObject *obj, const char **out, Py_ssize_t *len);

/* true when s[0..n) holds a NUL; short strings (most tags) are cheaper in a
 * loop than through memchr's PLT call */
static inline int strview_has_nul(const char *s, Py_ssize_t n)
{
    if (n > 32) {
        return memchr(s, '\0', (size_t)n) != NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (s[i] == '\0') {
            return 1;
        }
    }
    return 0;
}

/* Inline for the hot path (tags): an ASCII str is its own UTF-8, read in place. */
static inline int c_string_view(PyObject *obj, const char **out, Py_ssize_t *len)
{
    if (obj != NULL && PyUnicode_Check(obj) && PyUnicode_IS_COMPACT_ASCII(obj)) {
        const char *s = (const char *)PyUnicode_DATA(obj);
        Py_ssize_t n = PyUnicode_GET_LENGTH(obj);
        *out = strview_has_nul(s, n) ? NULL : s;
        if (*out != NULL && len != NULL) {
            *len = n;
        }
        return 0;
    }
    return c_string_view_slow(obj, out, len);
}

#endif /* RTLOADER_THREE_STRVIEW_H */
