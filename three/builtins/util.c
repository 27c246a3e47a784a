/*
 * util.c - the `util` builtin module (spec §3.3). In Python 3 builds its
 * only function is headers(), identical to datadog_agent.headers (both
 * call headers_build()).
 *
 * GIL: called by Python with the GIL held.
 */
#include "builtins.h"
#include "headers.h"

static PyObject *util_headers(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    (void)args; /* historically agentConfig; ignored */
    return headers_build(kwargs);
}

static PyMethodDef util_methods[] = {
    {"headers", (PyCFunction)(void (*)(void))util_headers, METH_VARARGS | METH_KEYWORDS,
     "Get standard set of HTTP headers."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot util_slots[] = {
    /* No per-interpreter GIL: headers() parses with strconv's main-interpreter json. */
    {0, NULL},
};

static struct PyModuleDef util_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "util",
    .m_doc = "Agent utilities (deprecated home of headers()).",
    .m_size = 0,
    .m_methods = util_methods,
    .m_slots = util_slots,
};

PyObject *PyInit_util(void)
{
    return PyModuleDef_Init(&util_def);
}
