// Package testinit tests how rtloader is created and started: make3, init,
// add_python_path, get_py_info, get_none, destroy.
package testinit

/*
#include <stdlib.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"
*/
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// Paths added before init, in this order; init must append them to sys.path
// in the same order.
var setupPaths = []string{
	"../python",
	"/nonexistent/rtloader-test/first",
	"/nonexistent/rtloader-test/second",
}

// Added from Configure, after the setupPaths: a new one and two duplicates.
const thirdPath = "/nonexistent/rtloader-test/third"

var (
	thirdPathResult  int   // add_python_path(thirdPath): must be 1
	duplicateResults []int // re-adding "../python" and the second path: must be 0, 0
)

var setupOptions = helpers.Options{
	PythonPaths: setupPaths,
	Configure: func(unsafe.Pointer) error {
		thirdPathResult = helpers.AddPythonPath(thirdPath)
		duplicateResults = []int{
			helpers.AddPythonPath(setupPaths[0]),
			helpers.AddPythonPath(setupPaths[2]),
		}
		return nil
	},
}

func rtl() *C.rtloader_t { return (*C.rtloader_t)(helpers.Rtloader()) }

// pyInfo calls get_py_info and free_py_info.
func pyInfo() (version, path string, infoNil, pathNil bool) {
	defer helpers.LockGIL().Unlock()
	info := C.get_py_info(rtl())
	if info == nil {
		return "", "", true, true
	}
	defer C.free_py_info(rtl(), info)
	if info.version != nil {
		version = C.GoString(info.version)
	}
	if info.path == nil {
		return version, "", false, true
	}
	return version, C.GoString(info.path), false, false
}

// getNone calls get_none.
func getNone() unsafe.Pointer {
	return unsafe.Pointer(C.get_none(rtl()))
}

// runCheck calls run_check on obj; null reports a NULL result.
func runCheck(obj unsafe.Pointer) (result string, null bool) {
	defer helpers.LockGIL().Unlock()
	res := C.run_check(rtl(), (*C.rtloader_pyobject_t)(obj))
	if res == nil {
		return "", true
	}
	defer C.rtloader_free(rtl(), unsafe.Pointer(res))
	return C.GoString(res), false
}

// startOnly makes an rtloader with the given python home and paths and runs
// init; for child processes. It returns init's result and the error text.
func startOnly(home string, paths []string) (int, string) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	helpers.InitMemoryTracker()
	rt, msg := helpers.Make3(home, helpers.MockPythonExe)
	if rt == nil {
		return -1, "make3: " + msg
	}
	r := (*C.rtloader_t)(rt)
	for _, p := range paths {
		cp := C.CString(p)
		C.add_python_path(r, cp)
		C.free(unsafe.Pointer(cp))
	}
	ret := int(C.init(r))
	return ret, C.GoString(C.get_error(r))
}

// destroyRtloader calls destroy on the set-up rtloader from a locked thread
// that does not hold the GIL.
func destroyRtloader() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	C.destroy(rtl())
}
