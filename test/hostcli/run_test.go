package hostcli

import (
	"encoding/json"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// How long the scheduled checks may take to show the expected runs.
const runWarmup = 30 * time.Second

// withDefaultSignal starts a process with sig at its default disposition even
// if this test process was started with it ignored (as a background job of a
// non-interactive shell is, for SIGINT): a Go handler installed meanwhile
// makes exec reset the signal to SIG_DFL in the child.
func withDefaultSignal(sig syscall.Signal, start func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig)
	defer signal.Stop(ch)
	start()
}

// runs returns the run objects of a check.
func runsOf(objs []obj, check string) []obj {
	return where(objs, "run", check)
}

// `run`: a fast check, a failing one and one that outlives its interval run
// side by side (one whose module is missing does not stop them either); SIGTERM/SIGINT cancels the sleeping one (reported
// "cancelled") and the host exits 0 at once.
func TestRunSchedulerStops(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		sig := sig
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			tr := newTree(t, false)
			started := filepath.Join(tr.dir, "sleeper-started")
			tr.writeFile(filepath.Join(tr.confd, "fast_check.yaml"), "instances:\n  - min_collection_interval: 1\n")
			tr.writeFile(filepath.Join(tr.confd, "raising_check.yaml"), "init_config: {}\ninstances:\n  - min_collection_interval: 1\n")
			tr.writeFile(filepath.Join(tr.confd, "no_such_module.yaml"), "instances:\n  - min_collection_interval: 1\n")
			startedJSON, _ := json.Marshal(started)
			tr.writeFile(filepath.Join(tr.confd, "sleeper_check.d", "conf.yaml"),
				"instances:\n  - min_collection_interval: 1\n    max_seconds: 60\n    started_file: "+string(startedJSON)+"\n")

			var p *liveProcess
			withDefaultSignal(sig, func() {
				p = startLive(t, tr.dir, "run", "-c", tr.config, "--format", "json")
			})
			p.waitFor("two runs of the fast check and two failed runs of the raising one", runWarmup, func(objs []obj) bool {
				return len(runsOf(objs, "fast_check")) >= 2 && len(withField(runsOf(objs, "raising_check"), "status", "error")) >= 2
			})
			if len(where(p.objects(), "load_error", "no_such_module")) != 1 {
				t.Errorf("want one load_error note for the check whose module is missing\n%s", p.dump())
			}
			if _, err := os.Stat(started); err != nil {
				p.t.Fatalf("the sleeper check never started: %v\n%s", err, p.dump())
			}
			if n := len(runsOf(p.objects(), "sleeper_check")); n != 0 {
				t.Fatalf("the sleeper check finished before being cancelled (%d runs)\n%s", n, p.dump())
			}

			code, took := p.stop(sig, 10*time.Second)
			if code != 0 {
				t.Errorf("exit code %d after %v, want 0\n%s", code, sig, p.dump())
			}
			if took > 4*time.Second {
				t.Errorf("exit took %v after %v: the sleeping check polls self.cancelled every 50 ms", took, sig)
			}

			objs := p.objects()
			sleeper := runsOf(objs, "sleeper_check")
			if len(sleeper) != 1 {
				t.Fatalf("want one run of the sleeper check (reported when cancelled), got %v\n%s", sleeper, p.dump())
			}
			if sleeper[0].str("status") != "cancelled" {
				t.Errorf("sleeper run status %q, want cancelled: %v", sleeper[0].str("status"), sleeper[0])
			}
			saw := withField(where(objs, "metric", "sleeper_check"), "name", "sleeper.saw_cancel")
			if len(saw) != 1 || saw[0].num("value") != 1 {
				t.Errorf("the sleeper check did not see self.cancelled: %v", saw)
			}

			fast := runsOf(objs, "fast_check")
			for i, r := range fast {
				if int(r.num("run")) != i+1 || r.str("status") != "ok" {
					t.Errorf("fast run %d: got %v", i+1, r)
				}
			}
			for _, r := range runsOf(objs, "raising_check") {
				if r.str("status") != "error" || !strings.Contains(r.str("error"), "the check broke on purpose") {
					t.Errorf("raising run: got %v", r)
				}
			}
			_, stderr := p.snapshot()
			wantContains(t, "stderr", stderr, "still running")
			if strings.Contains(stderr, "exiting without them") {
				t.Errorf("the cancelled check was abandoned instead of finishing:\n%s", stderr)
			}
		})
	}
}

