// Package frontprobe asks rtloader's front library whether its one backend
// slot is taken, for the tests of Loader.Close (which must release it).
package frontprobe

/*
#cgo CFLAGS: -I${SRCDIR}/../../../include
#cgo LDFLAGS: -ldatadog-agent-rtloader
#include <stdlib.h>
#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"

static inline void frontprobe_free(void *p) { _free(p); }
*/
import "C"

import "unsafe"

// BackendSlotFree reports whether make3 can create a backend for home now
// (no other one is alive), destroying the one it made; otherwise it
// returns make3's error. It starts no Python (make3 only records settings),
// so it is safe whatever the process's Python is doing. Use the home the
// process already loaded: another one would map a second libpython.
func BackendSlotFree(home string) (bool, string) {
	var cHome, cErr *C.char
	if home != "" {
		cHome = C.CString(home)
		defer C.free(unsafe.Pointer(cHome))
	}
	rt := C.make3(cHome, nil, &cErr)
	if rt == nil {
		msg := "make3 failed without a message"
		if cErr != nil {
			msg = C.GoString(cErr)
			C.frontprobe_free(unsafe.Pointer(cErr))
		}
		return false, msg
	}
	C.destroy(rt)
	return true, ""
}
