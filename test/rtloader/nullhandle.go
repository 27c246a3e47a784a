package testrtloader

/*
#include <stdlib.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"

// Implemented in Go (callbacks.go).
extern void goSubmitMetric(char *, metric_type_t, char *, double, char **, char *, bool);
extern void goGetVersion(char **);
extern char **goTags(char *, int);
extern int goIsExcluded(char *, char *, char *);
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// nullHandleViolations calls every API function that takes an rtloader_t*
// with NULL (the header: "Every function taking an rtloader_t* returns its
// failure value (0, NULL, nothing) when given NULL, without crashing") and
// returns the contract violations it saw. A crash ends the child process
// that runs it. class and check are valid objects, so that only the NULL
// handle can explain a failure value.
func nullHandleViolations(class, check unsafe.Pointer) []string {
	var bad []string
	fail := func(format string, args ...interface{}) { bad = append(bad, fmt.Sprintf(format, args...)) }
	klass := (*C.rtloader_pyobject_t)(class)
	chk := (*C.rtloader_pyobject_t)(check)
	s := func(v string) *C.char { return C.CString(v) }
	var toFree []*C.char
	str := func(v string) *C.char { p := s(v); toFree = append(toFree, p); return p }
	defer func() {
		for _, p := range toFree {
			C.free(unsafe.Pointer(p))
		}
	}()

	gil := helpers.LockGIL()
	defer gil.Unlock()

	if r := C.init(nil); r != 0 {
		fail("init(NULL) = %d, want 0", r)
	}
	if p := C.get_py_info(nil); p != nil {
		fail("get_py_info(NULL) = %p, want NULL", p)
	}
	C.free_py_info(nil, nil)
	if r := C.run_simple_string(nil, str("import sys")); r != 0 {
		fail("run_simple_string(NULL, ...) = %d, want 0", r)
	}
	if p := C.get_none(nil); p != nil {
		fail("get_none(NULL) = %p, want NULL", p)
	}
	if r := C.add_python_path(nil, str("/nonexistent/null-handle")); r != 0 {
		fail("add_python_path(NULL, ...) = %d, want 0", r)
	}
	mod, kl := sentinelObj(), sentinelObj()
	if r := C.get_class(nil, str("fake_check"), &mod, &kl); r != 0 {
		fail("get_class(NULL, ...) = %d, want 0", r)
	}
	if mod != sentinelObj() || kl != sentinelObj() {
		fail("get_class(NULL, ...) wrote its out-parameters")
	}
	val := (*C.char)(helpers.Sentinel())
	if r := C.get_attr_string(nil, klass, str("__name__"), &val); r != 0 {
		fail("get_attr_string(NULL, ...) = %d, want 0", r)
	}
	if unsafe.Pointer(val) != helpers.Sentinel() {
		fail("get_attr_string(NULL, ...) wrote its out-parameter")
	}
	b := C.bool(false)
	if r := C.get_attr_bool(nil, klass, str("HA_SUPPORTED"), &b); r != 0 || b {
		fail("get_attr_bool(NULL, ...) = %d (value %v), want 0 and value untouched", r, b)
	}
	out := sentinelObj()
	if r := C.get_check(nil, klass, str(""), str(`{"a": 1}`), str("id"), str("name"), str("p"), &out); r != 0 || out != sentinelObj() {
		fail("get_check(NULL, ...) = %d (out touched: %v), want 0 and out untouched", r, out != sentinelObj())
	}
	if r := C.get_check_deprecated(nil, klass, str(""), str(`{"a": 1}`), str("{}"), str("id"), str("name"), str("p"), &out); r != 0 || out != sentinelObj() {
		fail("get_check_deprecated(NULL, ...) = %d (out touched: %v), want 0 and out untouched", r, out != sentinelObj())
	}
	if p := C.discover_config(nil, klass, str(`{"mode": "configs"}`)); p != nil {
		fail("discover_config(NULL, ...) = %p, want NULL", p)
	}
	if p := C.run_check(nil, chk); p != nil {
		fail("run_check(NULL, ...) = %q, want NULL", C.GoString(p))
	}
	C.cancel_check(nil, chk)
	if p := C.get_checks_warnings(nil, chk); p != nil {
		fail("get_checks_warnings(NULL, ...) != NULL")
	}
	if p := C.get_check_diagnoses(nil, chk); p != nil {
		fail("get_check_diagnoses(NULL, ...) = %q, want NULL", C.GoString(p))
	}
	if r := C.has_error(nil); r != 0 {
		fail("has_error(NULL) = %d, want 0", r)
	}
	C.clear_error(nil)
	C.rtloader_free(nil, nil)
	C.rtloader_incref(nil, klass)
	C.rtloader_decref(nil, klass)
	C.set_module_attr_string(nil, str("gotest_attr_target"), str("NULL_HANDLE_ATTR"), str("set"))
	if p := C.get_integration_list(nil); p != nil {
		fail("get_integration_list(NULL) = %q, want NULL", C.GoString(p))
	}
	C.set_submit_metric_cb(nil, C.cb_submit_metric_t(C.goSubmitMetric))
	C.set_get_version_cb(nil, C.cb_get_version_t(C.goGetVersion))
	C.set_tags_cb(nil, C.cb_tags_t(C.goTags))
	C.set_is_excluded_cb(nil, C.cb_is_excluded_t(C.goIsExcluded))
	C.set_cgo_free_cb(nil, nil)
	C.set_log_cb(nil, nil)
	// Installing allocator hooks into a running interpreter would be fatal:
	// with a NULL handle it must do nothing.
	C.init_pymem_stats(nil)
	stats := C.pymem_stats_t{inuse: 7, alloc: 7}
	C.get_pymem_stats(nil, &stats)
	// release_gil(NULL, ...) must not release the GIL this thread holds.
	C.release_gil(nil, C.DATADOG_AGENT_RTLOADER_GIL_UNLOCKED)
	if helpers.HasError() {
		fail("an rtloader error was set by a NULL-handle call: %q", helpers.GetError())
	}
	return bad
}

// destroyNull calls destroy(NULL).
func destroyNull() { C.destroy(nil) }
