/*
 * datadog_agent.c - the `datadog_agent` builtin module (spec §3.2): what a
 * check asks its host (version, config, hostname, ...) and the services it
 * uses (logging, metadata, external tags, persistent cache, obfuscation).
 *
 * Ownership: strings passed to callbacks are borrowed (from the argument
 * tuple, which outlives the call even while the GIL is released); strings a
 * callback returns are released with cgo_free (hoststr.h).
 *
 * GIL: every function here is called by Python with the GIL held. It is
 * released around the callbacks that may block in the host: persistent
 * cache read/write and the three obfuscators (which parse arbitrary SQL or
 * plans and can take milliseconds).
 */
#include <string.h>

#include "builtins.h"
#include "callbacks.h"
#include "headers.h"
#include "hoststr.h"
#include "strconv.h"
#include "strview.h"
#include "tags.h"

/* Shared body of the four "out: string" getters: str, or None for NULL / no callback. */
static PyObject *datadog_agent_get_string(void (*cb)(char **))
{
    char *value = NULL; /* host-owned */

    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    cb(&value);
    return hoststr_take_or_none(value); /* frees value */
}

static PyObject *datadog_agent_get_version(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return datadog_agent_get_string(three_callbacks.get_version);
}

static PyObject *datadog_agent_get_hostname(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return datadog_agent_get_string(three_callbacks.get_hostname);
}

static PyObject *datadog_agent_get_host_tags(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return datadog_agent_get_string(three_callbacks.get_host_tags);
}

static PyObject *datadog_agent_get_clustername(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return datadog_agent_get_string(three_callbacks.get_clustername);
}

static PyObject *datadog_agent_get_config(PyObject *self, PyObject *args)
{
    cb_get_config_t cb = three_callbacks.get_config;
    const char *key = NULL;
    char *data = NULL; /* host-owned */
    PyObject *value = NULL;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "s", &key)) {
        return NULL;
    }
    cb((char *)key, &data);
    value = from_json(data); /* new ref; NULL for unset keys (data NULL) or bad data */
    cgo_free(data);
    if (value == NULL) {
        PyErr_Clear(); /* contract: None, not an exception */
        Py_RETURN_NONE;
    }
    return value;
}

static PyObject *datadog_agent_headers(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    (void)args; /* historically agentConfig; ignored */
    return headers_build(kwargs);
}

static PyObject *datadog_agent_tracemalloc_enabled(PyObject *self, PyObject *args)
{
    cb_tracemalloc_enabled_t cb = three_callbacks.tracemalloc_enabled;

    (void)self;
    (void)args; /* accepted and ignored */
    if (cb == NULL) {
        Py_RETURN_FALSE;
    }
    return PyBool_FromLong(cb());
}

static PyObject *datadog_agent_log(PyObject *self, PyObject *args)
{
    cb_log_t cb = three_callbacks.log;
    const char *message = NULL;
    int level = 0;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "si", &message, &level)) {
        return NULL;
    }
    /* What agent_log() would do; called directly to pass any int level through unchanged. */
    cb((char *)message, level);
    Py_RETURN_NONE;
}

static PyObject *datadog_agent_send_log(PyObject *self, PyObject *args)
{
    cb_send_log_t cb = three_callbacks.send_log;
    const char *log_line = NULL, *check_id = NULL;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "ss", &log_line, &check_id)) {
        return NULL;
    }
    cb((char *)log_line, (char *)check_id);
    Py_RETURN_NONE;
}

static PyObject *datadog_agent_set_check_metadata(PyObject *self, PyObject *args)
{
    cb_set_check_metadata_t cb = three_callbacks.set_check_metadata;
    const char *check_id = NULL, *name = NULL, *value = NULL;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "sss", &check_id, &name, &value)) {
        return NULL;
    }
    cb((char *)check_id, (char *)name, (char *)value);
    Py_RETURN_NONE;
}

/*
 * A str (or UTF-8 bytes, as upstream's as_string) usable as a C string:
 * encodable and without embedded NUL (which would truncate it silently).
 * Returns a pointer borrowed from `obj`, or NULL with no Python error pending.
 */
static const char *datadog_agent_c_string(PyObject *obj /* borrowed, may be NULL */)
{
    const char *s = NULL;
    if (c_string_view(obj, &s, NULL) < 0) {
        PyErr_Clear();
        return NULL;
    }
    return s;
}

/*
 * One (hostname, {source_type: [tags]}) entry of set_external_tags. Returns 0
 * (sent, or skipped for an empty dict) or -1 with the contract's TypeError.
 * No Python code runs here (exact str/list/dict access only), so the
 * borrowed pointers stay valid through the callback.
 */
