package testrtloader

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func TestRunSimpleString(t *testing.T) {
	helpers.ResetMemoryStats()
	if !helpers.RunSimpleString("import sys\n_rtloader_test_value = 6 * 7\n") {
		t.Errorf("run_simple_string(valid code) = 0, want 1")
	}
	// It runs in __main__: the value is still there.
	if out := runPy(t, `
		import __main__
		f.write(str(__main__._rtloader_test_value))
	`); out != "42" {
		t.Errorf("__main__._rtloader_test_value = %q, want 42", out)
	}
	// An uncaught exception is printed by Python (stderr) and is not an
	// rtloader error.
	if helpers.RunSimpleString("raise ValueError('expected by TestRunSimpleString')\n") {
		t.Errorf("run_simple_string(raising code) = 1, want 0")
	}
	helpers.AssertNoError(t)
	if helpers.RunSimpleString("def (:\n") {
		t.Errorf("run_simple_string(syntax error) = 1, want 0")
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestRunStringHelperReportsExceptions(t *testing.T) {
	out := runPy(t, `raise TypeError("tags must be a list")`)
	if out != "TypeError: tags must be a list" {
		t.Errorf("RunString of a raising snippet = %q, want %q", out, "TypeError: tags must be a list")
	}
}

func TestEnsureGilIsReentrant(t *testing.T) {
	helpers.ResetMemoryStats()
	outer := helpers.LockGIL()
	if outer.Locked() {
		t.Errorf("ensure_gil on a thread without the GIL returned GIL_LOCKED, want GIL_UNLOCKED")
	}
	inner := helpers.LockGIL()
	if !inner.Locked() {
		t.Errorf("nested ensure_gil returned GIL_UNLOCKED, want GIL_LOCKED")
	}
	inner.Unlock()
	outer.Unlock()
	helpers.AssertMemoryUsage(t)
}

func TestGilFromManyThreads(t *testing.T) {
	helpers.ResetMemoryStats()
	if out := runPy(t, `
		import builtins
		builtins._rtloader_test_counter = []
		f.write("ok")
	`); out != "ok" {
		t.Fatalf("reset counter: %q", out)
	}
	const workers, rounds = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				// append is one call under the GIL; "+= 1" is several
				// bytecodes, between which Python may hand the GIL to
				// another thread (lost updates under load, as seen on 3.9)
				if !helpers.RunSimpleString("import builtins\nbuiltins._rtloader_test_counter.append(1)\n") {
					errs <- fmt.Errorf("run_simple_string failed")
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	out := runPy(t, `
		import builtins
		f.write(str(len(builtins._rtloader_test_counter)))
	`)
	if n, _ := strconv.Atoi(out); n != workers*rounds {
		t.Errorf("counter = %q, want %d", out, workers*rounds)
	}
	helpers.AssertMemoryUsage(t)
}

func refcount(t *testing.T) int {
	t.Helper()
	out := runPy(t, `
		import sys, fake_check
		f.write(str(sys.getrefcount(fake_check.FakeCheck)))
	`)
	n, err := strconv.Atoi(out)
	if err != nil {
		t.Fatalf("sys.getrefcount: %q", out)
	}
	return n
}

func TestIncrefDecref(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "fake_check")
	before := refcount(t)
	incref(class)
	if got := refcount(t); got != before+1 {
		t.Errorf("refcount after rtloader_incref = %d, want %d", got, before+1)
	}
	decref(class)
	if got := refcount(t); got != before {
		t.Errorf("refcount after rtloader_decref = %d, want %d", got, before)
	}
	// NULL is ignored (Py_XINCREF/Py_XDECREF).
	incref(nil)
	decref(nil)
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestSetModuleAttrString(t *testing.T) {
	helpers.ResetMemoryStats()
	defer runPy(t, `
		import gotest_attr_target
		gotest_attr_target.PROCFS_PATH = "/proc"
		if hasattr(gotest_attr_target, "NEW_ATTR"):
		    del gotest_attr_target.NEW_ATTR
	`)
	setModuleAttrString("gotest_attr_target", "PROCFS_PATH", "/host/proc")
	helpers.AssertNoError(t)
	setModuleAttrString("gotest_attr_target", "NEW_ATTR", "héllo")
	helpers.AssertNoError(t)
	out := runPy(t, `
		import gotest_attr_target
		f.write("{}|{}|{}".format(gotest_attr_target.PROCFS_PATH, type(gotest_attr_target.NEW_ATTR).__name__, gotest_attr_target.NEW_ATTR))
	`)
	if out != "/host/proc|str|héllo" {
		t.Errorf("after set_module_attr_string: %q, want %q", out, "/host/proc|str|héllo")
	}
	helpers.AssertMemoryUsage(t)
}

func TestSetModuleAttrStringImportError(t *testing.T) {
	helpers.ResetMemoryStats()
	setModuleAttrString("nonexistent_module_xyz", "attr", "value")
	helpers.ExpectError(t, "error importing python 'nonexistent_module_xyz' module: No module named 'nonexistent_module_xyz'")
	helpers.AssertMemoryUsage(t)
}

func TestSetModuleAttrStringSetError(t *testing.T) {
	helpers.ResetMemoryStats()
	setModuleAttrString("gotest_readonly_module", "foo", "value")
	expectErrorPrefix(t, "error setting the 'gotest_readonly_module.foo' attribute: ", "gotest_readonly_module is read-only")
	helpers.AssertMemoryUsage(t)
}

func TestPymemStats(t *testing.T) {
	helpers.ResetMemoryStats()
	inuse0, alloc0 := pymemStats()
	if inuse0 == ^uint64(0) || alloc0 == ^uint64(0) {
		t.Fatalf("get_pymem_stats did not fill the struct")
	}
	if inuse0 == 0 || alloc0 == 0 || inuse0 > alloc0 {
		t.Errorf("pymem stats after init: inuse %d, alloc %d; want 0 < inuse <= alloc", inuse0, alloc0)
	}
	const big = 32 << 20
	runPy(t, fmt.Sprintf(`
		import builtins
		builtins._rtloader_test_big = bytearray(%d)
	`, big))
	inuse1, alloc1 := pymemStats()
	if alloc1 < alloc0+big {
		t.Errorf("alloc after a %d-byte bytearray: %d -> %d, want an increase of at least %d", big, alloc0, alloc1, big)
	}
	if inuse1 < inuse0+big/2 {
		t.Errorf("inuse while a %d-byte bytearray lives: %d -> %d", big, inuse0, inuse1)
	}
	runPy(t, `
		import builtins
		del builtins._rtloader_test_big
	`)
	inuse2, alloc2 := pymemStats()
	if inuse2 > inuse1-big/2 {
		t.Errorf("inuse after freeing the bytearray: %d -> %d, want a decrease of about %d", inuse1, inuse2, big)
	}
	if alloc2 < alloc1 {
		t.Errorf("alloc must never decrease: %d -> %d", alloc1, alloc2)
	}
	pymemStatsNull() // NULL stats: no-op
	helpers.AssertMemoryUsage(t)
}
