package hostc

/*
#cgo pkg-config: jansson
#include <stdlib.h>
#include "obfuscate/obfuscate.h"
*/
import "C"

import "unsafe"

// The C host's obfuscator (host/obfuscate, docs/obfuscation.md), so that a Go host answers
// datadog_agent.obfuscate_sql, obfuscate_sql_exec_plan and obfuscate_mongodb_string with the
// very same results and error texts as the `rtloader` program. Thread-safe; no GIL needed.

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
