package testrtloader

import (
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func TestGetClass(t *testing.T) {
	helpers.ResetMemoryStats()
	ret, module, class := getClass("fake_check")
	if ret != 1 {
		t.Fatalf("get_class(fake_check) = %d: %q", ret, helpers.FetchError())
	}
	defer decref(module)
	defer decref(class)
	if module == nil || module == helpers.Sentinel() || class == nil || class == helpers.Sentinel() {
		t.Fatalf("get_class(fake_check) returned 1 without setting its out-parameters")
	}
	if ret, name, _ := getAttrString(class, "__name__"); ret != 1 || name != "FakeCheck" {
		t.Errorf("class.__name__ = %q (ret %d), want FakeCheck", name, ret)
	}
	if ret, name, _ := getAttrString(module, "__name__"); ret != 1 || name != "fake_check" {
		t.Errorf("module.__name__ = %q (ret %d), want fake_check", name, ret)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetClassImportError(t *testing.T) {
	helpers.ResetMemoryStats()
	ret, module, class := getClass("foo")
	if ret != 0 {
		t.Fatalf("get_class(foo) = %d, want 0", ret)
	}
	if module != helpers.Sentinel() || class != helpers.Sentinel() {
		t.Errorf("get_class(foo) failed but wrote its out-parameters")
	}
	helpers.ExpectError(t, "unable to import module 'foo': No module named 'foo'")

	// Upstream's own tests pass NULL out-parameters in the failure case.
	if ret := getClassNullOut("foo"); ret != 0 {
		t.Errorf("get_class(foo, NULL, NULL) = %d, want 0", ret)
	}
	helpers.ExpectError(t, "unable to import module 'foo': No module named 'foo'")
	helpers.AssertMemoryUsage(t)
}

func TestGetClassImportErrorInDottedName(t *testing.T) {
	helpers.ResetMemoryStats()
	// The Agent tries datadog_checks.<name> first.
	if ret, _, _ := getClass("datadog_checks.fake_check"); ret != 0 {
		t.Fatalf("get_class(datadog_checks.fake_check) = %d, want 0", ret)
	}
	helpers.ExpectError(t, "unable to import module 'datadog_checks.fake_check': No module named 'datadog_checks.fake_check'")
	helpers.AssertMemoryUsage(t)
}

func TestGetClassModuleRaisesAtImport(t *testing.T) {
	helpers.ResetMemoryStats()
	ret, module, class := getClass("import_error_check")
	if ret != 0 {
		t.Fatalf("get_class(import_error_check) = %d, want 0", ret)
	}
	if module != helpers.Sentinel() || class != helpers.Sentinel() {
		t.Errorf("get_class failed but wrote its out-parameters")
	}
	expectErrorPrefix(t, "unable to import module 'import_error_check': "+tracebackHead,
		"RuntimeError: broken at import\n")
	helpers.AssertMemoryUsage(t)
}

func TestGetClassNoSubclass(t *testing.T) {
	helpers.ResetMemoryStats()
	ret, module, class := getClass("no_subclass_check")
	if ret != 0 {
		t.Fatalf("get_class(no_subclass_check) = %d, want 0", ret)
	}
	if module != helpers.Sentinel() || class != helpers.Sentinel() {
		t.Errorf("get_class failed but wrote its out-parameters")
	}
	helpers.ExpectError(t, "unable to find a subclass of the base check in module 'no_subclass_check': cannot find a subclass")

	if ret := getClassNullOut("no_subclass_check"); ret != 0 {
		t.Errorf("get_class(no_subclass_check, NULL, NULL) = %d, want 0", ret)
	}
	helpers.ExpectError(t, "unable to find a subclass of the base check in module 'no_subclass_check': cannot find a subclass")
	helpers.AssertMemoryUsage(t)
}

func TestGetClassBaseModuleOnly(t *testing.T) {
	helpers.ResetMemoryStats()
	// AgentCheck itself is not a candidate.
	if ret, _, _ := getClass("datadog_checks.base.checks"); ret != 0 {
		t.Fatalf("get_class(datadog_checks.base.checks) = %d, want 0", ret)
	}
	helpers.ExpectError(t, "unable to find a subclass of the base check in module 'datadog_checks.base.checks': cannot find a subclass")
	helpers.AssertMemoryUsage(t)
}

func TestGetClassPicksLeafSubclass(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "hierarchy_check")
	if ret, name, _ := getAttrString(class, "__name__"); ret != 1 || name != "ZLeafCheck" {
		t.Errorf("get_class(hierarchy_check) found %q (ret %d), want ZLeafCheck (AIntermediateCheck has a subclass)", name, ret)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}
