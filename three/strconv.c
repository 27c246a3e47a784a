/*
 * strconv.c - Python objects <-> C strings, and the parsers for serialized
 * values coming from the host.
 *
 * The host sends configuration values as JSON (current Agent) or YAML
 * (older Agents). JSON is tried first with the standard library; when that
 * fails and PyYAML is importable, yaml's safe loader gets a turn. YAML is a
 * superset of JSON, so both generations of hosts are understood.
 *
 * PyYAML (and its C extension, ~20 modules) is imported the first time a
 * text is not JSON, not at init: init costs what upstream's does, and a
 * host that only sends JSON never pays for it.
 */
#include <stdbool.h>
#include <string.h>

#include "strconv.h"

/* Module-level state is process-wide: the backend serves one interpreter. */
static PyObject *json_loads;  /* new ref, or NULL before init */
static PyObject *json_dumps;  /* new ref */
static PyObject *yaml_load;   /* new ref, NULL until needed or when PyYAML is absent */
static PyObject *yaml_loader; /* new ref (CSafeLoader or SafeLoader) */
static bool yaml_tried;       /* the import was attempted (found or not) */

static PyObject *import_attr(const char *module_name, const char *attr)
{
    PyObject *module = PyImport_ImportModule(module_name); /* new ref */
    if (module == NULL) {
        return NULL;
    }
    PyObject *value = PyObject_GetAttrString(module, attr); /* new ref */
    Py_DECREF(module);
    return value;
}

int strconv_init(void)
{
    strconv_fini();
    json_loads = import_attr("json", "loads");
    json_dumps = import_attr("json", "dumps");
    if (json_loads == NULL || json_dumps == NULL) {
        strconv_fini();
        return -1;
    }
    return 0;
}

/*
 * Imports PyYAML's load and safe loader once per init; afterwards the
 * result (found or absent) stands. Returns whether YAML parsing is
 * available. Leaves no Python error: PyYAML is optional.
 *
 * The import runs Python code, which lets other threads take the GIL: the
 * result is published only once complete, so a second thread needing YAML
 * meanwhile imports too (Python's module lock makes it wait for the first
 * import) instead of reading "tried, absent" from a half-done attempt.
 */
static bool yaml_available(void)
{
    if (yaml_tried) {
        return yaml_load != NULL;
    }
    PyObject *load = import_attr("yaml", "load"); /* new ref */
    PyObject *loader = NULL;
    if (load != NULL) {
        loader = import_attr("yaml", "CSafeLoader"); /* new ref */
        if (loader == NULL) {
            PyErr_Clear();
            loader = import_attr("yaml", "SafeLoader");
        }
    }
    if (load == NULL || loader == NULL) {
        Py_CLEAR(load);
        Py_CLEAR(loader);
    }
    PyErr_Clear();
    if (yaml_tried) {
        /* another thread published its result while we imported: keep it */
        Py_XDECREF(load);
        Py_XDECREF(loader);
        return yaml_load != NULL;
    }
    yaml_load = load;     /* owns the reference */
    yaml_loader = loader; /* owns the reference */
    yaml_tried = true;
    return yaml_load != NULL;
}

void strconv_fini(void)
{
    Py_CLEAR(json_loads);
    Py_CLEAR(json_dumps);
    Py_CLEAR(yaml_load);
    Py_CLEAR(yaml_loader);
    yaml_tried = false;
}

char *as_string(PyObject *obj)
{
    if (obj == NULL) {
        return NULL;
    }
    if (PyBytes_Check(obj)) {
        Py_ssize_t len = PyBytes_GET_SIZE(obj);
        char *copy = three_malloc((size_t)len + 1);
        if (copy != NULL) {
            memcpy(copy, PyBytes_AS_STRING(obj), (size_t)len + 1);
        }
        return copy;
    }
    if (!PyUnicode_Check(obj)) {
        return NULL;
    }
    Py_ssize_t len = 0;
    const char *utf8 = PyUnicode_AsUTF8AndSize(obj, &len);
    if (utf8 == NULL) {
        PyErr_Clear(); /* e.g. lone surrogates */
        return NULL;
    }
    char *copy = three_malloc((size_t)len + 1);
    if (copy != NULL) {
        memcpy(copy, utf8, (size_t)len + 1);
    }
    return copy;
}

PyObject *from_json(const char *data)
{
    if (data == NULL || json_loads == NULL) {
        return NULL;
    }
    PyObject *result = PyObject_CallFunction(json_loads, "s", data); /* new ref */
    if (result != NULL) {
        return result;
    }
    /* Not JSON: keep the JSON error only if YAML cannot parse it either. */
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *json_error = PyErr_GetRaisedException();
#else
    PyObject *etype, *evalue, *etb;
    PyErr_Fetch(&etype, &evalue, &etb);
#endif
    if (!yaml_available()) {
#if PY_VERSION_HEX >= 0x030C0000
        PyErr_SetRaisedException(json_error); /* steals */
#else
        PyErr_Restore(etype, evalue, etb); /* steals */
#endif
        return NULL;
    }
    PyObject *kwargs = Py_BuildValue("{s:s,s:O}", "stream", data, "Loader", yaml_loader);
    if (kwargs != NULL) {
        PyObject *args = PyTuple_New(0);
        if (args != NULL) {
            result = PyObject_Call(yaml_load, args, kwargs); /* new ref */
            Py_DECREF(args);
        }
        Py_DECREF(kwargs);
    }
#if PY_VERSION_HEX >= 0x030C0000
    if (result == NULL) {
        PyErr_SetRaisedException(json_error); /* steals */
    } else {
        Py_XDECREF(json_error);
    }
#else
    if (result == NULL) {
        PyErr_Restore(etype, evalue, etb); /* steals */
    } else {
        Py_XDECREF(etype);
        Py_XDECREF(evalue);
        Py_XDECREF(etb);
    }
#endif
    return result;
}

char *as_json(PyObject *obj)
{
    if (json_dumps == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "string conversion is not initialized");
        return NULL;
    }
    PyObject *dumped = PyObject_CallFunctionObjArgs(json_dumps, obj, NULL); /* new ref */
    if (dumped == NULL) {
        return NULL;
    }
    char *result = as_string(dumped);
    Py_DECREF(dumped);
    if (result == NULL && !PyErr_Occurred()) {
        PyErr_NoMemory();
    }
    return result;
}
