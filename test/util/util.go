// Package testutil tests the `util` builtin module: headers(), which must
// answer exactly as datadog_agent.headers() does.
package testutil

/*
#include "datadog_agent_rtloader.h"

extern void goHeaders(char **);
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/builtintest"
	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

var (
	mu          sync.Mutex
	headerCalls int
	headersData *string // nil: the callback returns NULL
)

func setHeaders(s *string) {
	mu.Lock()
	defer mu.Unlock()
	headerCalls, headersData = 0, s
}

//export goHeaders
func goHeaders(out **C.char) {
	mu.Lock()
	defer mu.Unlock()
	headerCalls++
	if headersData != nil {
		*out = (*C.char)(helpers.TrackedCString(*headersData))
	}
}

var setupOptions = helpers.Options{
	Configure: func(p unsafe.Pointer) error {
		C.set_headers_cb((*C.rtloader_t)(p), C.cb_headers_t(C.goHeaders))
		return nil
	},
}

var noCallbackCases = []builtintest.Case{
	{Name: "headers", Code: `f.write(repr(util.headers('x', http_host='h')))`, Want: "None"},
}

var children = map[string]func() int{
	"no-callbacks": func() int { return builtintest.RunCases("util", helpers.Options{}, noCallbackCases) },
}
