package rtloader

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -ldatadog-agent-rtloader -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include "datadog_agent_rtloader.h"
#include "rtloader_ext.h"
#include "rtloader_mem.h"

// Implemented in Go (callbacks.go).
extern void goSubmitMetric(char *, metric_type_t, char *, double, char **, char *, bool);
extern void goSubmitServiceCheck(char *, char *, int, char **, char *, char *);
extern void goSubmitEvent(char *, event_t *);
extern void goSubmitHistogramBucket(char *, char *, long long, float, float, int, char *, char **, bool);
extern void goSubmitEventPlatformEvent(char *, char *, int, char *);
extern void goGetVersion(char **);
extern void goGetConfig(char *, char **);
extern char *goWritePersistentCacheChecked(char *, char *);
extern void goHeaders(char **);
extern void goGetHostname(char **);
extern void goGetHostTags(char **);
extern void goGetClustername(char **);
extern bool goTracemallocEnabled(void);
extern void goLog(char *, int);
extern void goSendLog(char *, char *);
extern void goSetCheckMetadata(char *, char *, char *);
extern void goSetExternalTags(char *, char *, char **);
extern void goWritePersistentCache(char *, char *);
extern char *goReadPersistentCache(char *);
extern char *goObfuscateSQL(char *, char *, char **);
extern char *goObfuscateSQLExecPlan(char *, bool, char **);
extern double goGetProcessStartTime(void);
extern char *goObfuscateMongoDBString(char *, char **);
extern void goEmitAgentTelemetry(char *, char *, double, char *);
extern void goGetSubprocessOutput(char **, char **, char **, char **, int *, char **);
extern void goCgoFree(void *);
extern char **goTags(char *, int);
extern void goGetConnectionInfo(char **);
extern int goIsExcluded(char *, char *, char *);

static void rtloader_go_register(rtloader_t *rt)
{
    set_submit_metric_cb(rt, goSubmitMetric);
    set_submit_service_check_cb(rt, goSubmitServiceCheck);
    set_submit_event_cb(rt, goSubmitEvent);
    set_submit_histogram_bucket_cb(rt, goSubmitHistogramBucket);
    set_submit_event_platform_event_cb(rt, goSubmitEventPlatformEvent);
    set_get_version_cb(rt, goGetVersion);
    set_get_config_cb(rt, goGetConfig);
    set_headers_cb(rt, goHeaders);
    set_get_hostname_cb(rt, goGetHostname);
    set_get_host_tags_cb(rt, goGetHostTags);
    set_get_clustername_cb(rt, goGetClustername);
    set_tracemalloc_enabled_cb(rt, goTracemallocEnabled);
    set_log_cb(rt, goLog);
    set_send_log_cb(rt, goSendLog);
    set_set_check_metadata_cb(rt, goSetCheckMetadata);
    set_set_external_tags_cb(rt, goSetExternalTags);
    set_write_persistent_cache_cb(rt, goWritePersistentCache);
    // rtloader_ext.h: a failed write raises in the check (preferred when set)
    rtloader_set_write_persistent_cache_checked_cb(rt, goWritePersistentCacheChecked);
    set_read_persistent_cache_cb(rt, goReadPersistentCache);
    set_obfuscate_sql_cb(rt, goObfuscateSQL);
    set_obfuscate_sql_exec_plan_cb(rt, goObfuscateSQLExecPlan);
    set_get_process_start_time_cb(rt, goGetProcessStartTime);
    set_obfuscate_mongodb_string_cb(rt, goObfuscateMongoDBString);
    set_emit_agent_telemetry_cb(rt, goEmitAgentTelemetry);
    set_get_subprocess_output_cb(rt, goGetSubprocessOutput);
    set_cgo_free_cb(rt, goCgoFree);
    set_tags_cb(rt, goTags);
    set_get_connection_info_cb(rt, goGetConnectionInfo);
    set_is_excluded_cb(rt, goIsExcluded);
}

static inline void rtloader_go_free(void *p) { _free(p); }

// CPython's own functions, found once the backend (loaded RTLD_GLOBAL with
// its libpython) is in the process: raising needs nothing else.
typedef int (*go_gil_ensure_t)(void);
typedef void (*go_gil_release_t)(int);
typedef void (*go_set_string_t)(void *, const char *);
static go_gil_ensure_t go_gil_ensure;
static go_gil_release_t go_gil_release;
static go_set_string_t go_set_string;
static void **go_runtime_error;

