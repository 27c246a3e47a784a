package testrtloader

import (
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func TestRunCheck(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "recording_check", "", `{"a": 1}`, "id", "recording", "")
	for i := 1; i <= 2; i++ {
		res, null := runCheck(check)
		if null || res != "" {
			t.Fatalf("run_check #%d = %q (NULL: %v): %q", i, res, null, helpers.FetchError())
		}
	}
	if r := readRecord(t); r.Runs != 2 {
		t.Errorf("run() called %d times, want 2", r.Runs)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestRunCheckReturnsErrorString(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "run_error_check", "", `{"a": 1}`, "id", "run_error", "")
	want := runPy(t, `
		import run_error_check
		f.write(run_error_check.ERROR)
	`)
	res, null := runCheck(check)
	if null {
		t.Fatalf("run_check = NULL: %q", helpers.FetchError())
	}
	if res != want {
		t.Errorf("run_check = %q, want the string run() returned, %q", res, want)
	}
	// A returned error string is the check's business, not an rtloader error.
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestRunCheckRaises(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "run_raise_check", "", `{"a": 1}`, "id", "run_raise", "")
	if res, null := runCheck(check); !null {
		t.Errorf("run_check = %q, want NULL", res)
	}
	expectErrorPrefix(t, "error invoking 'run' method: "+tracebackHead, "RuntimeError: run exploded\n")
	helpers.AssertMemoryUsage(t)
}

func TestRunCheckReturnsNonString(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "run_nonstr_check", "", `{"a": 1}`, "id", "run_nonstr", "")
	if res, null := runCheck(check); !null {
		t.Errorf("run_check = %q, want NULL", res)
	}
	// No Python error is pending, so the formatted part is empty.
	helpers.ExpectError(t, "error invoking 'run' method: ")
	helpers.AssertMemoryUsage(t)
}

func TestRunCheckNull(t *testing.T) {
	helpers.ResetMemoryStats()
	if res, null := runCheck(nil); !null {
		t.Errorf("run_check(NULL) = %q, want NULL", res)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestCancelCheck(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "recording_check", "", `{"a": 1}`, "id", "recording", "")
	cancelCheck(check)
	helpers.AssertNoError(t)
	if r := readRecord(t); r.Cancelled != 1 {
		t.Errorf("cancel() called %d times, want 1", r.Cancelled)
	}
	helpers.AssertMemoryUsage(t)
}

func TestCancelCheckRaises(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "cancel_raise_check", "", `{"a": 1}`, "id", "cancel_raise", "")
	cancelCheck(check)
	expectErrorPrefix(t, "error invoking 'cancel' method: "+tracebackHead, "RuntimeError: cancel exploded\n")
	helpers.AssertMemoryUsage(t)
}

func TestCancelCheckNull(t *testing.T) {
	helpers.ResetMemoryStats()
	cancelCheck(nil)
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}
