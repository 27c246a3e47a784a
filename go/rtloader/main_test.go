package rtloader_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/DataDog/datadog-agent/rtloader/go/internal/frontprobe"
	"github.com/DataDog/datadog-agent/rtloader/go/rtloader"
)

// recorder is the tests' Host: it records what checks submit, answers the
// getters with known values, panics in ClusterName, and yields the
// goroutine inside callbacks when migrate is set (forced migration).
type recorder struct {
	rtloader.BaseHost
	mu       sync.Mutex
	metrics  []string
	metadata map[string]string
	logs     []string
	events   []*rtloader.Event
	services []string
	migrate  atomic.Bool
	calls    atomic.Int64
}

func (r *recorder) yield() {
	r.calls.Add(1)
	if r.migrate.Load() {
		runtime.Gosched()
	}
}

func (r *recorder) SubmitMetric(id string, t rtloader.MetricType, name string, v float64, tags []string, host string, _ bool) {
	r.yield()
	r.mu.Lock()
	r.metrics = append(r.metrics, fmt.Sprintf("%s %s %g %s", t, name, v, strings.Join(tags, ",")))
	r.mu.Unlock()
}

func (r *recorder) SubmitServiceCheck(id, name string, status int, tags []string, host, msg string) {
	r.yield()
	r.mu.Lock()
	r.services = append(r.services, fmt.Sprintf("%s %d %s %s", name, status, strings.Join(tags, ","), msg))
	r.mu.Unlock()
}

func (r *recorder) SubmitEvent(id string, ev *rtloader.Event) {
	r.yield()
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

func (r *recorder) SetCheckMetadata(id, name, value string) {
	r.yield()
	r.mu.Lock()
	r.metadata[name] = value
	r.mu.Unlock()
}

func (r *recorder) Log(msg string, level rtloader.LogLevel) {
	r.yield()
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf("%d %s", level, msg))
	r.mu.Unlock()
}

func (r *recorder) Hostname() (string, bool) { r.yield(); return "go-test-host", true }
func (r *recorder) Version() (string, bool)  { r.yield(); return "7.1.2", true }
func (r *recorder) Config(key string) (string, bool) {
	r.yield()
	if key == "some.key" {
		return `{"a": 1}`, true
	}
	return "", false
}
func (r *recorder) Tags(entity string, _ rtloader.Cardinality) []string {
	r.yield()
	if entity == "entity-1" {
		return []string{"t:1", "t:2"}
	}
	return nil
}
func (r *recorder) IsExcluded(name, image, ns string) bool { r.yield(); return name == "bad" }
func (r *recorder) ConnectionInfo() (string, bool)         { r.yield(); return `{"k": "v"}`, true }
func (r *recorder) ClusterName() (string, bool)            { panic("gohost cluster panic") }

func (r *recorder) reset() {
	r.mu.Lock()
	r.metrics, r.logs, r.events, r.services = nil, nil, nil, nil
	r.metadata = map[string]string{}
	r.mu.Unlock()
}

