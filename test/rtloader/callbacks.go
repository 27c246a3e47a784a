package testrtloader

// Mock host callbacks, one per set_*_cb setter, registered before init as
// the Agent does. Each records that it was called; the ones that hand data
// back allocate it with helpers.Tracked* (rtloader frees it with cgo_free).
// TestCallbackSetters checks that each one is what its builtin calls; the
// packages of the builtin modules test the modules in depth.
//
// Only //export functions here: see the cgo rule in helpers' doc.

/*
#include "rtloader_types.h"
*/
import "C"

import (
	"sync"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

var (
	callsMu sync.Mutex
	calls   = map[string]int{}
)

func called(name string) {
	callsMu.Lock()
	calls[name]++
	callsMu.Unlock()
}

//export goSubmitMetric
func goSubmitMetric(checkID *C.char, mt C.metric_type_t, name *C.char, value C.double, tags **C.char, hostname *C.char, flushFirst C.bool) {
	called("submit_metric")
}

//export goSubmitServiceCheck
func goSubmitServiceCheck(checkID *C.char, name *C.char, status C.int, tags **C.char, hostname *C.char, message *C.char) {
	called("submit_service_check")
}

//export goSubmitEvent
func goSubmitEvent(checkID *C.char, event *C.event_t) {
	called("submit_event")
}

//export goSubmitHistogramBucket
func goSubmitHistogramBucket(checkID *C.char, name *C.char, value C.longlong, lower C.float, upper C.float, monotonic C.int, hostname *C.char, tags **C.char, flushFirst C.bool) {
	called("submit_histogram_bucket")
}

//export goSubmitEventPlatformEvent
func goSubmitEventPlatformEvent(checkID *C.char, raw *C.char, size C.int, eventType *C.char) {
	called("submit_event_platform_event")
}

//export goGetVersion
func goGetVersion(out **C.char) {
	called("get_version")
	*out = (*C.char)(helpers.TrackedCString("1.2.3"))
}

//export goGetConfig
func goGetConfig(key *C.char, out **C.char) {
	called("get_config")
	*out = (*C.char)(helpers.TrackedCString(`"value"`))
}

//export goHeaders
func goHeaders(out **C.char) {
	called("headers")
	*out = (*C.char)(helpers.TrackedCString(`{"User-Agent": "Datadog Agent/0.0.0"}`))
}

//export goGetHostname
func goGetHostname(out **C.char) {
	called("get_hostname")
	*out = (*C.char)(helpers.TrackedCString("test-hostname"))
}

//export goGetHostTags
func goGetHostTags(out **C.char) {
	called("get_host_tags")
	*out = (*C.char)(helpers.TrackedCString(`{"system": ["a:b"]}`))
}

//export goGetClustername
func goGetClustername(out **C.char) {
	called("get_clustername")
	*out = (*C.char)(helpers.TrackedCString("test-cluster"))
}

//export goTracemallocEnabled
func goTracemallocEnabled() C.bool {
	called("tracemalloc_enabled")
	return C.bool(false)
}

//export goSendLog
func goSendLog(line *C.char, checkID *C.char) {
	called("send_log")
}

//export goSetCheckMetadata
func goSetCheckMetadata(checkID *C.char, name *C.char, value *C.char) {
	called("set_check_metadata")
}

//export goSetExternalTags
func goSetExternalTags(hostname *C.char, sourceType *C.char, tags **C.char) {
	called("set_external_tags")
}

//export goWritePersistentCache
func goWritePersistentCache(key *C.char, value *C.char) {
	called("write_persistent_cache")
}

//export goReadPersistentCache
func goReadPersistentCache(key *C.char) *C.char {
	called("read_persistent_cache")
	return (*C.char)(helpers.TrackedCString("cached"))
}

//export goObfuscateSQL
func goObfuscateSQL(query *C.char, options *C.char, errOut **C.char) *C.char {
	called("obfuscate_sql")
	return (*C.char)(helpers.TrackedCString("SELECT ?"))
}

//export goObfuscateSQLExecPlan
func goObfuscateSQLExecPlan(plan *C.char, normalize C.bool, errOut **C.char) *C.char {
	called("obfuscate_sql_exec_plan")
	return (*C.char)(helpers.TrackedCString("{}"))
}

//export goGetProcessStartTime
func goGetProcessStartTime() C.double {
	called("get_process_start_time")
	return C.double(1234.5)
}

//export goObfuscateMongoDBString
func goObfuscateMongoDBString(cmd *C.char, errOut **C.char) *C.char {
	called("obfuscate_mongodb_string")
	return (*C.char)(helpers.TrackedCString("{}"))
}

//export goEmitAgentTelemetry
func goEmitAgentTelemetry(checkName *C.char, metricName *C.char, value C.double, metricType *C.char) {
	called("emit_agent_telemetry")
}

//export goGetSubprocessOutput
func goGetSubprocessOutput(argv **C.char, env **C.char, stdout **C.char, stderr **C.char, retCode *C.int, exception **C.char) {
	called("get_subprocess_output")
	*stdout = (*C.char)(helpers.TrackedCString(""))
	*stderr = (*C.char)(helpers.TrackedCString(""))
	*retCode = 0
}

//export goTags
func goTags(entity *C.char, cardinality C.int) **C.char {
	called("tags")
	return (**C.char)(helpers.TrackedCStringArray([]string{"a:b", "c:d"}))
}

//export goGetConnectionInfo
func goGetConnectionInfo(out **C.char) {
	called("get_connection_info")
	*out = (*C.char)(helpers.TrackedCString("{}"))
}

//export goIsExcluded
func goIsExcluded(name *C.char, image *C.char, namespace *C.char) C.int {
	called("is_excluded")
	return 0
}
