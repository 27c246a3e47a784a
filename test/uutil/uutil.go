// Package testuutil tests the `_util` builtin module (get_subprocess_output,
// subprocess_output, SubprocessOutputEmptyError). The callback records argv,
// env and whether the GIL was held, and answers with `reply`.
package testuutil

/*
#include "datadog_agent_rtloader.h"

extern void goGetSubprocessOutput(char **, char **, char **, char **, int *, char **);
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/builtintest"
	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// Reply is what the callback returns; nil strings are NULL.
type Reply struct {
	Stdout, Stderr, Exception *string
	ReturnCode                int
}

// Call is one recorded callback call.
type Call struct {
	Argv    []string
	Env     []string
	EnvNil  bool
	GILHeld int
}

var (
	mu    sync.Mutex
	reply Reply
	calls []Call
)

func setReply(r Reply) {
	mu.Lock()
	defer mu.Unlock()
	reply, calls = r, nil
}

func recorded() []Call {
	mu.Lock()
	defer mu.Unlock()
	return append([]Call(nil), calls...)
}

func strArray(p **C.char) []string {
	if p == nil {
		return nil
	}
	out := []string{}
	for _, s := range unsafe.Slice(p, 1<<20) {
		if s == nil {
			break
		}
		out = append(out, C.GoString(s))
	}
	return out
}

func tracked(s *string) *C.char {
	if s == nil {
		return nil
	}
	return (*C.char)(helpers.TrackedCString(*s))
}

//export goGetSubprocessOutput
func goGetSubprocessOutput(argv, env **C.char, stdout, stderr **C.char, rc *C.int, exc **C.char) {
	call := Call{Argv: strArray(argv), Env: strArray(env), EnvNil: env == nil, GILHeld: gilHeld()}
	mu.Lock()
	defer mu.Unlock()
	calls = append(calls, call)
	*stdout = tracked(reply.Stdout)
	*stderr = tracked(reply.Stderr)
	*rc = C.int(reply.ReturnCode)
	*exc = tracked(reply.Exception)
}

var setupOptions = helpers.Options{
	Configure: func(p unsafe.Pointer) error {
		C.set_get_subprocess_output_cb((*C.rtloader_t)(p), C.cb_get_subprocess_output_t(C.goGetSubprocessOutput))
		return nil
	},
}

var noCallbackCases = []builtintest.Case{
	{Name: "get_subprocess_output", Code: `f.write(repr(_util.get_subprocess_output('not a list', raise_on_empty=3)))`, Want: "None"},
	{Name: "subprocess_output", Code: `f.write(repr(_util.subprocess_output()))`, Want: "None"},
	{Name: "exception class", Code: `f.write(_util.SubprocessOutputEmptyError.__name__)`, Want: "SubprocessOutputEmptyError"},
}

var children = map[string]func() int{
	"no-callbacks": func() int { return builtintest.RunCases("_util", helpers.Options{}, noCallbackCases) },
}
