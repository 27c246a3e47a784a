/*
 * api.c - the public functions: check the handle, forward to the backend.
 *
 * Each function states only what differs from the general rules in
 * datadog_agent_rtloader.h; the GIL contract is the backend's, unchanged.
 */
#include "crash.h"
#include "datadog_agent_rtloader.h"
#include "loader.h"
#include "rtloader_mem.h"

DATADOG_AGENT_RTLOADER_API int init(rtloader_t *rt)
{
    if (rt == NULL) {
        return 0;
    }
    rtl_crash_attach_thread(); /* init runs Python too (the base-class import) */
    return rtl_ops(rt)->init(rt);
}

DATADOG_AGENT_RTLOADER_API py_info_t *get_py_info(rtloader_t *rt)
{
    return rt != NULL ? rtl_ops(rt)->get_py_info(rt) : NULL;
}

/* GIL: none. */
DATADOG_AGENT_RTLOADER_API void free_py_info(rtloader_t *rt, py_info_t *info)
{
    (void)rt;
    if (info != NULL) {
        _free(info->path);
        _free(info);
    }
}

DATADOG_AGENT_RTLOADER_API int run_simple_string(const rtloader_t *rt, const char *code)
{
    return rt != NULL ? rtl_ops(rt)->run_simple_string(rt, code) : 0;
}

DATADOG_AGENT_RTLOADER_API rtloader_pyobject_t *get_none(const rtloader_t *rt)
{
    return rt != NULL ? rtl_ops(rt)->get_none(rt) : NULL;
}

DATADOG_AGENT_RTLOADER_API int add_python_path(rtloader_t *rt, const char *path)
{
    return rt != NULL ? rtl_ops(rt)->add_python_path(rt, path) : 0;
}

DATADOG_AGENT_RTLOADER_API rtloader_gilstate_t ensure_gil(rtloader_t *rt)
{
    if (rt == NULL) {
        return DATADOG_AGENT_RTLOADER_GIL_UNLOCKED;
    }
    /* a thread that runs Python gets an alternate stack for crash reports */
    rtl_crash_attach_thread();
    return rtl_ops(rt)->ensure_gil(rt);
}

DATADOG_AGENT_RTLOADER_API void release_gil(rtloader_t *rt, rtloader_gilstate_t state)
{
    if (rt != NULL) {
        rtl_ops(rt)->release_gil(rt, state);
    }
}

DATADOG_AGENT_RTLOADER_API int get_class(rtloader_t *rt, const char *name,
                                         rtloader_pyobject_t **py_module,
                                         rtloader_pyobject_t **py_class)
{
    return rt != NULL ? rtl_ops(rt)->get_class(rt, name, py_module, py_class) : 0;
}

DATADOG_AGENT_RTLOADER_API int get_attr_string(rtloader_t *rt, rtloader_pyobject_t *py_class,
                                               const char *attr_name, char **value)
{
    return rt != NULL ? rtl_ops(rt)->get_attr_string(rt, py_class, attr_name, value) : 0;
}

DATADOG_AGENT_RTLOADER_API int get_attr_bool(rtloader_t *rt, rtloader_pyobject_t *py_class,
                                             const char *attr_name, bool *value)
{
    return rt != NULL ? rtl_ops(rt)->get_attr_bool(rt, py_class, attr_name, value) : 0;
}

DATADOG_AGENT_RTLOADER_API int get_check(rtloader_t *rt, rtloader_pyobject_t *py_class,
                                         const char *init_config, const char *instance,
                                         const char *check_id, const char *check_name,
                                         const char *provider, rtloader_pyobject_t **check)
{
    if (rt == NULL) {
        return 0;
    }
    return rtl_ops(rt)->get_check(rt, py_class, init_config, instance, NULL, check_id,
                                  check_name, provider, check);
}

DATADOG_AGENT_RTLOADER_API int get_check_deprecated(rtloader_t *rt, rtloader_pyobject_t *py_class,
                                                    const char *init_config, const char *instance,
                                                    const char *agent_config, const char *check_id,
                                                    const char *check_name, const char *provider,
                                                    rtloader_pyobject_t **check)
{
    if (rt == NULL) {
        return 0;
    }
    return rtl_ops(rt)->get_check(rt, py_class, init_config, instance, agent_config, check_id,
                                  check_name, provider, check);
}

