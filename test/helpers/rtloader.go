package helpers

/*
#include <stdlib.h>
#include <string.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"

// _malloc and _free are function-pointer variables: cgo cannot call through
// them, so they are wrapped here.
static inline void *helpers_malloc(size_t sz) { return _malloc(sz); }
static inline void helpers_free(void *ptr) { _free(ptr); }
static inline cb_cgo_free_t helpers_free_fn(void) { return _free; }

// A valid address that no rtloader call can return: out-parameters are
// preset to it to check that a failing call left them untouched.
static char helpers_sentinel_storage;
static inline void *helpers_sentinel(void) { return &helpers_sentinel_storage; }

// Implemented in Go (callbacks.go).
extern void helpersLogCb(char *, int);
static inline void helpers_set_log_cb(rtloader_t *rt) { set_log_cb(rt, helpersLogCb); }
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"unsafe"
)

// MockPythonExe is the python_exe every package hands to make3, as the
// upstream tests do; init must make it sys.executable.
const MockPythonExe = "/folder/mock_python_interpeter_bin_path"

// PythonHomeEnv names the environment variable (set by test/Makefile from
// PYTHON_HOME) whose value is passed to make3 as python_home. Empty means
// NULL: the backend's compile-time default.
const PythonHomeEnv = "RTLOADER_TEST_PYTHON_HOME"

// DefaultPythonPaths are added with add_python_path when Options.PythonPaths
// is nil: the fixtures of test/python, relative to the package directory
// where `go test` runs the test binary.
var DefaultPythonPaths = []string{"../python"}

var rtloader *C.rtloader_t

// Options tells Setup how to build the package's rtloader.
type Options struct {
	// PythonHome for make3; "" = $RTLOADER_TEST_PYTHON_HOME, then NULL.
	PythonHome string
	// PythonExe for make3; "" = MockPythonExe.
	PythonExe string
	// PythonPaths to add_python_path, in order; nil = DefaultPythonPaths.
	PythonPaths []string
	// PymemStats calls init_pymem_stats between make3 and init, as the
	// Agent does when telemetry.python_memory is on.
	PymemStats bool
	// Configure runs after make3, the standard callbacks (cgo_free, log)
	// and the python paths, right before init: register the package's
	// callbacks here. It receives the *C.rtloader_t as an unsafe.Pointer.
	Configure func(rtloader unsafe.Pointer) error
}

// Rtloader returns the package's rtloader_t* (nil before Setup); convert it
// with (*C.rtloader_t)(helpers.Rtloader()).
func Rtloader() unsafe.Pointer { return unsafe.Pointer(rtloader) }

// PythonHome returns the python_home the harness passes to make3 by default.
func PythonHome() string { return os.Getenv(PythonHomeEnv) }

// InitMemoryTracker switches rtloader's allocator to its counting variant
// (enable_memory_tracker). It must run before make3.
func InitMemoryTracker() { C.enable_memory_tracker() }

// Make3 calls make3(home, exe, &err); "" is passed as NULL. It returns the
// handle, or nil and the error text (the rtloader-owned message is freed
// with _free, as the Agent does).
func Make3(home, exe string) (unsafe.Pointer, string) {
	var cHome, cExe *C.char
	if home != "" {
		cHome = C.CString(home)
		defer C.free(unsafe.Pointer(cHome))
	}
	if exe != "" {
		cExe = C.CString(exe)
		defer C.free(unsafe.Pointer(cExe))
	}
	var cErr *C.char
	rt := C.make3(cHome, cExe, &cErr)
	if rt == nil {
		msg := "make3 returned NULL without an error message"
		if cErr != nil {
			msg = C.GoString(cErr)
			C.helpers_free(unsafe.Pointer(cErr))
		}
		return nil, msg
	}
	return unsafe.Pointer(rt), ""
}

// Setup loads rtloader the way the Agent does: enable_memory_tracker, make3,
// set_cgo_free_cb(_free), set_log_cb, [init_pymem_stats], add_python_path for
// each path, opts.Configure, init. It must be called once per process.
func Setup(opts Options) error {
	if rtloader != nil {
		return errors.New("helpers.Setup: rtloader is already set up in this process")
	}
	// init saves the calling thread's state: keep it on one OS thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	InitMemoryTracker()
	home := opts.PythonHome
	if home == "" {
		home = PythonHome()
	}
	exe := opts.PythonExe
	if exe == "" {
		exe = MockPythonExe
	}
	rt, msg := Make3(home, exe)
	if rt == nil {
		return fmt.Errorf("make3: %s", msg)
	}
	rtloader = (*C.rtloader_t)(rt)

	C.set_cgo_free_cb(rtloader, C.helpers_free_fn())
	C.helpers_set_log_cb(rtloader)
	if opts.PymemStats {
		C.init_pymem_stats(rtloader)
	}
	paths := opts.PythonPaths
	if paths == nil {
		paths = DefaultPythonPaths
	}
	for _, p := range paths {
		AddPythonPath(p)
	}
	if opts.Configure != nil {
		if err := opts.Configure(unsafe.Pointer(rtloader)); err != nil {
			return fmt.Errorf("configure: %w", err)
		}
	}
	if C.init(rtloader) != 1 {
		return fmt.Errorf("init: %s", GetError())
	}
	return nil
}

// Main is the body of a package's TestMain: it runs the child named by the
// environment when the binary was started by RunChild, else sets rtloader up
// with opts and runs the tests. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(helpers.Main(m, opts, children)) }
func Main(m *testing.M, opts Options, children map[string]func() int) int {
	if name := ChildName(); name != "" {
		child, ok := children[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown child %q\n", name)
			return 3
		}
		return child()
	}
	if err := Setup(opts); err != nil {
		fmt.Fprintf(os.Stderr, "rtloader test setup failed: %v\n", err)
		return 1
	}
	return m.Run()
}

// AddPythonPath calls add_python_path; it returns 1 if added, 0 if the path
// was already in the list.
func AddPythonPath(path string) int {
	cPath := C.CString(path)
	defer C.free(unsafe.Pointer(cPath))
	return int(C.add_python_path(rtloader, cPath))
}

// GIL is the Agent's "sticky lock": the goroutine is locked to its OS thread
// and holds the GIL until Unlock.
type GIL struct {
	state C.rtloader_gilstate_t
}

// LockGIL locks the goroutine to its thread and calls ensure_gil. Use it as
// `defer helpers.LockGIL().Unlock()` so that t.Fatal (runtime.Goexit) still
// releases the GIL.
func LockGIL() *GIL {
	runtime.LockOSThread()
	return &GIL{state: C.ensure_gil(rtloader)}
}

// Locked reports what ensure_gil returned: true for
// DATADOG_AGENT_RTLOADER_GIL_LOCKED (this thread already held the GIL).
func (g *GIL) Locked() bool { return g.state == C.DATADOG_AGENT_RTLOADER_GIL_LOCKED }

// Unlock calls release_gil and unlocks the thread.
func (g *GIL) Unlock() {
	C.release_gil(rtloader, g.state)
	runtime.UnlockOSThread()
}

// WithGIL runs fn holding the GIL on a locked thread.
func WithGIL(fn func()) {
	defer LockGIL().Unlock()
	fn()
}

// RunSimpleString calls run_simple_string with the GIL held and reports
// whether it returned 1.
func RunSimpleString(code string) bool {
	cCode := C.CString(code)
	defer C.free(unsafe.Pointer(cCode))
	defer LockGIL().Unlock()
	return C.run_simple_string(rtloader, cCode) == 1
}

// HasError calls has_error.
func HasError() bool { return C.has_error(rtloader) == 1 }

// GetError calls get_error, which consumes the error ("" when none).
func GetError() string { return C.GoString(C.get_error(rtloader)) }

// ClearError calls clear_error.
func ClearError() { C.clear_error(rtloader) }

// FetchError returns the pending error (consuming it), or "" when has_error
// says there is none.
func FetchError() string {
	if !HasError() {
		return ""
	}
	return GetError()
}

// AssertNoError fails the test if an rtloader error is pending (and consumes it).
func AssertNoError(t testing.TB) {
	t.Helper()
	if HasError() {
		t.Errorf("unexpected rtloader error: %q", GetError())
	}
}

// ExpectError fails the test unless an error is pending whose text is exactly
// want; the error is consumed either way.
func ExpectError(t testing.TB, want string) {
	t.Helper()
	if !HasError() {
		t.Errorf("expected rtloader error %q, has_error() == 0", want)
		return
	}
	if got := GetError(); got != want {
		t.Errorf("rtloader error:\n got: %q\nwant: %q", got, want)
	}
}

// Free calls rtloader_free (NULL is fine).
func Free(ptr unsafe.Pointer) { C.rtloader_free(rtloader, ptr) }

// Sentinel returns an address no rtloader call returns, to preset
// out-parameters with.
func Sentinel() unsafe.Pointer { return C.helpers_sentinel() }

// TrackedCString copies s into a buffer from rtloader's counting _malloc.
// Callbacks return such buffers: rtloader frees them through cgo_free (_free).
func TrackedCString(s string) unsafe.Pointer {
	p := C.helpers_malloc(C.size_t(len(s) + 1))
	if p == nil {
		panic("helpers.TrackedCString: _malloc failed")
	}
	buf := unsafe.Slice((*byte)(p), len(s)+1)
	copy(buf, s)
	buf[len(s)] = 0
	return p
}

// TrackedCStringArray builds a NULL-terminated char** (array and strings
// from _malloc), as a cb_tags_t callback returns.
func TrackedCStringArray(items []string) unsafe.Pointer {
	ptrSize := unsafe.Sizeof(uintptr(0))
	arr := C.helpers_malloc(C.size_t(uintptr(len(items)+1) * ptrSize))
	if arr == nil {
		panic("helpers.TrackedCStringArray: _malloc failed")
	}
	slots := unsafe.Slice((*unsafe.Pointer)(arr), len(items)+1)
	for i, s := range items {
		slots[i] = TrackedCString(s)
	}
	slots[len(items)] = nil
	return arr
}

// FreeTracked releases with _free a buffer from TrackedCString (for tests
// that build one and do not hand it over to rtloader).
func FreeTracked(ptr unsafe.Pointer) { C.helpers_free(ptr) }

// MemoryStats mirrors struct memory_stats.
type MemoryStats struct {
	Allocations    uint64
	AllocatedBytes uint64
	Frees          uint64
	FreedBytes     uint64
	InuseBytes     int64
}

// GetAndResetMemoryStats calls get_and_reset_memory_stats.
func GetAndResetMemoryStats() MemoryStats {
	s := C.get_and_reset_memory_stats()
	return MemoryStats{
		Allocations:    uint64(s.allocations),
		AllocatedBytes: uint64(s.allocated_bytes),
		Frees:          uint64(s.frees),
		FreedBytes:     uint64(s.freed_bytes),
		InuseBytes:     int64(s.inuse_bytes),
	}
}

// ResetMemoryStats zeroes the counters; call it at the start of each test.
func ResetMemoryStats() { GetAndResetMemoryStats() }

// AssertMemoryUsage fails the test unless every block rtloader allocated
// since the last reset was freed (counts and bytes), then resets.
func AssertMemoryUsage(t testing.TB) {
	t.Helper()
	s := GetAndResetMemoryStats()
	if s.Allocations != s.Frees || s.AllocatedBytes != s.FreedBytes || s.InuseBytes != 0 {
		t.Errorf("rtloader memory not balanced: %d allocations (%d bytes), %d frees (%d bytes), inuse delta %d bytes",
			s.Allocations, s.AllocatedBytes, s.Frees, s.FreedBytes, s.InuseBytes)
	}
}
