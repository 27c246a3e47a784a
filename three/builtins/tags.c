/*
 * tags.c - Python tags argument -> NULL-terminated char ** (see tags.h).
 *
 * GIL: every function here expects the caller to hold it.
 */
#include "tags.h"

#include "strview.h"

#include <stdint.h>
#include <string.h>

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

        /* str, or bytes as UTF-8 (as upstream's as_string); anything else is skipped */
        if (c_string_view(items[i], &s, NULL) < 0) {
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
