// Package testdatadogagent tests the `datadog_agent` builtin module. The Go
// callbacks record every call as one line of text (with whether the GIL was
// held) and return what the test put in `returns`.
package testdatadogagent

/*
#include "datadog_agent_rtloader.h"

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
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/builtintest"
	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

var (
	mu    sync.Mutex
	calls []string
	// returns: what the callbacks hand back, by key (see each callback);
	// a missing key means NULL.
	returns          = map[string]string{}
	tracemallocValue bool
	startTime        float64
)

func reset() {
	mu.Lock()
	defer mu.Unlock()
	calls = nil
	returns = map[string]string{}
	tracemallocValue = false
	startTime = 0
}

func record(format string, args ...interface{}) {
	line := fmt.Sprintf(format, args...) + fmt.Sprintf(" gil=%d", gilHeld())
	mu.Lock()
	calls = append(calls, line)
	mu.Unlock()
}

func recorded() []string {
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), calls...)
}

// ret returns a tracked copy of returns[key] (freed by rtloader via cgo_free), or NULL.
func ret(key string) *C.char {
	mu.Lock()
	v, ok := returns[key]
	mu.Unlock()
	if !ok {
		return nil
	}
	return (*C.char)(helpers.TrackedCString(v))
}

// q quotes a C string for the call log; NULL reads as NULL.
func q(p *C.char) string {
	if p == nil {
		return "NULL"
	}
	return fmt.Sprintf("%q", C.GoString(p))
}

func strArray(p **C.char) []string {
	if p == nil {
		return nil
	}
	out := []string{}
	for _, s := range unsafe.Slice(p, 1<<20) {
		if s == nil {
			break
		}
		out = append(out, C.GoString(s))
	}
	return out
}

//export goGetVersion
func goGetVersion(out **C.char) { record("get_version()"); *out = ret("version") }

//export goGetConfig
func goGetConfig(key *C.char, out **C.char) {
	record("get_config(%s)", q(key))
	*out = ret("config:" + C.GoString(key))
}

//export goHeaders
func goHeaders(out **C.char) { record("headers()"); *out = ret("headers") }

//export goGetHostname
func goGetHostname(out **C.char) { record("get_hostname()"); *out = ret("hostname") }

//export goGetHostTags
func goGetHostTags(out **C.char) { record("get_host_tags()"); *out = ret("host_tags") }

//export goGetClustername
func goGetClustername(out **C.char) { record("get_clustername()"); *out = ret("clustername") }

//export goTracemallocEnabled
func goTracemallocEnabled() C.bool {
	record("tracemalloc_enabled()")
	mu.Lock()
	defer mu.Unlock()
	return C.bool(tracemallocValue)
}

//export goSendLog
func goSendLog(line, checkID *C.char) { record("send_log(%s, %s)", q(line), q(checkID)) }

//export goSetCheckMetadata
func goSetCheckMetadata(checkID, name, value *C.char) {
	record("set_check_metadata(%s, %s, %s)", q(checkID), q(name), q(value))
}

//export goSetExternalTags
func goSetExternalTags(host, sourceType *C.char, tags **C.char) {
	t := strArray(tags)
	if len(t) > 5 {
		t = append(t[:2:2], fmt.Sprintf("...%d tags...", len(t)), t[len(t)-1])
	}
	record("set_external_tags(%s, %s, %q)", q(host), q(sourceType), t)
}

//export goWritePersistentCache
func goWritePersistentCache(key, value *C.char) {
	record("write_persistent_cache(%s, %s)", q(key), q(value))
}

//export goReadPersistentCache
func goReadPersistentCache(key *C.char) *C.char {
	record("read_persistent_cache(%s)", q(key))
	return ret("cache:" + C.GoString(key))
}

//export goObfuscateSQL
func goObfuscateSQL(query, options *C.char, errOut **C.char) *C.char {
	record("obfuscate_sql(%s, %s)", q(query), q(options))
	*errOut = ret("sql.error")
	return ret("sql.result")
}

//export goObfuscateSQLExecPlan
func goObfuscateSQLExecPlan(plan *C.char, normalize C.bool, errOut **C.char) *C.char {
	record("obfuscate_sql_exec_plan(%s, %t)", q(plan), bool(normalize))
	*errOut = ret("plan.error")
	return ret("plan.result")
}

//export goGetProcessStartTime
func goGetProcessStartTime() C.double {
	record("get_process_start_time()")
	mu.Lock()
	defer mu.Unlock()
	return C.double(startTime)
}

//export goObfuscateMongoDBString
func goObfuscateMongoDBString(cmd *C.char, errOut **C.char) *C.char {
	record("obfuscate_mongodb_string(%s)", q(cmd))
	*errOut = ret("mongo.error")
	return ret("mongo.result")
}

//export goEmitAgentTelemetry
func goEmitAgentTelemetry(check, metric *C.char, value C.double, mtype *C.char) {
	record("emit_agent_telemetry(%s, %s, %g, %s)", q(check), q(metric), float64(value), q(mtype))
}

func setCallbacks(rt *C.rtloader_t) {
	C.set_get_version_cb(rt, C.cb_get_version_t(C.goGetVersion))
	C.set_get_config_cb(rt, C.cb_get_config_t(C.goGetConfig))
	C.set_headers_cb(rt, C.cb_headers_t(C.goHeaders))
	C.set_get_hostname_cb(rt, C.cb_get_hostname_t(C.goGetHostname))
	C.set_get_host_tags_cb(rt, C.cb_get_host_tags_t(C.goGetHostTags))
	C.set_get_clustername_cb(rt, C.cb_get_clustername_t(C.goGetClustername))
	C.set_tracemalloc_enabled_cb(rt, C.cb_tracemalloc_enabled_t(C.goTracemallocEnabled))
	C.set_send_log_cb(rt, C.cb_send_log_t(C.goSendLog))
	C.set_set_check_metadata_cb(rt, C.cb_set_check_metadata_t(C.goSetCheckMetadata))
	C.set_set_external_tags_cb(rt, C.cb_set_external_tags_t(C.goSetExternalTags))
	C.set_write_persistent_cache_cb(rt, C.cb_write_persistent_cache_t(C.goWritePersistentCache))
	C.set_read_persistent_cache_cb(rt, C.cb_read_persistent_cache_t(C.goReadPersistentCache))
	C.set_obfuscate_sql_cb(rt, C.cb_obfuscate_sql_t(C.goObfuscateSQL))
	C.set_obfuscate_sql_exec_plan_cb(rt, C.cb_obfuscate_sql_exec_plan_t(C.goObfuscateSQLExecPlan))
	C.set_get_process_start_time_cb(rt, C.cb_get_process_start_time_t(C.goGetProcessStartTime))
	C.set_obfuscate_mongodb_string_cb(rt, C.cb_obfuscate_mongodb_string_t(C.goObfuscateMongoDBString))
	C.set_emit_agent_telemetry_cb(rt, C.cb_emit_agent_telemetry_t(C.goEmitAgentTelemetry))
}

var setupOptions = helpers.Options{
	Configure: func(p unsafe.Pointer) error {
		setCallbacks((*C.rtloader_t)(p))
		return nil
	},
}

// noCallbackCases run in a child where no datadog_agent callback (not even
// log) is set: None without argument checks (tracemalloc_enabled: False).
var noCallbackCases = []builtintest.Case{
	{Name: "get_version", Code: `f.write(repr(datadog_agent.get_version()))`, Want: "None"},
	{Name: "get_config", Code: `f.write(repr(datadog_agent.get_config(1, 2)))`, Want: "None"},
	{Name: "headers", Code: `f.write(repr(datadog_agent.headers(http_host='x')))`, Want: "None"},
	{Name: "get_hostname", Code: `f.write(repr(datadog_agent.get_hostname()))`, Want: "None"},
	{Name: "get_host_tags", Code: `f.write(repr(datadog_agent.get_host_tags()))`, Want: "None"},
	{Name: "get_clustername", Code: `f.write(repr(datadog_agent.get_clustername()))`, Want: "None"},
	{Name: "tracemalloc_enabled", Code: `f.write(repr(datadog_agent.tracemalloc_enabled()))`, Want: "False"},
	{Name: "log", Code: `f.write(repr(datadog_agent.log(None)))`, Want: "None"},
	{Name: "send_log", Code: `f.write(repr(datadog_agent.send_log()))`, Want: "None"},
	{Name: "set_check_metadata", Code: `f.write(repr(datadog_agent.set_check_metadata(1)))`, Want: "None"},
	{Name: "set_external_tags", Code: `f.write(repr(datadog_agent.set_external_tags('not a list')))`, Want: "None"},
	{Name: "write_persistent_cache", Code: `f.write(repr(datadog_agent.write_persistent_cache(1, 2)))`, Want: "None"},
	{Name: "read_persistent_cache", Code: `f.write(repr(datadog_agent.read_persistent_cache(1)))`, Want: "None"},
	{Name: "obfuscate_sql", Code: `f.write(repr(datadog_agent.obfuscate_sql(1)))`, Want: "None"},
	{Name: "obfuscate_sql_exec_plan", Code: `f.write(repr(datadog_agent.obfuscate_sql_exec_plan()))`, Want: "None"},
	{Name: "get_process_start_time", Code: `f.write(repr(datadog_agent.get_process_start_time()))`, Want: "None"},
	{Name: "obfuscate_mongodb_string", Code: `f.write(repr(datadog_agent.obfuscate_mongodb_string(None)))`, Want: "None"},
	{Name: "emit_agent_telemetry", Code: `f.write(repr(datadog_agent.emit_agent_telemetry()))`, Want: "None"},
}

var children = map[string]func() int{
	"no-callbacks": func() int {
		opts := helpers.Options{Configure: func(p unsafe.Pointer) error {
			C.set_log_cb((*C.rtloader_t)(p), nil) // the harness set one
			return nil
		}}
		return builtintest.RunCases("datadog_agent", opts, noCallbackCases)
	},
}
