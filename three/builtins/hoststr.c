/*
 * hoststr.c - host-allocated results -> Python objects (see hoststr.h).
 */
#include "hoststr.h"

#include "callbacks.h"

PyObject *hoststr_take_or_none(char *s)
{
    PyObject *result;

    if (s == NULL) {
        Py_RETURN_NONE;
    }
    result = PyUnicode_FromString(s); /* new ref, or NULL + UnicodeDecodeError */
    cgo_free(s);
    return result;
}

PyObject *hoststr_take_list(char **array)
{
    PyObject *list = NULL;
    char **p;

    list = PyList_New(0); /* new ref */
    if (array == NULL) {
        return list;
    }
    for (p = array; *p != NULL; p++) {
        /* Keep walking after a failure: every element must still be freed. */
        if (list != NULL) {
            PyObject *item = PyUnicode_FromString(*p); /* new ref */

            if (item == NULL || PyList_Append(list, item) < 0) {
                Py_CLEAR(list);
            }
            Py_XDECREF(item);
        }
        cgo_free(*p);
    }
    cgo_free(array);
    return list;
}
