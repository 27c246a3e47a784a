/*
 * builtins.h - the Python modules compiled into the backend.
 *
 * One file per module (aggregator.c, datadog_agent.c, ...), each exporting
 * only its PyInit_ function; builtins.c lists them in one table.
 */
#ifndef RTLOADER_THREE_BUILTINS_H
#define RTLOADER_THREE_BUILTINS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "three.h"

/*
 * Adds every builtin module to the inittab. Must run before the interpreter
 * starts. Returns 0 on success, -1 if the inittab could not grow.
 * GIL: none (there is no interpreter yet).
 */
THREE_INTERNAL int builtins_register(void);

/*
 * The modules' init functions (multi-phase: each returns its PyModuleDef).
 * Only builtins.c and the benchmark refer to them. GIL: called by the import
 * machinery, which holds it.
 */
THREE_INTERNAL PyObject *PyInit_aggregator(void);
THREE_INTERNAL PyObject *PyInit_datadog_agent(void);
THREE_INTERNAL PyObject *PyInit_util(void);
THREE_INTERNAL PyObject *PyInit__util(void);
THREE_INTERNAL PyObject *PyInit_tagger(void);
THREE_INTERNAL PyObject *PyInit_kubeutil(void);
THREE_INTERNAL PyObject *PyInit_containers(void);

#endif /* RTLOADER_THREE_BUILTINS_H */
