package hostcli

import (
	"path/filepath"
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