static int rtloader_go_resolve_python(void)
{
    go_gil_ensure = (go_gil_ensure_t)dlsym(RTLD_DEFAULT, "PyGILState_Ensure");
    go_gil_release = (go_gil_release_t)dlsym(RTLD_DEFAULT, "PyGILState_Release");
    go_set_string = (go_set_string_t)dlsym(RTLD_DEFAULT, "PyErr_SetString");
    go_runtime_error = (void **)dlsym(RTLD_DEFAULT, "PyExc_RuntimeError");
    return go_gil_ensure && go_gil_release && go_set_string && go_runtime_error;
}

// Sets RuntimeError(msg) on the calling thread, with or without the GIL
// (PyGILState_Ensure is re-entrant and keeps the thread's state).
void rtloader_go_raise_cb(char *msg);
void rtloader_go_raise_cb(char *msg)
{
    if (go_set_string == NULL) {
        return;
    }
    int gs = go_gil_ensure();
    go_set_string(*go_runtime_error, msg);
    go_gil_release(gs);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"unsafe"
)

// Options configure Open.
type Options struct {
	// PythonHome selects the Python (and its backend) as make3's
	// python_home; "" = the build's default Python.
	PythonHome string
	// PythonExe becomes sys.executable; "" = none.
	PythonExe string
	// PythonPaths are appended to sys.path in order (checks.d first,
	// as the Agent does).
	PythonPaths []string
	// Host answers the callbacks; nil = BaseHost{}.
	Host Host
	// MemoryTracker switches rtloader's own allocator to its counting
	// variant (enable_memory_tracker, read with RtloaderMemoryStats).
	MemoryTracker bool
	// PymemStats installs Python's allocator counters (PymemStats).
	PymemStats bool
	// AgentConfig is the agent configuration (YAML or JSON) handed to
	// the deprecated check constructor as agentConfig; "" = "{}".
	AgentConfig string
}

// Errors of misuse: the Loader is nil or not open, closed, or a second
// one was opened in the process.
var (
	ErrNotOpen       = errors.New("rtloader: the loader is not open (use rtloader.Open)")
	ErrClosed        = errors.New("rtloader: the loader is closed")
	ErrAlreadyOpened = errors.New("rtloader: a loader was already opened in this process (one Python per process)")
)

// Loader is the process's embedded Python. Its methods are safe for
// concurrent use; the zero value and nil are not open (ErrNotOpen).
type Loader struct {
	rt          *C.rtloader_t
	host        Host
	agentConfig string
	py          pythonThread // init's thread, where Close calls destroy

	mu       sync.Mutex
	cond     *sync.Cond
	closed   bool // Close has begun: calls fail, except Cancel
	done     bool // Close has returned: every call fails
	inflight int
}

var (
	openMu     sync.Mutex
	openedOnce bool
	// current serves the callbacks: C has one set of callbacks per process.
	currentMu sync.RWMutex
	current   *Loader
)

func currentHost() Host {
	currentMu.RLock()
	defer currentMu.RUnlock()
	if current == nil {
		return BaseHost{}
	}
	return current.host
}

// Open loads the backend for opts.PythonHome (make3), registers every
// callback (served by opts.Host), adds opts.PythonPaths and starts Python
// (init), the Agent's start-up order. The memory tracker and pymem
// counters are set up before make3 and init when asked.
//
// Errors: a path with a NUL byte, a nil pointer as Host, the AgentConfig's, make3's or init's
// message; ErrAlreadyOpened on any call after the first that got past
// make3 (also after Close: CPython cannot restart). An Open that failed
// before (a bad AgentConfig, a home make3 refused) loaded no Python and
// may be retried.
// GIL: not held on return.
func Open(opts Options) (*Loader, error) {
	openMu.Lock()
	defer openMu.Unlock()
	if openedOnce {
		return nil, ErrAlreadyOpened
	}

	for _, s := range append([]string{opts.PythonHome, opts.PythonExe}, opts.PythonPaths...) {
		if err := noNUL("path", s); err != nil {
			return nil, err
		}
	}
	if opts.Host != nil {
		// a typed nil (var h *MyHost; Options{Host: h}) would make every
		// callback panic
		if v := reflect.ValueOf(opts.Host); v.Kind() == reflect.Pointer && v.IsNil() {
			return nil, fmt.Errorf("rtloader: Options.Host is a nil %T", opts.Host)
		}
	}
	agentConfig := "{}"
	if opts.AgentConfig != "" {
		var err error
		if agentConfig, err = ConfigToJSON(opts.AgentConfig); err != nil {
			return nil, fmt.Errorf("rtloader: agent config: %w", err)
		}
	}
	// init saves the calling thread's state and destroy must restore it on
	// that same thread: both run on a thread of their own (pythonThread).
	py := startPythonThread()
	var l *Loader
	var err error
	py.do(func() { l, err = openOnThread(opts, agentConfig) })
	if l == nil {
		py.end() // nothing left for it to do: it ends with nothing held
		return nil, err
	}
	l.py = py
	return l, err
}

