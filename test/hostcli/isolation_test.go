package hostcli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Process isolation (docs/isolation.md): `check --isolation process` runs
// each instance in a worker process; faults of a check are runs that fail,
// never a host that dies.

// crashTree is a tree whose conf.d holds only crash_check.yaml with `conf`.
func crashTree(t *testing.T, conf string) *tree {
	t.Helper()
	tr := newTree(t, false)
	tr.writeFile(filepath.Join(tr.confd, "crash_check.yaml"), conf)
	return tr
}

// crashRunsOf returns the "run" objects of the instance whose source ends with `line`.
func crashRunsOf(objs []obj, sourceLine string) []obj {
	var out []obj
	for _, o := range where(objs, "run", "crash_check") {
		if strings.HasSuffix(o.str("source"), ":"+sourceLine) {
			out = append(out, o)
		}
	}
	return out
}

// A check that segfaults, aborts, calls os._exit or is SIGKILLed: its runs
// are errors naming the signal or the status, the crash report is on
// stderr, its worker is restarted, and the other instance on the same
// worker keeps running with everything it submitted.
func TestIsolationCrashes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		mode, want string
		report     bool // Python's faulthandler prints the traceback
	}{
		{"segv", "killed by signal 11 (Segmentation fault)", true},
		{"abort", "killed by signal 6 (Aborted)", true},
		{"exit", "exited with status 7", false},
		{"sigkill", "killed by signal 9 (Killed)", false},
	}
	for _, c := range cases {
		c := c
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			var env []string
			if c.mode == "segv" {
				// the signal is what is tested, not ASan's report of it
				env = append(env, noSegvHandler())
			}
			tr := crashTree(t, "instances:\n  - mode: "+c.mode+"\n  - mode: ok\n")
			r := tr.checkEnv(env, "crash_check", "--isolation", "process", "--workers", "1", "--times", "2", "--interval", "0")
			wantCode(t, r, 1)
			objs := r.lines(t)
			crashed := crashRunsOf(objs, "2")
			if len(crashed) != 2 {
				t.Fatalf("want 2 runs of the crashing instance, got %v\n%s", crashed, r)
			}
			for _, run := range crashed {
				if run.str("status") != "error" || !strings.Contains(run.str("error"), c.want) {
					t.Errorf("crashing run: want an error with %q, got %v", c.want, run)
				}
			}
			ok := crashRunsOf(objs, "3")
			if len(ok) != 2 || ok[0].str("status") != "ok" || ok[1].str("status") != "ok" {
				t.Fatalf("the healthy instance on the same worker must run ok twice, got %v\n%s", ok, r)
			}
			after := withField(where(objs, "metric", "crash_check"), "name", "crash.after")
			if len(after) != 2 {
				t.Errorf("the healthy instance's crash.after must arrive in both runs, got %v", after)
			}
			if c.report {
				wantContains(t, "stderr (crash report)", r.stderr, "Fatal Python error")
				wantContains(t, "stderr (crash report's traceback)", r.stderr, "crash_check.py")
			}
			wantContains(t, "stderr", r.stderr, "restarting a worker")
		})
	}
}

// c_stacktrace_collection: the worker installs rtloader's crash handler, so
// its report (C frames and the Python traceback) reaches the host's stderr.
func TestIsolationCrashReport(t *testing.T) {
	t.Parallel()
	tr := crashTree(t, "instances:\n  - mode: segv\n")
	tr.writeConfig("c_stacktrace_collection: true\n")
	r := tr.checkEnv([]string{noSegvHandler()}, "crash_check", "--isolation", "process")
	wantCode(t, r, 1)
	only := one(t, where(r.lines(t), "run", "crash_check"), "run")
	wantContains(t, "run error", only.str("error"), "killed by signal 11 (Segmentation fault)")
	wantContains(t, "stderr", r.stderr, "HANDLER CAUGHT signal 11")
	wantContains(t, "stderr", r.stderr, "PYTHON STACKTRACE")
	wantContains(t, "stderr", r.stderr, "crash_check.py")
	if strings.Contains(r.stderr, "Fatal Python error") {
		t.Errorf("faulthandler must stay off when rtloader's report is on (one report, not two)\n%s", r.stderr)
	}
}

// A check that crashes on every run is paused after 3 crashes in a row.
func TestIsolationPausesAfterRepeatedCrashes(t *testing.T) {
	t.Parallel()
	tr := crashTree(t, "instances:\n  - mode: exit\n")
	r := tr.check("crash_check", "--isolation", "process", "--times", "5", "--interval", "0")
	wantCode(t, r, 1)
	objs := r.lines(t)
	if runs := where(objs, "run", "crash_check"); len(runs) != 3 {
		t.Fatalf("want 3 runs before the pause, got %d\n%s", len(runs), r)
	}
	paused := one(t, where(objs, "paused", "crash_check"), "paused note")
	wantContains(t, "paused note", paused.str("message"), "3 runs in a row")
}

