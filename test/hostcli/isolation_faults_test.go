package hostcli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Faults found by trying process isolation as a user would (docs/isolation.md,
// "Faults"): each test failed on the code before its fix.

// A conf.d file edited while `run` runs: in process nothing changes until the
// host restarts, and so with workers. A worker restarted after a crash loads
// the instances the supervisor read at start, not the file as it is by then
// (it used to re-read conf.d: the edited instance was "no such instance in
// this worker" on every run after the restart).
func TestIsolationConfdChangedWhileRunning(t *testing.T) {
	t.Parallel()
	conf := "instances:\n  - mode: exit\n    min_collection_interval: 1\n" +
		"  - mode: ok\n    min_collection_interval: 1\n"
	tr, p := startIsolatedRun(t, map[string]string{"crash_check.yaml": conf}, "")
	p.waitFor("a first run of each instance", runWarmup, func(objs []obj) bool {
		return len(crashRunsOf(objs, "2")) >= 1 && len(crashRunsOf(objs, "4")) >= 1
	})
	okID := crashRunsOf(p.objects(), "4")[0].str("check_id")
	// the good instance changed, one added before both: every index and id differs
	tr.writeFile(filepath.Join(tr.confd, "crash_check.yaml"),
		"instances:\n  - mode: ok\n    min_collection_interval: 1\n    added: true\n"+
			"  - mode: exit\n    min_collection_interval: 1\n"+
			"  - mode: ok\n    min_collection_interval: 1\n    edited: true\n")
	p.waitFor("the crasher paused and 3 good runs after it", runWarmup, func(objs []obj) bool {
		return len(where(objs, "paused", "crash_check")) == 1 &&
			len(withField(crashRunsOf(objs, "4"), "status", "ok")) >= 4
	})
	code, _ := p.stop(syscall.SIGTERM, 10*time.Second)
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", code, p.dump())
	}
	objs := p.objects()
	for _, r := range where(objs, "run", "crash_check") {
		if strings.Contains(r.str("error"), "no such instance") {
			t.Errorf("a restarted worker lost an instance: %v", r)
		}
		if r.str("check_id") != okID && !strings.HasSuffix(r.str("source"), ":2") {
			t.Errorf("a run of an instance that was not configured at start: %v", r)
		}
	}
	for _, o := range where(objs, "load_error", "crash_check") {
		t.Errorf("a restarted worker reported a load error: %v", o)
	}
}

// Two instances with the same configuration have the same check id. As the
// Agent's collector, the later one is not scheduled (a skipped_instance note
// names both), in both modes: they used to share one sender buffer, and a
// worker, which finds an instance by id, ran the first object twice (at once
// in `run`) and never the second.
func TestIsolationSameInstanceTwice(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"none", "process"} {
		tr := newTree(t, false)
		tr.writeFile(filepath.Join(tr.confd, "twin_check.yaml"),
			"init_config:\ninstances:\n  - {a: 1}\n  - {b: 2}\n  - {a: 1}\n")
		r := tr.check("twin_check", "--isolation", mode, "--workers", "1")
		wantCode(t, r, 0)
		objs := r.lines(t)
		runs := where(objs, "run", "twin_check")
		if len(runs) != 2 || runs[0].str("check_id") == runs[1].str("check_id") {
			t.Errorf("%s: want one run of each distinct instance, got %v\n%s", mode, runs, r)
		}
		for _, m := range where(objs, "metric", "twin_check") {
			if m.num("value") != 1 {
				t.Errorf("%s: an object ran twice: %v", mode, m)
			}
		}
		note := one(t, where(objs, "skipped_instance", "twin_check"), mode+": skipped_instance note")
		wantContains(t, mode+": note", note.str("message"), "twin_check.yaml:5: the same configuration as ")
		wantContains(t, mode+": note", note.str("message"), "twin_check.yaml:3 (check id twin_check:")
	}
}