// openOnThread is Open's make3 ... init, on the loader's Python thread.
// openMu is held.
func openOnThread(opts Options, agentConfig string) (*Loader, error) {
	if opts.MemoryTracker {
		C.enable_memory_tracker()
	}
	var cHome, cExe, cErr *C.char
	if opts.PythonHome != "" {
		cHome = C.CString(opts.PythonHome)
		defer C.free(unsafe.Pointer(cHome))
	}
	if opts.PythonExe != "" {
		cExe = C.CString(opts.PythonExe)
		defer C.free(unsafe.Pointer(cExe))
	}
	rt := C.make3(cHome, cExe, &cErr)
	if rt == nil {
		msg := "make3 failed without a message"
		if cErr != nil {
			msg = C.GoString(cErr)
			C.rtloader_go_free(unsafe.Pointer(cErr))
		}
		return nil, fmt.Errorf("rtloader: cannot load the Python backend: %s", msg)
	}
	// Only now is the process committed to this Python: a bad AgentConfig
	// or a home make3 refused leaves Open free to be called again.
	openedOnce = true
	l := &Loader{rt: rt, host: opts.Host, agentConfig: agentConfig}
	if l.host == nil {
		l.host = BaseHost{}
	}
	l.cond = sync.NewCond(&l.mu)
	if opts.PymemStats {
		C.init_pymem_stats(rt)
	}
	currentMu.Lock()
	current = l
	currentMu.Unlock()
	C.rtloader_go_register(rt)
	for _, p := range opts.PythonPaths {
		cp := C.CString(p)
		C.add_python_path(rt, cp)
		C.free(unsafe.Pointer(cp))
	}
	if C.init(rt) != 1 {
		return nil, fmt.Errorf("rtloader: cannot start Python: %s", C.GoString(C.get_error(rt)))
	}
	if C.rtloader_go_resolve_python() == 0 {
		return nil, errors.New("rtloader: CPython's PyErr_SetString is not visible in the process")
	}
	return l, nil
}

// pythonThread is the OS thread that starts Python (init) and, at Close,
// releases the backend (destroy): destroy restores the thread state init
// saved, which belongs to that thread. It runs nothing else.
type pythonThread chan func()

func startPythonThread() pythonThread {
	t := make(pythonThread)
	go func() {
		// Never unlocked: when the loop ends the goroutine exits locked and
		// Go ends the OS thread with it, so no other goroutine ever runs on
		// the thread that keeps the GIL after destroy.
		runtime.LockOSThread()
		for f := range t {
			f()
		}
	}()
	return t
}

// do runs f on the thread and waits for it.
func (t pythonThread) do(f func()) {
	done := make(chan struct{})
	t <- func() { f(); close(done) }
	<-done
}

// end lets the thread finish.
func (t pythonThread) end() { close(t) }

