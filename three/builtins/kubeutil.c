/*
 * kubeutil.c - the `kubeutil` builtin module (spec §3.6): how to reach the
 * kubelet, as the host serialized it.
 *
 * GIL: called by Python with the GIL held; the callback runs with it held.
 */
#include "builtins.h"
#include "callbacks.h"
#include "strconv.h"

/* dict from the host; {} (not None) when the data is missing or not a dict. */
static PyObject *kubeutil_get_connection_info(PyObject *self, PyObject *unused)
{
    cb_get_connection_info_t cb = three_callbacks.get_connection_info;
    char *data = NULL; /* host-owned */
    PyObject *info = NULL;

    (void)self;
    (void)unused;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    cb(&data);
    info = from_json(data); /* new ref, or NULL (error set unless data was NULL) */
    cgo_free(data);
    if (info == NULL || !PyDict_Check(info)) {
        PyErr_Clear();
        Py_XDECREF(info);
        return PyDict_New(); /* new ref */
    }
    return info;
}

static PyMethodDef kubeutil_methods[] = {
    {"get_connection_info", kubeutil_get_connection_info, METH_NOARGS,
     "Get kubelet connection information."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot kubeutil_slots[] = {
    /* No per-interpreter GIL: parsing uses strconv's main-interpreter json. */
    {0, NULL},
};

static struct PyModuleDef kubeutil_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "kubeutil",
    .m_doc = "Kubernetes helpers from the agent.",
    .m_size = 0,
    .m_methods = kubeutil_methods,
    .m_slots = kubeutil_slots,
};

PyObject *PyInit_kubeutil(void)
{
    return PyModuleDef_Init(&kubeutil_def);
}
