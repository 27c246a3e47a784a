// Package helpers is the shared harness of the rtloader Go test packages.
//
// It loads rtloader exactly as the Datadog Agent does (enable_memory_tracker,
// make3, set_cgo_free_cb with _free, set_log_cb, add_python_path, init) and
// gives the tests what every package needs: the GIL "sticky lock", a
// run_simple_string wrapper that returns what the snippet wrote, error
// fetching, allocation-balance assertions, host-side allocations that
// rtloader may free, and child processes for tests that must not share the
// process (crashes, destroy, a failing init).
//
// Only one rtloader may exist per process, so a package sets it up once, in
// TestMain. cgo is not allowed in _test.go files and C types are private to
// the package that imports "C", so a package is laid out like this:
//
//	foo.go (package testfoo, import "C"):
//	    // #cgo is not needed: the Makefile passes CGO_CFLAGS/CGO_LDFLAGS.
//	    // #include "datadog_agent_rtloader.h"
//	    // extern void goSubmitMetric(char *, metric_type_t, char *, double, char **, char *, bool);
//	    import "C"
//
//	    //export goSubmitMetric
//	    func goSubmitMetric(...) { ... record the call ... }
//
//	    func rtl() *C.rtloader_t { return (*C.rtloader_t)(helpers.Rtloader()) }
//
//	    var setupOptions = helpers.Options{
//	        Configure: func(p unsafe.Pointer) error {
//	            C.set_submit_metric_cb((*C.rtloader_t)(p), C.cb_submit_metric_t(C.goSubmitMetric))
//	            return nil
//	        },
//	    }
//
//	    // One Go wrapper per C call the tests need; each takes the GIL the
//	    // way the Agent does:
//	    func getClass(name string) (...) {
//	        defer helpers.LockGIL().Unlock()
//	        ...
//	    }
//
//	main_test.go:
//	    func TestMain(m *testing.M) { os.Exit(helpers.Main(m, setupOptions, nil)) }
//
//	foo_test.go:
//	    func TestSomething(t *testing.T) {
//	        helpers.ResetMemoryStats()
//	        out, err := helpers.RunString(`f.write(str(aggregator.GAUGE))`)
//	        ...
//	        helpers.AssertMemoryUsage(t)
//	    }
//
// Memory accounting: rtloader counts every block it allocates or frees with
// _malloc/_free. A test resets the counters when it starts and asserts at the
// end that allocations == frees (and the byte counts match). Strings Go
// passes INTO rtloader (C.CString, freed by Go with C.free) are not counted.
// Strings a Go callback RETURNS are freed by rtloader through cgo_free (which
// the harness sets to _free, a counted free), so callbacks must allocate them
// with TrackedCString / TrackedCStringArray (counted _malloc) for the
// balance to hold.
//
// Environment (set by test/Makefile): RTLOADER_TEST_PYTHON_HOME is passed to
// make3 as python_home (empty = the backend's default home).
package helpers