DATADOG_AGENT_RTLOADER_API char *discover_config(rtloader_t *rt, rtloader_pyobject_t *py_class,
                                                 const char *service_json)
{
    return rt != NULL ? rtl_ops(rt)->discover_config(rt, py_class, service_json) : NULL;
}

DATADOG_AGENT_RTLOADER_API char *run_check(rtloader_t *rt, rtloader_pyobject_t *check)
{
    return rt != NULL ? rtl_ops(rt)->run_check(rt, check) : NULL;
}

DATADOG_AGENT_RTLOADER_API void cancel_check(rtloader_t *rt, rtloader_pyobject_t *check)
{
    if (rt != NULL) {
        rtl_ops(rt)->cancel_check(rt, check);
    }
}

DATADOG_AGENT_RTLOADER_API char **get_checks_warnings(rtloader_t *rt, rtloader_pyobject_t *check)
{
    return rt != NULL ? rtl_ops(rt)->get_checks_warnings(rt, check) : NULL;
}

DATADOG_AGENT_RTLOADER_API char *get_check_diagnoses(rtloader_t *rt, rtloader_pyobject_t *check)
{
    return rt != NULL ? rtl_ops(rt)->get_check_diagnoses(rt, check) : NULL;
}

DATADOG_AGENT_RTLOADER_API int has_error(const rtloader_t *rt)
{
    return rt != NULL ? rtl_ops(rt)->has_error(rt) : 0;
}

DATADOG_AGENT_RTLOADER_API const char *get_error(const rtloader_t *rt)
{
    return rt != NULL ? rtl_ops(rt)->get_error(rt) : "";
}

DATADOG_AGENT_RTLOADER_API void clear_error(rtloader_t *rt)
{
    if (rt != NULL) {
        rtl_ops(rt)->clear_error(rt);
    }
}

/* GIL: none. */
DATADOG_AGENT_RTLOADER_API void rtloader_free(rtloader_t *rt, void *ptr)
{
    (void)rt;
    _free(ptr);
}

DATADOG_AGENT_RTLOADER_API void rtloader_decref(rtloader_t *rt, rtloader_pyobject_t *obj)
{
    if (rt != NULL) {
        rtl_ops(rt)->decref(rt, obj);
    }
}

DATADOG_AGENT_RTLOADER_API void rtloader_incref(rtloader_t *rt, rtloader_pyobject_t *obj)
{
    if (rt != NULL) {
        rtl_ops(rt)->incref(rt, obj);
    }
}

DATADOG_AGENT_RTLOADER_API void set_module_attr_string(rtloader_t *rt, char *module, char *attr,
                                                       char *value)
{
    if (rt != NULL) {
        rtl_ops(rt)->set_module_attr_string(rt, module, attr, value);
    }
}

DATADOG_AGENT_RTLOADER_API char *get_integration_list(rtloader_t *rt)
{
    return rt != NULL ? rtl_ops(rt)->get_integration_list(rt) : NULL;
}

/* Our backends always run checks in the main interpreter. GIL: none. */
DATADOG_AGENT_RTLOADER_API int has_subinterpreter_support(const rtloader_t *rt)
{
    (void)rt;
    return 0;
}

DATADOG_AGENT_RTLOADER_API char *get_interpreter_memory_usage(rtloader_t *rt)
{
    if (rt == NULL || !RTL_BACKEND_HAS(rtl_ops(rt), get_interpreter_memory_usage)) {
        return NULL;
    }
    return rtl_ops(rt)->get_interpreter_memory_usage(rt);
}

DATADOG_AGENT_RTLOADER_API void init_pymem_stats(rtloader_t *rt)
{
    if (rt != NULL) {
        rtl_ops(rt)->init_pymem_stats(rt);
    }
}

DATADOG_AGENT_RTLOADER_API void get_pymem_stats(rtloader_t *rt, pymem_stats_t *stats)
{
    if (rt != NULL) {
        rtl_ops(rt)->get_pymem_stats(rt, stats);
    }
}
