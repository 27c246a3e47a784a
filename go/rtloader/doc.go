// Package rtloader lets a Go program load, configure and run Datadog Agent
// Python checks through rtloader (C), the way the Agent's collector does.
//
// A Go host opens one Loader per process (Open), which loads the Python
// backend for a Python home (make3), registers every callback of the C API
// (each served by the Host the program gives, BaseHost's defaults
// otherwise), adds the Python paths and starts the interpreter (init). It
// then loads checks (Loader.Load: `datadog_checks.<name>` then `<name>`,
// `__version__`, the new constructor then the deprecated one) and runs them
// (Check.Run). Close releases the loader and the backend (destroy).
//
// # One Python per process
//
// rtloader's callbacks are process-global C function pointers and CPython
// cannot be started twice, so Open succeeds once per process: a second
// Open, even after Close, returns ErrAlreadyOpened. After Close every
// method returns ErrClosed.
//
// Close calls rtloader's destroy once no call is in progress: the backend
// drops its base class and Python paths and frees itself, and rtloader's
// backend slot is free again. destroy must restore the thread state init
// saved, on the thread that saved it, and keeps the GIL: Open therefore
// runs make3 and init on an OS thread of their own (a goroutine locked to
// it), Close runs destroy there, and the thread then ends, holding the GIL.
// No other goroutine ever runs on it, so nothing of the Go program waits
// for that GIL; the interpreter is not finalized (CPython cannot restart,
// and finalizing from a Go thread makes threading raise), and threads a
// check started stay blocked for good: no Python code runs after Close.
//
// # The GIL
//
// Every method that runs Python takes the GIL itself, as a "sticky" lock:
// the goroutine is locked to its OS thread (runtime.LockOSThread) from
// ensure_gil to release_gil, so the GIL is always released from the thread
// that took it, however the Go scheduler moves goroutines. Methods may be
// called from any number of goroutines at once; Python runs one at a time.
// Host callbacks run on the thread that called into Python, with or without
// the GIL (see Host), and may take as long as they need.
//
// # Memory
//
// Strings the package hands to Python through callbacks are allocated with
// TrackedCString (or TrackedCStringArray) and freed by rtloader through the
// cgo-free callback; TrackerStats reports how many were allocated and freed
// and how many bytes are still in use, so a host can report them (the
// Agent's MemoryTracker). Everything the package receives from rtloader is
// copied into Go memory and released before the method returns.
//
// # Errors
//
// Failures are Go errors, never crashes: a Python traceback is the text of
// a *PythonError; misuse (a nil or closed Loader, a released Check) gives
// ErrNotOpen, ErrClosed or ErrReleased; a Host method that panics is
// recovered and raised in Python as a RuntimeError naming the callback.
package rtloader
