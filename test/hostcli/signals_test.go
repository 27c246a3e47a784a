package hostcli

// Issue 8, items 1-4: bounded shutdown, Ctrl-C in every command, clean
// child processes, subprocesses owned by the host. The fixture checks are
// testdata/checks.d/sigtest_*_check.py. Every wait is bounded by a short
// shutdown_grace_period so that these tests stay fast.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slack is what a loaded CI machine may add to an exit that is due now.
const slack = 1500 * time.Millisecond

// quoted is s as a YAML (JSON) string.
func quoted(s string) string {
	data, _ := json.Marshal(s)
	return string(data)
}

// waitLiveFile polls until path exists, failing the test after runWarmup or when p exits first.
func waitLiveFile(t *testing.T, p *liveProcess, path string) {
	t.Helper()
	deadline := time.Now().Add(runWarmup)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("rtloader exited (%v) before %s existed\n%s", p.err, path, p.dump())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still missing after %v\n%s", path, runWarmup, p.dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readPids waits for a file of space-separated pids (written atomically by the fixture).
func readPids(t *testing.T, p *liveProcess, path string) []int {
	t.Helper()
	waitLiveFile(t, p, path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, field := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(field)
		if err != nil || pid <= 1 {
			t.Fatalf("%s: bad pid %q", path, field)
		}
		pids = append(pids, pid)
	}
	// whatever the outcome, nothing outlives the test
	for _, pid := range pids {
		killAtCleanup(t, pid)
	}
	return pids
}

// wantGone fails unless every pid is gone within 3 s.
func wantGone(t *testing.T, what string, pids []int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Errorf("%s: process %d still running", what, pid)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// noKeyboardInterrupt fails when a signal meant for the host surfaced inside Python.
func noKeyboardInterrupt(t *testing.T, p *liveProcess) {
	t.Helper()
	lines, stderr := p.snapshot()
	if strings.Contains(strings.Join(lines, "\n")+stderr, "KeyboardInterrupt") {
		t.Errorf("a KeyboardInterrupt reached a check\n%s", p.dump())
	}
}

// startStopping starts rtloader with SIGINT and SIGTERM at their default disposition.
func startStopping(t *testing.T, dir string, args ...string) *liveProcess {
	t.Helper()
	var p *liveProcess
	withDefaultSignal(syscall.SIGINT, func() {
		withDefaultSignal(syscall.SIGTERM, func() {
			p = startLive(t, dir, args...)
		})
	})
	return p
}

// Item 1: whatever a check does when cancelled, the host is gone within
// shutdown_grace_period of the signal: a cancel() that sleeps 90 s, a check
// that holds the GIL in one C call (so cancel_check cannot even start), in
// `run` and in `check`, in process and in worker processes (isolation.md:
// the same signal path, and no worker outlives the host).
func TestShutdownBoundedByGracePeriod(t *testing.T) {
	cases := []struct {
		name, check, command string
		sig                  syscall.Signal
		graceful             bool // the run itself ends: reported as cancelled
	}{
		{"blocking cancel/run", "sigtest_slow_cancel_check", "run", syscall.SIGTERM, true},
		{"blocking cancel/check", "sigtest_slow_cancel_check", "check", syscall.SIGINT, true},
		{"GIL held/run", "sigtest_gil_hog_check", "run", syscall.SIGINT, false},
		{"GIL held/check", "sigtest_gil_hog_check", "check", syscall.SIGTERM, false},
		{"blocking cancel/run/process", "sigtest_slow_cancel_check", "run", syscall.SIGTERM, true},
		{"blocking cancel/check/process", "sigtest_slow_cancel_check", "check", syscall.SIGINT, true},
		{"GIL held/run/process", "sigtest_gil_hog_check", "run", syscall.SIGINT, false},
		{"GIL held/check/process", "sigtest_gil_hog_check", "check", syscall.SIGTERM, false},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			tr := newTree(t, false)
			tr.writeConfig("shutdown_grace_period: 1\n")
			started := filepath.Join(tr.dir, "started")
			tr.writeFile(filepath.Join(tr.confd, c.check+".yaml"), "instances:\n  - started_file: "+quoted(started)+"\n")
			args := []string{c.command, "-c", tr.config, "--format", "json"}
			if c.command == "check" {
				args = []string{"check", c.check, "--config", tr.config, "--format", "json"}
			}
			process := strings.HasSuffix(c.name, "/process")
			if process {
				args = append(args, "--isolation", "process", "--workers", "1")
			}
			p := startStopping(t, tr.dir, args...)
			waitLiveFile(t, p, started)
			workers := childPids(t, p.cmd.Process.Pid)
			if process && len(workers) != 1 {
				t.Fatalf("want one worker process, found %v\n%s", workers, p.dump())
			}
			code, took := p.stop(c.sig, 10*time.Second)
			wantGone(t, "worker", workers)
			if code != 0 {
				t.Errorf("exit code %d, want 0\n%s", code, p.dump())
			}
			if took > time.Second+slack {
				t.Errorf("exit took %v after %v, over the 1 s grace period\n%s", took, c.sig, p.dump())
			}
			runs := runsOf(p.objects(), c.check)
			_, stderr := p.snapshot()
			if c.graceful {
				if len(runs) != 1 || runs[0].str("status") != "cancelled" {
					t.Errorf("want one cancelled run, got %v\n%s", runs, p.dump())
				}
				wantContains(t, "stderr", stderr, "cancel() has not returned")
			} else {
				if len(runs) != 0 {
					t.Errorf("the check holding the GIL reported runs: %v", runs)
				}
				wantContains(t, "stderr", stderr, "exiting without")
			}
			noKeyboardInterrupt(t, p)
		})
	}
}