var (
	loader *rtloader.Loader
	host   = &recorder{metadata: map[string]string{}}
	// runPath holds the default persistent cache of the tests.
	runPath string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rtloader-go-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	runPath = filepath.Join(dir, "run")
	cache, err := rtloader.OpenCache(runPath, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cache:", err)
		return 1
	}
	defer cache.Close()
	host.BaseHost.Cache = cache
	if !failedOpensCanBeRetried() {
		return 1
	}
	loader, err = rtloader.Open(rtloader.Options{
		PythonHome:  os.Getenv("RTLOADER_TEST_PYTHON_HOME"),
		PythonPaths: []string{"testdata/checks.d", "../../host/python"},
		Host:        host,
		AgentConfig: "agent_key: agent value\n",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	code := m.Run()
	if code == 0 && !afterClose() {
		code = 1
	}
	return code
}

// failedOpensCanBeRetried: an Open refused before any Python was loaded
// (agent configuration that does not parse, a home make3 rejects) returns
// that error and leaves the process free to Open for real afterwards.
func failedOpensCanBeRetried() bool {
	ok := true
	bad := []struct {
		what string
		opts rtloader.Options
		want string
	}{
		{"bad AgentConfig", rtloader.Options{AgentConfig: "{unclosed: ["}, "agent config"},
		{"NUL in a Python path", rtloader.Options{PythonPaths: []string{"testdata\x00/checks.d"}}, "NUL byte"},
		{"nil *recorder as Host", rtloader.Options{Host: (*recorder)(nil)}, "Options.Host is a nil *rtloader_test.recorder"},
		{"missing PythonHome", rtloader.Options{PythonHome: "/nonexistent/python-home"}, "cannot load the Python backend"},
	}
	for _, b := range bad {
		_, err := rtloader.Open(b.opts)
		if err == nil || errors.Is(err, rtloader.ErrAlreadyOpened) || !strings.Contains(err.Error(), b.want) {
			fmt.Fprintf(os.Stderr, "Open with a %s returned %v, want an error containing %q\n", b.what, err, b.want)
			ok = false
		}
	}
	return ok
}

// closeWhileACheckRuns closes the loader while a check that runs until
// cancelled (up to 10 s) is running: new calls fail at once, Cancel still
// reaches the check, and Close returns when the run has ended.
func closeWhileACheckRuns() bool {
	host.reset()
	check, err := loader.Load(rtloader.CheckConfig{Name: "gohost_cancel"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "closeWhileACheckRuns: load:", err)
		return false
	}
	ran := make(chan error, 1)
	go func() { ran <- check.Run() }()
	for started := false; !started; {
		time.Sleep(5 * time.Millisecond)
		host.mu.Lock()
		started = len(host.metrics) > 0
		host.mu.Unlock()
	}
	start := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- loader.Close() }()
	for {
		if _, err := loader.PythonInfo(); errors.Is(err, rtloader.ErrClosed) {
			break // Close has begun
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-closed:
		fmt.Fprintln(os.Stderr, "closeWhileACheckRuns: Close returned while the check ran:", err)
		return false
	default:
	}
	if err := check.Cancel(); err != nil {
		fmt.Fprintln(os.Stderr, "closeWhileACheckRuns: Cancel during Close:", err)
		return false
	}
	if err := <-ran; err != nil {
		fmt.Fprintln(os.Stderr, "closeWhileACheckRuns: Run:", err)
		return false
	}
	if err := <-closed; err != nil {
		fmt.Fprintln(os.Stderr, "closeWhileACheckRuns: Close:", err)
		return false
	}
	if waited := time.Since(start); waited > 5*time.Second {
		fmt.Fprintln(os.Stderr, "closeWhileACheckRuns: Close took", waited)
		return false
	}
	if err := check.Cancel(); !errors.Is(err, rtloader.ErrClosed) {
		fmt.Fprintln(os.Stderr, "closeWhileACheckRuns: Cancel after Close:", err)
		return false
	}
	return true
}

// startTicker runs gohost_ticker, whose Python thread appends to a file
// every 10 ms until Close; it returns once the file grows.
func startTicker() (string, error) {
	path := filepath.Join(runPath, "..", "ticks")
	c, err := loader.Load(rtloader.CheckConfig{Name: "gohost_ticker", Instance: "path: " + path + "\n"})
	if err != nil {
		return "", err
	}
	if err := c.Run(); err != nil {
		return "", err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, _ := os.ReadFile(path); len(b) > 4 {
			return path, nil
		}
	}
	return "", errors.New("the ticker thread never wrote")
}

// afterClose checks misuse once the loader is closed: every call is a Go
// error, not a crash. It runs after the tests (the loader is per process).
func afterClose() bool {
	check, err := loader.Load(rtloader.CheckConfig{Name: "gohost_bench"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "afterClose: load:", err)
		return false
	}
	ticks, err := startTicker()
	if err != nil {
		fmt.Fprintln(os.Stderr, "afterClose: ticker:", err)
		return false
	}
	if !closeWhileACheckRuns() {
		return false
	}
	ok := true
	// Close took the GIL for good (destroy): the ticker's Python thread,
	// which wrote every 10 ms, writes no more
	before, _ := os.ReadFile(ticks)
	time.Sleep(200 * time.Millisecond)
	if after, _ := os.ReadFile(ticks); len(before) == 0 || len(after) != len(before) {
		fmt.Fprintf(os.Stderr, "afterClose: a check's Python thread still runs after Close (%d bytes, then %d)\n", len(before), len(after))
		ok = false
	}
	expect := func(what string, got, want error) {
		if !errors.Is(got, want) {
			fmt.Fprintf(os.Stderr, "afterClose: %s returned %v, want %v\n", what, got, want)
			ok = false
		}
	}
	expect("Run", check.Run(), rtloader.ErrClosed)
	_, err = check.Warnings()
	expect("Warnings", err, rtloader.ErrClosed)
	expect("Cancel", check.Cancel(), rtloader.ErrClosed)
	_, err = check.Diagnoses()
	expect("Diagnoses", err, rtloader.ErrClosed)
	expect("Release", check.Release(), rtloader.ErrClosed)
	_, err = loader.Load(rtloader.CheckConfig{Name: "gohost_bench"})
	expect("Load", err, rtloader.ErrClosed)
	_, err = loader.LockGIL()
	expect("LockGIL", err, rtloader.ErrClosed)
	_, err = loader.PythonInfo()
	expect("PythonInfo", err, rtloader.ErrClosed)
	expect("Close", loader.Close(), rtloader.ErrClosed)
	_, err = rtloader.Open(rtloader.Options{})
	expect("Open after Close", err, rtloader.ErrAlreadyOpened)
	// Close released the backend (destroy): rtloader's slot is free, where
	// a live backend makes make3 answer "RtLoader already initialized!"
	if free, msg := frontprobe.BackendSlotFree(os.Getenv("RTLOADER_TEST_PYTHON_HOME")); !free {
		fmt.Fprintf(os.Stderr, "afterClose: the backend was not released: make3 says %q\n", msg)
		ok = false
	}
	if ok {
		fmt.Println("afterClose: every call on the closed loader returned ErrClosed; the backend was released")
	}
	return ok
}
