/*
 * callbacks.c - the set_*_cb functions: plain stores into the backend's
 * process-wide callback table (rtloader_backend.h).
 *
 * GIL: none. Call them before init(): the builtins read the table without
 * synchronisation afterwards.
 */
#include "datadog_agent_rtloader.h"
#include "loader.h"
#include "rtloader_ext.h"

#define RTL_CALLBACK_SETTER(setter, field, type)                                                  \
    DATADOG_AGENT_RTLOADER_API void setter(rtloader_t *rt, type cb)                               \
    {                                                                                             \
        if (rt != NULL) {                                                                         \
            rtl_ops(rt)->callbacks->field = cb;                                                   \
        }                                                                                         \
    }

RTL_CALLBACK_SETTER(set_submit_metric_cb, submit_metric, cb_submit_metric_t)
RTL_CALLBACK_SETTER(set_submit_service_check_cb, submit_service_check, cb_submit_service_check_t)
RTL_CALLBACK_SETTER(set_submit_event_cb, submit_event, cb_submit_event_t)
RTL_CALLBACK_SETTER(set_submit_histogram_bucket_cb, submit_histogram_bucket,
                    cb_submit_histogram_bucket_t)
RTL_CALLBACK_SETTER(set_submit_event_platform_event_cb, submit_event_platform_event,
                    cb_submit_event_platform_event_t)
RTL_CALLBACK_SETTER(set_get_version_cb, get_version, cb_get_version_t)
RTL_CALLBACK_SETTER(set_get_config_cb, get_config, cb_get_config_t)
RTL_CALLBACK_SETTER(set_headers_cb, headers, cb_headers_t)
RTL_CALLBACK_SETTER(set_get_hostname_cb, get_hostname, cb_get_hostname_t)
RTL_CALLBACK_SETTER(set_get_host_tags_cb, get_host_tags, cb_get_host_tags_t)
RTL_CALLBACK_SETTER(set_get_clustername_cb, get_clustername, cb_get_clustername_t)
RTL_CALLBACK_SETTER(set_tracemalloc_enabled_cb, tracemalloc_enabled, cb_tracemalloc_enabled_t)
RTL_CALLBACK_SETTER(set_log_cb, log, cb_log_t)
RTL_CALLBACK_SETTER(set_send_log_cb, send_log, cb_send_log_t)
RTL_CALLBACK_SETTER(set_set_check_metadata_cb, set_check_metadata, cb_set_check_metadata_t)
RTL_CALLBACK_SETTER(set_set_external_tags_cb, set_external_tags, cb_set_external_tags_t)
RTL_CALLBACK_SETTER(set_write_persistent_cache_cb, write_persistent_cache,
                    cb_write_persistent_cache_t)
RTL_CALLBACK_SETTER(set_read_persistent_cache_cb, read_persistent_cache,
                    cb_read_persistent_cache_t)
RTL_CALLBACK_SETTER(set_obfuscate_sql_cb, obfuscate_sql, cb_obfuscate_sql_t)
RTL_CALLBACK_SETTER(set_obfuscate_sql_exec_plan_cb, obfuscate_sql_exec_plan,
                    cb_obfuscate_sql_exec_plan_t)
RTL_CALLBACK_SETTER(set_get_process_start_time_cb, get_process_start_time,
                    cb_get_process_start_time_t)
RTL_CALLBACK_SETTER(set_obfuscate_mongodb_string_cb, obfuscate_mongodb_string,
                    cb_obfuscate_mongodb_string_t)
RTL_CALLBACK_SETTER(set_emit_agent_telemetry_cb, emit_agent_telemetry, cb_emit_agent_telemetry_t)
RTL_CALLBACK_SETTER(set_get_subprocess_output_cb, get_subprocess_output,
                    cb_get_subprocess_output_t)
RTL_CALLBACK_SETTER(set_cgo_free_cb, cgo_free, cb_cgo_free_t)
RTL_CALLBACK_SETTER(set_tags_cb, tags, cb_tags_t)
RTL_CALLBACK_SETTER(set_get_connection_info_cb, get_connection_info, cb_get_connection_info_t)
RTL_CALLBACK_SETTER(set_is_excluded_cb, is_excluded, cb_is_excluded_t)
RTL_CALLBACK_SETTER(rtloader_set_write_persistent_cache_checked_cb, write_persistent_cache_checked,
                    rtloader_cb_write_persistent_cache_checked_t)
