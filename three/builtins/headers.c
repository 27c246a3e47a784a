/*
 * headers.c - shared by datadog_agent.headers and util.headers (headers.h).
 */
#include "headers.h"

#include "callbacks.h"
#include "strconv.h"

PyObject *headers_build(PyObject *kwargs)
{
    cb_headers_t cb = three_callbacks.headers;
    char *data = NULL; /* host-owned: cgo_free */
    PyObject *headers = NULL;
    PyObject *host = NULL;

    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    cb(&data);
    headers = from_json(data); /* new ref, or NULL (error set unless data was NULL) */
    cgo_free(data);
    if (headers == NULL || !PyDict_Check(headers)) {
        /* Unparsable or not a dict: the contract is None, not an exception. */
        PyErr_Clear();
        Py_XDECREF(headers);
        Py_RETURN_NONE;
    }
    if (kwargs != NULL) {
        host = PyDict_GetItemString(kwargs, "http_host"); /* borrowed */
        if (host != NULL && PyDict_SetItemString(headers, "Host", host) < 0) {
            Py_DECREF(headers);
            return NULL;
        }
    }
    return headers;
}