// Item 2: a check that installs Python signal handlers in its constructor
// (on the host's main thread, where Python allows it) does not take the
// host's signals away.
func TestCheckCannotTakeTheHostSignals(t *testing.T) {
	tr := newTree(t, false)
	tr.writeConfig("shutdown_grace_period: 2\n")
	started := filepath.Join(tr.dir, "started")
	tr.writeFile(filepath.Join(tr.confd, "sigtest_grabber_check.yaml"), "instances:\n  - started_file: "+quoted(started)+"\n")
	p := startStopping(t, tr.dir, "run", "-c", tr.config, "--format", "json")
	waitLiveFile(t, p, started)
	code, took := p.stop(syscall.SIGTERM, 10*time.Second)
	if code != 0 || took > slack {
		t.Errorf("exit code %d after %v, want 0 at once\n%s", code, took, p.dump())
	}
	run := one(t, runsOf(p.objects(), "sigtest_grabber_check"), "the run")
	if run.str("status") != "cancelled" {
		t.Errorf("run status %q, want cancelled", run.str("status"))
	}
}

// Item 1: a second SIGINT/SIGTERM exits at once, whatever the grace period;
// in worker processes too, the workers killed with the host.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	for _, name := range []string{"interrupt", "terminated", "interrupt/process", "terminated/process"} {
		second := syscall.SIGINT
		if strings.HasPrefix(name, "terminated") {
			second = syscall.SIGTERM
		}
		process := strings.HasSuffix(name, "/process")
		t.Run(name, func(t *testing.T) {
			tr := newTree(t, false)
			tr.writeConfig("shutdown_grace_period: 60\n")
			started := filepath.Join(tr.dir, "started")
			tr.writeFile(filepath.Join(tr.confd, "stubborn_check.yaml"),
				"instances:\n  - seconds: 60\n    started_file: "+quoted(started)+"\n")
			args := []string{"run", "-c", tr.config, "--format", "json"}
			if process {
				args = append(args, "--isolation", "process", "--workers", "1")
			}
			p := startStopping(t, tr.dir, args...)
			waitLiveFile(t, p, started)
			workers := childPids(t, p.cmd.Process.Pid)
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			p.waitFor("the stop to begin", 10*time.Second, func([]obj) bool {
				_, stderr := p.snapshot()
				return strings.Contains(stderr, "cancelling check")
			})
			code, took := p.stop(second, 10*time.Second)
			if code != 128+int(second) {
				t.Errorf("exit code %d after a second signal, want %d\n%s", code, 128+int(second), p.dump())
			}
			if took > slack {
				t.Errorf("exit took %v after the second signal", took)
			}
			_, stderr := p.snapshot()
			wantContains(t, "stderr", stderr, "second stop signal")
			wantGone(t, "worker", workers)
		})
	}
}

