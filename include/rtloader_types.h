/*
 * rtloader_types.h - types shared by the rtloader API and its host.
 *
 * Part of the public contract: every enum value, struct field order and
 * callback signature here is the one the Datadog Agent's Go code (cgo) was
 * written against. Nothing may be reordered or renamed.
 *
 * The header is C89-compatible (tested with -std=c89 -pedantic). It uses
 * `bool` from <stdbool.h> and `long long` because the contract does; the
 * diagnostics a strict C89 compiler raises for those two are silenced
 * locally and restored at the end of the header.
 *
 * Ownership rules for callbacks (stated once, they hold for every typedef
 * below unless its comment says otherwise):
 *   - strings and arrays passed INTO a callback are owned by rtloader and are
 *     valid only for the duration of the call;
 *   - strings and arrays a callback RETURNS (return value or `char **` out
 *     parameter) must be allocated on the C heap by the host; rtloader
 *     releases them with the function registered through set_cgo_free_cb().
 */
#ifndef DATADOG_AGENT_RTLOADER_TYPES_H
#define DATADOG_AGENT_RTLOADER_TYPES_H

#include <stdbool.h>
#include <stddef.h>
/* upstream's includes it: hosts (cgo preambles) call malloc/free with only
 * the rtloader headers included */
#include <stdlib.h>

#if defined(__clang__)
#    pragma clang diagnostic push
#    pragma clang diagnostic ignored "-Wc99-extensions"
#    pragma clang diagnostic ignored "-Wlong-long"
#elif defined(__GNUC__)
#    pragma GCC diagnostic push
#    pragma GCC diagnostic ignored "-Wlong-long"
#endif

#ifdef DATADOG_AGENT_RTLOADER_TEST
#    define DATADOG_AGENT_RTLOADER_API
#elif defined(_WIN32)
#    define DATADOG_AGENT_RTLOADER_API __declspec(dllexport)
#else
#    if __GNUC__ >= 4
#        define DATADOG_AGENT_RTLOADER_API __attribute__((visibility("default")))
#    else
#        define DATADOG_AGENT_RTLOADER_API
#    endif
#endif

#ifndef _WIN32
#    define _strdup(x) strdupe(x)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Allocator pair used for every buffer that crosses the API. */
typedef void *(*rtloader_malloc_t)(size_t);
typedef void (*rtloader_free_t)(void *);

typedef enum rtloader_gilstate_e {
    DATADOG_AGENT_RTLOADER_GIL_LOCKED,
    DATADOG_AGENT_RTLOADER_GIL_UNLOCKED
} rtloader_gilstate_t;

typedef enum rtloader_mem_ops_e {
    DATADOG_AGENT_RTLOADER_ALLOCATION,
    DATADOG_AGENT_RTLOADER_FREE
} rtloader_mem_ops_t;

typedef enum {
    DATADOG_AGENT_RTLOADER_GAUGE = 0,
    DATADOG_AGENT_RTLOADER_RATE,
    DATADOG_AGENT_RTLOADER_COUNT,
    DATADOG_AGENT_RTLOADER_MONOTONIC_COUNT,
    DATADOG_AGENT_RTLOADER_COUNTER,
    DATADOG_AGENT_RTLOADER_HISTOGRAM,
    DATADOG_AGENT_RTLOADER_HISTORATE
} metric_type_t;

typedef enum {
    DATADOG_AGENT_RTLOADER_TAGGER_LOW = 0,
    DATADOG_AGENT_RTLOADER_TAGGER_ORCHESTRATOR,
    DATADOG_AGENT_RTLOADER_TAGGER_HIGH
} TaggerCardinality;

/* Python `logging` numeric levels; 7 is datadog_checks_base's TRACE. */
typedef enum {
    DATADOG_AGENT_TRACE = 7,
    DATADOG_AGENT_DEBUG = 10,
    DATADOG_AGENT_INFO = 20,
    DATADOG_AGENT_WARNING = 30,
    DATADOG_AGENT_ERROR = 40,
    DATADOG_AGENT_CRITICAL = 50
} log_level_t;

/*
 * An event built by aggregator.submit_event. All pointers are owned by
 * rtloader and valid only during the cb_submit_event_t call. `tags` is
 * NULL-terminated, or NULL when the event dict had no "tags" key.
 */
typedef struct event_s {
    char *title;
    char *text;
    long ts;
    char *priority;
    char *host;
    char **tags;
    char *alert_type;
    char *aggregation_key;
    char *source_type_name;
    char *event_type;
} event_t;

