package headers

// Only datadog_agent_rtloader.h is included: what a host compiled against upstream's datadog_agent_rtloader.h can
// name must compile here.

/*
#include "datadog_agent_rtloader.h"
*/
import "C"

import "unsafe"

// rtloaderFree frees a C.CString with C.free, as the Agent does.
func rtloaderFree(s string) bool {
	cs := C.CString(s)
	ok := C.bool(cs != nil)
	C.free(unsafe.Pointer(cs))
	var gil C.rtloader_gilstate_t = C.DATADOG_AGENT_RTLOADER_GIL_UNLOCKED
	return bool(ok) && gil == 1
}
