package hostcli

// The janitor (host/janitor.c, docs/host.md "Processes started by checks"):
// nothing a check started outlives its host, a SIGKILLed host included, in
// both isolation modes; and the janitor itself never outlives the host.

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var janitorLine = regexp.MustCompile(`janitor (\d+) started`)

// janitorPid waits for the host's debug line naming its janitor.
func janitorPid(t *testing.T, p *liveProcess) int {
	t.Helper()
	deadline := time.Now().Add(runWarmup)
	for {
		_, stderr := p.snapshot()
		if m := janitorLine.FindStringSubmatch(stderr); m != nil {
			pid, _ := strconv.Atoi(m[1])
			killAtCleanup(t, pid)
			return pid
		}
		select {
		case <-p.done:
			t.Fatalf("rtloader exited before naming its janitor\n%s", p.dump())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no janitor line after %v\n%s", runWarmup, p.dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killAtCleanup SIGKILLs pid when the test ends if it is still the same
// process: by then a pid that ended may name a process of a test running
// in parallel (pid_max is often 32768), which a bare kill would hit.
func killAtCleanup(t *testing.T, pid int) {
	start := startTime(pid)
	t.Cleanup(func() {
		if start != "" && startTime(pid) == start {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// wantGoneWithin fails for every pid still alive after d.
func wantGoneWithin(t *testing.T, what string, d time.Duration, pids map[string]int) {
	t.Helper()
	deadline := time.Now().Add(d)
	for name, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Errorf("%s: %s (%d) still running %v later", what, name, pid, d)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestJanitorHostSIGKILLed(t *testing.T) {
	for _, mode := range []string{"none", "process"} {
		mode := mode
		t.Run(mode, func(t *testing.T) {
			tr := newTree(t, false)
			tr.writeFile(filepath.Join(tr.confd, "gotest_janitor_tree_check.yaml"),
				"instances:\n  - dir: "+quoted(tr.dir)+"\n")
			p := startLive(t, tr.dir, "run", "-c", tr.config, "--format", "json",
				"--log-level", "debug", "--isolation", mode, "--workers", "1")
			pids := map[string]int{"janitor": janitorPid(t, p)}
			for _, name := range []string{"command", "child", "grandchild", "setsid", "popen", "forked"} {
				got := readPids(t, p, filepath.Join(tr.dir, name))
				pids[name] = got[0]
			}
			if sid := sessionOf(t, pids["setsid"]); sid != pids["setsid"] {
				t.Fatalf("the setsid process leads no session of its own (sid %d)", sid)
			}
			if err := p.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-p.done
			wantGoneWithin(t, "after the host was SIGKILLed", time.Second, pids)
		})
	}
}

func TestJanitorLeavesNothing(t *testing.T) {
	t.Parallel()
	t.Run("normal exit", func(t *testing.T) {
		tr := newTree(t, true)
		p := startLive(t, tr.dir, "check", "working_check", "-c", tr.config, "--log-level", "debug")
		pid := janitorPid(t, p)
		<-p.done
		if p.err != nil {
			t.Fatalf("check failed: %v\n%s", p.err, p.dump())
		}
		// the host waits for its janitor: gone when the host is
		wantGoneWithin(t, "after a normal exit", 0, map[string]int{"janitor": pid})
	})
	for _, mode := range []string{"none", "process"} {
		mode := mode
		t.Run("graceful stop/"+mode, func(t *testing.T) {
			tr := newTree(t, true)
			p := startStopping(t, tr.dir, "run", "-c", tr.config, "--format", "json", "--log-level", "debug",
				"--isolation", mode, "--workers", "1")
			pid := janitorPid(t, p)
			p.waitFor("a run", runWarmup, func(objs []obj) bool { return len(objs) > 0 })
			if code, _ := p.stop(syscall.SIGTERM, 10*time.Second); code != 0 {
				t.Errorf("exit code %d\n%s", code, p.dump())
			}
			wantGoneWithin(t, "after a graceful stop", 0, map[string]int{"janitor": pid})
		})
	}
}

// A worker that exits on its own (drained after a cancelled run_timeout)
// shares the janitor's socket with the host: its end must not end the
// janitor, which then killed the host's next worker while it loaded (the
// TestIsolationRunTimeout flake) and left the host unguarded.
func TestJanitorOutlivesADrainedWorker(t *testing.T) {
	tr := crashTree(t, "instances:\n  - mode: sleep\n    run_timeout: 1\n")
	p := startStopping(t, tr.dir, "run", "-c", tr.config, "--format", "json", "--log-level", "debug",
		"--isolation", "process", "--workers", "1")
	pid := janitorPid(t, p)
	p.waitFor("the cancelled run", runWarmup, func(objs []obj) bool {
		for _, run := range where(objs, "run", "crash_check") {
			if strings.Contains(run.str("error"), "(run_timeout); cancelled") {
				return true
			}
		}
		return false
	})
	// the run's line comes before its worker is reaped: the janitor ended
	// within milliseconds of that; given a second, it must still be there
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		if !alive(pid) {
			t.Fatalf("the janitor (%d) ended with the drained worker\n%s", pid, p.dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.stop(syscall.SIGTERM, 10*time.Second)
	wantGoneWithin(t, "after a graceful stop", 0, map[string]int{"janitor": pid})
}
