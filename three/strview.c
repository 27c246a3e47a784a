/*
 * strview.c - str/bytes -> borrowed C string (see strview.h).
 *
 * Upstream's as_string takes bytes as they are ("assumed UTF-8"); the host
 * reads C strings it may print as JSON, so bytes must be valid UTF-8 here.
 */
#include <stdbool.h>
#include <string.h>

#include "strview.h"

/* RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF. */
static bool utf8_valid(const unsigned char *s, Py_ssize_t len)
{
    Py_ssize_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int extra = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
        if (extra < 0 || len - i <= extra) {
            return false;
        }
        unsigned char lo = 0x80, hi = 0xBF;
        if (c == 0xE0) {
            lo = 0xA0;
        } else if (c == 0xED) {
            hi = 0x9F;
        } else if (c == 0xF0) {
            lo = 0x90;
        } else if (c == 0xF4) {
            hi = 0x8F;
        }
        if (s[i + 1] < lo || s[i + 1] > hi) {
            return false;
        }
        for (int k = 2; k <= extra; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return false;
            }
        }
        i += extra + 1;
    }
    return true;
}

int c_string_view_slow(PyObject *obj, const char **out, Py_ssize_t *len)
{
    Py_ssize_t n = 0;
    const char *s = NULL;

    *out = NULL;
    if (obj == NULL) {
        return 0;
    }
    if (PyUnicode_Check(obj)) {
        if (PyUnicode_IS_COMPACT_ASCII(obj)) {
            s = (const char *)PyUnicode_DATA(obj);
            n = PyUnicode_GET_LENGTH(obj);
        } else if ((s = PyUnicode_AsUTF8AndSize(obj, &n)) == NULL) {
            if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
                PyErr_Clear(); /* lone surrogate: not a C string */
                return 0;
            }
            return -1;
        }
    } else if (PyBytes_Check(obj)) {
        s = PyBytes_AS_STRING(obj);
        n = PyBytes_GET_SIZE(obj);
        if (!utf8_valid((const unsigned char *)s, n)) {
            return 0;
        }
    } else {
        return 0;
    }
    if (strview_has_nul(s, n)) { /* it would silently cut the C string short */
        return 0;
    }
    *out = s;
    if (len != NULL) {
        *len = n;
    }
    return 0;
}
