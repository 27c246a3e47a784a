/*
 * containers.c - the `containers` builtin module (spec §3.7): whether the
 * host's container filters exclude a container.
 *
 * The newest Go side is announced to take annotations as well (spec §2.4);
 * the contract typedef has three arguments, so this module does too.
 *
 * GIL: called by Python with the GIL held; the callback (an in-memory
 * filter) runs with it held, as upstream.
 */
#include "builtins.h"
#include "callbacks.h"

static PyObject *containers_is_excluded(PyObject *self, PyObject *args)
{
    cb_is_excluded_t cb = three_callbacks.is_excluded;
    const char *name = NULL, *image = NULL, *namespace = NULL; /* borrowed */

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "ss|s", &name, &image, &namespace)) {
        return NULL;
    }
    return PyBool_FromLong(cb((char *)name, (char *)image, (char *)namespace) > 0);
}

static PyMethodDef containers_methods[] = {
    {"is_excluded", containers_is_excluded, METH_VARARGS,
     "Whether a container is excluded by the agent's filters."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot containers_slots[] = {
#if PY_VERSION_HEX >= 0x030C0000
    /* No Python state outside the call; the host callback is thread-safe C. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef containers_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "containers",
    .m_doc = "Container filtering from the agent.",
    .m_size = 0,
    .m_methods = containers_methods,
    .m_slots = containers_slots,
};

PyObject *PyInit_containers(void)
{
    return PyModuleDef_Init(&containers_def);
}