// run_timeout that is no number of seconds (negative, NaN, infinite, a
// string, a list), in an instance or in init_config, is a configuration error
// naming the file and line, as every other setting; it used to be ignored
// silently, leaving a hung check unbounded.
func TestIsolationBadRunTimeout(t *testing.T) {
	t.Parallel()
	tr := newTree(t, false)
	for i, bad := range []string{"-1", ".nan", ".inf", "'30'", "[1]"} {
		conf := "init_config:\ninstances:\n  - mode: ok\n    run_timeout: " + bad + "\n"
		line := ":4:"
		if i%2 == 1 {
			conf = "init_config:\n  run_timeout: " + bad + "\ninstances:\n  - mode: ok\n"
			line = ":2:"
		}
		tr.writeFile(filepath.Join(tr.confd, "crash_check.yaml"), conf)
		r := tr.check("crash_check", "--isolation", "process", "--workers", "1")
		wantCode(t, r, 3)
		wantContains(t, "stderr", r.stderr, "crash_check.yaml"+line+" 'run_timeout' must be a number of seconds")
	}
	tr.writeFile(filepath.Join(tr.confd, "crash_check.yaml"),
		"init_config:\ninstances:\n  - {mode: ok, run_timeout: 0}\n  - {mode: ok, run_timeout: 2.5}\n  - {mode: ok, run_timeout: ~}\n")
	r := tr.check("crash_check", "--isolation", "process", "--workers", "1")
	wantCode(t, r, 0)
	if n := len(where(r.lines(t), "run", "crash_check")); n != 3 {
		t.Errorf("want 3 runs with valid run_timeouts, got %d\n%s", n, r)
	}
}

// A check that ignores its cancellation past run_timeout (here stuck in C
// code holding the GIL, so the other run waits for it) gets
// its worker killed: the runs sharing that worker fail once, naming it, then
// it runs alone, so they are not killed with it cycle after cycle (they used
// to fail on every run it shared).
func TestIsolationTimedOutCheckRunsAlone(t *testing.T) {
	t.Parallel()
	_, p := startIsolatedRun(t, map[string]string{
		"crash_check.yaml": "instances:\n  - mode: gil\n    run_timeout: 0.3\n    min_collection_interval: 1\n" +
			"  - mode: ok\n    min_collection_interval: 1\n",
	}, "")
	p.waitFor("3 timeouts of the stuck check", runWarmup, func(objs []obj) bool {
		return len(crashRunsOf(objs, "2")) >= 3
	})
	code, _ := p.stop(syscall.SIGTERM, 10*time.Second)
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", code, p.dump())
	}
	objs := p.objects()
	for _, r := range crashRunsOf(objs, "2") {
		wantContains(t, "stuck run", r.str("error"), "the check ignored its cancellation")
	}
	other := crashRunsOf(objs, "5")
	killed := 0
	for _, r := range other {
		if strings.Contains(r.str("error"), "its worker was killed because") {
			killed++
		}
	}
	if killed > 1 || len(withField(other, "status", "ok")) < 1 {
		t.Errorf("the other instance: %d of %d runs killed with the stuck one, want at most 1 (and a good one)\n%s",
			killed, len(other), p.dump())
	}
}

// A module that forks at import (os.fork; multiprocessing's fork is the
// same): the copy is not the worker. It used to keep the worker's socket, so
// when the worker died the supervisor never saw the socket end and the run
// waited forever (`check` hung, `run` skipped the instance for good). The
// copy goes with the worker's process group.
func TestIsolationForkedCopyOfAWorker(t *testing.T) {
	t.Parallel()
	tr := newTree(t, false)
	childFile := filepath.Join(tr.dir, "child")
	tr.writeFile(filepath.Join(tr.confd, "forker_check.yaml"),
		"instances:\n  - child_file: "+quoted(childFile)+"\n")
	started := time.Now()
	r := tr.check("forker_check", "--isolation", "process", "--workers", "1")
	if took := time.Since(started); took > 10*time.Second {
		t.Errorf("the crashed run took %v to be reported", took)
	}
	wantCode(t, r, 1)
	only := one(t, where(r.lines(t), "run", "forker_check"), "run")
	wantContains(t, "run error", only.str("error"), "exited with status 3")
	data, err := os.ReadFile(childFile)
	if err != nil {
		t.Fatalf("the check did not run: %v\n%s", err, r)
	}
	child, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if child <= 0 {
		t.Fatalf("bad child pid %q", data)
	}
	deadline := time.Now().Add(2 * time.Second)
	for alive(child) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(child) {
		syscall.Kill(child, syscall.SIGKILL)
		t.Errorf("the forked copy %d outlived its worker", child)
	}
}
