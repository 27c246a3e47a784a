package hostcli

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Several runs at once on one worker process (docs/isolation.md, "Placement
// and concurrency"): a slow check does not delay the others on its worker,
// a crash shared by several runs blames none of them until each has run
// alone, a run_timeout cancels only its own run, and a stop cancels them all.

// startIsolatedRun starts `run --isolation process --workers 1` on a tree
// whose conf.d holds `files` (name -> YAML), SIGTERM at its default.
func startIsolatedRun(t *testing.T, files map[string]string, config string) (*tree, *liveProcess) {
	t.Helper()
	tr := newTree(t, false)
	tr.writeConfig(config)
	for name, content := range files {
		tr.writeFile(filepath.Join(tr.confd, name), content)
	}
	var p *liveProcess
	withDefaultSignal(syscall.SIGTERM, func() {
		p = startLive(t, tr.dir, "run", "--config", tr.config, "--format", "json",
			"--isolation", "process", "--workers", "1")
	})
	return tr, p
}

// With one worker, a check that sleeps 3 s per run does not hold back a
// fast check with min_collection_interval 1: the fast one keeps its cadence
// while the slow one sleeps.
func TestIsolationSlowCheckDoesNotDelayOthers(t *testing.T) {
	dir := t.TempDir()
	started := filepath.Join(dir, "started")
	_, p := startIsolatedRun(t, map[string]string{
		"crash_check.yaml": "instances:\n  - mode: nap\n    seconds: 3\n    min_collection_interval: 30\n" +
			"    started_file: " + quoted(started) + "\n",
		"fast_check.yaml": "instances:\n  - min_collection_interval: 1\n",
	}, "")
	waitLiveFile(t, p, started)
	since := time.Now()
	p.waitFor("4 runs of the fast check", runWarmup, func(objs []obj) bool {
		return len(runsOf(objs, "fast_check")) >= 4
	})
	took := time.Since(since)
	objs := p.objects()
	slow := runsOf(objs, "crash_check")
	code, _ := p.stop(syscall.SIGTERM, 10*time.Second)
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", code, p.dump())
	}
	// runs at 0, 1, 2 and 3 s: one worker running one check at a time would
	// have given the fast check 1 run before the slow one returned at 3 s
	if took > 4500*time.Millisecond {
		t.Errorf("the 4th fast run came %v after the slow check started, want about 3 s\n%s", took, p.dump())
	}
	if len(slow) > 1 {
		t.Errorf("the slow check reported %d runs before the fast one's 4th", len(slow))
	}
	for _, r := range runsOf(objs, "fast_check") {
		if r.str("status") != "ok" {
			t.Errorf("fast run: %v", r)
		}
	}
}

// A crasher and a sleeper on one worker: their first runs share the
// crash (both fail, naming the exit status, and become suspects); then
// each runs alone, so the sleeper's runs succeed and it is never paused,
// while the crasher is paused after 3 crashes of its own.
func TestIsolationCrasherSharingAWorker(t *testing.T) {
	t.Parallel()
	_, p := startIsolatedRun(t, map[string]string{
		"crash_check.yaml": "instances:\n  - mode: exit\n    min_collection_interval: 1\n" +
			"  - mode: nap\n    seconds: 0.3\n    min_collection_interval: 1\n",
	}, "")
	p.waitFor("the crasher paused and 3 good runs of the sleeper", runWarmup, func(objs []obj) bool {
		return len(where(objs, "paused", "crash_check")) == 1 &&
			len(withField(crashRunsOf(objs, "4"), "status", "ok")) >= 3
	})
	code, _ := p.stop(syscall.SIGTERM, 10*time.Second)
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", code, p.dump())
	}
	objs := p.objects()
	paused := one(t, where(objs, "paused", "crash_check"), "paused note")
	crasher := crashRunsOf(objs, "2")
	if len(crasher) == 0 {
		t.Fatalf("no run of the crasher\n%s", p.dump())
	}
	if !strings.HasPrefix(paused.str("message"), crasher[0].str("check_id")) {
		t.Errorf("the paused instance must be the crasher, got %v", paused)
	}
	shared, solo := 0, 0
	for _, r := range crasher {
		wantContains(t, "crasher's run", r.str("error"), "exited with status 7")
		if strings.Contains(r.str("error"), "2 runs in flight") {
			shared++
		} else {
			solo++
		}
	}
	if solo != 3 || shared > 1 {
		t.Errorf("crasher: want 3 crashes alone (and at most 1 shared), got %d and %d\n%s", solo, shared, p.dump())
	}
	sleeper := crashRunsOf(objs, "4")
	failed := withField(sleeper, "status", "error")
	if len(failed) != shared {
		t.Errorf("the sleeper may fail only in the shared crash: %d failures, %d shared\n%s", len(failed), shared, p.dump())
	}
	for _, r := range failed {
		wantContains(t, "sleeper's shared failure", r.str("error"), "exited with status 7 with 2 runs in flight")
	}
}

