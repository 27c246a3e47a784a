package testrtloader

import (
	"strings"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func TestGetAttrString(t *testing.T) {
	helpers.ResetMemoryStats()
	module, _ := mustGetClass(t, "fake_check")
	ret, version, _ := getAttrString(module, "__version__")
	if ret != 1 || version != "0.4.2" {
		t.Errorf("get_attr_string(fake_check, __version__) = %d, %q; want 1, 0.4.2", ret, version)
	}
	ret, file, _ := getAttrString(module, "__file__")
	if ret != 1 || !strings.HasSuffix(file, "fake_check.py") {
		t.Errorf("get_attr_string(fake_check, __file__) = %d, %q; want 1, .../fake_check.py", ret, file)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetAttrStringMissing(t *testing.T) {
	helpers.ResetMemoryStats()
	module, _ := mustGetClass(t, "hierarchy_check") // has no __version__
	ret, _, untouched := getAttrString(module, "__version__")
	if ret != 0 {
		t.Errorf("get_attr_string(missing) = %d, want 0", ret)
	}
	if !untouched {
		t.Errorf("get_attr_string(missing) wrote its out-parameter")
	}
	// A missing attribute is not an error (the Agent falls back to "unversioned").
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetAttrStringNotAString(t *testing.T) {
	helpers.ResetMemoryStats()
	module, _ := mustGetClass(t, "version_nonstr_check")
	ret, _, untouched := getAttrString(module, "__version__")
	if ret != 0 || !untouched {
		t.Errorf("get_attr_string(__version__ = 100) = %d (out untouched: %v), want 0 and untouched", ret, untouched)
	}
	helpers.ExpectError(t, "error attribute __version__ has a different type than unicode")
	helpers.AssertMemoryUsage(t)
}

func TestGetAttrStringConversionError(t *testing.T) {
	helpers.ResetMemoryStats()
	module, _ := mustGetClass(t, "version_surrogate_check")
	ret, _, untouched := getAttrString(module, "__version__")
	if ret != 0 || !untouched {
		t.Errorf("get_attr_string(lone surrogate) = %d (out untouched: %v), want 0 and untouched", ret, untouched)
	}
	helpers.ExpectError(t, "error converting attribute __version__ to string")
	helpers.AssertMemoryUsage(t)
}

func TestGetAttrStringNullObject(t *testing.T) {
	helpers.ResetMemoryStats()
	ret, _, untouched := getAttrString(nil, "__version__")
	if ret != 0 || !untouched {
		t.Errorf("get_attr_string(NULL object) = %d (out untouched: %v), want 0 and untouched", ret, untouched)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetAttrBool(t *testing.T) {
	helpers.ResetMemoryStats()
	module, class := mustGetClass(t, "ha_check")
	// The Agent reads HA_SUPPORTED on the class.
	if ret, v := getAttrBool(class, "HA_SUPPORTED", false); ret != 1 || !v {
		t.Errorf("get_attr_bool(HaCheck, HA_SUPPORTED) = %d, %v; want 1, true", ret, v)
	}
	if ret, v := getAttrBool(module, "HA_SUPPORTED", false); ret != 1 || !v {
		t.Errorf("get_attr_bool(ha_check, HA_SUPPORTED) = %d, %v; want 1, true", ret, v)
	}
	if ret, v := getAttrBool(module, "HA_DISABLED", true); ret != 1 || v {
		t.Errorf("get_attr_bool(ha_check, HA_DISABLED) = %d, %v; want 1, false", ret, v)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetAttrBoolMissing(t *testing.T) {
	helpers.ResetMemoryStats()
	module, _ := mustGetClass(t, "ha_check")
	for _, preset := range []bool{true, false} {
		if ret, v := getAttrBool(module, "HA_MISSING", preset); ret != 0 || v != preset {
			t.Errorf("get_attr_bool(missing) = %d, %v; want 0 and the value untouched (%v)", ret, v, preset)
		}
		helpers.ExpectError(t, "error fetching attribute HA_MISSING does not exist")
	}
	helpers.AssertMemoryUsage(t)
}

func TestGetAttrBoolNotABool(t *testing.T) {
	helpers.ResetMemoryStats()
	module, _ := mustGetClass(t, "ha_check")
	for _, attr := range []string{"HA_NONE", "HA_STRING", "HA_INT"} {
		if ret, v := getAttrBool(module, attr, true); ret != 0 || !v {
			t.Errorf("get_attr_bool(%s) = %d, %v; want 0 and the value untouched", attr, ret, v)
		}
		helpers.ExpectError(t, "error attribute "+attr+" has a different type than bool")
	}
	helpers.AssertMemoryUsage(t)
}

func TestGetAttrBoolNullObject(t *testing.T) {
	helpers.ResetMemoryStats()
	if ret, v := getAttrBool(nil, "HA_SUPPORTED", true); ret != 0 || !v {
		t.Errorf("get_attr_bool(NULL object) = %d, %v; want 0 and the value untouched", ret, v)
	}
	helpers.ClearError() // whether a NULL object sets an error is not specified
	helpers.AssertMemoryUsage(t)
}
