/*
 * backend.c - the backend's two entry points and its method table.
 *
 * create() only records settings: Python starts in init(). destroy() never
 * finalizes the interpreter: the host (Go) moves between OS threads, and
 * finalizing from a thread other than the one that started Python breaks
 * `threading`; the process exit cleans up.
 */
#include <stdlib.h>
#include <string.h>

#include "callbacks.h"
#include "three.h"

#define BACKEND_EXPORT __attribute__((visibility("default")))

static const struct rtl_backend_ops three_ops = {
    .size = sizeof(struct rtl_backend_ops),
    .callbacks = &three_callbacks,
    .init = three_init,
    .destroy = NULL, /* the front calls the exported destroy() */
    .get_py_info = three_get_py_info,
    .run_simple_string = three_run_simple_string,
    .get_none = three_get_none,
    .add_python_path = three_add_python_path,
    .ensure_gil = three_ensure_gil,
    .release_gil = three_release_gil,
    .get_class = three_get_class,
    .get_attr_string = three_get_attr_string,
    .get_attr_bool = three_get_attr_bool,
    .get_check = three_get_check,
    .discover_config = three_discover_config,
    .run_check = three_run_check,
    .cancel_check = three_cancel_check,
    .get_checks_warnings = three_get_checks_warnings,
    .get_check_diagnoses = three_get_check_diagnoses,
    .has_error = three_has_error,
    .get_error = three_get_error,
    .clear_error = three_clear_error,
    .decref = three_decref,
    .incref = three_incref,
    .set_module_attr_string = three_set_module_attr_string,
    .get_integration_list = three_get_integration_list,
    .init_pymem_stats = three_init_pymem_stats,
    .get_pymem_stats = three_get_pymem_stats,
    .dump_traceback = three_dump_traceback,
    .get_interpreter_memory_usage = three_get_interpreter_memory_usage,
};

/* GIL: none (no interpreter yet). Returns NULL only when out of memory. */
BACKEND_EXPORT rtloader_t *create(const char *python_home, const char *python_exe,
                                  rtloader_malloc_t malloc_fn, rtloader_free_t free_fn)
{
    three_set_allocator(malloc_fn, free_fn);
    three_crashdump_prepare();
    struct three *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return NULL;
    }
    t->base.ops = &three_ops;
    t->python_home = strdup(python_home != NULL && python_home[0] != '\0' ? python_home
                                                                          : THREE_DEFAULT_PYTHON_HOME);
    t->home_given = python_home != NULL && python_home[0] != '\0';
    t->python_exe = strdup(python_exe != NULL ? python_exe : "");
    if (t->python_home == NULL || t->python_exe == NULL) {
        free(t->python_home);
        free(t->python_exe);
        free(t);
        return NULL;
    }
    return (rtloader_t *)t;
}

/* GIL: must not be held; the calling thread takes it and keeps it. */
BACKEND_EXPORT void destroy(rtloader_t *rt)
{
    struct three *t = THREE(rt);
    if (t == NULL) {
        return;
    }
    three_shutdown(t);
    three_free_paths(t);
    three_free_error(t);
    free(t->python_home);
    free(t->python_exe);
    free(t);
}
