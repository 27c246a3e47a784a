/*
 * builtins.c - registers the builtin modules, in the order of the contract.
 * Lua's linit.c is the model: one table, one loop.
 */
#include "builtins.h"

struct builtin_module {
    const char *name;
    PyObject *(*init)(void);
};

/* Contract order (spec §3): the same order as upstream's init. */
static const struct builtin_module builtin_modules[] = {
    {"aggregator", PyInit_aggregator},
    {"datadog_agent", PyInit_datadog_agent},
    {"util", PyInit_util},
    {"_util", PyInit__util},
    {"tagger", PyInit_tagger},
    {"kubeutil", PyInit_kubeutil},
    {"containers", PyInit_containers},
    {NULL, NULL},
};

int builtins_register(void)
{
    for (const struct builtin_module *m = builtin_modules; m->name != NULL; m++) {
        if (PyImport_AppendInittab(m->name, m->init) != 0) {
            return -1;
        }
    }
    return 0;
}
