/*
 * tagger.c - the `tagger` builtin module (spec §3.5): tags of an entity
 * (container, pod, ...) as the host's tagger knows them.
 *
 * The host returns a NULL-terminated array it allocated; every string and
 * the array go back through cgo_free (hoststr_take_list).
 *
 * GIL: called by Python with the GIL held; the callback is an in-memory
 * lookup in the host and runs with the GIL held, as upstream.
 */
#include "builtins.h"
#include "callbacks.h"
#include "hoststr.h"

/* Shared tail of tag() and get_tags(): cardinality already validated. */
static PyObject *tagger_lookup(cb_tags_t cb, const char *entity_id, int cardinality)
{
    char **tags = cb((char *)entity_id, cardinality); /* host-owned, may be NULL */

    return hoststr_take_list(tags); /* frees tags */
}

static PyObject *tagger_tag(PyObject *self, PyObject *args)
{
    cb_tags_t cb = three_callbacks.tags;
    const char *entity_id = NULL;
    int cardinality = 0;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "si", &entity_id, &cardinality)) {
        return NULL;
    }
    if (cardinality != DATADOG_AGENT_RTLOADER_TAGGER_LOW &&
        cardinality != DATADOG_AGENT_RTLOADER_TAGGER_ORCHESTRATOR &&
        cardinality != DATADOG_AGENT_RTLOADER_TAGGER_HIGH) {
        PyErr_SetString(PyExc_TypeError, "Invalid cardinality");
        return NULL;
    }
    return tagger_lookup(cb, entity_id, cardinality);
}

/* Deprecated form: a boolean-ish high_card instead of a cardinality. */
static PyObject *tagger_get_tags(PyObject *self, PyObject *args)
{
    cb_tags_t cb = three_callbacks.tags;
    const char *entity_id = NULL;
    int high_card = 0;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "si", &entity_id, &high_card)) {
        return NULL;
    }
    return tagger_lookup(cb, entity_id,
                         high_card > 0 ? DATADOG_AGENT_RTLOADER_TAGGER_HIGH
                                       : DATADOG_AGENT_RTLOADER_TAGGER_LOW);
}

static PyMethodDef tagger_methods[] = {
    {"tag", tagger_tag, METH_VARARGS, "Get tags for an entity."},
    {"get_tags", tagger_get_tags, METH_VARARGS, "(Deprecated) Get tags for an entity."},
    {NULL, NULL, 0, NULL},
};

/* Py_mod_exec: the cardinality constants (rtloader_types.h TaggerCardinality). */
static int tagger_exec(PyObject *module /* borrowed */)
{
    if (PyModule_AddIntConstant(module, "LOW", DATADOG_AGENT_RTLOADER_TAGGER_LOW) < 0 ||
        PyModule_AddIntConstant(module, "ORCHESTRATOR",
                                DATADOG_AGENT_RTLOADER_TAGGER_ORCHESTRATOR) < 0 ||
        PyModule_AddIntConstant(module, "HIGH", DATADOG_AGENT_RTLOADER_TAGGER_HIGH) < 0) {
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot tagger_slots[] = {
    {Py_mod_exec, (void *)tagger_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* No Python state outside the call; the host callback is thread-safe C. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef tagger_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "tagger",
    .m_doc = "Entity tags from the agent's tagger.",
    .m_size = 0,
    .m_methods = tagger_methods,
    .m_slots = tagger_slots,
};

PyObject *PyInit_tagger(void)
{
    return PyModuleDef_Init(&tagger_def);
}
