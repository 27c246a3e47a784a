package hostcli

// How the host ends after a stop signal in process: with threads of its
// own just done (a worker per runner, a canceller per running check) and
// Python threads a check started still busy, `run` exits 0 at once and its
// exit is clean. In the sanitizer runs that exit is where LeakSanitizer
// checks the whole process, with every one of those threads' dynamic TLS
// (docs/host.md, "Sanitizer builds").

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunExitsCleanlyWithThreadsAlive(t *testing.T) {
	const instances = 3
	tr := newTree(t, false)
	tr.writeConfig("shutdown_grace_period: 3\n")
	var conf strings.Builder
	conf.WriteString("instances:\n")
	var started []string
	for i := 0; i < instances; i++ {
		path := filepath.Join(tr.dir, fmt.Sprintf("started-%d", i))
		started = append(started, path)
		fmt.Fprintf(&conf, "  - started_file: %s\n    threads: 4\n", quoted(path))
	}
	tr.writeFile(filepath.Join(tr.confd, "sigtest_threads_check.yaml"), conf.String())
	p := startStopping(t, tr.dir, "run", "-c", tr.config, "--format", "json")
	for _, path := range started {
		waitLiveFile(t, p, path)
	}
	code, took := p.stop(syscall.SIGTERM, 10*time.Second)
	_, stderr := p.snapshot()
	if code != 0 || took > slack {
		t.Errorf("exit code %d after %v, want 0 at once\n%s", code, took, p.dump())
	}
	if strings.Contains(stderr, "Sanitizer") || strings.Contains(stderr, "Tracer caught") {
		t.Errorf("the exit was not clean\n%s", p.dump())
	}
	runs := runsOf(p.objects(), "sigtest_threads_check")
	if len(runs) != instances {
		t.Fatalf("%d runs, want %d\n%s", len(runs), instances, p.dump())
	}
	for _, r := range runs {
		if r.str("status") != "cancelled" {
			t.Errorf("run status %q, want cancelled", r.str("status"))
		}
	}
}
