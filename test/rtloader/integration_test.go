package testrtloader

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func TestGetIntegrationList(t *testing.T) {
	helpers.ResetMemoryStats()
	// It takes the GIL itself, and works as well with the GIL held.
	for _, holdGIL := range []bool{false, true} {
		list, null := getIntegrationList(holdGIL)
		if null {
			t.Fatalf("get_integration_list (GIL held: %v) = NULL: %q", holdGIL, helpers.FetchError())
		}
		if list != `["foo", "bar", "baz"]` {
			t.Errorf("get_integration_list = %q, want %q", list, `["foo", "bar", "baz"]`)
		}
		var names []string
		if err := json.Unmarshal([]byte(list), &names); err != nil || !reflect.DeepEqual(names, []string{"foo", "bar", "baz"}) {
			t.Errorf("get_integration_list = %q: not the JSON list [foo bar baz] (%v)", list, err)
		}
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

// withPatchedPackages runs patch (Python) on the packages module, calls
// get_integration_list, and restores the module.
func withPatchedPackages(t *testing.T, patch string) (string, bool) {
	t.Helper()
	runPy(t, `
		import sys
		import datadog_checks.base.utils.agent.packages as packages
		sys._rtloader_test_packages = packages
		sys._rtloader_test_wheels = packages.get_datadog_wheels
		f.write("saved")
	`)
	defer runPy(t, `
		import sys
		packages = sys._rtloader_test_packages
		sys.modules["datadog_checks.base.utils.agent.packages"] = packages
		packages.get_datadog_wheels = sys._rtloader_test_wheels
		del sys._rtloader_test_packages, sys._rtloader_test_wheels
	`)
	code := "import sys\npackages = sys._rtloader_test_packages\n" + patch + "\nf.write('patched')\n"
	if out := runPy(t, code); out != "patched" {
		t.Fatalf("patch failed: %q", out)
	}
	return getIntegrationList(false)
}

func TestGetIntegrationListErrors(t *testing.T) {
	helpers.ResetMemoryStats()
	cases := []struct {
		name, patch, prefix, contains string
		exact                         bool
	}{
		{
			name:   "not a list",
			patch:  `packages.get_datadog_wheels = lambda: "foo,bar"`,
			prefix: "'get_datadog_wheels' did not return a list", exact: true,
		},
		{
			name:     "raises",
			patch:    "def boom():\n    raise RuntimeError('no wheels')\npackages.get_datadog_wheels = boom",
			prefix:   "error fetching wheels list: " + tracebackHead,
			contains: "RuntimeError: no wheels\n",
		},
		{
			name:     "attribute missing",
			patch:    `del packages.get_datadog_wheels`,
			prefix:   "could not fetch get_datadog_wheels attr: ",
			contains: "get_datadog_wheels",
		},
		{
			name:     "module cannot be imported",
			patch:    `sys.modules["datadog_checks.base.utils.agent.packages"] = None`,
			prefix:   "could not import datadog_checks.base.utils.agent.packages: ",
			contains: "datadog_checks.base.utils.agent.packages",
		},
		{
			name:     "list not serializable",
			patch:    `packages.get_datadog_wheels = lambda: ["foo", object()]`,
			prefix:   "'packages' could not be serialized to ",
			contains: "object",
		},
	}
	for _, c := range cases {
		list, null := withPatchedPackages(t, c.patch)
		if !null {
			t.Errorf("%s: get_integration_list = %q, want NULL", c.name, list)
		}
		if c.exact {
			helpers.ExpectError(t, c.prefix)
		} else {
			expectErrorPrefix(t, c.prefix, c.contains)
		}
	}
	// Restored: works again.
	if list, null := getIntegrationList(false); null || list != `["foo", "bar", "baz"]` {
		t.Errorf("after restoring: %q (NULL: %v): %q", list, null, helpers.FetchError())
	}
	helpers.AssertMemoryUsage(t)
}
