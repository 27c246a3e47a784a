/*
 * builtins_test_support.c - see builtins_test_support.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "builtins_test_support.h"
#include "three.h"

long bt_allocs;
long bt_frees;

static PyObject *bt_globals; /* namespace of bt_eval */

static void *bt_malloc(size_t size)
{
    void *p = malloc(size);

    if (p != NULL) {
        bt_allocs++;
    }
    return p;
}

static void bt_free(void *p)
{
    if (p != NULL) {
        bt_frees++;
    }
    free(p);
}

int bt_python_start(void **state)
{
    PyConfig config;
    PyStatus status;

    (void)state;
    three_set_allocator(bt_malloc, bt_free);
    PyConfig_InitIsolatedConfig(&config);
    status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        return -1;
    }
    bt_globals = PyDict_New();
    if (bt_globals == NULL ||
        PyDict_SetItemString(bt_globals, "__builtins__", PyEval_GetBuiltins()) < 0) {
        return -1;
    }
    return 0;
}

int bt_python_stop(void **state)
{
    (void)state;
    Py_CLEAR(bt_globals);
    return Py_FinalizeEx() < 0 ? -1 : 0;
}

int bt_reset(void **state)
{
    (void)state;
    bt_allocs = bt_frees = 0;
    return 0;
}

int bt_check_balanced(void **state)
{
    (void)state;
    assert_null(PyErr_Occurred());
    assert_int_equal(bt_allocs, bt_frees);
    return 0;
}

PyObject *bt_eval(const char *expr)
{
    PyObject *v = PyRun_String(expr, Py_eval_input, bt_globals, bt_globals); /* new ref */

    if (v == NULL) {
        PyErr_Print();
        fail_msg("cannot evaluate fixture: %s", expr);
    }
    return v;
}

void bt_assert_error(PyObject *type, const char *message)
{
    PyObject *exc = NULL, *text = NULL;

    assert_non_null(PyErr_Occurred());
#if PY_VERSION_HEX >= 0x030C0000
    exc = PyErr_GetRaisedException(); /* new ref */
#else
    {
        PyObject *t = NULL, *tb = NULL;

        PyErr_Fetch(&t, &exc, &tb);
        PyErr_NormalizeException(&t, &exc, &tb);
        Py_XDECREF(t);
        Py_XDECREF(tb);
    }
#endif
    assert_non_null(exc);
    assert_ptr_equal(Py_TYPE(exc), (PyTypeObject *)type);
    text = PyObject_Str(exc); /* new ref */
    assert_non_null(text);
    assert_string_equal(PyUnicode_AsUTF8(text), message);
    Py_DECREF(text);
    Py_DECREF(exc);
}
