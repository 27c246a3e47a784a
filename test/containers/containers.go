// Package testcontainers tests the `containers` builtin module
// (is_excluded).
package testcontainers

/*
#include "datadog_agent_rtloader.h"

extern int goIsExcluded(char *, char *, char *);
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/builtintest"
	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

var (
	mu     sync.Mutex
	calls  []string
	answer int
)

func setAnswer(a int) {
	mu.Lock()
	defer mu.Unlock()
	calls, answer = nil, a
}

func recorded() []string {
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), calls...)
}

func q(p *C.char) string {
	if p == nil {
		return "NULL"
	}
	return fmt.Sprintf("%q", C.GoString(p))
}

//export goIsExcluded
func goIsExcluded(name, image, namespace *C.char) C.int {
	mu.Lock()
	defer mu.Unlock()
	calls = append(calls, fmt.Sprintf("is_excluded(%s, %s, %s)", q(name), q(image), q(namespace)))
	return C.int(answer)
}

var setupOptions = helpers.Options{
	Configure: func(p unsafe.Pointer) error {
		C.set_is_excluded_cb((*C.rtloader_t)(p), C.cb_is_excluded_t(C.goIsExcluded))
		return nil
	},
}

var noCallbackCases = []builtintest.Case{
	{Name: "is_excluded", Code: `f.write(repr(containers.is_excluded(123)))`, Want: "None"},
}

var children = map[string]func() int{
	"no-callbacks": func() int { return builtintest.RunCases("containers", helpers.Options{}, noCallbackCases) },
}