// Item 2: `check --times 100 --interval 0.5` stops on SIGINT/SIGTERM like `run`:
// the run in progress finishes (reported cancelled, not failed with a
// KeyboardInterrupt), no further run starts, exit 0.
func TestCheckCommandStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		sig := sig
		t.Run(sig.String(), func(t *testing.T) {
			tr := newTree(t, false)
			tr.writeConfig("shutdown_grace_period: 2\n")
			tr.writeFile(filepath.Join(tr.confd, "sigtest_napper_check.yaml"), "instances:\n  - {}\n")
			p := startStopping(t, tr.dir, "check", "sigtest_napper_check", "--config", tr.config, "--format", "json",
				"--times", "100", "--interval", "0.5")
			p.waitFor("the first run", runWarmup, func(objs []obj) bool { return len(runsOf(objs, "sigtest_napper_check")) >= 1 })
			time.Sleep(900 * time.Millisecond) // 0.5 s of interval, then 0.4 s into the 1 s run 2
			code, took := p.stop(sig, 10*time.Second)
			if code != 0 {
				t.Errorf("exit code %d, want 0\n%s", code, p.dump())
			}
			if took > 2*time.Second+slack {
				t.Errorf("exit took %v", took)
			}
			runs := runsOf(p.objects(), "sigtest_napper_check")
			if len(runs) < 1 || len(runs) > 3 {
				t.Fatalf("want the runs up to the signal, got %d\n%s", len(runs), p.dump())
			}
			for _, r := range runs {
				if r.str("status") == "error" {
					t.Errorf("a run failed: %v", r)
				}
			}
			if last := runs[len(runs)-1]; last.str("status") != "cancelled" {
				t.Errorf("the run under way at the signal: status %q, want cancelled", last.str("status"))
			}
			noKeyboardInterrupt(t, p)
		})
	}
}

// Item 2: a signal while the host is still loading (a constructor that
// takes 60 s, on the main thread) never surfaces in Python, and the exit
// still comes within the grace period.
func TestSignalWhileLoading(t *testing.T) {
	tr := newTree(t, false)
	tr.writeConfig("shutdown_grace_period: 1\n")
	started := filepath.Join(tr.dir, "started")
	tr.writeFile(filepath.Join(tr.confd, "sigtest_slow_init_check.yaml"), "instances:\n  - started_file: "+quoted(started)+"\n")
	p := startStopping(t, tr.dir, "check", "sigtest_slow_init_check", "--config", tr.config, "--format", "json")
	waitLiveFile(t, p, started)
	_, took := p.stop(syscall.SIGINT, 10*time.Second)
	if took > time.Second+slack {
		t.Errorf("exit took %v, over the 1 s grace period", took)
	}
	noKeyboardInterrupt(t, p)
}

