/*
 * fake_host.h - a host that implements every callback of rtloader_types.h
 * and records each call (the model is collectd's plugin mock).
 *
 * Recording: every call appends one line `<callback>(<arguments>)` to a log,
 * where <callback> is the name of the setter without `set_` and `_cb`
 * (set_submit_metric_cb -> submit_metric, set_tags_cb -> tags). Arguments:
 *   strings   "text" in double quotes, C escapes for " \ and non-printable
 *             bytes (\n \t \r \xNN); NULL as NULL
 *   arrays    NULL-terminated string arrays as ["a", "b"]; NULL as NULL
 *   numbers   ints as %d / %ld / %lld, doubles and floats as %g
 *   bools     true / false
 *   event_t   {title="..", text="..", ts=N, priority=.., host=.., tags=[..],
 *              alert_type=.., aggregation_key=.., source_type_name=.., event_type=..}
 *   bytes     submit_event_platform_event's raw event: "..." of exactly len bytes
 * e.g. submit_metric("id", 0, "metric", 1.5, ["a", "b"], "host", false)
 *
 * Results: what a callback hands back to rtloader comes from
 * fake_host_set_result(key, value). Strings are allocated with `strdupe`
 * (the rtloader allocator, so the memory counters see them, as Go's
 * TrackedCString does) and rtloader frees them through cgo_free. Keys:
 *   get_version get_config headers get_hostname get_host_tags get_clustername
 *   read_persistent_cache get_connection_info        -> the string (unset: NULL)
 *   obfuscate_sql obfuscate_sql_exec_plan obfuscate_mongodb_string
 *                                                    -> result string (unset: NULL)
 *   obfuscate_sql.error obfuscate_sql_exec_plan.error obfuscate_mongodb_string.error
 *                                                    -> error out-param (unset: NULL)
 *   tracemalloc_enabled                              -> "1" true, else false
 *   get_process_start_time                           -> strtod (unset: 0)
 *   is_excluded                                      -> atoi (unset: 0)
 *   tags                                             -> comma-separated list,
 *                                                       "" = empty array, unset = NULL
 *   get_subprocess_output.stdout / .stderr / .exception -> out strings (unset: NULL)
 *   get_subprocess_output.retcode                    -> atoi (unset: 0)
 *
 * Thread-safe (builtins call some callbacks without the GIL). Bookkeeping
 * uses libc malloc, so it never disturbs the rtloader memory counters.
 */
#ifndef RTL_FAKE_HOST_H
#define RTL_FAKE_HOST_H

#include "datadog_agent_rtloader.h"

/* Registers every fake callback on `rt` and `_free` as the cgo free callback. */
void fake_host_register(rtloader_t *rt);

/* Forgets the recorded calls and the configured results. */
void fake_host_reset(void);

/* Number of recorded calls of `callback` since the last reset. */
int fake_host_count(const char *callback);

/* The last recorded line of `callback`, or NULL. Valid until the next reset. */
const char *fake_host_last(const char *callback);

/* Every recorded line, each ending with '\n' ("" if none). Valid until the next call of any fake_host function. */
const char *fake_host_log(void);

/* Sets (value != NULL) or unsets (NULL) what a callback returns; see the key list above. */
void fake_host_set_result(const char *key, const char *value);

/* A cgo free callback that records `cgo_free(<n>)` (n = number of calls so far) and calls _free. */
void fake_host_cgo_free(void *ptr);

/* The callbacks themselves (fake_host_register installs all of them). */
void fake_host_submit_metric(char *, metric_type_t, char *, double, char **, char *, bool);
void fake_host_submit_service_check(char *, char *, int, char **, char *, char *);
void fake_host_submit_event(char *, event_t *);
void fake_host_submit_histogram_bucket(char *, char *, long long, float, float, int, char *,
                                       char **, bool);
void fake_host_submit_event_platform_event(char *, char *, int, char *);
void fake_host_get_version(char **);
void fake_host_get_config(char *, char **);
void fake_host_headers(char **);
void fake_host_get_hostname(char **);
void fake_host_get_host_tags(char **);
void fake_host_get_clustername(char **);
bool fake_host_tracemalloc_enabled(void);
void fake_host_log_cb(char *, int);
void fake_host_send_log(char *, char *);
void fake_host_set_check_metadata(char *, char *, char *);
void fake_host_set_external_tags(char *, char *, char **);
void fake_host_write_persistent_cache(char *, char *);
char *fake_host_read_persistent_cache(char *);
char *fake_host_obfuscate_sql(char *, char *, char **);
char *fake_host_obfuscate_sql_exec_plan(char *, bool, char **);
double fake_host_get_process_start_time(void);
char *fake_host_obfuscate_mongodb_string(char *, char **);
void fake_host_emit_agent_telemetry(char *, char *, double, char *);
void fake_host_get_subprocess_output(char **, char **, char **, char **, int *, char **);
char **fake_host_tags(char *, int);
void fake_host_get_connection_info(char **);
int fake_host_is_excluded(char *, char *, char *);

#endif /* RTL_FAKE_HOST_H */
