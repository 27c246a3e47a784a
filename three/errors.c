/*
 * errors.c - the instance's error slot, and turning a pending Python
 * exception into text. Python exceptions never cross the API: every path
 * that fails inside Python ends here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "three.h"

/* GIL: none. libc allocation: the slot is internal state, not API output. */
static void set_error_text(struct three *t, char *text)
{
    free(t->error);
    t->error = text;
    t->error_set = true;
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (len < 0) {
        return NULL;
    }
    char *buf = malloc((size_t)len + 1);
    if (buf != NULL) {
        vsnprintf(buf, (size_t)len + 1, fmt, ap);
    }
    return buf;
}

/* GIL: none. */
void three_set_error(struct three *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = vformat(fmt, ap);
    va_end(ap);
    set_error_text(t, text);
}

void three_set_error_py(struct three *t, const char *prefix_fmt, ...)
{
    /* Fetch first: formatting the prefix must not run with an exception pending. */
    char *python_error = three_fetch_python_error();
    va_list ap;
    va_start(ap, prefix_fmt);
    char *prefix = vformat(prefix_fmt, ap);
    va_end(ap);
    char *text = NULL;
    if (prefix != NULL) {
        size_t plen = strlen(prefix), elen = strlen(python_error);
        text = malloc(plen + elen + 1);
        if (text != NULL) {
            memcpy(text, prefix, plen);
            memcpy(text + plen, python_error, elen + 1);
        }
    }
    free(prefix);
    free(python_error);
    set_error_text(t, text);
}

/* Takes the pending exception as (type, value, traceback), new references. */
static void fetch_exception(PyObject **type, PyObject **value, PyObject **traceback)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc = PyErr_GetRaisedException(); /* new ref */
    *value = exc;
    *type = exc != NULL ? Py_NewRef((PyObject *)Py_TYPE(exc)) : NULL;
    *traceback = exc != NULL ? PyException_GetTraceback(exc) : NULL; /* new ref */
#else
    PyErr_Fetch(type, value, traceback);
    PyErr_NormalizeException(type, value, traceback);
    if (*traceback != NULL && *value != NULL) {
        PyException_SetTraceback(*value, *traceback);
    }
#endif
}

/* Joins traceback.format_exception(type, value, tb); NULL means "unknown error". */
static char *format_traceback(PyObject *type, PyObject *value, PyObject *traceback)
{
    char *result = NULL;
    PyObject *lines = NULL;
    PyObject *joined = NULL;
    PyObject *empty = NULL;

    PyObject *module = PyImport_ImportModule("traceback"); /* new ref */
    if (module == NULL) {
        PyErr_Clear();
        return strdup("can't format exception");
    }
    lines = PyObject_CallMethod(module, "format_exception", "OOO", type,
                                value != NULL ? value : Py_None, traceback); /* new ref */
    if (lines == NULL || !PyList_Check(lines)) {
        goto done;
    }
    Py_ssize_t count = PyList_Size(lines);
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!PyUnicode_Check(PyList_GET_ITEM(lines, i))) { /* borrowed */
            goto done;
        }
    }
    empty = PyUnicode_FromString(""); /* new ref */
    if (empty == NULL) {
        goto done;
    }
    joined = PyUnicode_Join(empty, lines); /* new ref */
    if (joined == NULL) {
        goto done;
    }
    const char *utf8 = PyUnicode_AsUTF8(joined);
    if (utf8 != NULL) {
        result = strdup(utf8);
    }

done:
    PyErr_Clear();
    Py_XDECREF(joined);
    Py_XDECREF(empty);
    Py_XDECREF(lines);
    Py_DECREF(module);
    return result;
}

/* str(obj) as a libc string, NULL on failure (error cleared). */
static char *object_str(PyObject *obj)
{
    char *result = NULL;
    PyObject *text = PyObject_Str(obj); /* new ref */
    if (text != NULL) {
        const char *utf8 = PyUnicode_AsUTF8(text);
        if (utf8 != NULL) {
            result = strdup(utf8);
        }
        Py_DECREF(text);
    }
    PyErr_Clear();
    return result;
}

char *three_fetch_python_error(void)
{
    if (!PyErr_Occurred()) {
        return strdup("");
    }
    PyObject *type = NULL, *value = NULL, *traceback = NULL;
    fetch_exception(&type, &value, &traceback);

    char *message = NULL;
    if (traceback != NULL && type != NULL) {
        message = format_traceback(type, value, traceback);
    } else if (value != NULL) {
        message = object_str(value);
    } else if (type != NULL) {
        message = object_str(type);
    }
    if (message == NULL || message[0] == '\0') {
        free(message);
        message = strdup("unknown error");
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    PyErr_Clear();
    return message != NULL ? message : calloc(1, 1);
}

/* GIL: none for the three below. */
int three_has_error(const rtloader_t *rt)
{
    return THREE_CONST(rt)->error_set ? 1 : 0;
}

const char *three_get_error(const rtloader_t *rt)
{
    /* The contract takes a const handle yet reading consumes the error. */
    struct three *t = (struct three *)THREE_CONST(rt);
    if (!t->error_set) {
        return "";
    }
    t->error_set = false;
    return t->error != NULL ? t->error : "could not allocate the error message";
}

void three_clear_error(rtloader_t *rt)
{
    three_free_error(THREE(rt));
}

void three_free_error(struct three *t)
{
    free(t->error);
    t->error = NULL;
    t->error_set = false;
}