static int datadog_agent_send_external_tags(cb_set_external_tags_t cb, PyObject *entry)
{
    PyObject *dict = NULL, *key = NULL, *value = NULL; /* borrowed */
    const char *hostname = NULL, *source_type = NULL;
    Py_ssize_t pos = 0;
    struct tags tags;

    if (!PyTuple_Check(entry)) {
        PyErr_SetString(PyExc_TypeError, "external host tags list must contain only tuples");
        return -1;
    }
    hostname = datadog_agent_c_string(PyTuple_GET_SIZE(entry) > 0 ? PyTuple_GET_ITEM(entry, 0)
                                                                  : NULL);
    if (hostname == NULL) {
        PyErr_SetString(PyExc_TypeError, "hostname is not a valid string");
        return -1;
    }
    dict = PyTuple_GET_SIZE(entry) > 1 ? PyTuple_GET_ITEM(entry, 1) : NULL;
    if (dict == NULL || !PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "second elem of the host tags tuple must be a dict");
        return -1;
    }
    /* Only the first pair counts (upstream behaviour); an empty dict skips the entry. */
    if (!PyDict_Next(dict, &pos, &key, &value)) {
        return 0;
    }
    source_type = datadog_agent_c_string(key);
    if (source_type == NULL) {
        PyErr_SetString(PyExc_TypeError, "source_type is not a valid string");
        return -1;
    }
    if (!PyList_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "dict value must be a list of tags");
        return -1;
    }
    if (tags_convert(value, &tags) < 0) { /* a list: only a memory error is possible */
        return -1;
    }
    cb((char *)hostname, (char *)source_type, tags.array);
    tags_release(&tags);
    return 0;
}

static PyObject *datadog_agent_set_external_tags(PyObject *self, PyObject *args)
{
    cb_set_external_tags_t cb = three_callbacks.set_external_tags;
    PyObject *list = NULL; /* borrowed */
    Py_ssize_t i;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "O", &list)) {
        return NULL;
    }
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "tags must be a list");
        return NULL;
    }
    /* In order; an error stops here, entries already sent stay sent (as upstream). */
    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        if (datadog_agent_send_external_tags(cb, PyList_GET_ITEM(list, i) /* borrowed */) < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static PyObject *datadog_agent_write_persistent_cache(PyObject *self, PyObject *args)
{
    cb_write_persistent_cache_t cb = three_callbacks.write_persistent_cache;
    rtloader_cb_write_persistent_cache_checked_t checked
        = three_callbacks.write_persistent_cache_checked;
    const char *key = NULL, *value = NULL; /* borrowed: args keeps them alive unlocked */
    char *error = NULL;                    /* host-owned */

    (void)self;
    if (cb == NULL && checked == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "ss", &key, &value)) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    /* may write to disk */
    if (checked != NULL) {
        error = checked((char *)key, (char *)value);
    } else {
        cb((char *)key, (char *)value);
    }
    Py_END_ALLOW_THREADS
    if (error != NULL) {
        /* the host's own rtloader_ext.h callback: a failed write raises in the check */
        PyErr_SetString(PyExc_RuntimeError, error);
        cgo_free(error);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *datadog_agent_read_persistent_cache(PyObject *self, PyObject *args)
{
    cb_read_persistent_cache_t cb = three_callbacks.read_persistent_cache;
    const char *key = NULL;
    char *value = NULL; /* host-owned */

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "s", &key)) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    value = cb((char *)key); /* may read from disk */
    Py_END_ALLOW_THREADS
    if (value == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "failed to read data");
        return NULL;
    }
    return hoststr_take_or_none(value);
}

/*
 * Common tail of the obfuscators: error message -> RuntimeError(message);
 * no result -> RuntimeError(empty_message); else str. Both host strings are
 * released here.
 */
static PyObject *datadog_agent_obfuscation_result(char *result, char *error,
                                                  const char *empty_message)
{
    PyObject *ret = NULL;

    if (error != NULL) {
        PyErr_SetString(PyExc_RuntimeError, error);
    } else if (result == NULL) {
        PyErr_SetString(PyExc_RuntimeError, empty_message);
    } else {
        ret = PyUnicode_FromString(result); /* new ref */
    }
    cgo_free(error);
    cgo_free(result);
    return ret;
}

static PyObject *datadog_agent_obfuscate_sql(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"query", "options", NULL};
    cb_obfuscate_sql_t cb = three_callbacks.obfuscate_sql;
    const char *query = NULL, *options = NULL;
    char *result = NULL, *error = NULL; /* host-owned */

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|s", kwlist, &query, &options)) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    result = cb((char *)query, (char *)options, &error);
    Py_END_ALLOW_THREADS
    return datadog_agent_obfuscation_result(result, error,
                                            "internal error: empty cb_obfuscate_sql response");
}

static PyObject *datadog_agent_obfuscate_sql_exec_plan(PyObject *self, PyObject *args,
                                                       PyObject *kwargs)
{
    /* "" makes the plan positional-only, as upstream. */
    static char *kwlist[] = {"", "normalize", NULL};
    cb_obfuscate_sql_exec_plan_t cb = three_callbacks.obfuscate_sql_exec_plan;
    const char *plan = NULL;
    PyObject *normalize = NULL; /* borrowed */
    char *result = NULL, *error = NULL;
    bool normalize_flag;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|O", kwlist, &plan, &normalize)) {
        return NULL;
    }
    normalize_flag = normalize == Py_True; /* exactly True, not truthy (upstream) */
    Py_BEGIN_ALLOW_THREADS
    result = cb((char *)plan, normalize_flag, &error);
    Py_END_ALLOW_THREADS
    return datadog_agent_obfuscation_result(
        result, error, "internal error: empty cb_obfuscate_sql_exec_plan response");
}

