/*
 * rtloader_backend.h - the contract between the front library and a backend.
 *
 * Internal: not installed. The front knows nothing of Python; a backend,
 * built once per Python version, exports
 *
 *     rtloader_t *create(const char *python_home, const char *python_exe,
 *                        rtloader_malloc_t, rtloader_free_t);
 *     void destroy(rtloader_t *);
 *
 * and every rtloader_t it creates starts with a `struct rtl_backend_instance`
 * whose `ops` points at the backend's method table. Public API functions
 * check the handle and forward through that table.
 *
 * The table is append-only (as SQLite's VFS): new members go at the end,
 * `size` tells the front how much of it a backend filled, and a front built
 * against a newer header treats missing trailing members as "unsupported".
 */
#ifndef RTLOADER_COMMON_BACKEND_H
#define RTLOADER_COMMON_BACKEND_H

#include <stddef.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_ext.h"

#define RTL_BACKEND_CREATE_SYMBOL "create"
#define RTL_BACKEND_DESTROY_SYMBOL "destroy"

/*
 * Every host callback, in one process-wide table owned by the backend. The
 * front's set_*_cb functions store into it; the builtin modules read it.
 * Plain stores: the contract says setters are called before init().
 */
struct rtl_callbacks {
    cb_submit_metric_t submit_metric;
    cb_submit_service_check_t submit_service_check;
    cb_submit_event_t submit_event;
    cb_submit_histogram_bucket_t submit_histogram_bucket;
    cb_submit_event_platform_event_t submit_event_platform_event;
    cb_get_version_t get_version;
    cb_get_config_t get_config;
    cb_headers_t headers;
    cb_get_hostname_t get_hostname;
    cb_get_host_tags_t get_host_tags;
    cb_get_clustername_t get_clustername;
    cb_tracemalloc_enabled_t tracemalloc_enabled;
    cb_log_t log;
    cb_send_log_t send_log;
    cb_set_check_metadata_t set_check_metadata;
    cb_set_external_tags_t set_external_tags;
    cb_write_persistent_cache_t write_persistent_cache;
    cb_read_persistent_cache_t read_persistent_cache;
    cb_obfuscate_sql_t obfuscate_sql;
    cb_obfuscate_sql_exec_plan_t obfuscate_sql_exec_plan;
    cb_get_process_start_time_t get_process_start_time;
    cb_obfuscate_mongodb_string_t obfuscate_mongodb_string;
    cb_emit_agent_telemetry_t emit_agent_telemetry;
    cb_get_subprocess_output_t get_subprocess_output;
    cb_cgo_free_t cgo_free;
    cb_tags_t tags;
    cb_get_connection_info_t get_connection_info;
    cb_is_excluded_t is_excluded;
    /* rtloader_ext.h: preferred over write_persistent_cache when set */
    rtloader_cb_write_persistent_cache_checked_t write_persistent_cache_checked;
};

/* One entry per forwarded API function; same meaning as the public one. */
struct rtl_backend_ops {
    size_t size; /* sizeof(struct rtl_backend_ops) the backend was built with */
    struct rtl_callbacks *callbacks;

    int (*init)(rtloader_t *);
    void (*destroy)(rtloader_t *);
    py_info_t *(*get_py_info)(rtloader_t *);
    int (*run_simple_string)(const rtloader_t *, const char *);
    rtloader_pyobject_t *(*get_none)(const rtloader_t *);
    int (*add_python_path)(rtloader_t *, const char *);
    rtloader_gilstate_t (*ensure_gil)(rtloader_t *);
    void (*release_gil)(rtloader_t *, rtloader_gilstate_t);

    int (*get_class)(rtloader_t *, const char *, rtloader_pyobject_t **, rtloader_pyobject_t **);
    int (*get_attr_string)(rtloader_t *, rtloader_pyobject_t *, const char *, char **);
    int (*get_attr_bool)(rtloader_t *, rtloader_pyobject_t *, const char *, bool *);
    int (*get_check)(rtloader_t *, rtloader_pyobject_t *, const char *, const char *,
                     const char *, const char *, const char *, const char *,
                     rtloader_pyobject_t **);
    char *(*discover_config)(rtloader_t *, rtloader_pyobject_t *, const char *);
    char *(*run_check)(rtloader_t *, rtloader_pyobject_t *);
    void (*cancel_check)(rtloader_t *, rtloader_pyobject_t *);
    char **(*get_checks_warnings)(rtloader_t *, rtloader_pyobject_t *);
    char *(*get_check_diagnoses)(rtloader_t *, rtloader_pyobject_t *);

    int (*has_error)(const rtloader_t *);
    const char *(*get_error)(const rtloader_t *);
    void (*clear_error)(rtloader_t *);

    void (*decref)(rtloader_t *, rtloader_pyobject_t *);
    void (*incref)(rtloader_t *, rtloader_pyobject_t *);
    void (*set_module_attr_string)(rtloader_t *, const char *, const char *, const char *);
    char *(*get_integration_list)(rtloader_t *);

    void (*init_pymem_stats)(rtloader_t *);
    void (*get_pymem_stats)(rtloader_t *, pymem_stats_t *);

    /*
     * Writes the calling thread's Python traceback to fd, for the crash
     * handler: async-signal-safe (as faulthandler), no rtloader handle,
     * GIL: none (the thread may or may not hold it).
     */
    void (*dump_traceback)(int fd);

    /* appended (issue 9); check RTL_BACKEND_HAS before calling */
    char *(*get_interpreter_memory_usage)(rtloader_t *);
};

/* Whether the backend's table reaches `member` (older backends stop earlier). */
#define RTL_BACKEND_HAS(ops, member)                                                              \
    ((ops)->size >= offsetof(struct rtl_backend_ops, member) + sizeof((ops)->member)             \
     && (ops)->member != NULL)

/* The head of every rtloader_t a backend hands out. */
struct rtl_backend_instance {
    const struct rtl_backend_ops *ops;
};

typedef rtloader_t *(*rtl_backend_create_t)(const char *python_home, const char *python_exe,
                                            rtloader_malloc_t, rtloader_free_t);
typedef void (*rtl_backend_destroy_t)(rtloader_t *);

#endif /* RTLOADER_COMMON_BACKEND_H */
