package testrtloader

import (
	"reflect"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func TestGetChecksWarnings(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "fake_check", "", `{"a": 1}`, "id", "fake", "")
	warnings, null := getWarnings(check)
	if null {
		t.Fatalf("get_checks_warnings = NULL: %q", helpers.FetchError())
	}
	if want := []string{"warning 1", "warning 2", "warning 3"}; !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetChecksWarningsEmpty(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "recording_check", "", `{"a": 1}`, "id", "recording", "")
	helpers.AssertMemoryUsage(t) // get_class + get_check; resets the counters
	warnings, null := getWarnings(check)
	if null {
		t.Fatalf("get_checks_warnings = NULL: %q", helpers.FetchError())
	}
	// An empty list is a 1-element array {NULL}: allocated, and freed.
	if len(warnings) != 0 {
		t.Errorf("warnings = %q, want none", warnings)
	}
	if s := helpers.GetAndResetMemoryStats(); s.Allocations < 1 || s.Allocations != s.Frees || s.AllocatedBytes != s.FreedBytes {
		t.Errorf("empty warnings: want the {NULL} array from _malloc, freed by rtloader_free; got %+v", s)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetChecksWarningsSkipsNonStrings(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "warnings_check", "", `{"a": 1}`, "id", "warnings", "")
	warnings, null := getWarnings(check)
	if null {
		t.Fatalf("get_checks_warnings = NULL: %q", helpers.FetchError())
	}
	// Elements neither str nor UTF-8 bytes are skipped; the array is not truncated at them.
	if want := []string{"first warning", "second warning", "bytes", "third warning"}; !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetChecksWarningsRaises(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "warnings_raise_check", "", `{"a": 1}`, "id", "warnings_raise", "")
	if warnings, null := getWarnings(check); !null {
		t.Errorf("get_checks_warnings = %q, want NULL", warnings)
	}
	expectErrorPrefix(t, "error invoking 'get_warnings' method: "+tracebackHead, "ValueError: no warnings today\n")
	helpers.AssertMemoryUsage(t)
}

func TestGetChecksWarningsNotAList(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "warnings_nonlist_check", "", `{"a": 1}`, "id", "warnings_nonlist", "")
	if warnings, null := getWarnings(check); !null {
		t.Errorf("get_checks_warnings on a str result = %q, want NULL (get_warnings must return a list)", warnings)
	}
	if msg := helpers.FetchError(); msg == "" {
		t.Errorf("get_checks_warnings on a str result: want an rtloader error, got none")
	}
	helpers.AssertMemoryUsage(t)
}
