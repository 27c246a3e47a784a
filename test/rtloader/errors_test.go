package testrtloader

import (
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func TestGetErrorConsumesTheError(t *testing.T) {
	helpers.ResetMemoryStats()
	helpers.ClearError()
	if helpers.HasError() {
		t.Fatalf("has_error() = 1 after clear_error")
	}
	if got := helpers.GetError(); got != "" {
		t.Errorf("get_error() with no error = %q, want \"\"", got)
	}
	getClass("foo")
	if !helpers.HasError() {
		t.Fatalf("has_error() = 0 after a failing get_class")
	}
	// has_error does not consume.
	if !helpers.HasError() {
		t.Errorf("has_error() consumed the error")
	}
	if got, want := helpers.GetError(), "unable to import module 'foo': No module named 'foo'"; got != want {
		t.Errorf("get_error() = %q, want %q", got, want)
	}
	if helpers.HasError() {
		t.Errorf("has_error() = 1 after get_error: reading must consume the error")
	}
	if got := helpers.GetError(); got != "" {
		t.Errorf("second get_error() = %q, want \"\"", got)
	}
	helpers.AssertMemoryUsage(t)
}

func TestClearError(t *testing.T) {
	helpers.ResetMemoryStats()
	getClass("foo")
	if !helpers.HasError() {
		t.Fatalf("has_error() = 0 after a failing get_class")
	}
	helpers.ClearError()
	if helpers.HasError() {
		t.Errorf("has_error() = 1 after clear_error")
	}
	if got := helpers.GetError(); got != "" {
		t.Errorf("get_error() after clear_error = %q, want \"\"", got)
	}
	helpers.AssertMemoryUsage(t)
}

func TestLastErrorWins(t *testing.T) {
	helpers.ResetMemoryStats()
	getClass("foo")
	getClass("no_subclass_check")
	helpers.ExpectError(t, "unable to find a subclass of the base check in module 'no_subclass_check': cannot find a subclass")
	helpers.AssertMemoryUsage(t)
}

func TestSuccessDoesNotSetAnError(t *testing.T) {
	helpers.ResetMemoryStats()
	helpers.ClearError()
	mustGetCheck(t, "fake_check", "", `{"a": 1}`, "id", "fake", "")
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}
