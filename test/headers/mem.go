package headers

// Only rtloader_mem.h is included: what a host compiled against upstream's rtloader_mem.h can
// name must compile here.

/*
#include "rtloader_mem.h"
*/
import "C"

import "unsafe"

// memStrlen duplicates with strdupe, measures with C.strlen, frees with
// C.free (the default _free is free until the tracker is enabled).
func memStrlen(s string) int {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	dup := C.strdupe(cs)
	n := int(C.strlen(dup))
	var delta C.ssize_t = -1
	C.free(unsafe.Pointer(dup))
	if delta >= 0 {
		return -1
	}
	return n
}
