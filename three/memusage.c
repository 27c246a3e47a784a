/*
 * memusage.c - get_interpreter_memory_usage: what the Python side
 * (`utils.py_mem.get_mem_stats()`, shipped with the Agent's Python
 * packages) reports about the interpreter's memory, serialised for the host.
 */
#include "strconv.h"
#include "three.h"

#define MEM_MODULE "utils.py_mem"
#define MEM_FUNCTION "get_mem_stats"

/* GIL: not required (taken here; re-entrant). */
char *three_get_interpreter_memory_usage(rtloader_t *rt)
{
    struct three *t = THREE(rt);
    if (!t->initialized) {
        three_set_error(t, "rtloader is not initialized: call init() first");
        return NULL;
    }
    PyGILState_STATE gstate = PyGILState_Ensure();
    char *result = NULL;
    PyObject *stats = NULL;
    PyObject *get_stats = NULL;
    PyObject *module = PyImport_ImportModule(MEM_MODULE); /* new ref */
    if (module == NULL) {
        three_set_error_py(t, "could not import " MEM_MODULE ": ");
        goto done;
    }
    get_stats = PyObject_GetAttrString(module, MEM_FUNCTION); /* new ref */
    if (get_stats == NULL) {
        three_set_error_py(t, "could not fetch " MEM_FUNCTION " attr: ");
        goto done;
    }
    stats = PyObject_CallObject(get_stats, NULL); /* new ref */
    if (stats == NULL) {
        three_set_error_py(t, "error fetching interpreter memory usage: ");
        goto done;
    }
    if (!PyDict_Check(stats)) {
        three_set_error(t, "'" MEM_FUNCTION "' did not return a dictionary");
        goto done;
    }
    /* JSON: the subset of YAML upstream's reader (yaml.Unmarshal) accepts */
    result = as_json(stats);
    if (result == NULL) {
        three_set_error_py(t, "'" MEM_FUNCTION "' result could not be serialized: ");
    }

done:
    Py_XDECREF(stats);
    Py_XDECREF(get_stats);
    Py_XDECREF(module);
    PyGILState_Release(gstate);
    return result;
}
