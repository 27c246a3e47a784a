package rtloader_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/datadog-agent/rtloader/go/rtloader"
)

func load(t *testing.T, cfg rtloader.CheckConfig) *rtloader.Check {
	t.Helper()
	c, err := loader.Load(cfg)
	if err != nil {
		t.Fatalf("Load(%s): %v", cfg.Name, err)
	}
	t.Cleanup(func() {
		if err := c.Release(); err != nil {
			t.Errorf("Release: %v", err)
		}
	})
	return c
}

func TestProbeEveryCallbackFamily(t *testing.T) {
	host.reset()
	before := rtloader.TrackerStats()
	c := load(t, rtloader.CheckConfig{Name: "gohost_probe", Instance: "value: 5\n", InitConfig: `{"i": true}`})
	// the id hashes the compact JSON of both documents, YAML or not
	if want := rtloader.CheckID("gohost_probe", `{"value": 5}`, `{"i": true}`); c.ID != want {
		t.Errorf("ID = %s, want %s", c.ID, want)
	}
	if c.Version != "2.5.0" || c.Provider != rtloader.DefaultProvider {
		t.Errorf("Version %q Provider %q", c.Version, c.Provider)
	}
	for run := 1; run <= 2; run++ {
		if err := c.Run(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	warnings, err := c.Warnings()
	if err != nil || strings.Join(warnings, "|") != "gohost warning 7|gohost warning 7" {
		t.Errorf("warnings %q, %v", warnings, err)
	}
	host.mu.Lock()
	defer host.mu.Unlock()
	wantMetrics := "gauge gohost.gauge 5 b:2,a:1|count gohost.count 2 |count gohost.count 3 "
	if got := strings.Join(host.metrics[:3], "|"); got != wantMetrics {
		t.Errorf("metrics %q, want %q", got, wantMetrics)
	}
	if len(host.services) != 2 || host.services[0] != "gohost.sc 1 x:y meh" {
		t.Errorf("service checks %q", host.services)
	}
	if len(host.events) != 2 || host.events[0].Title != "t" || host.events[0].Text != "body" ||
		host.events[0].Timestamp != 12 || strings.Join(host.events[0].Tags, ",") != "e:1" || !host.events[0].Null["priority"] {
		t.Errorf("event %+v", host.events)
	}
	want := map[string]string{
		"hostname":   "go-test-host",
		"version":    "7.1.2",
		"config":     `{"a": 1}`,
		"tags":       `["t:1", "t:2"]`,
		"excluded":   "True",
		"conn":       `{"k": "v"}`,
		"subprocess": `["out\n", "err\n", 3]`,
		"obfuscate":  "obfuscate_sql is not supported by this host (no obfuscator is built in)",
	}
	for k, v := range want {
		if host.metadata[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, host.metadata[k], v)
		}
	}
	if !strings.Contains(strings.Join(host.logs, "\n"), "30 datadog_checks.gohost_probe: gohost log line") {
		t.Errorf("logs %q", host.logs)
	}
	// the second run read what the first wrote, in the C host's layout
	data, err := os.ReadFile(filepath.Join(runPath, "cache", "gohost_probe", strings.TrimPrefix(c.ID, "gohost_probe:")+"_runs"))
	if err != nil || string(data) != "2" {
		t.Errorf("cache file: %q, %v", data, err)
	}
	after := rtloader.TrackerStats()
	if after.Allocations == before.Allocations {
		t.Error("the memory tracker counted no allocation for the callbacks' strings")
	}
	if after.Allocations-before.Allocations != after.Frees-before.Frees || after.InUseBytes != before.InUseBytes {
		t.Errorf("memory tracker unbalanced: before %+v after %+v", before, after)
	}
}

func TestRunErrorCarriesTraceback(t *testing.T) {
	c := load(t, rtloader.CheckConfig{Name: "gohost_fail"})
	err := c.Run()
	var pe *rtloader.PythonError
	if !errors.As(err, &pe) || pe.Op != "run" {
		t.Fatalf("Run: %v (%T)", err, err)
	}
	for _, want := range []string{"Traceback (most recent call last)", "ValueError: gohost boom", "gohost_fail.py"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
}

func TestPanickingCallbackBecomesPythonException(t *testing.T) {
	host.reset()
	c := load(t, rtloader.CheckConfig{Name: "gohost_panic"})
	err := c.Run()
	if err == nil || !strings.Contains(err.Error(), "rtloader: Go callback ClusterName panicked: gohost cluster panic") {
		t.Fatalf("Run: %v", err)
	}
	host.mu.Lock()
	defer host.mu.Unlock()
	if caught := host.metadata["caught"]; !strings.Contains(caught, "Go callback ClusterName panicked") {
		t.Errorf("the check could not catch the exception: %q", caught)
	}
	if len(host.metrics) != 1 {
		t.Errorf("the check did not go on after catching: %q", host.metrics)
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := loader.Load(rtloader.CheckConfig{Name: "gohost_no_such_check"})
	var le *rtloader.LoadError
	if !errors.As(err, &le) || !le.Class {
		t.Fatalf("missing module: %v (%T)", err, err)
	}
	if !strings.Contains(le.Message, "'gohost_no_such_check'") || !strings.Contains(le.Message, "datadog_checks.gohost_no_such_check") {
		t.Errorf("both import errors expected:\n%s", le.Message)
	}
	_, err = loader.Load(rtloader.CheckConfig{Name: "gohost_ctor"})
	if !errors.As(err, &le) || le.Class || errors.Is(err, rtloader.ErrSkipInstance) {
		t.Fatalf("constructor: %v", err)
	}
	for _, want := range []string{
		"could not invoke 'gohost_ctor' python check constructor. New constructor API returned:\n",
		"Deprecated constructor API returned:\n", "RuntimeError: gohost ctor refused",
	} {
		if !strings.Contains(le.Message, want) {
			t.Errorf("combined error lacks %q:\n%s", want, le.Message)
		}
	}
	if _, err := loader.Load(rtloader.CheckConfig{Name: "gohost_probe", Instance: "a: [1"}); err == nil ||
		!strings.Contains(err.Error(), "instance of gohost_probe") {
		t.Errorf("bad YAML: %v", err)
	}
}

func TestCancelStopsARun(t *testing.T) {
	host.reset()
	c := load(t, rtloader.CheckConfig{Name: "gohost_cancel"})
	done := make(chan error, 1)
	go func() { done <- c.Run() }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		host.mu.Lock()
		started := len(host.metrics) > 0
		host.mu.Unlock()
		if started {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the check never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := c.Cancel(); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the run did not stop after Cancel")
	}
	host.mu.Lock()
	defer host.mu.Unlock()
	if last := host.metrics[len(host.metrics)-1]; last != "gauge gohost.saw_cancel 1 " {
		t.Errorf("last metric %q", last)
	}
}

func TestDiagnoses(t *testing.T) {
	c := load(t, rtloader.CheckConfig{Name: "gohost_diag"})
	d, err := c.Diagnoses()
	if err != nil || d != `[{"result": 0, "name": "gohost", "diagnosis": "fine"}]` {
		t.Errorf("Diagnoses %q, %v", d, err)
	}
	// the base class's default: an empty list
	c2 := load(t, rtloader.CheckConfig{Name: "gohost_bench"})
	if d, err := c2.Diagnoses(); err != nil || d != "[]" {
		t.Errorf("default Diagnoses %q, %v", d, err)
	}
}

func TestMisuseIsAnError(t *testing.T) {
	var none *rtloader.Loader
	if _, err := none.Load(rtloader.CheckConfig{Name: "gohost_bench"}); !errors.Is(err, rtloader.ErrNotOpen) {
		t.Errorf("nil loader: %v", err)
	}
	if _, err := (&rtloader.Loader{}).Load(rtloader.CheckConfig{Name: "gohost_bench"}); !errors.Is(err, rtloader.ErrNotOpen) {
		t.Errorf("zero loader: %v", err)
	}
	if err := (&rtloader.Loader{}).Close(); !errors.Is(err, rtloader.ErrNotOpen) {
		t.Errorf("zero loader Close: %v", err)
	}
	if _, err := rtloader.Open(rtloader.Options{}); !errors.Is(err, rtloader.ErrAlreadyOpened) {
		t.Errorf("second Open: %v", err)
	}
	c, err := loader.Load(rtloader.CheckConfig{Name: "gohost_bench"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	if err := c.Run(); !errors.Is(err, rtloader.ErrReleased) {
		t.Errorf("Run after Release: %v", err)
	}
	var nilCheck *rtloader.Check
	if err := nilCheck.Run(); !errors.Is(err, rtloader.ErrReleased) {
		t.Errorf("nil check: %v", err)
	}
}

func TestGILIsReentrantAndSticky(t *testing.T) {
	g, err := loader.LockGIL()
	if err != nil {
		t.Fatal(err)
	}
	defer g.Unlock()
	// a method taking the GIL again on the same thread must not deadlock
	info, err := loader.PythonInfo()
	if err != nil || !strings.HasPrefix(info.Version, "3.") {
		t.Errorf("PythonInfo %+v, %v", info, err)
	}
	if want := os.Getenv("RTLOADER_TEST_PYTHON_VERSION"); want != "" && !strings.HasPrefix(info.Version, want+".") {
		t.Errorf("running Python %s, want %s", info.Version, want)
	}
}
