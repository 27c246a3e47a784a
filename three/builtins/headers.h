/*
 * headers.h - the one implementation behind datadog_agent.headers and
 * util.headers (spec §3.2/§3.3): both modules must answer identically.
 */
#ifndef RTLOADER_THREE_BUILTINS_HEADERS_H
#define RTLOADER_THREE_BUILTINS_HEADERS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "three.h"

/*
 * headers(*args, **kwargs): positional args are ignored (historically
 * agentConfig). Returns a new reference to the dict the host serialized,
 * with headers['Host'] = kwargs['http_host'] when that keyword is given;
 * None when no callback is set or the data is not a dict.
 * NULL only with a Python error (setting 'Host' failed).
 * GIL: caller holds it; the callback runs with it held (it is a cheap
 * formatter on the host side).
 */
THREE_INTERNAL PyObject *headers_build(PyObject *kwargs /* borrowed, may be NULL */);

#endif /* RTLOADER_THREE_BUILTINS_HEADERS_H */
