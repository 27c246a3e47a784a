// Package benchc runs a check through rtloader's C API directly from cgo,
// the baseline of the package's benchmark (BenchmarkRunCheckDirect).
package benchc

/*
#cgo CFLAGS: -I${SRCDIR}/../../../include
#cgo LDFLAGS: -ldatadog-agent-rtloader
#include "datadog_agent_rtloader.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// RunCheck does what an Agent-like host does per run, without the
// package: lock the thread, ensure_gil, run_check, free, release_gil.
// Returns false when the run failed.
func RunCheck(rt, check unsafe.Pointer) bool {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := (*C.rtloader_t)(rt)
	gs := C.ensure_gil(r)
	res := C.run_check(r, (*C.rtloader_pyobject_t)(check))
	ok := res != nil && *res == 0
	if res == nil {
		C.get_error(r)
	}
	C.rtloader_free(r, unsafe.Pointer(res))
	C.release_gil(r, gs)
	return ok
}