// The same in a worker process (isolation.md): the supervisor waits for
// the worker's load, so the watchdog ends the host at the deadline, and
// kills the worker's process group with it: the worker and what its check
// started there (a child that the worker's death alone would not end).
func TestSignalWhileLoadingInAWorker(t *testing.T) {
	tr := newTree(t, false)
	tr.writeConfig("shutdown_grace_period: 1\n")
	started := filepath.Join(tr.dir, "started")
	childFile := filepath.Join(tr.dir, "child")
	tr.writeFile(filepath.Join(tr.confd, "sigtest_slow_init_check.yaml"),
		"instances:\n  - started_file: "+quoted(started)+"\n    child_pid_file: "+quoted(childFile)+"\n")
	p := startStopping(t, tr.dir, "check", "sigtest_slow_init_check", "--config", tr.config, "--format", "json",
		"--isolation", "process", "--workers", "1")
	waitLiveFile(t, p, started)
	children := readPids(t, p, childFile)
	workers := childPids(t, p.cmd.Process.Pid)
	if len(workers) != 1 {
		t.Fatalf("want one worker process, found %v\n%s", workers, p.dump())
	}
	code, took := p.stop(syscall.SIGINT, 10*time.Second)
	if code != 0 || took > time.Second+slack {
		t.Errorf("exit code %d after %v, want 0 within the 1 s grace period\n%s", code, took, p.dump())
	}
	_, stderr := p.snapshot()
	wantContains(t, "stderr", stderr, "exiting without waiting for the checks")
	wantGone(t, "worker", workers)
	wantGone(t, "the check's child in the worker's group", children)
	noKeyboardInterrupt(t, p)
}

// Item 3: every kind of process a check starts, under `check` and `run`,
// starts with no signal blocked and SIGINT/SIGTERM at their default (Python
// children set up Python's own handlers, as anywhere); terminate() ends a
// subprocess and a fork-context multiprocessing child (what Pool.terminate()
// does to its workers), run after run.
func TestChildProcessesStartClean(t *testing.T) {
	const sigint, sigterm = uint64(1) << (2 - 1), uint64(1) << (15 - 1)
	// signals 1-31: the real-time ones from 32 are glibc's and whatever the test's parent set
	execMask := uint64(0x7fffffff)
	if strings.Contains(os.Getenv("LD_PRELOAD"), "asan") {
		// a preloaded sanitizer runtime catches the fatal signals in the command itself
		for _, sig := range []uint{4, 6, 7, 8, 11} {
			execMask &^= uint64(1) << (sig - 1)
		}
	}
	// what the test itself was started with ignored (nohup: SIGHUP) the host inherited, and
	// rightly passes on: a command starts with the host's starting dispositions, not ours
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "SigIgn:") {
				if ign, err := strconv.ParseUint(strings.TrimSpace(line[len("SigIgn:"):]), 16, 64); err == nil {
					execMask &^= ign
				}
			}
		}
	}
	verify := func(t *testing.T, objs []obj, dump string) {
		t.Helper()
		meta := where(objs, "metadata", "sigtest_sigstate_check")
		runs := runsOf(objs, "sigtest_sigstate_check")
		if len(runs) == 0 {
			t.Fatalf("no run\n%s", dump)
		}
		for _, r := range runs {
			if r.str("status") != "ok" {
				t.Errorf("run %v", r)
			}
		}
		seen := map[string]int{}
		for _, m := range meta {
			name := m.str("name")
			seen[name]++
			var got map[string]interface{}
			if err := json.Unmarshal([]byte(m.str("value")), &got); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if exc, ok := got["exception"]; ok {
				t.Errorf("%s (run %v): %v", name, m["run"], exc)
				continue
			}
			if strings.HasPrefix(name, "terminate_") {
				if got["returncode"] != float64(-15) {
					t.Errorf("%s: %v, want returncode -15", name, got["returncode"])
				}
				continue
			}
			hex := func(key string) uint64 {
				s, _ := got[key].(string)
				v, err := strconv.ParseUint(s, 16, 64)
				if err != nil {
					t.Errorf("%s: %s = %q", name, key, s)
				}
				return v
			}
			if blk := hex("SigBlk"); blk != 0 {
				t.Errorf("%s: SigBlk %016x, want no blocked signal", name, blk)
			}
			if (hex("SigIgn")|hex("SigCgt"))&sigterm != 0 {
				t.Errorf("%s: SIGTERM is ignored or caught (SigIgn %v, SigCgt %v)", name, got["SigIgn"], got["SigCgt"])
			}
			switch name {
			case "subprocess", "get_subprocess_output":
				if (hex("SigIgn")|hex("SigCgt"))&execMask != 0 {
					t.Errorf("%s: an exec'd command should start with default dispositions: %v", name, got)
				}
			case "os_fork", "multiprocessing_fork":
				if (hex("SigIgn")|hex("SigCgt"))&sigint != 0 {
					t.Errorf("%s: the host's SIGINT handler was inherited: %v", name, got)
				}
			}
		}
		for _, want := range []string{"subprocess", "get_subprocess_output", "os_fork", "multiprocessing_fork",
			"multiprocessing_spawn", "multiprocessing_forkserver", "terminate_subprocess", "terminate_multiprocessing_fork"} {
			if seen[want] != len(runs) {
				t.Errorf("%s reported %d times for %d runs\n%s", want, seen[want], len(runs), dump)
			}
		}
	}

	t.Run("check", func(t *testing.T) {
		tr := newTree(t, false)
		tr.writeFile(filepath.Join(tr.confd, "sigtest_sigstate_check.yaml"), "instances:\n  - {}\n")
		r := run(t, tr.dir, "check", "sigtest_sigstate_check", "--config", tr.config, "--format", "json",
			"--times", "3", "--interval", "0")
		wantCode(t, r, 0)
		verify(t, r.lines(t), r.String())
		if n := len(runsOf(r.lines(t), "sigtest_sigstate_check")); n != 3 {
			t.Errorf("%d runs, want 3", n)
		}
	})
	t.Run("run", func(t *testing.T) {
		tr := newTree(t, false)
		tr.writeConfig("shutdown_grace_period: 2\n")
		tr.writeFile(filepath.Join(tr.confd, "sigtest_sigstate_check.yaml"), "instances:\n  - min_collection_interval: 1\n")
		p := startStopping(t, tr.dir, "run", "-c", tr.config, "--format", "json")
		p.waitFor("two runs", runWarmup, func(objs []obj) bool { return len(runsOf(objs, "sigtest_sigstate_check")) >= 2 })
		code, _ := p.stop(syscall.SIGTERM, 10*time.Second)
		if code != 0 {
			t.Errorf("exit code %d\n%s", code, p.dump())
		}
		objs := p.objects()
		// a run cut short by the stop is not judged
		var kept []obj
		for _, o := range objs {
			if o.num("run") <= 2 {
				kept = append(kept, o)
			}
		}
		verify(t, kept, p.dump())
	})
}

