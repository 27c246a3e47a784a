/*
 * tags.c - Python tags argument -> NULL-terminated char ** (see tags.h).
 *
 * GIL: every function here expects the caller to hold it.
 */
#include "tags.h"

#include <stdint.h>
#include <string.h>

/* memchr is a libc call through the PLT; tags are short, a loop is cheaper. */
static inline int tag_has_nul(const char *s, Py_ssize_t len)
{
    Py_ssize_t i;

    if (len > 32) {
        return memchr(s, '\0', (size_t)len) != NULL;
    }
    for (i = 0; i < len; i++) {
        if (s[i] == '\0') {
            return 1;
        }
    }
    return 0;
}

/*
 * Sets *out to the item's UTF-8 bytes, or to NULL when the item must be
 * skipped (not str, not encodable, embedded NUL: the host reads a C string
 * and would see a truncated tag). Returns -1 only for a real failure
 * (memory), which is propagated rather than hidden.
 */
static inline int tag_utf8(PyObject *item /* borrowed */, const char **out)
{
    Py_ssize_t len = 0;
    const char *s;

    *out = NULL;
    if (!PyUnicode_Check(item)) {
        return 0;
    }
    if (PyUnicode_IS_COMPACT_ASCII(item)) {
        /* The common case: ASCII data is its own UTF-8, no call needed. */
        s = (const char *)PyUnicode_DATA(item);
        len = PyUnicode_GET_LENGTH(item);
    } else {
        /* Cached in the object after the first call; the pointer lives as long as it. */
        s = PyUnicode_AsUTF8AndSize(item, &len);
        if (s == NULL) {
            if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
                PyErr_Clear(); /* lone surrogate: "undecodable", skipped */
                return 0;
            }
            return -1;
        }
    }
    if (tag_has_nul(s, len)) {
        return 0;
    }
    *out = s;
    return 0;
}

int tags_convert(PyObject *obj, struct tags *t)
{
    PyObject *seq = NULL;
    PyObject **items;
    Py_ssize_t n, i, kept = 0;
    char **array;

    tags_init(t);

    if (PyList_CheckExact(obj) || PyTuple_CheckExact(obj)) {
        /* What checks pass: no type probing, no len() that could fail. */
        Py_INCREF(obj);
        seq = obj; /* new ref */
    } else {
        /*
         * Upstream accepted any sequence, so tags="ab" became the tags "a",
         * "b". A string is never a list of tags: reject it with the
         * non-sequence error.
         */
        if (PyUnicode_Check(obj) || PyBytes_Check(obj) || PyByteArray_Check(obj) ||
            !PySequence_Check(obj)) {
            PyErr_SetString(PyExc_TypeError, "tags must be a sequence");
            return -1;
        }
        /* Subclasses of list/tuple cannot fail len(); other sequences may. */
        if (!PyList_Check(obj) && !PyTuple_Check(obj) && PySequence_Size(obj) < 0) {
            PyErr_SetString(PyExc_RuntimeError, "could not compute tags length");
            return -1;
        }
        /* list/tuple: obj itself; other sequences: a new list that owns the items. */
        seq = PySequence_Fast(obj, "tags must be a sequence"); /* new ref */
        if (seq == NULL) {
            return -1;
        }
    }

    n = PySequence_Fast_GET_SIZE(seq);
    items = PySequence_Fast_ITEMS(seq); /* borrowed */
    if (n <= TAGS_STACK_SLOTS) {
        array = t->stack;
    } else {
        if ((size_t)n >= SIZE_MAX / sizeof(char *)) {
            goto nomem;
        }
        array = three_malloc(((size_t)n + 1) * sizeof(char *));
        if (array == NULL) {
            goto nomem;
        }
    }

    for (i = 0; i < n; i++) {
        const char *s;

        if (tag_utf8(items[i], &s) < 0) {
            if (array != t->stack) {
                three_free(array);
            }
            Py_DECREF(seq);
            return -1;
        }
        if (s != NULL) {
            /* The callback typedefs say char * but hosts never write through it. */
            array[kept++] = (char *)s;
        }
    }
    array[kept] = NULL;

    t->array = array;
    t->owner = seq; /* steals */
    return 0;

nomem:
    Py_DECREF(seq);
    PyErr_SetString(PyExc_RuntimeError, "could not allocate memory for tags");
    return -1;
}

void tags_release(struct tags *t)
{
    if (t->array != NULL && t->array != t->stack) {
        three_free(t->array);
    }
    t->array = NULL;
    Py_CLEAR(t->owner);
}
