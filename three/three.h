/*
 * three.h - the backend's private state and the functions its files share.
 *
 * Threading: every function declared here assumes the caller holds the GIL,
 * unless its comment says "GIL: none".
 */
#ifndef RTLOADER_THREE_H
#define RTLOADER_THREE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "rtloader_backend.h"

#if PY_VERSION_HEX < 0x030A0000
/* Python 3.10 API used throughout; a plain incref before it. */
static inline PyObject *Py_NewRef(PyObject *obj)
{
    Py_INCREF(obj);
    return obj;
}
#endif

/* Internal functions of the backend never leave the shared object. */
#define THREE_INTERNAL __attribute__((visibility("hidden")))

struct three_path {
    struct three_path *next;
    bool applied; /* appended to sys.path by an init of this instance */
    char path[]; /* NUL-terminated copy */
};

struct three {
    struct rtl_backend_instance base; /* must stay first */
    char *python_home;                /* libc-owned copy; never NULL */
    char *python_exe;                 /* libc-owned copy; "" = none */
    bool home_given;                  /* make3 named a python home */
    struct three_path *paths;         /* add_python_path list, insertion order */
    PyObject *base_class;             /* new ref to AgentCheck after init */
    PyThreadState *main_tstate;       /* saved at the end of init */
    bool python_started; /* this instance runs the interpreter (even after a failed init) */
    bool initialized;    /* an init succeeded: later ones fail */
    /* The alternate signal stack of the thread that started Python, as it
     * was before Py_Initialize; see three_restore_alt_stack (interp.c). */
    bool alt_stack_replaced; /* Py_Initialize installed another one */
    pthread_t alt_stack_thread;
    stack_t alt_stack_before;
    void *python_alt_stack; /* ss_sp of the one Python installed */
    /* error slot: see errors.c */
    char *error;
    bool error_set;
};

#define THREE(rt) ((struct three *)(rt))
#define THREE_CONST(rt) ((const struct three *)(rt))

/* alloc.c: the rtloader allocator pair handed over by create(). GIL: none. */
THREE_INTERNAL void three_set_allocator(rtloader_malloc_t m, rtloader_free_t f);
THREE_INTERNAL void *three_malloc(size_t size);
THREE_INTERNAL void three_free(void *ptr);
/* Returns a _malloc'd copy of s (NULL for NULL or out of memory). */
THREE_INTERNAL char *three_strdup(const char *s);

/* errors.c */
THREE_INTERNAL void three_set_error(struct three *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Sets "<prefix><formatted pending python error>" and clears the Python error. */
THREE_INTERNAL void three_set_error_py(struct three *t, const char *prefix_fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * Formats the pending Python exception (traceback if any) and clears it.
 * Returns a libc-malloc'd string ("" when none is pending); never NULL.
 */
THREE_INTERNAL char *three_fetch_python_error(void);
THREE_INTERNAL int three_has_error(const rtloader_t *rt);
THREE_INTERNAL const char *three_get_error(const rtloader_t *rt);
THREE_INTERNAL void three_clear_error(rtloader_t *rt);
THREE_INTERNAL void three_free_error(struct three *t);

/* interp.c */
THREE_INTERNAL int three_init(rtloader_t *rt);
THREE_INTERNAL void three_shutdown(struct three *t);
THREE_INTERNAL py_info_t *three_get_py_info(rtloader_t *rt);
THREE_INTERNAL int three_run_simple_string(const rtloader_t *rt, const char *code);
THREE_INTERNAL rtloader_pyobject_t *three_get_none(const rtloader_t *rt);
THREE_INTERNAL int three_add_python_path(rtloader_t *rt, const char *path);
THREE_INTERNAL void three_free_paths(struct three *t);
THREE_INTERNAL rtloader_gilstate_t three_ensure_gil(rtloader_t *rt);
THREE_INTERNAL void three_release_gil(rtloader_t *rt, rtloader_gilstate_t state);
THREE_INTERNAL void three_decref(rtloader_t *rt, rtloader_pyobject_t *obj);
THREE_INTERNAL void three_incref(rtloader_t *rt, rtloader_pyobject_t *obj);
THREE_INTERNAL void three_set_module_attr_string(rtloader_t *rt, const char *module,
                                                 const char *attr, const char *value);
THREE_INTERNAL char *three_get_integration_list(rtloader_t *rt);

/* checks.c */
THREE_INTERNAL int three_get_class(rtloader_t *rt, const char *name, rtloader_pyobject_t **module,
                                   rtloader_pyobject_t **klass);
THREE_INTERNAL int three_get_attr_string(rtloader_t *rt, rtloader_pyobject_t *obj,
                                         const char *attr_name, char **value);
THREE_INTERNAL int three_get_attr_bool(rtloader_t *rt, rtloader_pyobject_t *obj,
                                       const char *attr_name, bool *value);
THREE_INTERNAL int three_get_check(rtloader_t *rt, rtloader_pyobject_t *klass,
                                   const char *init_config, const char *instance,
                                   const char *agent_config, const char *check_id,
                                   const char *check_name, const char *provider,
                                   rtloader_pyobject_t **check);
THREE_INTERNAL char *three_discover_config(rtloader_t *rt, rtloader_pyobject_t *klass,
                                           const char *service_json);

/* run.c. The interned method names are created at init and dropped at destroy. */
THREE_INTERNAL int run_names_init(void);
THREE_INTERNAL void run_names_fini(void);
THREE_INTERNAL char *three_run_check(rtloader_t *rt, rtloader_pyobject_t *check);
THREE_INTERNAL void three_cancel_check(rtloader_t *rt, rtloader_pyobject_t *check);
THREE_INTERNAL char **three_get_checks_warnings(rtloader_t *rt, rtloader_pyobject_t *check);
THREE_INTERNAL char *three_get_check_diagnoses(rtloader_t *rt, rtloader_pyobject_t *check);

/* memusage.c. GIL: not required (taken). */
THREE_INTERNAL char *three_get_interpreter_memory_usage(rtloader_t *rt);

/* pymem.c. GIL: none for both. */
THREE_INTERNAL void three_init_pymem_stats(rtloader_t *rt);
THREE_INTERNAL void three_get_pymem_stats(rtloader_t *rt, pymem_stats_t *stats);

/* crashdump.c: resolve CPython's traceback dumper (create, GIL: none) and
 * dump the calling thread's traceback (the crash handler; async-signal-safe). */
THREE_INTERNAL void three_crashdump_prepare(void);
THREE_INTERNAL void three_dump_traceback(int fd);

#endif /* RTLOADER_THREE_H */
