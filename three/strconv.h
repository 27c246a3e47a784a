/*
 * strconv.h - conversions between Python objects and C strings.
 *
 * Caller holds the GIL for all of these.
 */
#ifndef RTLOADER_THREE_STRCONV_H
#define RTLOADER_THREE_STRCONV_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "three.h"

/* Imports json. Returns 0 on success, -1 with a Python error. PyYAML is imported by from_json
 * the first time a text is not JSON. */
THREE_INTERNAL int strconv_init(void);
/* Drops the references strconv_init took. */
THREE_INTERNAL void strconv_fini(void);

/*
 * str -> _malloc'd UTF-8 copy; bytes -> _malloc'd copy. Anything else, NULL
 * in, or an encoding failure -> NULL with no Python error left pending.
 * Owns: the caller frees the result with three_free.
 */
THREE_INTERNAL char *as_string(PyObject *obj);

/*
 * Parses a serialized value from the host: JSON first, then YAML safe-load
 * if PyYAML is importable (older hosts send YAML; imported on first need).
 * Returns: a new reference, or NULL with a Python error set (NULL data ->
 * NULL with no error).
 */
THREE_INTERNAL PyObject *from_json(const char *data);

/* json.dumps(obj) as a _malloc'd string, or NULL with a Python error set. */
THREE_INTERNAL char *as_json(PyObject *obj);

#endif /* RTLOADER_THREE_STRCONV_H */
