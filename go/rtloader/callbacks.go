package rtloader

// The C callbacks: each copies its arguments into Go values, asks the
// current Host, and hands results back in tracked C memory. This file holds
// only //export functions (a cgo preamble of a file with exports may
// declare but not define C functions).

/*
#include <stdlib.h>
#include "datadog_agent_rtloader.h"
extern void rtloader_go_raise_cb(char *);
*/
import "C"

import (
	"fmt"
	"unsafe"
)

func goStr(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// goStrs reads a NULL-terminated char**; nil for NULL.
func goStrs(p **C.char) []string {
	if p == nil {
		return nil
	}
	out := []string{}
	for _, s := range unsafe.Slice(p, 1<<28) {
		if s == nil {
			break
		}
		out = append(out, C.GoString(s))
	}
	return out
}

// guard turns a panic of a Host method into a Python RuntimeError on the
// calling thread, so the check sees an exception instead of the process
// dying. Use as `defer guard("Name")`.
func guard(name string) {
	if r := recover(); r != nil {
		msg := C.CString(fmt.Sprintf("rtloader: Go callback %s panicked: %v", name, r))
		C.rtloader_go_raise_cb(msg)
		C.free(unsafe.Pointer(msg))
	}
}

// guardErr is guard for callbacks with an error out-parameter: the panic
// becomes that error, which rtloader raises itself.
func guardErr(name string, out **C.char) {
	if r := recover(); r != nil {
		*out = (*C.char)(TrackedCString(fmt.Sprintf("rtloader: Go callback %s panicked: %v", name, r)))
	}
}

func outString(out **C.char, s string, ok bool) {
	if ok {
		*out = (*C.char)(TrackedCString(s))
	}
}

//export goSubmitMetric
func goSubmitMetric(id *C.char, typ C.metric_type_t, name *C.char, value C.double, tags **C.char, host *C.char, flush C.bool) {
	defer guard("SubmitMetric")
	currentHost().SubmitMetric(goStr(id), MetricType(typ), goStr(name), float64(value), goStrs(tags), goStr(host), bool(flush))
}

//export goSubmitServiceCheck
func goSubmitServiceCheck(id, name *C.char, status C.int, tags **C.char, host, message *C.char) {
	defer guard("SubmitServiceCheck")
	currentHost().SubmitServiceCheck(goStr(id), goStr(name), int(status), goStrs(tags), goStr(host), goStr(message))
}

//export goSubmitEvent
func goSubmitEvent(id *C.char, ev *C.event_t) {
	defer guard("SubmitEvent")
	if ev == nil {
		return
	}
	e := &Event{Timestamp: int64(ev.ts), Tags: goStrs(ev.tags), Null: map[string]bool{}}
	fields := []struct {
		name string
		src  *C.char
		dst  *string
	}{
		{"title", ev.title, &e.Title}, {"text", ev.text, &e.Text}, {"priority", ev.priority, &e.Priority},
		{"host", ev.host, &e.Host}, {"alert_type", ev.alert_type, &e.AlertType},
		{"aggregation_key", ev.aggregation_key, &e.AggregationKey},
		{"source_type_name", ev.source_type_name, &e.SourceTypeName}, {"event_type", ev.event_type, &e.EventType},
	}
	for _, f := range fields {
		if f.src == nil {
			e.Null[f.name] = true
		} else {
			*f.dst = C.GoString(f.src)
		}
	}
	currentHost().SubmitEvent(goStr(id), e)
}

//export goSubmitHistogramBucket
func goSubmitHistogramBucket(id, name *C.char, value C.longlong, lower, upper C.float, monotonic C.int, host *C.char, tags **C.char, flush C.bool) {
	defer guard("SubmitHistogramBucket")
	currentHost().SubmitHistogramBucket(goStr(id), goStr(name), int64(value), float32(lower), float32(upper), monotonic != 0, goStr(host), goStrs(tags), bool(flush))
}

//export goSubmitEventPlatformEvent
func goSubmitEventPlatformEvent(id, raw *C.char, n C.int, eventType *C.char) {
	defer guard("SubmitEventPlatformEvent")
	var b []byte
	if raw != nil && n > 0 {
		b = C.GoBytes(unsafe.Pointer(raw), n)
	}
	currentHost().SubmitEventPlatformEvent(goStr(id), b, goStr(eventType))
}

//export goGetVersion
func goGetVersion(out **C.char) {
	defer guard("Version")
	v, ok := currentHost().Version()
	outString(out, v, ok)
}

//export goGetConfig
func goGetConfig(key *C.char, out **C.char) {
	defer guard("Config")
	v, ok := currentHost().Config(goStr(key))
	outString(out, v, ok)
}

//export goHeaders
func goHeaders(out **C.char) {
	defer guard("Headers")
	v, ok := currentHost().Headers()
	outString(out, v, ok)
}

//export goGetHostname
func goGetHostname(out **C.char) {
	defer guard("Hostname")
	v, ok := currentHost().Hostname()
	outString(out, v, ok)
}

//export goGetHostTags
func goGetHostTags(out **C.char) {
	defer guard("HostTags")
	v, ok := currentHost().HostTags()
	outString(out, v, ok)
}

//export goGetClustername
func goGetClustername(out **C.char) {
	defer guard("ClusterName")
	v, ok := currentHost().ClusterName()
	outString(out, v, ok)
}

//export goTracemallocEnabled
func goTracemallocEnabled() (r C.bool) {
	defer guard("TracemallocEnabled")
	return C.bool(currentHost().TracemallocEnabled())
}

//export goLog
func goLog(msg *C.char, level C.int) {
	defer guard("Log")
	currentHost().Log(goStr(msg), LogLevel(level))
}

//export goSendLog
func goSendLog(line, id *C.char) {
	defer guard("SendLog")
	currentHost().SendLog(goStr(line), goStr(id))
}

//export goSetCheckMetadata
func goSetCheckMetadata(id, name, value *C.char) {
	defer guard("SetCheckMetadata")
	currentHost().SetCheckMetadata(goStr(id), goStr(name), goStr(value))
}

//export goSetExternalTags
func goSetExternalTags(host, sourceType *C.char, tags **C.char) {
	defer guard("SetExternalTags")
	currentHost().SetExternalTags(goStr(host), goStr(sourceType), goStrs(tags))
}

//export goWritePersistentCache
func goWritePersistentCache(key, value *C.char) {
	defer guard("WritePersistentCache")
	if err := currentHost().WritePersistentCache(goStr(key), goStr(value)); err != nil {
		// the Agent logs a failed write; the check goes on
		currentHost().Log(fmt.Sprintf("persistent cache: cannot write '%s': %v", goStr(key), err), LevelError)
	}
}

// goWritePersistentCacheChecked is the rtloader_ext.h writer: the host's
// error goes back to rtloader (released through cgo_free), which raises it
// as RuntimeError in the check; it is logged too, as before.
//
//export goWritePersistentCacheChecked
func goWritePersistentCacheChecked(key, value *C.char) (r *C.char) {
	defer guardErr("WritePersistentCache", &r)
	if err := currentHost().WritePersistentCache(goStr(key), goStr(value)); err != nil {
		currentHost().Log(fmt.Sprintf("persistent cache: cannot write '%s': %v", goStr(key), err), LevelError)
		return (*C.char)(TrackedCString(err.Error()))
	}
	return nil
}

//export goReadPersistentCache
func goReadPersistentCache(key *C.char) (r *C.char) {
	defer guard("ReadPersistentCache")
	v, err := currentHost().ReadPersistentCache(goStr(key))
	if err != nil {
		currentHost().Log(fmt.Sprintf("persistent cache: cannot read '%s': %v", goStr(key), err), LevelError)
		return nil // Python raises RuntimeError("failed to read data")
	}
	return (*C.char)(TrackedCString(v))
}

func obfuscation(out **C.char, result string, err error) *C.char {
	if err != nil {
		*out = (*C.char)(TrackedCString(err.Error()))
		return nil
	}
	return (*C.char)(TrackedCString(result))
}

//export goObfuscateSQL
func goObfuscateSQL(query, options *C.char, errOut **C.char) (r *C.char) {
	defer guardErr("ObfuscateSQL", errOut)
	res, err := currentHost().ObfuscateSQL(goStr(query), goStr(options))
	return obfuscation(errOut, res, err)
}

//export goObfuscateSQLExecPlan
func goObfuscateSQLExecPlan(plan *C.char, normalize C.bool, errOut **C.char) (r *C.char) {
	defer guardErr("ObfuscateSQLExecPlan", errOut)
	res, err := currentHost().ObfuscateSQLExecPlan(goStr(plan), bool(normalize))
	return obfuscation(errOut, res, err)
}

//export goObfuscateMongoDBString
func goObfuscateMongoDBString(command *C.char, errOut **C.char) (r *C.char) {
	defer guardErr("ObfuscateMongoDBString", errOut)
	res, err := currentHost().ObfuscateMongoDBString(goStr(command))
	return obfuscation(errOut, res, err)
}

//export goGetProcessStartTime
func goGetProcessStartTime() (r C.double) {
	defer guard("ProcessStartTime")
	return C.double(currentHost().ProcessStartTime())
}

//export goEmitAgentTelemetry
func goEmitAgentTelemetry(checkName, metricName *C.char, value C.double, metricType *C.char) {
	defer guard("EmitAgentTelemetry")
	currentHost().EmitAgentTelemetry(goStr(checkName), goStr(metricName), float64(value), goStr(metricType))
}

//export goGetSubprocessOutput
func goGetSubprocessOutput(argv, env **C.char, stdout, stderr **C.char, code *C.int, exception **C.char) {
	defer guardErr("SubprocessOutput", exception)
	out, errOut, rc, err := currentHost().SubprocessOutput(goStrs(argv), goStrs(env))
	if err != nil {
		*exception = (*C.char)(TrackedCString(err.Error()))
		return
	}
	*stdout = (*C.char)(TrackedCString(out))
	*stderr = (*C.char)(TrackedCString(errOut))
	*code = C.int(rc)
}

//export goCgoFree
func goCgoFree(p unsafe.Pointer) {
	trackedFree(p)
}

//export goTags
func goTags(entity *C.char, cardinality C.int) (r **C.char) {
	defer guard("Tags")
	tags := currentHost().Tags(goStr(entity), Cardinality(cardinality))
	if tags == nil {
		return nil
	}
	return (**C.char)(TrackedCStringArray(tags))
}

//export goGetConnectionInfo
func goGetConnectionInfo(out **C.char) {
	defer guard("ConnectionInfo")
	v, ok := currentHost().ConnectionInfo()
	outString(out, v, ok)
}

//export goIsExcluded
func goIsExcluded(name, image, namespace *C.char) (r C.int) {
	defer guard("IsExcluded")
	if currentHost().IsExcluded(goStr(name), goStr(image), goStr(namespace)) {
		return 1
	}
	return 0
}