// run_timeout (instance or init_config): a check that ignores cancellation
// has its worker killed; one that honours it returns what it submitted.
// Either way the run is reported as timed out, and the next instance runs.
// (Run in parallel under load, it caught the janitor killing a restarted
// worker: TestJanitorOutlivesADrainedWorker.)
func TestIsolationRunTimeout(t *testing.T) {
	t.Parallel()
	tr := crashTree(t, "instances:\n  - mode: spin\n    run_timeout: 1\n  - mode: ok\n")
	tr.writeFile(filepath.Join(tr.confd, "crash_check.d", "sleep.yaml"),
		"init_config:\n  run_timeout: 1\ninstances:\n  - mode: sleep\n")
	start := time.Now()
	r := tr.check("crash_check", "--isolation", "process", "--workers", "1")
	wantCode(t, r, 1)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("two 1 s timeouts took %v", took)
	}
	objs := r.lines(t)
	var spin, sleep, okRun obj
	for _, run := range where(objs, "run", "crash_check") {
		switch {
		case strings.HasSuffix(run.str("source"), "crash_check.yaml:2"):
			spin = run
		case strings.HasSuffix(run.str("source"), "crash_check.yaml:4"):
			okRun = run
		case strings.Contains(run.str("source"), "sleep.yaml"):
			sleep = run
		}
	}
	if spin == nil || !strings.Contains(spin.str("error"), "timed out after 1 s (run_timeout)") ||
		!strings.Contains(spin.str("error"), "killed by signal 9") {
		t.Errorf("spinning check: want timed out and killed, got %v\n%s", spin, r)
	}
	if sleep == nil || !strings.Contains(sleep.str("error"), "timed out after 1 s (run_timeout); cancelled") {
		t.Errorf("sleeping check (init_config run_timeout): want timed out and cancelled, got %v\n%s", sleep, r)
	}
	if okRun == nil || okRun.str("status") != "ok" {
		t.Errorf("the instance after the spinning one must run ok, got %v\n%s", okRun, r)
	}
	found := false
	for _, m := range withField(where(objs, "metric", "crash_check"), "name", "crash.after") {
		found = found || sameStrings(m.strings("tags"), []string{"mode:sleep"})
	}
	if !found {
		t.Errorf("the cancelled check's crash.after must be delivered\n%s", r)
	}
}

// worker_rss_limit: a worker over the limit after a run is restarted, and
// says so; without a limit, nothing is restarted.
func TestIsolationRSSLimit(t *testing.T) {
	t.Parallel()
	conf := "instances:\n  - mode: grow\n    grow_mib: 96\n"
	tr := crashTree(t, conf)
	tr.writeConfig("worker_rss_limit: 150\n")
	r := tr.check("crash_check", "--isolation", "process", "--times", "3", "--interval", "0")
	wantCode(t, r, 0)
	objs := r.lines(t)
	restarts := where(objs, "worker_restart", "crash_check")
	if len(restarts) == 0 {
		t.Fatalf("a worker growing 96 MiB a run never passed worker_rss_limit 150\n%s", r)
	}
	wantContains(t, "restart note", restarts[0].str("message"), "over worker_rss_limit (150 MiB)")
	for _, run := range where(objs, "run", "crash_check") {
		if run.str("status") != "ok" {
			t.Errorf("every run must succeed, got %v", run)
		}
	}
	tr.writeConfig("")
	r = tr.check("crash_check", "--isolation", "process", "--times", "2", "--interval", "0")
	wantCode(t, r, 0)
	if n := len(where(r.lines(t), "worker_restart", "")); n != 0 {
		t.Errorf("no limit: want no restart, got %d\n%s", n, r)
	}
}

