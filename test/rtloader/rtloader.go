// Package testrtloader tests the check API of rtloader through cgo, the way
// the Agent's pkg/collector/python drives it: get_class, get_attr_*,
// get_check*, run_check, cancel_check, warnings, diagnoses, errors, memory,
// references, module attributes, the integration list, pymem stats and the
// crash handler.
//
// Every C call is wrapped here (cgo is not allowed in _test.go files); each
// wrapper that touches Python holds the GIL on a locked OS thread for the
// duration of the call, as the Agent's stickyLock does.
package testrtloader

/*
#include <stdint.h>
#include <stdlib.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"

static inline void *call_malloc(size_t sz) { return _malloc(sz); }
static inline void call_free(void *ptr) { _free(ptr); }
static inline int tracked_pair_in_force(void)
{
    return _get_tracked_malloc() == _malloc && _get_tracked_free() == _free;
}

// An address the compiler cannot prove to be NULL, so that the store below
// is a real memory access that faults (SIGSEGV with si_code > 0).
static volatile uintptr_t crash_address = 0;
static void crash_now(void) { *(volatile int *)crash_address = 42; }

// Implemented in Go (callbacks.go).
extern void goSubmitMetric(char *, metric_type_t, char *, double, char **, char *, bool);
extern void goSubmitServiceCheck(char *, char *, int, char **, char *, char *);
extern void goSubmitEvent(char *, event_t *);
extern void goSubmitHistogramBucket(char *, char *, long long, float, float, int, char *, char **, bool);
extern void goSubmitEventPlatformEvent(char *, char *, int, char *);
extern void goGetVersion(char **);
extern void goGetConfig(char *, char **);
extern void goHeaders(char **);
extern void goGetHostname(char **);
extern void goGetHostTags(char **);
extern void goGetClustername(char **);
extern bool goTracemallocEnabled(void);
extern void goSendLog(char *, char *);
extern void goSetCheckMetadata(char *, char *, char *);
extern void goSetExternalTags(char *, char *, char **);
extern void goWritePersistentCache(char *, char *);
extern char *goReadPersistentCache(char *);
extern char *goObfuscateSQL(char *, char *, char **);
extern char *goObfuscateSQLExecPlan(char *, bool, char **);
extern double goGetProcessStartTime(void);
extern char *goObfuscateMongoDBString(char *, char **);
extern void goEmitAgentTelemetry(char *, char *, double, char *);
extern void goGetSubprocessOutput(char **, char **, char **, char **, int *, char **);
extern char **goTags(char *, int);
extern void goGetConnectionInfo(char **);
extern int goIsExcluded(char *, char *, char *);

// Every setter but set_cgo_free_cb and set_log_cb (the harness sets those).
// Also called with rt == NULL by the NULL-handle check.
static void register_callbacks(rtloader_t *rt)
{
    set_submit_metric_cb(rt, goSubmitMetric);
    set_submit_service_check_cb(rt, goSubmitServiceCheck);
    set_submit_event_cb(rt, goSubmitEvent);
    set_submit_histogram_bucket_cb(rt, goSubmitHistogramBucket);
    set_submit_event_platform_event_cb(rt, goSubmitEventPlatformEvent);
    set_get_version_cb(rt, goGetVersion);
    set_get_config_cb(rt, goGetConfig);
    set_headers_cb(rt, goHeaders);
    set_get_hostname_cb(rt, goGetHostname);
    set_get_host_tags_cb(rt, goGetHostTags);
    set_get_clustername_cb(rt, goGetClustername);
    set_tracemalloc_enabled_cb(rt, goTracemallocEnabled);
    set_send_log_cb(rt, goSendLog);
    set_set_check_metadata_cb(rt, goSetCheckMetadata);
    set_set_external_tags_cb(rt, goSetExternalTags);
    set_write_persistent_cache_cb(rt, goWritePersistentCache);
    set_read_persistent_cache_cb(rt, goReadPersistentCache);
    set_obfuscate_sql_cb(rt, goObfuscateSQL);
    set_obfuscate_sql_exec_plan_cb(rt, goObfuscateSQLExecPlan);
    set_get_process_start_time_cb(rt, goGetProcessStartTime);
    set_obfuscate_mongodb_string_cb(rt, goObfuscateMongoDBString);
    set_emit_agent_telemetry_cb(rt, goEmitAgentTelemetry);
    set_get_subprocess_output_cb(rt, goGetSubprocessOutput);
    set_tags_cb(rt, goTags);
    set_get_connection_info_cb(rt, goGetConnectionInfo);
    set_is_excluded_cb(rt, goIsExcluded);
}
*/
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// Null, passed where a wrapper takes a string, becomes a C NULL pointer
// (a real C string cannot contain the NUL byte it starts with).
const Null = "\x00NULL"