// Item 4: get_subprocess_output's command and its own children die when the
// run is cancelled (the host then stops at once, gracefully), in `run` and
// `check`; and when the host is SIGKILLed, the command dies with it.
func TestSubprocessesOwnedByHost(t *testing.T) {
	// "run/process", "check/process": the command runs in a worker process
	// (isolation.md), whose cancelled run must kill it just the same.
	for _, command := range []string{"run", "check", "run/process", "check/process"} {
		command := command
		t.Run("cancelled/"+command, func(t *testing.T) {
			tr := newTree(t, false)
			tr.writeConfig("shutdown_grace_period: 3\n")
			pidFile := filepath.Join(tr.dir, "pids")
			tr.writeFile(filepath.Join(tr.confd, "sigtest_stuck_subproc_check.yaml"), "instances:\n  - pid_file: "+quoted(pidFile)+"\n")
			args := []string{"run", "-c", tr.config, "--format", "json"}
			if strings.HasPrefix(command, "check") {
				args = []string{"check", "sigtest_stuck_subproc_check", "--config", tr.config, "--format", "json"}
			}
			if strings.HasSuffix(command, "/process") {
				args = append(args, "--isolation", "process", "--workers", "1")
			}
			p := startStopping(t, tr.dir, args...)
			pids := readPids(t, p, pidFile)
			if len(pids) != 2 {
				t.Fatalf("want the shell's and its child's pids, got %v", pids)
			}
			code, took := p.stop(syscall.SIGTERM, 10*time.Second)
			if code != 0 {
				t.Errorf("exit code %d\n%s", code, p.dump())
			}
			if took > slack {
				t.Errorf("exit took %v: the cancelled run should end as soon as its command is killed", took)
			}
			wantGone(t, "after the stop", pids)
			run := one(t, runsOf(p.objects(), "sigtest_stuck_subproc_check"), "the cancelled run")
			if run.str("status") != "cancelled" {
				t.Errorf("run status %q, want cancelled", run.str("status"))
			}
			meta := withField(where(p.objects(), "metadata", "sigtest_stuck_subproc_check"), "name", "subprocess_error")
			if len(meta) != 1 || !strings.Contains(meta[0].str("value"), "cancelled") {
				t.Errorf("the check should learn why its command ended: %v", meta)
			}
			_, stderr := p.snapshot()
			if strings.Contains(stderr, "exiting without") {
				t.Errorf("the run was abandoned instead of ending:\n%s", stderr)
			}
		})
	}
	t.Run("host SIGKILLed", func(t *testing.T) {
		tr := newTree(t, false)
		pidFile := filepath.Join(tr.dir, "pids")
		tr.writeFile(filepath.Join(tr.confd, "sigtest_stuck_subproc_check.yaml"),
			"instances:\n  - pid_file: "+quoted(pidFile)+"\n    exec_only: true\n")
		p := startStopping(t, tr.dir, "run", "-c", tr.config, "--format", "json")
		pids := readPids(t, p, pidFile)
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-p.done
		wantGone(t, "after the host was SIGKILLed", pids)
	})
}