// enter marks a call in progress; it fails once Close has begun.
func (l *Loader) enter() error {
	if l == nil || l.rt == nil {
		return ErrNotOpen
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	l.inflight++
	return nil
}

// enterCancel is enter for Check.Cancel, which a Close in progress must
// not lock out: Close waits for the running checks, and a check that runs
// until cancelled would otherwise keep Close waiting for good.
func (l *Loader) enterCancel() error {
	if l == nil || l.rt == nil {
		return ErrNotOpen
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return ErrClosed
	}
	l.inflight++
	return nil
}

func (l *Loader) leave() {
	l.mu.Lock()
	l.inflight--
	if l.inflight == 0 {
		l.cond.Broadcast()
	}
	l.mu.Unlock()
}

// Close waits for the calls in progress, then releases the backend
// (rtloader's destroy) and makes every later call fail with ErrClosed.
// While it waits, new calls already fail, except Check.Cancel: cancel the
// running checks (from another goroutine) for Close to return sooner.
//
// destroy takes the GIL and keeps it, on the thread that started Python
// (its own, which then ends): after Close no Python code runs again in the
// process. Threads a check started stay blocked, as they are when the
// Agent stops; Checks not yet released are dropped with the backend.
// Python is not finalized (CPython cannot restart, so a later Open returns
// ErrAlreadyOpened), and rtloader's backend slot is free again. Closing
// twice returns ErrClosed. GIL: must not be held by the caller.
func (l *Loader) Close() error {
	if l == nil || l.rt == nil {
		return ErrNotOpen
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.closed = true
	for l.inflight > 0 {
		l.cond.Wait()
	}
	l.done = true
	l.mu.Unlock()
	// No call is in progress and none can start: nothing of this loader
	// needs the GIL any more.
	l.py.do(func() { C.destroy(l.rt) })
	l.py.end()
	currentMu.Lock()
	current = nil
	currentMu.Unlock()
	return nil
}

// GIL is the sticky GIL lock: the goroutine stays on its OS thread from
// LockGIL to Unlock.
type GIL struct {
	l     *Loader
	state C.rtloader_gilstate_t
	done  bool
}

// LockGIL locks the goroutine to its OS thread and takes the GIL
// (ensure_gil, re-entrant). Release it with Unlock on the same goroutine,
// typically `defer g.Unlock()`. Only needed to call rtloader's C API
// directly: the Loader's methods take the GIL themselves (holding it while
// calling them is fine: ensure_gil is re-entrant). Errors: ErrNotOpen,
// ErrClosed. While a GIL is held, Close waits for it.
func (l *Loader) LockGIL() (*GIL, error) {
	return l.lockGIL(l.enter)
}

// lockGIL is LockGIL with the admission rule enter (enter or enterCancel).
func (l *Loader) lockGIL(enter func() error) (*GIL, error) {
	if err := enter(); err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	return &GIL{l: l, state: C.ensure_gil(l.rt)}, nil
}

// Unlock releases the GIL (release_gil) and unlocks the OS thread. A
// second Unlock does nothing.
func (g *GIL) Unlock() {
	if g == nil || g.done {
		return
	}
	g.done = true
	C.release_gil(g.l.rt, g.state)
	runtime.UnlockOSThread()
	g.l.leave()
}

// Handle returns the rtloader_t* for direct C API calls (as unsafe.Pointer;
// convert with (*C.rtloader_t)(p) in your cgo code). Ownership: the
// Loader's; do not destroy it. Valid until Close (which destroys it).
func (l *Loader) Handle() unsafe.Pointer {
	if l == nil {
		return nil
	}
	return unsafe.Pointer(l.rt)
}

// withGIL runs f with the GIL held on a locked thread, and the error slot
// copied before the GIL is released (it is shared by all threads).
func (l *Loader) withGIL(f func() error) error {
	return l.withGILAdmitted(l.enter, f)
}

// withGILAdmitted is withGIL with the admission rule enter.
func (l *Loader) withGILAdmitted(enter func() error, f func() error) error {
	g, err := l.lockGIL(enter)
	if err != nil {
		return err
	}
	defer g.Unlock()
	return f()
}

// takeError returns and clears rtloader's pending error. GIL: held.
func (l *Loader) takeError() string {
	return C.GoString(C.get_error(l.rt))
}

// PythonInfo is the running Python's version and sys.path (get_py_info).
type PythonInfo struct {
	Version string
	Path    string // repr(sys.path)
}

// PythonInfo reports the running Python. Takes the GIL.
func (l *Loader) PythonInfo() (PythonInfo, error) {
	var info PythonInfo
	err := l.withGIL(func() error {
		pi := C.get_py_info(l.rt)
		if pi == nil {
			return fmt.Errorf("rtloader: get_py_info: %s", l.takeError())
		}
		defer C.free_py_info(l.rt, pi)
		info.Version = C.GoString(pi.version)
		if pi.path != nil {
			info.Path = C.GoString(pi.path)
		}
		return nil
	})
	return info, err
}

// RtloaderMemoryStats returns and resets rtloader's own allocator counters
// (get_and_reset_memory_stats; zero unless Options.MemoryTracker). GIL: none.
func RtloaderMemoryStats() (allocations, frees uint64, inuseDelta int64) {
	s := C.get_and_reset_memory_stats()
	return uint64(s.allocations), uint64(s.frees), int64(s.inuse_bytes)
}

// PymemStats returns Python's allocator counters (get_pymem_stats; zero
// unless Options.PymemStats). GIL: none.
func (l *Loader) PymemStats() (inuse, alloc uint64, err error) {
	if err := l.enter(); err != nil {
		return 0, 0, err
	}
	defer l.leave()
	var s C.pymem_stats_t
	C.get_pymem_stats(l.rt, &s)
	return uint64(s.inuse), uint64(s.alloc), nil
}
