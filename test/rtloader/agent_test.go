package testrtloader

import (
	"reflect"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// TestAgentLoadAndRunSequence replays what pkg/collector/python does for one
// check: PythonCheckLoader.Load (wheel name first, then the bare name),
// version, HA support, incref of the class, configure with the new
// constructor API, decref of class and module, then Run: run_check,
// get_checks_warnings, and the diagnoses.
func TestAgentLoadAndRunSequence(t *testing.T) {
	helpers.ResetMemoryStats()
	var module, class = helpers.Sentinel(), helpers.Sentinel()
	loaded := false
	for _, name := range []string{"datadog_checks.fake_check", "fake_check"} {
		ret, m, c := getClass(name)
		if ret == 1 {
			module, class, loaded = m, c, true
			break
		}
		if !helpers.HasError() {
			t.Errorf("get_class(%s) failed without an error", name)
		}
		helpers.GetError() // the Agent only debug-logs it
	}
	if !loaded {
		t.Fatal("fake_check could not be loaded")
	}
	version := "unversioned"
	if ret, v, _ := getAttrString(module, "__version__"); ret == 1 {
		version = v
	}
	if version != "0.4.2" {
		t.Errorf("version = %q, want 0.4.2", version)
	}
	if ret, ha := getAttrBool(class, "HA_SUPPORTED", false); ret != 1 || !ha {
		t.Errorf("HA_SUPPORTED = %v (ret %d), want true", ha, ret)
	}
	incref(class)
	ret, check := getCheck(class, "", `{"min_collection_interval": 15}`, "fake_check:abc", "fake_check", "file")
	if ret != 1 {
		t.Fatalf("get_check = %d: %q", ret, helpers.FetchError())
	}
	decref(class)
	decref(class)
	decref(module)

	for i := 0; i < 3; i++ {
		res, null := runCheck(check)
		if null || res != "" {
			t.Fatalf("run #%d: %q (NULL: %v): %q", i, res, null, helpers.FetchError())
		}
		warnings, null := getWarnings(check)
		if null || !reflect.DeepEqual(warnings, []string{"warning 1", "warning 2", "warning 3"}) {
			t.Errorf("run #%d warnings = %q (NULL: %v)", i, warnings, null)
		}
	}
	if doc, null := getDiagnoses(check); null || doc != "[]" {
		t.Errorf("diagnoses = %q (NULL: %v), want []", doc, null)
	}
	cancelCheck(check)
	decref(check)
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}
