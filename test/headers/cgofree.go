package headers

// Only cgo_free.h is included: what a host compiled against upstream's cgo_free.h can
// name must compile here.

/*
#include "cgo_free.h"
*/
import "C"

import "unsafe"

// cgoFreeHeader frees with C.free with only cgo_free.h included.
func cgoFreeHeader() bool {
	p := C.malloc(C.size_t(8))
	C.free(p)
	return p != nil
}

var _ unsafe.Pointer