// run_timeout of one of two runs in flight on one worker: a check that
// honours the cancellation is cancelled alone and the other run succeeds;
// one that ignores it gets the worker killed, and the other run fails
// naming why (not as a crash of its own).
func TestIsolationRunTimeoutOfOneOfTwoRuns(t *testing.T) {
	t.Parallel()
	cases := []struct {
		mode, timedOut, other string
	}{
		{"sleep", "timed out after 0.5 s (run_timeout); cancelled", ""},
		{"spin", "timed out after 0.5 s (run_timeout); the check ignored its cancellation: worker",
			"ignored its cancellation after its run_timeout of 0.5 s: worker"},
	}
	for _, c := range cases {
		c := c
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			_, p := startIsolatedRun(t, map[string]string{
				"crash_check.yaml": "instances:\n  - mode: " + c.mode + "\n    run_timeout: 0.5\n    min_collection_interval: 60\n" +
					"  - mode: nap\n    seconds: 2\n    min_collection_interval: 60\n",
			}, "")
			p.waitFor("both runs reported", runWarmup, func(objs []obj) bool {
				return len(runsOf(objs, "crash_check")) == 2
			})
			code, _ := p.stop(syscall.SIGTERM, 10*time.Second)
			if code != 0 {
				t.Errorf("exit code %d after SIGTERM\n%s", code, p.dump())
			}
			objs := p.objects()
			timed := one(t, crashRunsOf(objs, "2"), "the timed-out run")
			wantContains(t, "timed-out run", timed.str("error"), c.timedOut)
			other := one(t, crashRunsOf(objs, "5"), "the other run")
			if c.other == "" {
				if other.str("status") != "ok" {
					t.Errorf("the other run must succeed, got %v\n%s", other, p.dump())
				}
				if d := other.num("duration_ms"); d < 1900 {
					t.Errorf("the other run ended after %v ms: cut short", d)
				}
			} else {
				wantContains(t, "the other run", other.str("error"), "its worker was killed because check "+timed.str("check_id")+" "+c.other)
				wantContains(t, "the other run", other.str("error"), "killed by signal 9")
			}
			if n := len(where(objs, "paused", "")); n != 0 {
				t.Errorf("a timeout is no crash: %d paused notes", n)
			}
		})
	}
}

// SIGTERM with three runs in flight on one worker cancels every one of
// them, within the grace period, and the worker is gone with the host.
func TestIsolationSIGTERMCancelsEveryRunInFlight(t *testing.T) {
	dir := t.TempDir()
	var conf strings.Builder
	conf.WriteString("instances:\n")
	var files []string
	for _, name := range []string{"a", "b", "c"} {
		file := filepath.Join(dir, name)
		files = append(files, file)
		conf.WriteString("  - mode: sleep\n    started_file: " + quoted(file) + "\n")
	}
	_, p := startIsolatedRun(t, map[string]string{"crash_check.yaml": conf.String()}, "shutdown_grace_period: 3\n")
	for _, f := range files {
		waitLiveFile(t, p, f)
	}
	workers := childPids(t, p.cmd.Process.Pid)
	code, took := p.stop(syscall.SIGTERM, 10*time.Second)
	if code != 0 || took > 3*time.Second {
		t.Errorf("exit code %d after %v, want 0 within the 3 s grace period\n%s", code, took, p.dump())
	}
	runs := runsOf(p.objects(), "crash_check")
	if len(runs) != 3 {
		t.Fatalf("want 3 runs, got %d\n%s", len(runs), p.dump())
	}
	for _, r := range runs {
		if r.str("status") != "cancelled" {
			t.Errorf("want every run cancelled, got %v", r)
		}
	}
	wantGone(t, "worker", workers)
}

