package headers

// Only rtloader_types.h is included: what a host compiled against upstream's rtloader_types.h can
// name must compile here.

/*
#include "rtloader_types.h"
*/
import "C"

import "unsafe"

// typesFree allocates and frees through C.malloc/C.free and uses C.bool/C.size_t.
func typesFree(n int) bool {
	var size C.size_t = C.size_t(n)
	p := C.malloc(size)
	var ok C.bool = p != nil
	C.free(p)
	return bool(ok)
}

var _ unsafe.Pointer
