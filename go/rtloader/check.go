package rtloader

/*
#include <stdlib.h>
#include "datadog_agent_rtloader.h"

static inline char *rtloader_go_warning(char **w, size_t i) { return w[i]; }
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

// SkipInstanceMessage is integrations-core's SkipInstanceError text: a
// constructor failing with it refuses the instance (it is not retried with
// the deprecated constructor, and is not a load failure).
const SkipInstanceMessage = "The integration refused to load the check configuration, it may be too old or too new."

// DefaultProvider is the provider of checks loaded from files.
const DefaultProvider = "file"

// ErrReleased is returned by the methods of a released Check.
var ErrReleased = errors.New("rtloader: the check was released")

// ErrSkipInstance matches (errors.Is) a LoadError whose constructor
// refused the instance with SkipInstanceMessage.
var ErrSkipInstance = errors.New("rtloader: the integration refused the instance")

// PythonError is a failure reported by Python: Message is rtloader's text,
// for an exception its formatted traceback.
type PythonError struct {
	Op      string // "run", "warnings", "cancel", ...
	Message string
}

// Error returns Message unchanged (the C host prints the same text).
func (e *PythonError) Error() string { return e.Message }

// LoadError is a check that could not be loaded. Class is true when the
// check's class could not be imported at all (no instance can load);
// Message is the C host's text: both imports' errors, or the combined
// text of both constructors ("could not invoke '<name>' python check
// constructor. New constructor API returned: ...").
type LoadError struct {
	Check   string
	Class   bool
	Skipped bool // the constructor raised SkipInstanceMessage
	Message string
}

// Error returns Message.
func (e *LoadError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrSkipInstance) true for skipped instances.
func (e *LoadError) Is(target error) bool { return target == ErrSkipInstance && e.Skipped }

// CheckConfig is one instance of a check to load.
type CheckConfig struct {
	Name string
	// InitConfig and Instance are YAML or JSON documents (a map each);
	// "" = {}. They reach the check's load_config as compact JSON.
	InitConfig string
	Instance   string
	// Provider is set on the instance ("" = DefaultProvider).
	Provider string
	// Source names where the configuration came from (informative).
	Source string
	// Interval is min_collection_interval in seconds (LoadConfigs fills
	// it; informative for the package, the host schedules runs).
	Interval float64
}

// Check is one loaded check instance. Its methods are safe for concurrent
// use, but an instance should not Run twice at once (the C host and the
// Agent never do).
type Check struct {
	Name     string
	ID       string // CheckID: "<name>:<16 hex digits>"
	Version  string // the module's __version__, or "unversioned"
	Provider string
	Source   string

	l        *Loader
	mu       sync.RWMutex
	obj      *C.rtloader_pyobject_t
	released bool
}

// CheckID returns the C host's stable check id: "<name>:" and the FNV-1a
// 64 hash of the instance and init_config JSON texts, in 16 hex digits.
// The same configuration gives the same id in both hosts and across runs.
func CheckID(name, instanceJSON, initConfigJSON string) string {
	h := uint64(0xcbf29ce484222325)
	for _, part := range []string{instanceJSON, initConfigJSON} {
		for i := 0; i < len(part) && part[i] != 0; i++ {
			h = (h ^ uint64(part[i])) * 0x100000001b3
		}
		h = (h ^ 0xff) * 0x100000001b3
	}
	return fmt.Sprintf("%s:%016x", name, h)
}

// noNUL refuses a string C would read only up to its NUL byte (a name cut
// short there would load or configure something else than was asked).
func noNUL(what, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("rtloader: the %s %q contains a NUL byte", what, s)
	}
	return nil
}

func canonical(doc string) (string, error) {
	if strings.TrimSpace(doc) == "" {
		return "{}", nil
	}
	return ConfigToJSON(doc)
}

// Load loads one instance the Agent's way: get_class of
// `datadog_checks.<name>`, then `<name>` (both errors combined when both
// fail), the module's __version__ (default "unversioned"), get_check with
// the provider and the stable id, and when that fails (except with
// SkipInstanceMessage) get_check_deprecated with Options.AgentConfig.
//
// Ownership: the Check holds a Python reference until Release.
// GIL: taken. Errors: *LoadError, a configuration that is not YAML/JSON,
// a name or provider with a NUL byte, ErrNotOpen, ErrClosed.
func (l *Loader) Load(cfg CheckConfig) (*Check, error) {
	if err := noNUL("check name", cfg.Name); err != nil {
		return nil, err
	}
	if err := noNUL("provider", cfg.Provider); err != nil {
		return nil, err
	}
	initJSON, err := canonical(cfg.InitConfig)
	if err != nil {
		return nil, fmt.Errorf("rtloader: init_config of %s: %w", cfg.Name, err)
	}
	instJSON, err := canonical(cfg.Instance)
	if err != nil {
		return nil, fmt.Errorf("rtloader: instance of %s: %w", cfg.Name, err)
	}
	c := &Check{Name: cfg.Name, ID: CheckID(cfg.Name, instJSON, initJSON), Provider: cfg.Provider,
		Source: cfg.Source, Version: "unversioned", l: l}
	if c.Provider == "" {
		c.Provider = DefaultProvider
	}
	err = l.withGIL(func() error {
		module, klass, lerr := l.loadClass(cfg.Name)
		if lerr != nil {
			return lerr
		}
		defer C.rtloader_decref(l.rt, klass)
		defer C.rtloader_decref(l.rt, module)
		attr := C.CString("__version__")
		defer C.free(unsafe.Pointer(attr))
		var version *C.char
		if C.get_attr_string(l.rt, module, attr, &version) == 1 {
			c.Version = C.GoString(version)
			C.rtloader_free(l.rt, unsafe.Pointer(version))
		} else {
			C.clear_error(l.rt)
		}
		obj, ierr := l.instantiate(klass, cfg.Name, initJSON, instJSON, c.ID, c.Provider)
		c.obj = obj
		return ierr
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// loadClass: datadog_checks.<name> (an installed wheel), then <name>. GIL held.
func (l *Loader) loadClass(name string) (module, klass *C.rtloader_pyobject_t, err error) {
	wheel := C.CString("datadog_checks." + name)
	defer C.free(unsafe.Pointer(wheel))
	if C.get_class(l.rt, wheel, &module, &klass) == 1 {
		return module, klass, nil
	}
	wheelErr := l.takeError()
	plain := C.CString(name)
	defer C.free(unsafe.Pointer(plain))
	if C.get_class(l.rt, plain, &module, &klass) == 1 {
		return module, klass, nil
	}
	return nil, nil, &LoadError{Check: name, Class: true, Message: l.takeError() + "\n" + wheelErr}
}

// instantiate: get_check, then get_check_deprecated, as the Agent. GIL held.
func (l *Loader) instantiate(klass *C.rtloader_pyobject_t, name, initJSON, instJSON, id, provider string) (*C.rtloader_pyobject_t, error) {
	cs := func(s string) *C.char { return C.CString(s) }
	cInit, cInst, cID, cName, cProv := cs(initJSON), cs(instJSON), cs(id), cs(name), cs(provider)
	defer func() {
		for _, p := range []*C.char{cInit, cInst, cID, cName, cProv} {
			C.free(unsafe.Pointer(p))
		}
	}()
	var check *C.rtloader_pyobject_t
	if C.get_check(l.rt, klass, cInit, cInst, cID, cName, cProv, &check) == 1 {
		return check, nil
	}
	newErr := l.takeError()
	if strings.Contains(newErr, SkipInstanceMessage) {
		return nil, &LoadError{Check: name, Skipped: true, Message: newErr}
	}
	cAgent := cs(l.agentConfig)
	defer C.free(unsafe.Pointer(cAgent))
	if C.get_check_deprecated(l.rt, klass, cInit, cInst, cAgent, cID, cName, cProv, &check) == 1 {
		return check, nil
	}
	oldErr := l.takeError()
	return nil, &LoadError{Check: name, Message: fmt.Sprintf(
		"could not invoke '%s' python check constructor. New constructor API returned:\n%sDeprecated constructor API returned:\n%s",
		name, newErr, oldErr)}
}

// use runs f with the check's object under the GIL; ErrReleased once released.
func (c *Check) use(f func(obj *C.rtloader_pyobject_t) error) error {
	return c.useAdmitted(false, f)
}

// useAdmitted is use; cancel admits the call while the Loader is closing.
func (c *Check) useAdmitted(cancel bool, f func(obj *C.rtloader_pyobject_t) error) error {
	if c == nil {
		return ErrReleased
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.released {
		return ErrReleased
	}
	enter := c.l.enter
	if cancel {
		enter = c.l.enterCancel
	}
	return c.l.withGILAdmitted(enter, func() error { return f(c.obj) })
}

// Run calls check.run() once. Returns nil on success, a *PythonError with
// the run's error text (for an exception, its traceback) otherwise, or
// ErrReleased, ErrClosed. GIL: taken for the call.
func (c *Check) Run() error {
	return c.use(func(obj *C.rtloader_pyobject_t) error {
		res := C.run_check(c.l.rt, obj)
		if res == nil {
			return &PythonError{Op: "run", Message: c.l.takeError()}
		}
		defer C.rtloader_free(c.l.rt, unsafe.Pointer(res))
		if msg := C.GoString(res); msg != "" {
			return &PythonError{Op: "run", Message: msg}
		}
		return nil
	})
}

// Warnings returns (and so clears) the warnings the check recorded
// (get_checks_warnings). GIL: taken. Errors: *PythonError, ErrReleased.
func (c *Check) Warnings() ([]string, error) {
	var out []string
	err := c.use(func(obj *C.rtloader_pyobject_t) error {
		w := C.get_checks_warnings(c.l.rt, obj)
		if w == nil {
			return &PythonError{Op: "warnings", Message: c.l.takeError()}
		}
		for i := C.size_t(0); C.rtloader_go_warning(w, i) != nil; i++ {
			s := C.rtloader_go_warning(w, i)
			out = append(out, C.GoString(s))
			C.rtloader_free(c.l.rt, unsafe.Pointer(s))
		}
		C.rtloader_free(c.l.rt, unsafe.Pointer(w))
		return nil
	})
	return out, err
}

// Cancel calls check.cancel() (the default sets self.cancelled; a run in
// progress on another goroutine goes on until it checks). GIL: taken, so
// it waits for the running check to let go of it. Also works while Close
// waits for the running checks (so that it can return). Errors:
// *PythonError when cancel() raised, ErrReleased, ErrClosed once Close
// has returned.
func (c *Check) Cancel() error {
	return c.useAdmitted(true, func(obj *C.rtloader_pyobject_t) error {
		C.cancel_check(c.l.rt, obj)
		if C.has_error(c.l.rt) == 1 {
			return &PythonError{Op: "cancel", Message: c.l.takeError()}
		}
		return nil
	})
}

// Diagnoses returns check.get_diagnoses()'s JSON (a failing call gives a
// JSON list with one diagnosis of result 3 carrying the error, as
// rtloader does). GIL: taken. Errors: ErrReleased, ErrClosed.
func (c *Check) Diagnoses() (string, error) {
	var out string
	err := c.use(func(obj *C.rtloader_pyobject_t) error {
		d := C.get_check_diagnoses(c.l.rt, obj)
		if d == nil {
			return &PythonError{Op: "diagnoses", Message: c.l.takeError()}
		}
		out = C.GoString(d)
		C.rtloader_free(c.l.rt, unsafe.Pointer(d))
		return nil
	})
	return out, err
}

// Release drops the Python reference (it waits for the check's calls in
// progress). Later calls return ErrReleased; a second Release does
// nothing. GIL: taken. Errors: ErrClosed when the Loader was closed first
// (the reference then lives until the process ends).
func (c *Check) Release() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		return nil
	}
	err := c.l.withGIL(func() error {
		C.rtloader_decref(c.l.rt, c.obj)
		return nil
	})
	if err == nil {
		c.released = true
		c.obj = nil
	}
	return err
}

// Handle returns the check's rtloader_pyobject_t* for direct C API calls
// (as unsafe.Pointer), or nil once released. Ownership: borrowed, valid
// until Release. GIL: the caller must hold it (LockGIL) to use it.
func (c *Check) Handle() unsafe.Pointer {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return unsafe.Pointer(c.obj)
}