// telemetry_interval: `run` in worker processes reports the pseudo-check
// rtloader.workers (each worker's and each instance's RSS and CPU time)
// every interval; a bad value is a configuration error naming its line.
func TestIsolationRunTelemetry(t *testing.T) {
	_, p := startIsolatedRun(t, map[string]string{
		"fast_check.yaml": "instances:\n  - min_collection_interval: 1\n",
	}, "telemetry_interval: 0.5\n")
	p.waitFor("the first fast run", runWarmup, func(objs []obj) bool { return len(runsOf(objs, "fast_check")) >= 1 })
	since := time.Now()
	p.waitFor("3 telemetry reports", runWarmup, func(objs []obj) bool {
		return len(where(objs, "run", "rtloader.workers")) >= 3
	})
	if took := time.Since(since); took > 2500*time.Millisecond {
		t.Errorf("3 reports took %v with telemetry_interval 0.5", took)
	}
	objs := p.objects()
	if code, _ := p.stop(syscall.SIGTERM, 10*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", code, p.dump())
	}
	metrics := where(objs, "metric", "rtloader.workers")
	rss := withField(metrics, "name", "rtloader.worker.rss_bytes")
	if len(rss) < 3 || rss[0].num("value") < 1<<20 || !sameStrings(rss[0].strings("tags"), []string{"worker:0"}) {
		t.Errorf("want the worker's RSS (over 1 MiB, tagged worker:0) in every report, got %v", rss)
	}
	fastID := runsOf(objs, "fast_check")[0].str("check_id")
	perCheck := withField(metrics, "name", "rtloader.check.cpu_seconds")
	found := false
	for _, m := range perCheck {
		found = found || sameStrings(m.strings("tags"), []string{"check_id:" + fastID, "worker:0"})
	}
	if !found {
		t.Errorf("want rtloader.check.cpu_seconds of %s on worker 0, got %v", fastID, perCheck)
	}

	tr := crashTree(t, "instances:\n  - mode: ok\n")
	for _, bad := range []string{"-1", "soon", "100000"} {
		tr.writeConfig("telemetry_interval: " + bad + "\n")
		r := tr.check("crash_check", "--isolation", "process")
		wantCode(t, r, 3)
		wantContains(t, "stderr", r.stderr, "datadog.yaml:")
		wantContains(t, "stderr", r.stderr, ": telemetry_interval must be a number of seconds")
	}
}

// worker_rss_limit in `run`: the worker that passed it gets no new run and
// is restarted once its runs ended, so the run still in flight on it
// succeeds (it is not killed with the worker).
func TestIsolationRSSLimitDrainsFirst(t *testing.T) {
	t.Parallel()
	_, p := startIsolatedRun(t, map[string]string{
		"crash_check.yaml": "instances:\n  - mode: grow\n    grow_mib: 96\n    min_collection_interval: 1\n" +
			"  - mode: nap\n    seconds: 1\n    min_collection_interval: 60\n",
	}, "worker_rss_limit: 100\n")
	p.waitFor("a restart and the growing instance's second run", runWarmup, func(objs []obj) bool {
		return len(where(objs, "worker_restart", "crash_check")) >= 1 && len(crashRunsOf(objs, "2")) >= 2
	})
	objs := p.objects()
	if code, _ := p.stop(syscall.SIGTERM, 10*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", code, p.dump())
	}
	nap := one(t, crashRunsOf(objs, "5"), "the napping run")
	if nap.str("status") != "ok" || nap.num("duration_ms") < 900 {
		t.Errorf("the run in flight when the limit was passed must end ok, got %v\n%s", nap, p.dump())
	}
	for _, r := range crashRunsOf(objs, "2") {
		if r.str("status") != "ok" {
			t.Errorf("growing run: %v", r)
		}
	}
	wantContains(t, "restart note", where(objs, "worker_restart", "crash_check")[0].str("message"), "over worker_rss_limit (100 MiB)")
}
