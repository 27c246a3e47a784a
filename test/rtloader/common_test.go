package testrtloader

import (
	"encoding/json"
	"strings"
	"testing"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// mustGetClass loads a fixture module's check class; both references are
// released when the test ends.
func mustGetClass(t *testing.T, name string) (module, class unsafe.Pointer) {
	t.Helper()
	ret, module, class := getClass(name)
	if ret != 1 {
		t.Fatalf("get_class(%q) = %d: %q", name, ret, helpers.FetchError())
	}
	t.Cleanup(func() {
		decref(class)
		decref(module)
	})
	return module, class
}

// mustGetCheck instantiates the check of a fixture module with get_check;
// the instance is released when the test ends.
func mustGetCheck(t *testing.T, name, initConfig, instance, checkID, checkName, provider string) unsafe.Pointer {
	t.Helper()
	_, class := mustGetClass(t, name)
	ret, check := getCheck(class, initConfig, instance, checkID, checkName, provider)
	if ret != 1 {
		t.Fatalf("get_check(%s) = %d: %q", name, ret, helpers.FetchError())
	}
	t.Cleanup(func() { decref(check) })
	return check
}

// runPy runs a snippet with helpers.RunString and fails the test if the
// wrapper itself could not run.
func runPy(t *testing.T, code string) string {
	t.Helper()
	out, err := helpers.RunString(code)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readJSON runs a snippet whose f.write(json.dumps(...)) result is decoded into v.
func readJSON(t *testing.T, code string, v interface{}) {
	t.Helper()
	out := runPy(t, code)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("snippet output is not JSON: %q: %v", out, err)
	}
}

// expectErrorPrefix consumes the pending error and checks it starts with
// prefix and contains every one of parts.
func expectErrorPrefix(t *testing.T, prefix string, parts ...string) string {
	t.Helper()
	if !helpers.HasError() {
		t.Errorf("expected an rtloader error starting with %q, has_error() == 0", prefix)
		return ""
	}
	got := helpers.GetError()
	if !strings.HasPrefix(got, prefix) {
		t.Errorf("rtloader error = %q, want prefix %q", got, prefix)
	}
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("rtloader error = %q, want it to contain %q", got, p)
		}
	}
	return got
}

// Formatted Python errors with a traceback start with this line (spec §4.7).
const tracebackHead = "Traceback (most recent call last):\n"
