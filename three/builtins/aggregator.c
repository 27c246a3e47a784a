/*
 * aggregator.c - the `aggregator` builtin module (spec §3.1): how checks
 * submit metrics, service checks, events, histogram buckets and
 * event-platform events to the host.
 *
 * This is the hottest path between a check and its host, hence:
 *   - the callback is looked up before anything else (no callback -> None,
 *     arguments not even parsed, as upstream);
 *   - strings go to the host as borrowed UTF-8 pointers, tags as an array on
 *     the stack (tags.h); no heap allocation for ordinary calls;
 *   - the GIL stays held around the callbacks, which are cheap queue pushes
 *     on the host side and must not outlive the borrowed pointers.
 *
 * Argument formats are upstream's, without a function name, so that type
 * errors read exactly "argument 2 must be str, not int".
 *
 * GIL: every function here is called by Python with the GIL held.
 */
#include <limits.h>

#include "builtins.h"
#include "callbacks.h"
#include "event.h"
#include "tags.h"

static PyObject *aggregator_submit_metric(PyObject *self, PyObject *args)
{
    cb_submit_metric_t cb = three_callbacks.submit_metric;
    PyObject *check = NULL;    /* borrowed, ignored: routing is by check_id */
    PyObject *py_tags = NULL;  /* borrowed */
    const char *check_id = NULL, *name = NULL, *hostname = NULL; /* borrowed from args */
    int mtype = 0;
    double value = 0.0;
    unsigned char flush_first_value = 0;
    struct tags tags;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "OsisdOs|b", &check, &check_id, &mtype, &name, &value, &py_tags,
                          &hostname, &flush_first_value)) {
        return NULL;
    }
    if (tags_convert(py_tags, &tags) < 0) {
        return NULL;
    }
    /* mtype is not range-checked, as upstream: the host decides what it accepts. */
    cb((char *)check_id, (metric_type_t)mtype, (char *)name, value, tags.array, (char *)hostname,
       flush_first_value != 0);
    tags_release(&tags);
    Py_RETURN_NONE;
}

static PyObject *aggregator_submit_service_check(PyObject *self, PyObject *args)
{
    cb_submit_service_check_t cb = three_callbacks.submit_service_check;
    PyObject *check = NULL, *py_tags = NULL; /* borrowed */
    const char *check_id = NULL, *name = NULL, *hostname = NULL, *message = NULL;
    int status = 0;
    struct tags tags;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "OssiOss", &check, &check_id, &name, &status, &py_tags, &hostname,
                          &message)) {
        return NULL;
    }
    if (tags_convert(py_tags, &tags) < 0) {
        return NULL;
    }
    cb((char *)check_id, (char *)name, status, tags.array, (char *)hostname, (char *)message);
    tags_release(&tags);
    Py_RETURN_NONE;
}

static PyObject *aggregator_submit_event(PyObject *self, PyObject *args)
{
    cb_submit_event_t cb = three_callbacks.submit_event;
    PyObject *check = NULL, *event_dict = NULL; /* borrowed */
    const char *check_id = NULL;
    struct event_build event;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "OsO", &check, &check_id, &event_dict)) {
        return NULL;
    }
    if (event_build(event_dict, &event) < 0) {
        event_release(&event); /* a no-op after a failure, kept for the contract */
        return NULL;
    }
    cb((char *)check_id, &event.ev);
    event_release(&event);
    Py_RETURN_NONE;
}

static PyObject *aggregator_submit_histogram_bucket(PyObject *self, PyObject *args)
{
    cb_submit_histogram_bucket_t cb = three_callbacks.submit_histogram_bucket;
    PyObject *check = NULL, *py_tags = NULL; /* borrowed */
    const char *check_id = NULL, *name = NULL, *hostname = NULL;
    long long value = 0;
    float lower_bound = 0.0f, upper_bound = 0.0f;
    int monotonic = 0;
    unsigned char flush_first_value = 0;
    struct tags tags;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "OssLffisO|b", &check, &check_id, &name, &value, &lower_bound,
                          &upper_bound, &monotonic, &hostname, &py_tags, &flush_first_value)) {
        return NULL;
    }
    if (tags_convert(py_tags, &tags) < 0) {
        return NULL;
    }
    cb((char *)check_id, (char *)name, value, lower_bound, upper_bound, monotonic, (char *)hostname,
       tags.array, flush_first_value != 0);
    tags_release(&tags);
    Py_RETURN_NONE;
}

static PyObject *aggregator_submit_event_platform_event(PyObject *self, PyObject *args)
{
    cb_submit_event_platform_event_t cb = three_callbacks.submit_event_platform_event;
    PyObject *check = NULL; /* borrowed */
    const char *check_id = NULL, *raw_event = NULL, *event_type = NULL;
    Py_ssize_t raw_len = 0;

    (void)self;
    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    /* s#: str (UTF-8, NULs allowed: the length travels along) or read-only bytes-like. */
    if (!PyArg_ParseTuple(args, "Oss#s", &check, &check_id, &raw_event, &raw_len, &event_type)) {
        return NULL;
    }
    if (raw_len > INT_MAX) {
        PyErr_SetString(PyExc_ValueError, "event is too large");
        return NULL;
    }
    cb((char *)check_id, (char *)raw_event, (int)raw_len, (char *)event_type);
    Py_RETURN_NONE;
}

static PyMethodDef aggregator_methods[] = {
    {"submit_metric", aggregator_submit_metric, METH_VARARGS, "Submit a metric."},
    {"submit_service_check", aggregator_submit_service_check, METH_VARARGS,
     "Submit a service check."},
    {"submit_event", aggregator_submit_event, METH_VARARGS, "Submit an event."},
    {"submit_histogram_bucket", aggregator_submit_histogram_bucket, METH_VARARGS,
     "Submit a histogram bucket."},
    {"submit_event_platform_event", aggregator_submit_event_platform_event, METH_VARARGS,
     "Submit an event platform event."},
    {NULL, NULL, 0, NULL},
};

/* Py_mod_exec: the metric type constants (rtloader_types.h metric_type_t). */
static int aggregator_exec(PyObject *module /* borrowed */)
{
    static const struct {
        const char *name;
        long value;
    } constants[] = {
        {"GAUGE", DATADOG_AGENT_RTLOADER_GAUGE},
        {"RATE", DATADOG_AGENT_RTLOADER_RATE},
        {"COUNT", DATADOG_AGENT_RTLOADER_COUNT},
        {"MONOTONIC_COUNT", DATADOG_AGENT_RTLOADER_MONOTONIC_COUNT},
        {"COUNTER", DATADOG_AGENT_RTLOADER_COUNTER},
        {"HISTOGRAM", DATADOG_AGENT_RTLOADER_HISTOGRAM},
        {"HISTORATE", DATADOG_AGENT_RTLOADER_HISTORATE},
    };
    size_t i;

    for (i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
        if (PyModule_AddIntConstant(module, constants[i].name, constants[i].value) < 0) {
            return -1;
        }
    }
    return 0;
}

static PyModuleDef_Slot aggregator_slots[] = {
    {Py_mod_exec, (void *)aggregator_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* No Python object outlives a call; the host callbacks are thread-safe C. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef aggregator_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aggregator",
    .m_doc = "Submission of metrics, service checks and events to the agent.",
    .m_size = 0,
    .m_methods = aggregator_methods,
    .m_slots = aggregator_slots,
};

PyObject *PyInit_aggregator(void)
{
    return PyModuleDef_Init(&aggregator_def);
}
