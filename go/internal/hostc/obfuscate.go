package hostc

/*
#cgo pkg-config: jansson
#include <stdlib.h>
#include "obfuscate/obfuscate.h"
*/
import "C"

import (
	"errors"
	"unsafe"
)

// The C host's obfuscator (host/obfuscate, docs/obfuscation.md), so that a Go host answers
// datadog_agent.obfuscate_sql, obfuscate_sql_exec_plan and obfuscate_mongodb_string with the
// very same results and error texts as the `rtloader` program. Thread-safe; no GIL needed.

// ConfigureObfuscationCache turns the obfuscators' result cache (docs/obfuscation.md) on with
// a budget of maxSize bytes, or off (enabled false or maxSize 0), as the C host does from
// AgentConfig.ObfuscationCache*. Call it before any obfuscation runs: replacing the cache
// frees the old one.
func ConfigureObfuscationCache(enabled bool, maxSize uint64) error {
	if C.obfuscate_cache_configure(C.bool(enabled), C.size_t(maxSize)) != 0 {
		return errors.New("obfuscation cache: out of memory")
	}
	return nil
}

// ObfuscationCacheStats is a snapshot of the result cache's counters; ok is false when it is off.
type ObfuscationCacheStats struct {
	Hits, Misses, Inserts, Evictions, Rejected uint64
	Bytes, Entries, MaxBytes, EntryLimit       uint64
}

// CacheStats returns the result cache's counters.
func CacheStats() (stats ObfuscationCacheStats, ok bool) {
	var s C.obf_result_cache_stats_t
	ok = bool(C.obfuscate_cache_stats(&s))
	return ObfuscationCacheStats{
		Hits: uint64(s.hits), Misses: uint64(s.misses), Inserts: uint64(s.inserts),
		Evictions: uint64(s.evictions), Rejected: uint64(s.rejected), Bytes: uint64(s.bytes),
		Entries: uint64(s.entries), MaxBytes: uint64(s.max_bytes), EntryLimit: uint64(s.entry_limit),
	}, ok
}

func obfuscated(out, cErr *C.char) (string, error) {
	if out == nil {
		return "", takeError(cErr, "out of memory")
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoString(out), nil
}

// ObfuscateSQL is obfuscate_sql(query, options); options "" is no options ({}).
func ObfuscateSQL(query, options string) (string, error) {
	cQuery := C.CString(query)
	defer C.free(unsafe.Pointer(cQuery))
	cOptions := C.CString(options)
	defer C.free(unsafe.Pointer(cOptions))
	var cErr *C.char
	out := C.obfuscate_sql_text(cQuery, C.size_t(len(query)), cOptions, C.size_t(len(options)), &cErr)
	return obfuscated(out, cErr)
}

// ObfuscateSQLExecPlan is obfuscate_sql_exec_plan(plan, normalize).
func ObfuscateSQLExecPlan(plan string, normalize bool) (string, error) {
	cPlan := C.CString(plan)
	defer C.free(unsafe.Pointer(cPlan))
	var cErr *C.char
	out := C.obfuscate_exec_plan_text(cPlan, C.size_t(len(plan)), C.bool(normalize), &cErr)
	return obfuscated(out, cErr)
}

// ObfuscateMongoDBString is obfuscate_mongodb_string(command).
func ObfuscateMongoDBString(command string) (string, error) {
	cCommand := C.CString(command)
	defer C.free(unsafe.Pointer(cCommand))
	var cErr *C.char
	out := C.obfuscate_mongodb_text(cCommand, C.size_t(len(command)), &cErr)
	return obfuscated(out, cErr)
}
