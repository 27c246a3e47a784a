package testinit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// Child processes: each starts from a fresh process (only one rtloader may
// exist per process, and these break or end it).
var children = map[string]func() int{
	// init without the fixtures on sys.path cannot import the base class.
	"init-no-base-class": func() int {
		ret, msg := startOnly("", nil)
		fmt.Printf("init=%d\nerror=%s\n", ret, msg)
		return 0
	},
	// make3 with a python home that is no Python installation.
	"make3-bad-home": func() int {
		rt, msg := helpers.Make3("/nonexistent/rtloader-test-home", helpers.MockPythonExe)
		fmt.Printf("handle=%v\nerror=%s\n", rt != nil, msg)
		return 0
	},
	// init with a python home whose standard library is broken (only an
	// empty os.py): the backend loads, the interpreter cannot start.
	"init-broken-stdlib": func() int {
		ret, msg := startOnly(os.Getenv("RTLOADER_TEST_FAKE_HOME"), []string{"../python"})
		fmt.Printf("init=%d\nerror=%s\n", ret, msg)
		return 0
	},
	// destroy, then make3 must work again.
	"destroy": func() int {
		if err := helpers.Setup(setupOptions); err != nil {
			fmt.Fprintln(os.Stderr, "setup:", err)
			return 1
		}
		destroyRtloader()
		fmt.Println("destroy returned")
		rt, msg := helpers.Make3(helpers.PythonHome(), helpers.MockPythonExe)
		if rt == nil {
			fmt.Printf("make3 after destroy failed: %s\n", msg)
			return 1
		}
		fmt.Println("make3 after destroy succeeded")
		return 0
	},
}