static PyObject *datadog_agent_obfuscate_mongodb_string(PyObject *self, PyObject *args,
                                                        PyObject *kwargs)
{
    cb_obfuscate_mongodb_string_t cb = three_callbacks.obfuscate_mongodb_string;
    const char *command = NULL;
    char *result = NULL, *error = NULL;

    (void)self;
    (void)kwargs; /* accepted by the method flags, ignored (upstream) */
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "s", &command)) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    result = cb((char *)command, &error);
    Py_END_ALLOW_THREADS
    return datadog_agent_obfuscation_result(
        result, error, "internal error: empty cb_obfuscate_mongodb_string response");
}

static PyObject *datadog_agent_get_process_start_time(PyObject *self, PyObject *unused)
{
    cb_get_process_start_time_t cb = three_callbacks.get_process_start_time;

    (void)self;
    (void)unused;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    return PyFloat_FromDouble(cb());
}

static PyObject *datadog_agent_emit_agent_telemetry(PyObject *self, PyObject *args)
{
    cb_emit_agent_telemetry_t cb = three_callbacks.emit_agent_telemetry;
    const char *check_name = NULL, *metric_name = NULL, *metric_type = NULL;
    double value = 0.0;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "ssds", &check_name, &metric_name, &value, &metric_type)) {
        return NULL;
    }
    cb((char *)check_name, (char *)metric_name, value, (char *)metric_type);
    Py_RETURN_NONE;
}

/* METH_VARARGS|METH_KEYWORDS functions have three parameters; PyMethodDef stores two. */
#define KWFUNC(f) ((PyCFunction)(void (*)(void))(f))

static PyMethodDef datadog_agent_methods[] = {
    {"get_version", datadog_agent_get_version, METH_NOARGS, "Get the agent version."},
    {"get_config", datadog_agent_get_config, METH_VARARGS, "Get an agent config key."},
    {"headers", KWFUNC(datadog_agent_headers), METH_VARARGS | METH_KEYWORDS,
     "Get standard set of HTTP headers."},
    {"get_hostname", datadog_agent_get_hostname, METH_NOARGS, "Get the agent hostname."},
    {"get_host_tags", datadog_agent_get_host_tags, METH_NOARGS, "Get the agent host tags."},
    {"get_clustername", datadog_agent_get_clustername, METH_NOARGS, "Get the cluster name."},
    {"tracemalloc_enabled", datadog_agent_tracemalloc_enabled, METH_VARARGS,
     "Whether tracemalloc is enabled."},
    {"log", datadog_agent_log, METH_VARARGS, "Log a message through the agent logger."},
    {"send_log", datadog_agent_send_log, METH_VARARGS, "Submit a log for Logs Agent."},
    {"set_check_metadata", datadog_agent_set_check_metadata, METH_VARARGS,
     "Send metadata for a check."},
    {"set_external_tags", datadog_agent_set_external_tags, METH_VARARGS,
     "Send external host tags."},
    {"write_persistent_cache", datadog_agent_write_persistent_cache, METH_VARARGS,
     "Store a value for a given key."},
    {"read_persistent_cache", datadog_agent_read_persistent_cache, METH_VARARGS,
     "Retrieve the value associated with a key."},
    {"obfuscate_sql", KWFUNC(datadog_agent_obfuscate_sql), METH_VARARGS | METH_KEYWORDS,
     "Obfuscate a SQL string."},
    {"obfuscate_sql_exec_plan", KWFUNC(datadog_agent_obfuscate_sql_exec_plan),
     METH_VARARGS | METH_KEYWORDS, "Obfuscate a SQL execution plan."},
    {"get_process_start_time", datadog_agent_get_process_start_time, METH_NOARGS,
     "Get the agent process start time."},
    {"obfuscate_mongodb_string", KWFUNC(datadog_agent_obfuscate_mongodb_string),
     METH_VARARGS | METH_KEYWORDS, "Obfuscate a MongoDB command string."},
    {"emit_agent_telemetry", datadog_agent_emit_agent_telemetry, METH_VARARGS,
     "Emit agent telemetry."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot datadog_agent_slots[] = {
    /*
     * No per-interpreter GIL: get_config and headers parse through
     * strconv's json/yaml functions, which are objects of the main
     * interpreter.
     */
    {0, NULL},
};

static struct PyModuleDef datadog_agent_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "datadog_agent",
    .m_doc = "The agent's services for checks.",
    .m_size = 0,
    .m_methods = datadog_agent_methods,
    .m_slots = datadog_agent_slots,
};

PyObject *PyInit_datadog_agent(void)
{
    return PyModuleDef_Init(&datadog_agent_def);
}