var setupOptions = helpers.Options{
	PymemStats: true,
	Configure: func(rt unsafe.Pointer) error {
		C.register_callbacks((*C.rtloader_t)(rt))
		return nil
	},
}

func rtl() *C.rtloader_t { return (*C.rtloader_t)(helpers.Rtloader()) }

func cString(s string) *C.char {
	if s == Null {
		return nil
	}
	return C.CString(s)
}

func freeCString(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}

func sentinelObj() *C.rtloader_pyobject_t {
	return (*C.rtloader_pyobject_t)(helpers.Sentinel())
}

// getClass calls get_class with out-parameters preset to helpers.Sentinel().
func getClass(name string) (ret int, module, class unsafe.Pointer) {
	cName := cString(name)
	defer freeCString(cName)
	mod, klass := sentinelObj(), sentinelObj()
	defer helpers.LockGIL().Unlock()
	ret = int(C.get_class(rtl(), cName, &mod, &klass))
	return ret, unsafe.Pointer(mod), unsafe.Pointer(klass)
}

// getClassNullOut calls get_class with NULL out-parameters (failure cases only).
func getClassNullOut(name string) int {
	cName := cString(name)
	defer freeCString(cName)
	defer helpers.LockGIL().Unlock()
	return int(C.get_class(rtl(), cName, nil, nil))
}

// getAttrString calls get_attr_string with *value preset to the sentinel;
// on success the value is copied and freed with rtloader_free.
func getAttrString(obj unsafe.Pointer, attr string) (ret int, value string, untouched bool) {
	cAttr := cString(attr)
	defer freeCString(cAttr)
	out := (*C.char)(helpers.Sentinel())
	defer helpers.LockGIL().Unlock()
	ret = int(C.get_attr_string(rtl(), (*C.rtloader_pyobject_t)(obj), cAttr, &out))
	untouched = unsafe.Pointer(out) == helpers.Sentinel()
	if ret == 1 && !untouched && out != nil {
		value = C.GoString(out)
		C.rtloader_free(rtl(), unsafe.Pointer(out))
	}
	return ret, value, untouched
}

// getAttrBool calls get_attr_bool with *value preset to preset.
func getAttrBool(obj unsafe.Pointer, attr string, preset bool) (ret int, value bool) {
	cAttr := cString(attr)
	defer freeCString(cAttr)
	out := C.bool(preset)
	defer helpers.LockGIL().Unlock()
	ret = int(C.get_attr_bool(rtl(), (*C.rtloader_pyobject_t)(obj), cAttr, &out))
	return ret, bool(out)
}

// getCheck calls get_check with *check preset to the sentinel.
func getCheck(class unsafe.Pointer, initConfig, instance, checkID, checkName, provider string) (int, unsafe.Pointer) {
	cInit, cInst, cID, cName, cProv := cString(initConfig), cString(instance), cString(checkID), cString(checkName), cString(provider)
	defer func() {
		for _, p := range []*C.char{cInit, cInst, cID, cName, cProv} {
			freeCString(p)
		}
	}()
	check := sentinelObj()
	defer helpers.LockGIL().Unlock()
	ret := C.get_check(rtl(), (*C.rtloader_pyobject_t)(class), cInit, cInst, cID, cName, cProv, &check)
	return int(ret), unsafe.Pointer(check)
}

// getCheckDeprecated calls get_check_deprecated (agent config in 5th
// position) with *check preset to the sentinel.
func getCheckDeprecated(class unsafe.Pointer, initConfig, instance, agentConfig, checkID, checkName, provider string) (int, unsafe.Pointer) {
	cInit, cInst, cAgent, cID, cName, cProv := cString(initConfig), cString(instance), cString(agentConfig), cString(checkID), cString(checkName), cString(provider)
	defer func() {
		for _, p := range []*C.char{cInit, cInst, cAgent, cID, cName, cProv} {
			freeCString(p)
		}
	}()
	check := sentinelObj()
	defer helpers.LockGIL().Unlock()
	ret := C.get_check_deprecated(rtl(), (*C.rtloader_pyobject_t)(class), cInit, cInst, cAgent, cID, cName, cProv, &check)
	return int(ret), unsafe.Pointer(check)
}

// takeString copies an rtloader-owned string and frees it.
func takeString(s *C.char) (string, bool) {
	if s == nil {
		return "", true
	}
	defer C.rtloader_free(rtl(), unsafe.Pointer(s))
	return C.GoString(s), false
}

// discoverConfig calls discover_config; null reports a NULL result.
func discoverConfig(class unsafe.Pointer, serviceJSON string) (result string, null bool) {
	cService := cString(serviceJSON)
	defer freeCString(cService)
	defer helpers.LockGIL().Unlock()
	return takeString(C.discover_config(rtl(), (*C.rtloader_pyobject_t)(class), cService))
}

