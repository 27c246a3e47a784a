// Package testtagger tests the `tagger` builtin module (tag, get_tags and
// the cardinality constants). The callback records (entity, cardinality)
// and returns the tags the test set, or NULL.
package testtagger

/*
#include "datadog_agent_rtloader.h"

extern char **goTags(char *, int);
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
	mu       sync.Mutex
	calls    []string
	tagsNull bool     // the callback returns NULL
	tagsList []string // else this array
)

func setTags(null bool, tags []string) {
	mu.Lock()
	defer mu.Unlock()
	calls, tagsNull, tagsList = nil, null, tags
}

func recorded() []string {
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), calls...)
}

//export goTags
func goTags(id *C.char, cardinality C.int) **C.char {
	mu.Lock()
	defer mu.Unlock()
	calls = append(calls, fmt.Sprintf("tags(%q, %d)", C.GoString(id), int(cardinality)))
	if tagsNull {
		return nil
	}
	return (**C.char)(helpers.TrackedCStringArray(tagsList))
}

var setupOptions = helpers.Options{
	Configure: func(p unsafe.Pointer) error {
		C.set_tags_cb((*C.rtloader_t)(p), C.cb_tags_t(C.goTags))
		return nil
	},
}

var noCallbackCases = []builtintest.Case{
	{Name: "tag", Code: `f.write(repr(tagger.tag(1, 'x')))`, Want: "None"},
	{Name: "get_tags", Code: `f.write(repr(tagger.get_tags()))`, Want: "None"},
	{Name: "constants", Code: `f.write(repr((tagger.LOW, tagger.ORCHESTRATOR, tagger.HIGH)))`, Want: "(0, 1, 2)"},
}

var children = map[string]func() int{
	"no-callbacks": func() int { return builtintest.RunCases("tagger", helpers.Options{}, noCallbackCases) },
}
