package testrtloader

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

var children = map[string]func() int{
	"crash":               childCrash,
	"crash-handler-twice": childCrashHandlerTwice,
	"coredump":            childCoreDump,
	"null-handle":         childNullHandle,
}

// childNullHandle sets rtloader up, then calls every API function with a
// NULL handle (in a child: a crash must not take the test process down).
func childNullHandle() int {
	if err := helpers.Setup(setupOptions); err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		return 1
	}
	ret, module, class := getClass("fake_check")
	if ret != 1 {
		fmt.Fprintln(os.Stderr, "get_class:", helpers.FetchError())
		return 1
	}
	ret, check := getCheck(class, "", `{"a": 1}`, "id", "fake", "")
	if ret != 1 {
		fmt.Fprintln(os.Stderr, "get_check:", helpers.FetchError())
		return 1
	}
	state := `
		import sys, fake_check, gotest_attr_target
		f.write("{} {}".format(sys.getrefcount(fake_check.FakeCheck), hasattr(gotest_attr_target, "NULL_HANDLE_ATTR")))
	`
	before, err := helpers.RunString(state)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, v := range nullHandleViolations(class, check) {
		fmt.Println("FAIL:", v)
	}
	after, err := helpers.RunString(state)
	if err != nil {
		fmt.Println("FAIL: the interpreter is unusable after the NULL-handle calls:", err)
	} else if after != before {
		fmt.Printf("FAIL: NULL-handle calls changed Python state (class refcount, gotest_attr_target.NULL_HANDLE_ATTR): %q -> %q\n", before, after)
	}
	// The real handle still works.
	if res, null := runCheck(check); null || res != "" {
		fmt.Printf("FAIL: run_check on the real handle after the NULL-handle calls: %q (NULL: %v) %q\n", res, null, helpers.FetchError())
	}
	decref(check)
	decref(class)
	decref(module)
	destroyNull()
	fmt.Println("NULL-handle checks done")
	return 0
}

func TestNullHandle(t *testing.T) {
	res := helpers.RunChild(t, "null-handle")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "NULL-handle checks done") {
		t.Fatalf("NULL-handle child: exit %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	for _, line := range strings.Split(res.Stdout, "\n") {
		if strings.HasPrefix(line, "FAIL: ") {
			t.Error(strings.TrimPrefix(line, "FAIL: "))
		}
	}
}
