package hostcli

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A worker's restart back-off is a deadline, not a sleep of the supervisor
// (docs/isolation.md, "Restart and back-off"): while the worker of a check
// that segfaults on every run backs off, the other worker's runs keep their
// cadence.
//
// Two crashing instances share worker 0, so the worker crashes more often
// in a row than one instance may before it is paused (3): its back-off
// doubles to 0.8 s and then 1.6 s. A supervisor that slept through a 1.6 s
// back-off held back every run due meanwhile: a gap of 1.6 s or more.
func TestIsolationBackoffDoesNotStallOtherWorkers(t *testing.T) {
	// sanitizer builds: the worker dies of the signal, not ASan's report
	env := []string{noSegvHandler()}
	tr := newTree(t, false)
	// instance i goes on worker i mod 2: the crashers on 0, the fast one on 1
	tr.writeFile(filepath.Join(tr.confd, "crash_check.yaml"), "instances:\n"+
		"  - mode: segv\n    min_collection_interval: 1\n"+
		"  - mode: ok\n    min_collection_interval: 1\n"+
		"  - mode: segv\n    min_collection_interval: 1\n    n: 2\n")
	var p *liveProcess
	withDefaultSignal(syscall.SIGTERM, func() {
		p = startLiveEnv(t, tr.dir, env, "run", "--config", tr.config, "--format", "json",
			"--isolation", "process", "--workers", "2")
	})
	// when each fast run was reported, seen by polling stdout
	var arrivals []time.Time
	longBackoff := time.Time{}
	deadline := time.Now().Add(runWarmup)
	for {
		if n := len(crashRunsOf(p.objects(), "4")); n > len(arrivals) {
			for len(arrivals) < n {
				arrivals = append(arrivals, time.Now())
			}
		}
		_, stderr := p.snapshot()
		if longBackoff.IsZero() && strings.Contains(stderr, "restarting a worker in 1.6 s") {
			longBackoff = time.Now()
		}
		// two fast runs after the 1.6 s back-off is over
		if !longBackoff.IsZero() && len(arrivals) > 0 &&
			arrivals[len(arrivals)-1].Sub(longBackoff) > 2500*time.Millisecond {
			break
		}
		select {
		case <-p.done:
			t.Fatalf("rtloader exited (%v) during the back-off\n%s", p.err, p.dump())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 1.6 s back-off followed by fast runs after %v\n%s", runWarmup, p.dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, _ := p.stop(syscall.SIGTERM, 10*time.Second)
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", code, p.dump())
	}
	objs := p.objects()
	var gaps []time.Duration
	for i := 1; i < len(arrivals); i++ {
		gaps = append(gaps, arrivals[i].Sub(arrivals[i-1]).Round(time.Millisecond))
	}
	t.Logf("gaps between the fast runs: %v", gaps)
	for i := 1; i < len(arrivals); i++ {
		if gap := arrivals[i].Sub(arrivals[i-1]); gap >= 1500*time.Millisecond {
			t.Errorf("fast run %d came %v after the previous one (min_collection_interval 1): "+
				"the crasher's back-off held it back\n%s", i+1, gap, p.dump())
		}
	}
	for _, r := range crashRunsOf(objs, "4") {
		if r.str("status") != "ok" {
			t.Errorf("fast run: %v", r)
		}
	}
	crashes := 0
	for _, line := range []string{"2", "6"} {
		for _, r := range crashRunsOf(objs, line) {
			if r.str("status") == "error" && strings.Contains(r.str("error"), "killed by signal 11") {
				crashes++
			}
		}
	}
	if crashes < 5 {
		t.Errorf("want at least 5 crashes of worker 0 before its 1.6 s back-off, got %d\n%s", crashes, p.dump())
	}
}

// `check`'s rounds: five instances that exit on every run on worker 0
// back off 0.1, 0.2, 0.4 and 0.8 s within one round (the 4th crash comes
// 0.7 s and 3 restarts after the first); the five 0.1 s runs of worker 1
// do not wait for those back-offs: all of them are reported before the
// 4th crash. A supervisor that slept through each back-off started about
// one of worker 1's runs per crash.
func TestIsolationBackoffInCheckRounds(t *testing.T) {
	var conf strings.Builder
	conf.WriteString("instances:\n")
	for i := 0; i < 5; i++ {
		// instance i goes on worker i mod 2; each is on line i+2
		// distinct (n: i): identical instances are scheduled once (host.md)
		fmt.Fprintf(&conf, "  - {mode: exit, n: %d}\n  - {mode: nap, seconds: 0.1, n: %d}\n", i, i)
	}
	tr := crashTree(t, conf.String())
	r := tr.check("crash_check", "--isolation", "process", "--workers", "2")
	wantCode(t, r, 1)
	crashes, oks, lastOK := 0, 0, -1
	fourthCrash := -1
	for i, run := range where(r.lines(t), "run", "crash_check") {
		line := run.str("source")[strings.LastIndex(run.str("source"), ":")+1:]
		if n := len(line); n > 0 && (line[n-1]-'0')%2 == 0 {
			wantContains(t, "crashing run", run.str("error"), "exited with status 7")
			if crashes++; crashes == 4 {
				fourthCrash = i
			}
		} else {
			if run.str("status") != "ok" {
				t.Errorf("fast run: %v", run)
			}
			oks++
			lastOK = i
		}
	}
	if crashes != 5 || oks != 5 {
		t.Fatalf("want 5 crashing and 5 fast runs, got %d and %d\n%s", crashes, oks, r)
	}
	wantContains(t, "stderr", r.stderr, "restarting a worker in 0.4 s")
	if lastOK > fourthCrash {
		t.Errorf("worker 1's last run came after worker 0's 4th crash: it waited for the back-offs\n%s", r)
	}
}