// Item 4: the output bound is the setting subprocess_output_limit (default
// 1 GiB, so 17 MiB passes where 16 MiB used to be the end), named in the error.
func TestSubprocessOutputLimitSetting(t *testing.T) {
	tr := newTree(t, false)
	tr.writeFile(filepath.Join(tr.confd, "sigtest_bigout_check.yaml"), "instances:\n  - bytes: 17825792\n")
	r := run(t, tr.dir, "check", "sigtest_bigout_check", "--config", tr.config, "--format", "json")
	wantCode(t, r, 0)
	length := one(t, withField(where(r.lines(t), "metric", "sigtest_bigout_check"), "name", "bigout.length"), "bigout.length")
	if length.num("value") != 17825792 {
		t.Errorf("read %v bytes, want 17825792", length.num("value"))
	}

	tr.writeConfig("subprocess_output_limit: 1000\n")
	tr.writeFile(filepath.Join(tr.confd, "sigtest_bigout_check.yaml"), "instances:\n  - bytes: 1001\n")
	r = run(t, tr.dir, "check", "sigtest_bigout_check", "--config", tr.config, "--format", "json")
	wantCode(t, r, 1)
	failed := one(t, runsOf(r.lines(t), "sigtest_bigout_check"), "the run")
	wantContains(t, "run error", failed.str("error"), "exceeded the limit of 1000 bytes (setting subprocess_output_limit)")
}

// The two settings are checked like every other: a bad value names the file and line.
func TestProcessSettingsValidated(t *testing.T) {
	for _, c := range []struct{ setting, message string }{
		{"shutdown_grace_period: soon\n", "'shutdown_grace_period' must be a number of seconds"},
		{"shutdown_grace_period: -1\n", "'shutdown_grace_period' must be a number of seconds"},
		{"subprocess_output_limit: -5\n", "'subprocess_output_limit' must be a number of bytes"},
		{"subprocess_output_limit: 1.5\n", "'subprocess_output_limit' must be a number of bytes"},
	} {
		tr := newTree(t, false)
		tr.writeConfig(c.setting)
		r := run(t, tr.dir, "run", "-c", tr.config)
		wantCode(t, r, 3)
		wantContains(t, "stderr", r.stderr, "datadog.yaml:")
		wantContains(t, "stderr", r.stderr, c.message)
	}
}
