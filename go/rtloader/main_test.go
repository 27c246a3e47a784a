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

// afterClose checks misuse once the loader is closed: every call is a Go
// error, not a crash. It runs after the tests (the loader is per process).
func afterClose() bool {
	check, err := loader.Load(rtloader.CheckConfig{Name: "gohost_bench"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "afterClose: load:", err)
		return false
	}
	if err := loader.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "afterClose: close:", err)
		return false
	}
	ok := true
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
	if ok {
		fmt.Println("afterClose: every call on the closed loader returned ErrClosed")
	}
	return ok
}