func waitFile(t *testing.T, path string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sleepingCheck starts `check crash_check` on an instance that sleeps until
// cancelled, in worker processes (isolation "process", one worker) or in
// process (""); it returns the host's child processes once the run started.
func sleepingCheck(t *testing.T, isolation string) (*tree, *liveProcess, []int) {
	t.Helper()
	tr := crashTree(t, "")
	started := filepath.Join(tr.dir, "started")
	tr.writeFile(filepath.Join(tr.confd, "crash_check.yaml"),
		"instances:\n  - mode: sleep\n    started_file: "+started+"\n")
	args := []string{"check", "crash_check", "--confd", tr.confd, "--config", tr.config, "--format", "json"}
	if isolation != "" {
		args = append(args, "--isolation", isolation, "--workers", "1")
	}
	p := startLive(t, tr.dir, args...)
	waitFile(t, started, 30*time.Second)
	workers := childPids(t, p.cmd.Process.Pid)
	if want := map[bool]int{true: 1, false: 0}[isolation != ""]; len(workers) != want {
		t.Fatalf("want %d worker process(es), found %v\n%s", want, workers, p.dump())
	}
	return tr, p, workers
}

// SIGTERM: the run is cancelled (reported as such) and the host exits
// within the grace period, in process and in worker processes, where the
// worker exits with the host.
func TestIsolationSIGTERM(t *testing.T) {
	t.Parallel()
	for _, isolation := range []string{"", "process"} {
		t.Run("isolation="+isolation, func(t *testing.T) {
			_, p, workers := sleepingCheck(t, isolation)
			code, took := p.stop(syscall.SIGTERM, 10*time.Second)
			if code != 0 {
				t.Errorf("exit code %d after SIGTERM\n%s", code, p.dump())
			}
			if took > 5*time.Second {
				t.Errorf("the host took %v to stop", took)
			}
			run := one(t, where(p.objects(), "run", "crash_check"), "run")
			if run.str("status") != "cancelled" {
				t.Errorf("want the run cancelled, got %v", run)
			}
			for _, pid := range workers {
				if alive(pid) {
					t.Errorf("worker %d survived the host", pid)
				}
			}
		})
	}
}

// A SIGKILLed host leaves no worker behind: each notices its parent is gone.
// (In process there is no worker: the subprocesses of a SIGKILLed host are
// TestSubprocessesOwnedByHost's.)
func TestIsolationHostKilled(t *testing.T) {
	t.Parallel()
	_, p, workers := sleepingCheck(t, "process")
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	deadline := time.Now().Add(5 * time.Second)
	for alive(workers[0]) {
		if time.Now().After(deadline) {
			t.Fatalf("worker %d still alive 5 s after its host was SIGKILLed", workers[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// normalized renders a check's output for comparison: durations dropped,
// the tree's directory replaced, lines sorted (instances may be placed on
// different workers; every line still names its check id and run).
func normalized(t *testing.T, r result, dir string, dropValues bool) []string {
	t.Helper()
	var out []string
	for _, o := range r.lines(t) {
		delete(o, "duration_ms")
		// the start of the process that ran: two invocations never share it
		if dropValues || (o.str("type") == "metadata" && o.str("name") == "process_start_time") {
			delete(o, "value")
		}
		data, _ := json.Marshal(map[string]interface{}(o))
		out = append(out, strings.ReplaceAll(string(data), dir, "<tree>"))
	}
	sort.Strings(out)
	return out
}

func compareModes(t *testing.T, name string, none, process result, dirNone, dirProcess string, dropValues bool) {
	t.Helper()
	if none.code != process.code {
		t.Errorf("%s: exit code %d in process, %d isolated\n%s\n%s", name, none.code, process.code, none, process)
	}
	a := normalized(t, none, dirNone, dropValues)
	b := normalized(t, process, dirProcess, dropValues)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("%s: output differs\n--- in process:\n%s\n--- in workers:\n%s\n--- stderr:\n%s",
			name, strings.Join(a, "\n"), strings.Join(b, "\n"), process.stderr)
	}
}

// Every fixture check and every example check gives the same output, ids,
// aggregation and exit code in both modes.
func TestIsolationSameOutputAsInProcess(t *testing.T) {
	t.Parallel()
	names, err := filepath.Glob(filepath.Join("testdata", "conf.d", "*"))
	if err != nil {
		t.Fatal(err)
	}
	// one subtest per check, each on trees of its own, in parallel: under
	// ASan the checks one after the other made this the package's longest test
	for _, path := range names {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".d"), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			trNone, trProcess := newTree(t, true), newTree(t, true)
			none := trNone.check(name, "--times", "2", "--interval", "0")
			process := trProcess.check(name, "--times", "2", "--interval", "0", "--isolation", "process", "--workers", "2")
			compareModes(t, name, none, process, trNone.dir, trProcess.dir, false)
		})
	}

	// the examples read the machine (load, disk, files): values move between runs
	examples := func(t *testing.T) *tree {
		tr := newTree(t, false)
		copyDir(t, filepath.Join("..", "..", "examples", "checks.d"), tr.checksd)
		copyDir(t, filepath.Join("..", "..", "examples", "conf.d"), tr.confd)
		tr.writeConfig("tags:\n  - env:example\n")
		return tr
	}
	entries, err := os.ReadDir(filepath.Join("..", "..", "examples", "conf.d"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no example in examples/conf.d")
	}
	for _, e := range entries {
		name := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".d"), ".yaml")
		t.Run("example "+name, func(t *testing.T) {
			t.Parallel()
			exNone, exProcess := examples(t), examples(t)
			none := exNone.check(name)
			process := exProcess.check(name, "--isolation", "process")
			compareModes(t, "example "+name, none, process, exNone.dir, exProcess.dir, true)
		})
	}
}

// check_isolation / check_workers in datadog.yaml, and their errors.
func TestIsolationSettings(t *testing.T) {
	t.Parallel()
	tr := crashTree(t, "instances:\n  - mode: exit\n")
	tr.writeConfig("check_isolation: process\ncheck_workers: 1\n")
	r := tr.check("crash_check")
	wantCode(t, r, 1)
	only := one(t, where(r.lines(t), "run", "crash_check"), "run")
	wantContains(t, "run error", only.str("error"), "exited with status 7")

	tr.writeConfig("check_isolation: threads\n")
	r = tr.check("crash_check")
	wantCode(t, r, 3)
	wantContains(t, "stderr", r.stderr, "check_isolation must be none or process")

	r = tr.check("crash_check", "--isolation", "threads")
	wantCode(t, r, 2)
	r = tr.check("crash_check", "--workers", "0")
	wantCode(t, r, 2)
	for _, bad := range []string{"lots", "-1", "9223372036854775807"} {
		tr.writeConfig("worker_rss_limit: " + bad + "\n")
		r = tr.check("crash_check")
		wantCode(t, r, 3)
		wantContains(t, "stderr", r.stderr, "worker_rss_limit must be")
	}
}

// `run` in worker processes: a check that exits on every run is reported,
// restarted, then paused, while a fast check and a sleeping one on the
// other worker go on; SIGTERM cancels the sleeping one, the host exits 0
// and no worker outlives it.
func TestIsolationRun(t *testing.T) {
	t.Parallel()
	tr := newTree(t, false)
	started := filepath.Join(tr.dir, "started")
	tr.writeFile(filepath.Join(tr.confd, "fast_check.yaml"), "instances:\n  - min_collection_interval: 1\n")
	tr.writeFile(filepath.Join(tr.confd, "crash_check.yaml"), "instances:\n"+
		"  - mode: exit\n    min_collection_interval: 1\n"+
		"  - mode: sleep\n    min_collection_interval: 1\n    started_file: "+started+"\n")
	var p *liveProcess
	withDefaultSignal(syscall.SIGTERM, func() {
		p = startLive(t, tr.dir, "run", "--config", tr.config, "--format", "json",
			"--isolation", "process", "--workers", "2")
	})
	p.waitFor("a paused crashing instance and 3 runs of the fast check", runWarmup, func(objs []obj) bool {
		return len(where(objs, "paused", "crash_check")) == 1 && len(runsOf(objs, "fast_check")) >= 3
	})
	waitFile(t, started, runWarmup)
	workers := childPids(t, p.cmd.Process.Pid)
	code, took := p.stop(syscall.SIGTERM, 10*time.Second)
	if code != 0 || took > 6*time.Second {
		t.Errorf("SIGTERM: exit code %d after %v, want 0 within the grace period\n%s", code, took, p.dump())
	}
	objs := p.objects()
	// its first run may share its worker with the fast check's: that crash
	// is blamed on neither (both run alone next); 3 crashes alone pause it
	exits := crashRunsOf(objs, "2")
	alone := 0
	for _, r := range exits {
		wantContains(t, "crash run", r.str("error"), "exited with status 7")
		if !strings.Contains(r.str("error"), "runs in flight") {
			alone++
		}
	}
	if alone != 3 || len(exits) > 4 {
		t.Errorf("want 3 failed runs alone of the exiting instance before its pause (and at most one shared), got %d of %d\n%s",
			alone, len(exits), p.dump())
	}
	if len(withField(runsOf(objs, "crash_check"), "status", "cancelled")) != 1 {
		t.Errorf("want the sleeping instance's run cancelled\n%s", p.dump())
	}
	for _, pid := range workers {
		if alive(pid) {
			t.Errorf("worker %d survived the host", pid)
		}
	}
}

// Instances on different workers run at the same time: a slow one does not
// hold back the instance placed on the other worker.
func TestIsolationWorkersRunConcurrently(t *testing.T) {
	tr := crashTree(t, "instances:\n  - mode: sleep\n    run_timeout: 2\n  - mode: ok\n")
	r := tr.check("crash_check", "--isolation", "process", "--workers", "2")
	wantCode(t, r, 1)
	var order []string
	for _, o := range where(r.lines(t), "run", "crash_check") {
		order = append(order, o.str("source"))
	}
	if len(order) != 2 || !strings.HasSuffix(order[0], ":4") {
		t.Errorf("the fast instance (line 4) must finish first, got %v\n%s", order, r)
	}
}
