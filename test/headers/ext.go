package headers

// Only rtloader_ext.h is included: what a host compiled against upstream's rtloader_ext.h can
// name must compile here.

/*
#include "rtloader_ext.h"
*/
import "C"

import "unsafe"

// extFree frees with C.free with only rtloader_ext.h included.
func extFree() bool {
	cs := C.CString("ext")
	C.free(unsafe.Pointer(cs))
	var n C.size_t
	list := C.rtloader_list_backends(&n)
	C.rtloader_free_backends(list, n)
	return cs != nil
}