// --stats in `run` mode with memtrack_enabled: at exit, the memory tracker's
// rtloader.* and pymem.* metrics and a summary object.
func TestRunStatsAtExit(t *testing.T) {
	t.Parallel()
	tr := newTree(t, false)
	tr.writeConfig("memtrack_enabled: true\n")
	tr.writeFile(filepath.Join(tr.confd, "fast_check.yaml"), "instances:\n  - min_collection_interval: 1\n")
	var p *liveProcess
	withDefaultSignal(syscall.SIGTERM, func() {
		p = startLive(t, tr.dir, "run", "-c", tr.config, "--format", "json", "--stats")
	})
	p.waitFor("a run of the fast check", runWarmup, func(objs []obj) bool { return len(runsOf(objs, "fast_check")) >= 1 })
	code, _ := p.stop(syscall.SIGTERM, 10*time.Second)
	if code != 0 {
		t.Errorf("exit code %d, want 0\n%s", code, p.dump())
	}
	objs := p.objects()
	summary := one(t, where(objs, "summary", ""), "summary")
	wantContains(t, "summary", summary.str("message"), "runs")
	wantContains(t, "summary", summary.str("message"), "allocations")
	if objs[len(objs)-1].str("type") != "summary" {
		t.Errorf("the summary is not the last line: %v", objs[len(objs)-1])
	}
	names := map[string]bool{}
	for _, m := range where(objs, "metric", "") {
		names[m.str("name")] = true
	}
	for _, want := range []string{"rtloader.allocations", "rtloader.frees", "rtloader.inuse_bytes", "pymem.inuse", "pymem.alloc"} {
		if !names[want] {
			t.Errorf("no %s metric at exit\n%s", want, p.dump())
		}
	}
}

// --stats with `check`: the summary counts the runs.
func TestCheckStats(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("working_check", "--stats")
	wantCode(t, r, 0)
	objs := r.lines(t)
	summary := one(t, where(objs, "summary", ""), "summary")
	wantContains(t, "summary", summary.str("message"), "2 runs (0 failed)")
	if len(withField(where(objs, "metric", ""), "name", "rtloader.allocations")) == 0 {
		t.Errorf("no rtloader.allocations metric with --stats\n%s", r)
	}
	wantBalanced(t, summary.str("message"))

	r = tr.check("raising_check", "--stats")
	wantCode(t, r, 1)
	summary = one(t, where(r.lines(t), "summary", ""), "summary")
	wantContains(t, "summary", summary.str("message"), "1 runs (1 failed)")
	wantBalanced(t, summary.str("message"))
}

// wantBalanced reads "<a> allocations (...), <f> frees (...), <n> bytes in use"
// from a summary: every buffer that crossed the API (the host's strings
// included) was freed once the checks were released.
func wantBalanced(t *testing.T, message string) {
	t.Helper()
	m := regexp.MustCompile(`(\d+) allocations \(\d+ bytes\), (\d+) frees \(\d+ bytes\), (-?\d+) bytes in use`).FindStringSubmatch(message)
	if m == nil {
		t.Fatalf("no allocation counters in the summary %q", message)
	}
	if m[1] != m[2] || m[3] != "0" {
		t.Errorf("unbalanced rtloader memory: %s allocations, %s frees, %s bytes in use", m[1], m[2], m[3])
	}
	if m[1] == "0" {
		t.Errorf("no allocation counted at all: is the memory tracker on? %q", message)
	}
}

// Without --stats and memtrack, `check` prints no summary and no rtloader.* metrics.
func TestCheckNoStatsByDefault(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("working_check")
	wantCode(t, r, 0)
	objs := r.lines(t)
	if len(where(objs, "summary", "")) != 0 {
		t.Errorf("summary printed without --stats\n%s", r)
	}
	for _, m := range where(objs, "metric", "") {
		if strings.HasPrefix(m.str("name"), "rtloader.") {
			t.Errorf("memory metric without --stats: %v", m)
		}
	}
}

// A check that ignores its cancellation does not keep the host from
// exiting: after the grace period (5 s) the host exits 0 without it.
func TestRunAbandonsStubbornCheck(t *testing.T) {
	t.Parallel()
	tr := newTree(t, false)
	started := filepath.Join(tr.dir, "stubborn-started")
	startedJSON, _ := json.Marshal(started)
	tr.writeFile(filepath.Join(tr.confd, "stubborn_check.yaml"),
		"instances:\n  - seconds: 60\n    started_file: "+string(startedJSON)+"\n")
	tr.writeFile(filepath.Join(tr.confd, "fast_check.yaml"), "instances:\n  - min_collection_interval: 1\n")
	// (The host leaves its abandoned worker with _exit: no leak check runs then.)
	var p *liveProcess
	withDefaultSignal(syscall.SIGTERM, func() {
		p = startLive(t, tr.dir, "run", "-c", tr.config, "--format", "json")
	})
	p.waitFor("a run of the fast check", runWarmup, func(objs []obj) bool { return len(runsOf(objs, "fast_check")) >= 1 })
	deadline := time.Now().Add(runWarmup)
	for {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stubborn check never started\n%s", p.dump())
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, took := p.stop(syscall.SIGTERM, 20*time.Second)
	if code != 0 {
		t.Errorf("exit code %d, want 0\n%s", code, p.dump())
	}
	if took < 4*time.Second || took > 12*time.Second {
		t.Errorf("exit took %v, want about the 5 s grace period", took)
	}
	_, stderr := p.snapshot()
	wantContains(t, "stderr", stderr, "exiting without them")
	if n := len(runsOf(p.objects(), "stubborn_check")); n != 0 {
		t.Errorf("the abandoned check reported %d runs", n)
	}
}
