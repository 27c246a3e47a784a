// Package headers compiles one cgo file per public header, each including
// only that header, and calls what upstream's version of the header makes
// visible (C.malloc/C.free from <stdlib.h>, C.strlen, C.bool, C.size_t,
// C.ssize_t). A header that stops making one of them visible breaks the
// build of this package ("could not determine kind of name for C.free").
package headers

import "testing"

func TestEachHeaderAloneMakesUpstreamNamesVisible(t *testing.T) {
	if !typesFree(16) {
		t.Error("rtloader_types.h: malloc returned NULL")
	}
	if !rtloaderFree("hello") {
		t.Error("datadog_agent_rtloader.h: CString/free or the GIL enum failed")
	}
	if !cgoFreeHeader() {
		t.Error("cgo_free.h: malloc returned NULL")
	}
	if !extFree() {
		t.Error("rtloader_ext.h: CString returned NULL")
	}
	if n := memStrlen("héllo"); n != 6 {
		t.Errorf("rtloader_mem.h: strlen(strdupe(\"héllo\")) = %d, want 6", n)
	}
}
