/*
 * event.c - dict -> event_t for aggregator.submit_event (see event.h).
 *
 * GIL: every function here expects the caller to hold it.
 */
#include "event.h"
#include "strview.h"

#include <stddef.h>
#include <string.h>

struct event_field {
    const char *key;
    size_t offset; /* of a char * member of event_t */
};

static const struct event_field event_fields[EVENT_STRING_FIELDS] = {
    {"msg_title", offsetof(event_t, title)},
    {"msg_text", offsetof(event_t, text)},
    {"priority", offsetof(event_t, priority)},
    {"host", offsetof(event_t, host)},
    {"alert_type", offsetof(event_t, alert_type)},
    {"aggregation_key", offsetof(event_t, aggregation_key)},
    {"source_type_name", offsetof(event_t, source_type_name)},
    {"event_type", offsetof(event_t, event_type)},
};

/*
 * Looks `key` up without running Python code (keys are str) and returns a
 * new reference, or NULL when absent. Lookup errors count as "absent", as a
 * missing key does.
 */
static PyObject *event_get(PyObject *dict, const char *key)
{
    PyObject *v = PyDict_GetItemString(dict, key); /* borrowed, errors suppressed */

    Py_XINCREF(v);
    return v;
}

/* ts: 0 unless the value is an int-like that fits in a long. */
static long event_timestamp(PyObject *dict)
{
    PyObject *v = event_get(dict, "timestamp"); /* new ref */
    long ts = 0;

    /* PyIndex_Check excludes float, which 3.8/3.9 would truncate and 3.10+ reject. */
    if (v != NULL && PyIndex_Check(v)) {
        ts = PyLong_AsLong(v);
        if (ts == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            ts = 0;
        }
    }
    Py_XDECREF(v);
    return ts;
}

/* The borrowed UTF-8 of a str (or UTF-8 bytes, as upstream's as_string) value, or NULL
 * (no error pending) to leave the field empty. */
static const char *event_string(PyObject *v)
{
    const char *s = NULL;
    if (c_string_view(v, &s, NULL) < 0) {
        PyErr_Clear();
        return NULL;
    }
    return s;
}

int event_build(PyObject *dict, struct event_build *b)
{
    PyObject *tags_obj = NULL;
    int i;

    memset(&b->ev, 0, sizeof(b->ev));
    memset(b->refs, 0, sizeof(b->refs));
    tags_init(&b->tags);

    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "event must be a dict");
        return -1;
    }

    /*
     * Order matters. String lookups come first and keep a reference to each
     * value. The timestamp's __index__ and the tags sequence's __len__ or
     * __getitem__ may run Python code that changes the dict; the references
     * keep the string pointers valid. Tags go last so that no Python code
     * runs after their pointers were collected.
     */
    for (i = 0; i < EVENT_STRING_FIELDS; i++) {
        PyObject *v = event_get(dict, event_fields[i].key); /* new ref */
        const char *s = event_string(v);

        if (s == NULL) {
            Py_XDECREF(v);
            continue;
        }
        b->refs[i] = v; /* steals: keeps s valid */
        *(char **)((char *)&b->ev + event_fields[i].offset) = (char *)s;
    }
    b->ev.ts = event_timestamp(dict);

    tags_obj = event_get(dict, "tags"); /* new ref: the sequence's code could drop it from dict */
    if (tags_obj != NULL) {
        int rc = tags_convert(tags_obj, &b->tags);

        Py_DECREF(tags_obj); /* b->tags.owner keeps what the pointers need */
        if (rc < 0) {
            event_release(b);
            return -1;
        }
        b->ev.tags = b->tags.array;
    }
    return 0;
}

void event_release(struct event_build *b)
{
    int i;

    tags_release(&b->tags);
    for (i = 0; i < EVENT_STRING_FIELDS; i++) {
        Py_CLEAR(b->refs[i]);
    }
    /* Every pointer in it is now dangling. */
    memset(&b->ev, 0, sizeof(b->ev));
}
