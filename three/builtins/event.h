/*
 * event.h - building the event_t of aggregator.submit_event from a dict.
 *
 * Like tags.h, nothing is copied: the string fields borrow the UTF-8 buffers
 * of the dict's str values, and the struct holds a reference to each of them
 * so that the pointers stay valid even if the dict is changed meanwhile.
 *
 * Mapping (spec §3.1): msg_title->title, msg_text->text, timestamp->ts,
 * priority, host, alert_type, aggregation_key, source_type_name, event_type,
 * tags->tags.
 *   - a missing key, a value that is not str, cannot be encoded to UTF-8, or
 *     contains an embedded NUL -> NULL field (never an error);
 *   - timestamp: an int (anything with __index__; not float, on every Python
 *     version) converted with PyLong_AsLong; missing, other types or
 *     overflow -> 0, which the host reads as "now";
 *   - tags: converted by tags_convert() (its errors are raised); no "tags"
 *     key -> NULL array.
 * The event itself lives in the struct, so the upstream error
 * "could not allocate memory for event" cannot happen here.
 *
 * GIL: held by the caller from event_build() until after event_release(),
 * with no Python code run in between (see tags.h).
 */
#ifndef RTLOADER_THREE_BUILTINS_EVENT_H
#define RTLOADER_THREE_BUILTINS_EVENT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "rtloader_types.h"
#include "tags.h"
#include "three.h"

/* title, text, priority, host, alert_type, aggregation_key, source_type_name, event_type */
#define EVENT_STRING_FIELDS 8

struct event_build {
    event_t ev;                             /* what the callback receives */
    struct tags tags;                       /* backs ev.tags when non-NULL */
    PyObject *refs[EVENT_STRING_FIELDS];    /* new refs (or NULL) to the str values */
};

/*
 * Fills `b` from `dict` (borrowed). Returns 0, or -1 with a Python error:
 * TypeError("event must be a dict") or a tags_convert() error. In both cases
 * event_release() must be called (it is a no-op after a failure).
 */
THREE_INTERNAL int event_build(PyObject *dict, struct event_build *b);

/* Drops every reference event_build() took. */
THREE_INTERNAL void event_release(struct event_build *b);

#endif /* RTLOADER_THREE_BUILTINS_EVENT_H */
