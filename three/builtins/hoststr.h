/*
 * hoststr.h - taking ownership of strings and arrays that host callbacks
 * return (spec §2.4: they were allocated by the host and go back through
 * cgo_free, never through three_free).
 *
 * GIL: the caller holds it (they build Python objects).
 */
#ifndef RTLOADER_THREE_BUILTINS_HOSTSTR_H
#define RTLOADER_THREE_BUILTINS_HOSTSTR_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "three.h"

/*
 * Host string -> str; NULL -> None. `s` is released with cgo_free in every
 * case. Returns a new reference, or NULL with a Python error (invalid UTF-8).
 */
THREE_INTERNAL PyObject *hoststr_take_or_none(char *s);

/*
 * Host NULL-terminated string array -> list of str; NULL -> []. Every string
 * and the array are released with cgo_free in every case, even when the
 * list cannot be built. Returns a new reference, or NULL with a Python error.
 */
THREE_INTERNAL PyObject *hoststr_take_list(char **array);

#endif /* RTLOADER_THREE_BUILTINS_HOSTSTR_H */
