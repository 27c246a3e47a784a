#!/bin/sh
# check_exports.sh NM FRONT_LIB BACKEND_LIB...
#
# Compares the dynamic symbols each library defines with the contract:
#   front:   every API function of spec §1.2 except set_report_issue_cb and
#            set_resolve_issue_cb, plus has_subinterpreter_support and
#            get_interpreter_memory_usage (current upstream header), plus the rtloader_mem.h symbols, plus the
#            four extensions declared in include/rtloader_ext.h
#            (rtloader_list_backends, rtloader_free_backends,
#            rtloader_python_library,
#            rtloader_set_write_persistent_cache_checked_cb);
#   each backend (one per Python version): create, destroy, cgo_free.
# Compared: the names of all defined dynamic symbols (`nm -D --defined-only`),
# version suffixes (@...) stripped. Excluded, and only these:
#   - type A symbols (absolute: symbol-version definitions, not code or data);
#   - linker-generated names: _init _fini _edata _end __bss_start;
#   - sanitizer instrumentation names (__asan_* __odr_asan* __ubsan_* __sancov*),
#     which only a sanitizer build defines.
set -u
NM=$1
FRONT=$2
shift 2
[ $# -ge 1 ] || { echo "usage: $0 NM FRONT_LIB BACKEND_LIB..."; exit 2; }

expected_front='make3 destroy enable_memory_tracker init
get_py_info free_py_info run_simple_string get_none add_python_path ensure_gil release_gil
get_class get_attr_string get_attr_bool get_check get_check_deprecated discover_config
run_check cancel_check get_checks_warnings get_check_diagnoses
has_error get_error clear_error handle_crashes
rtloader_free rtloader_decref rtloader_incref set_module_attr_string
set_submit_metric_cb set_submit_service_check_cb set_submit_event_cb
set_submit_histogram_bucket_cb set_submit_event_platform_event_cb
set_get_version_cb set_get_config_cb set_headers_cb set_get_hostname_cb set_get_host_tags_cb
set_get_clustername_cb set_tracemalloc_enabled_cb set_log_cb set_send_log_cb
set_set_check_metadata_cb set_set_external_tags_cb get_integration_list
set_write_persistent_cache_cb set_read_persistent_cache_cb set_obfuscate_sql_cb
set_obfuscate_sql_exec_plan_cb set_get_process_start_time_cb set_obfuscate_mongodb_string_cb
set_emit_agent_telemetry_cb set_get_subprocess_output_cb set_cgo_free_cb set_tags_cb
set_get_connection_info_cb set_is_excluded_cb init_pymem_stats get_pymem_stats
_malloc _free _enable_memory_tracker _get_tracked_malloc _get_tracked_free
get_and_reset_memory_stats strdupe
get_interpreter_memory_usage has_subinterpreter_support
rtloader_list_backends rtloader_free_backends rtloader_python_library
rtloader_set_write_persistent_cache_checked_cb'

expected_backend='create destroy cgo_free'

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

exports() {
    "$NM" -D --defined-only "$1" > "$tmp/nm.out" || { echo "nm failed on $1"; exit 2; }
    awk 'NF >= 2 { type = $(NF-1); name = $NF; sub(/@.*/, "", name);
                   if (type == "A") next;
                   if (name ~ /^(_init|_fini|_edata|_end|__bss_start)$/) next;
                   if (name ~ /^(__asan_|__odr_asan|__ubsan_|__sancov)/) next;
                   print name }' "$tmp/nm.out" | sort -u
}

status=0
compare() {
    label=$1 lib=$2 expected=$3
    [ -f "$lib" ] || { echo "$label: $lib not found"; status=1; return; }
    printf '%s\n' $expected | sort -u > "$tmp/expected"
    exports "$lib" > "$tmp/actual"
    n_expected=$(wc -l < "$tmp/expected")
    missing=$(comm -23 "$tmp/expected" "$tmp/actual")
    extra=$(comm -13 "$tmp/expected" "$tmp/actual")
    if [ -n "$missing" ] || [ -n "$extra" ]; then
        status=1
        echo "$label ($lib): export list differs from the contract"
        [ -n "$missing" ] && echo "  missing:" && printf '    %s\n' $missing
        [ -n "$extra" ] && echo "  unexpected:" && printf '    %s\n' $extra
    else
        echo "$label ($(basename "$lib")): exactly the $n_expected expected symbols"
    fi
}

compare front "$FRONT" "$expected_front"
for backend in "$@"; do
    compare backend "$backend" "$expected_backend"
done

# Sanity of the list itself: 62 API functions + 7 rtloader_mem.h symbols + 4 extensions.
n=$(printf '%s\n' $expected_front | sort -u | wc -l)
if [ "$n" -ne 73 ]; then
    echo "internal error: the expected front list has $n names, not 73"
    status=1
fi
exit $status
