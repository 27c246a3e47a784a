// Package testkubeutil tests the `kubeutil` builtin module
// (get_connection_info).
package testkubeutil

/*
#include "datadog_agent_rtloader.h"

extern void goGetConnectionInfo(char **);
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/builtintest"
	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

var (
	mu    sync.Mutex
	data  *string // nil: the callback returns NULL
	calls int
)

func setData(s *string) {
	mu.Lock()
	defer mu.Unlock()
	data, calls = s, 0
}

//export goGetConnectionInfo
func goGetConnectionInfo(out **C.char) {
	mu.Lock()
	defer mu.Unlock()
	calls++
	if data != nil {
		*out = (*C.char)(helpers.TrackedCString(*data))
	}
}

var setupOptions = helpers.Options{
	Configure: func(p unsafe.Pointer) error {
		C.set_get_connection_info_cb((*C.rtloader_t)(p), C.cb_get_connection_info_t(C.goGetConnectionInfo))
		return nil
	},
}

var noCallbackCases = []builtintest.Case{
	{Name: "get_connection_info", Code: `f.write(repr(kubeutil.get_connection_info()))`, Want: "None"},
}

var children = map[string]func() int{
	"no-callbacks": func() int { return builtintest.RunCases("kubeutil", helpers.Options{}, noCallbackCases) },
}