/*
 * Returned by get_py_info(). `version` is owned by Python (never free it);
 * `path` is owned by rtloader. Release the struct with free_py_info().
 */
typedef struct py_info_s {
    const char *version;
    char *path;
} py_info_t;

/* Python allocator statistics (see init_pymem_stats / get_pymem_stats). */
typedef struct pymem_stats_s {
    size_t inuse;
    size_t alloc;
} pymem_stats_t;

/* aggregator: check_id, type, name, value, tags (NULL-terminated), hostname, flush_first_value */
typedef void (*cb_submit_metric_t)(char *, metric_type_t, char *, double, char **, char *, bool);
/* aggregator: check_id, name, status, tags, hostname, message */
typedef void (*cb_submit_service_check_t)(char *, char *, int, char **, char *, char *);
/* aggregator: check_id, event */
typedef void (*cb_submit_event_t)(char *, event_t *);
/* aggregator: check_id, name, value, lower_bound, upper_bound, monotonic, hostname, tags,
 * flush_first_value */
typedef void (*cb_submit_histogram_bucket_t)(char *, char *, long long, float, float, int, char *,
                                             char **, bool);
/* aggregator: check_id, raw event bytes (not NUL-terminated), byte length, event_type */
typedef void (*cb_submit_event_platform_event_t)(char *, char *, int, char *);

/* datadog_agent: out parameter receives a host-allocated string (freed by rtloader). */
typedef void (*cb_get_version_t)(char **);
/* datadog_agent: key, out serialized value (JSON or YAML) or NULL */
typedef void (*cb_get_config_t)(char *, char **);
/* datadog_agent/util: out serialized dict */
typedef void (*cb_headers_t)(char **);
typedef void (*cb_get_hostname_t)(char **);
typedef void (*cb_get_host_tags_t)(char **);
typedef void (*cb_get_clustername_t)(char **);
typedef bool (*cb_tracemalloc_enabled_t)(void);
/* message, level (log_level_t value) */
typedef void (*cb_log_t)(char *, int);
/* log line, check_id */
typedef void (*cb_send_log_t)(char *, char *);
/* check_id, name, value */
typedef void (*cb_set_check_metadata_t)(char *, char *, char *);
/* hostname, source_type, tags (NULL-terminated) */
typedef void (*cb_set_external_tags_t)(char *, char *, char **);
/* key, value */
typedef void (*cb_write_persistent_cache_t)(char *, char *);
/* key -> host-allocated value, or NULL */
typedef char *(*cb_read_persistent_cache_t)(char *);
/* query, options JSON (may be NULL), out error -> host-allocated result */
typedef char *(*cb_obfuscate_sql_t)(char *, char *, char **);
/* plan, normalize, out error -> host-allocated result */
typedef char *(*cb_obfuscate_sql_exec_plan_t)(char *, bool, char **);
/* -> process start time, seconds since the epoch */
typedef double (*cb_get_process_start_time_t)(void);
/* command, out error -> host-allocated result */
typedef char *(*cb_obfuscate_mongodb_string_t)(char *, char **);
/* check_name, metric_name, value, metric_type */
typedef void (*cb_emit_agent_telemetry_t)(char *, char *, double, char *);

/* _util: argv (NULL-terminated), env (NULL-terminated "K=V", or NULL), out stdout, out stderr,
 * out return code, out exception message */
typedef void (*cb_get_subprocess_output_t)(char **, char **, char **, char **, int *, char **);
/* frees what callbacks return */
typedef void (*cb_cgo_free_t)(void *);
/* legacy per-allocation tracker: pointer, size (0 for frees), operation */
typedef void (*cb_memory_tracker_t)(void *, size_t sz, rtloader_mem_ops_t op);
/* tagger: entity id, cardinality -> host-allocated NULL-terminated array (each string and the
 * array freed by rtloader), or NULL */
typedef char **(*cb_tags_t)(char *, int);
/* kubeutil: out serialized dict */
typedef void (*cb_get_connection_info_t)(char **);
/* containers: name, image, namespace (may be NULL) -> > 0 when excluded */
typedef int (*cb_is_excluded_t)(char *, char *, char *);

#ifdef __cplusplus
}
#endif

#if defined(__clang__)
#    pragma clang diagnostic pop
#elif defined(__GNUC__)
#    pragma GCC diagnostic pop
#endif

#endif /* DATADOG_AGENT_RTLOADER_TYPES_H */