func TestInitImportedBaseClass(t *testing.T) {
	helpers.ResetMemoryStats()
	out, err := helpers.RunString(`
		import sys
		loaded = 'datadog_checks.checks' in sys.modules
		from datadog_checks.checks import AgentCheck
		f.write("{} {}".format(loaded, AgentCheck.__name__))
	`)
	if err != nil {
		t.Fatal(err)
	}
	if out != "True AgentCheck" {
		t.Errorf("init must import datadog_checks.checks.AgentCheck: got %q, want %q", out, "True AgentCheck")
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestUTF8Mode(t *testing.T) {
	helpers.ResetMemoryStats()
	out, err := helpers.RunString(`
		import sys
		f.write(str(sys.flags.utf8_mode))
	`)
	if err != nil {
		t.Fatal(err)
	}
	if out != "1" {
		t.Errorf("sys.flags.utf8_mode = %q, want 1", out)
	}
	helpers.AssertMemoryUsage(t)
}

func TestExecutable(t *testing.T) {
	helpers.ResetMemoryStats()
	out, err := helpers.RunString(`
		import sys
		f.write(sys.executable)
	`)
	if err != nil {
		t.Fatal(err)
	}
	if out != helpers.MockPythonExe {
		t.Errorf("sys.executable = %q, want %q", out, helpers.MockPythonExe)
	}
	helpers.AssertMemoryUsage(t)
}

// TestPythonSelected checks that the run uses the Python the Makefile was
// asked for (PYTHON_HOME / RTLOADER_TEST_PYTHON_VERSION, one pass per
// version in scripts/run-tests.sh).
func TestPythonSelected(t *testing.T) {
	helpers.ResetMemoryStats()
	var info struct {
		Version string `json:"version"`
		Prefix  string `json:"prefix"`
		Major   int    `json:"major"`
		Minor   int    `json:"minor"`
	}
	out, err := helpers.RunString(`
		import sys, json
		f.write(json.dumps({"version": "{}.{}".format(*sys.version_info[:2]), "prefix": sys.base_prefix,
		                    "major": sys.version_info[0], "minor": sys.version_info[1]}))
	`)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if info.Major != 3 || info.Minor < 8 {
		t.Errorf("running Python %s, want 3.8 or newer", info.Version)
	}
	if want := os.Getenv("RTLOADER_TEST_PYTHON_VERSION"); want != "" && info.Version != want {
		t.Errorf("running Python %s, want %s (RTLOADER_TEST_PYTHON_VERSION)", info.Version, want)
	}
	if home := helpers.PythonHome(); home != "" && filepath.Clean(info.Prefix) != filepath.Clean(home) {
		t.Errorf("sys.base_prefix = %q, want the python home %q", info.Prefix, home)
	}
	helpers.AssertMemoryUsage(t)
}

func TestPythonPathAppendedInOrder(t *testing.T) {
	helpers.ResetMemoryStats()
	out, err := helpers.RunString(`
		import sys, json
		f.write(json.dumps(sys.path))
	`)
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	if err := json.Unmarshal([]byte(out), &path); err != nil {
		t.Fatalf("sys.path is not a JSON list: %q: %v", out, err)
	}
	want := append(append([]string(nil), setupPaths...), thirdPath)
	if len(path) < len(want) {
		t.Fatalf("sys.path = %q, want it to end with %q", path, want)
	}
	tail := path[len(path)-len(want):]
	for i := range want {
		if tail[i] != want[i] {
			t.Fatalf("sys.path = %q, want it to end with %q", path, want)
		}
	}
	// Each path appears once, whatever the duplicates added.
	for _, p := range want {
		n := 0
		for _, q := range path {
			if q == p {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q appears %d times in sys.path, want 1", p, n)
		}
	}
	helpers.AssertMemoryUsage(t)
}

func TestAddPythonPathResults(t *testing.T) {
	if thirdPathResult != 1 {
		t.Errorf("add_python_path(new path) = %d, want 1", thirdPathResult)
	}
	if len(duplicateResults) != 2 || duplicateResults[0] != 0 || duplicateResults[1] != 0 {
		t.Errorf("add_python_path(duplicate) = %v, want [0 0]", duplicateResults)
	}
}

func TestAddPythonPathAfterInit(t *testing.T) {
	helpers.ResetMemoryStats()
	const late = "/nonexistent/rtloader-test/after-init"
	if got := helpers.AddPythonPath(late); got != 1 {
		t.Errorf("add_python_path(new path after init) = %d, want 1", got)
	}
	if got := helpers.AddPythonPath(late); got != 0 {
		t.Errorf("add_python_path(same path again) = %d, want 0", got)
	}
	out, err := helpers.RunString(`
		import sys
		f.write(str("` + late + `" in sys.path))
	`)
	if err != nil {
		t.Fatal(err)
	}
	if out != "False" {
		t.Errorf("a path added after init must not reach sys.path: %q in sys.path = %s", late, out)
	}
	helpers.AssertMemoryUsage(t)
}

func TestSecondMake3Fails(t *testing.T) {
	helpers.ResetMemoryStats()
	rt, msg := helpers.Make3(helpers.PythonHome(), helpers.MockPythonExe)
	if rt != nil {
		t.Fatalf("second make3 returned a handle, want NULL")
	}
	if msg != "RtLoader already initialized!" {
		t.Errorf("second make3 error = %q, want %q", msg, "RtLoader already initialized!")
	}
	s := helpers.GetAndResetMemoryStats()
	if s.Allocations < 1 || s.Allocations != s.Frees || s.AllocatedBytes != s.FreedBytes {
		t.Errorf("make3's error message must come from _malloc and be freed by _free: got %+v", s)
	}
	// The first instance still works.
	out, err := helpers.RunString(`f.write("alive")`)
	if err != nil || out != "alive" {
		t.Errorf("rtloader unusable after a failed make3: %q, %v", out, err)
	}
	helpers.AssertMemoryUsage(t)
}

func TestGetPyInfo(t *testing.T) {
	helpers.ResetMemoryStats()
	version, path, infoNil, pathNil := pyInfo()
	if infoNil {
		t.Fatalf("get_py_info returned NULL: %q", helpers.FetchError())
	}
	if pathNil {
		t.Fatalf("get_py_info: path is NULL: %q", helpers.FetchError())
	}
	out, err := helpers.RunString(`
		import sys, json
		f.write(json.dumps([sys.version, repr(sys.path)]))
	`)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	if err := json.Unmarshal([]byte(out), &want); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if version != want[0] {
		t.Errorf("py_info.version = %q, want sys.version %q", version, want[0])
	}
	if path != want[1] {
		t.Errorf("py_info.path = %q, want repr(sys.path) %q", path, want[1])
	}
	if !strings.Contains(path, "'../python'") {
		t.Errorf("py_info.path = %q, want it to contain '../python'", path)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetNone(t *testing.T) {
	helpers.ResetMemoryStats()
	none := getNone()
	if none == nil {
		t.Fatal("get_none returned NULL")
	}
	if none != getNone() {
		t.Error("get_none must return the None singleton every time")
	}
	// None has no run(): the error names its type.
	res, null := runCheck(none)
	if !null {
		t.Errorf("run_check(None) = %q, want NULL", res)
	}
	helpers.ExpectError(t, "error invoking 'run' method: 'NoneType' object has no attribute 'run'")
	helpers.AssertMemoryUsage(t)
}

func TestInitWithoutBaseClassFails(t *testing.T) {
	res := helpers.RunChild(t, "init-no-base-class")
	if res.ExitCode != 0 {
		t.Fatalf("child exited %d; stdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "init=0\n") {
		t.Errorf("init without datadog_checks on sys.path must return 0; child printed:\n%s", res.Stdout)
	}
	const want = "error=could not import base class: No module named 'datadog_checks'"
	if !strings.Contains(res.Stdout, want) {
		t.Errorf("child output %q does not contain %q", res.Stdout, want)
	}
}

func TestMake3WithBadPythonHomeFails(t *testing.T) {
	res := helpers.RunChild(t, "make3-bad-home")
	if res.ExitCode != 0 {
		t.Fatalf("child exited %d; stdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	// make3 picks the backend from the python home: a home that is no
	// Python installation fails there, with a message naming it.
	const want = "handle=false\nerror='/nonexistent/rtloader-test-home' is not a Python 3 installation"
	if !strings.Contains(res.Stdout, want) {
		t.Errorf("child output %q does not contain %q", res.Stdout, want)
	}
}

func TestInitWithBrokenStdlibFails(t *testing.T) {
	version, err := helpers.RunString(`
		import sys
		f.write("{}.{}".format(*sys.version_info[:2]))
	`)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	stdlib := filepath.Join(home, "lib", "python"+version)
	if err := os.MkdirAll(stdlib, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stdlib, "os.py"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res := helpers.RunChild(t, "init-broken-stdlib", "RTLOADER_TEST_FAKE_HOME="+home)
	if res.ExitCode != 0 {
		t.Fatalf("child exited %d; stdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "init=0\n") {
		t.Errorf("init with a broken standard library must return 0; child printed:\n%s\nstderr:\n%s", res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "error=Failed to initialize Python") {
		t.Errorf("child output %q does not contain %q", res.Stdout, "error=Failed to initialize Python")
	}
}

func TestDestroyThenMake3Again(t *testing.T) {
	res := helpers.RunChild(t, "destroy")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "make3 after destroy succeeded") {
		t.Errorf("destroy then make3: exit %d; stdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}