// runCheck calls run_check; null reports a NULL result.
func runCheck(check unsafe.Pointer) (result string, null bool) {
	defer helpers.LockGIL().Unlock()
	return takeString(C.run_check(rtl(), (*C.rtloader_pyobject_t)(check)))
}

// cancelCheck calls cancel_check.
func cancelCheck(check unsafe.Pointer) {
	defer helpers.LockGIL().Unlock()
	C.cancel_check(rtl(), (*C.rtloader_pyobject_t)(check))
}

// getWarnings calls get_checks_warnings, copies the NULL-terminated array
// and frees each element then the array, as the Agent does.
func getWarnings(check unsafe.Pointer) (warnings []string, null bool) {
	defer helpers.LockGIL().Unlock()
	arr := C.get_checks_warnings(rtl(), (*C.rtloader_pyobject_t)(check))
	if arr == nil {
		return nil, true
	}
	warnings = []string{}
	for p := arr; *p != nil; p = (**C.char)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
		warnings = append(warnings, C.GoString(*p))
		C.rtloader_free(rtl(), unsafe.Pointer(*p))
	}
	C.rtloader_free(rtl(), unsafe.Pointer(arr))
	return warnings, false
}

// getDiagnoses calls get_check_diagnoses; null reports a NULL result.
func getDiagnoses(check unsafe.Pointer) (result string, null bool) {
	defer helpers.LockGIL().Unlock()
	return takeString(C.get_check_diagnoses(rtl(), (*C.rtloader_pyobject_t)(check)))
}

// decref calls rtloader_decref.
func decref(obj unsafe.Pointer) {
	defer helpers.LockGIL().Unlock()
	C.rtloader_decref(rtl(), (*C.rtloader_pyobject_t)(obj))
}

// incref calls rtloader_incref.
func incref(obj unsafe.Pointer) {
	defer helpers.LockGIL().Unlock()
	C.rtloader_incref(rtl(), (*C.rtloader_pyobject_t)(obj))
}

// setModuleAttrString calls set_module_attr_string.
func setModuleAttrString(module, attr, value string) {
	cMod, cAttr, cVal := cString(module), cString(attr), cString(value)
	defer freeCString(cMod)
	defer freeCString(cAttr)
	defer freeCString(cVal)
	defer helpers.LockGIL().Unlock()
	C.set_module_attr_string(rtl(), cMod, cAttr, cVal)
}

// getIntegrationList calls get_integration_list, with or without holding
// the GIL already (it takes the GIL itself).
func getIntegrationList(holdGIL bool) (result string, null bool) {
	if holdGIL {
		defer helpers.LockGIL().Unlock()
	}
	return takeString(C.get_integration_list(rtl()))
}

// handleCrashes calls handle_crashes; the error message is freed with _free.
func handleCrashes(coredump, stacktrace int) (int, string) {
	var cErr *C.char
	ret := int(C.handle_crashes(C.int(coredump), C.int(stacktrace), &cErr))
	msg := ""
	if cErr != nil {
		msg = C.GoString(cErr)
		C.call_free(unsafe.Pointer(cErr))
	}
	return ret, msg
}

// crashNow dereferences an invalid address from C.
func crashNow() {
	runtime.LockOSThread()
	C.crash_now()
}

// pymemStats calls get_pymem_stats with a struct preset to 0xFFFF... values.
func pymemStats() (inuse, alloc uint64) {
	stats := C.pymem_stats_t{inuse: ^C.size_t(0), alloc: ^C.size_t(0)}
	C.get_pymem_stats(rtl(), &stats)
	return uint64(stats.inuse), uint64(stats.alloc)
}

// pymemStatsNull calls get_pymem_stats with a NULL struct.
func pymemStatsNull() { C.get_pymem_stats(rtl(), nil) }

// strdupeRoundTrip copies s with strdupe and frees the copy with _free.
func strdupeRoundTrip(s string) (string, bool) {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	dup := C.strdupe(cs)
	if dup == nil {
		return "", false
	}
	sameBuffer := dup == cs
	out := C.GoString(dup)
	C.call_free(unsafe.Pointer(dup))
	return out, !sameBuffer
}

// strdupeNull calls strdupe(NULL).
func strdupeNull() bool { return C.strdupe(nil) == nil }

// mallocBlock returns a block from _malloc; freeBlock releases it with _free.
func mallocBlock(size int) unsafe.Pointer { return C.call_malloc(C.size_t(size)) }
func freeBlock(p unsafe.Pointer)          { C.call_free(p) }

// rtloaderFree calls rtloader_free.
func rtloaderFree(p unsafe.Pointer) { C.rtloader_free(rtl(), p) }

// trackedPairInForce reports whether _get_tracked_malloc/_get_tracked_free
// return the allocator pair in force (_malloc/_free).
func trackedPairInForce() bool { return C.tracked_pair_in_force() == 1 }
