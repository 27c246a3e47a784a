package hostcli

// One bad conf.d file does not stop `run` (issue 8, item 5), and every option
// means the same thing in every command (item 6).

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// `run` with bad files of every kind: each is logged, reported as a
// config_error line naming file and line, listed in the summary at exit, and
// the other files (of the same check too) and checks run. `check` of a broken
// check still fails with the file and line.
func TestRunSkipsBadFiles(t *testing.T) {
	t.Parallel()
	tr := newTree(t, false)
	good := "instances:\n  - min_collection_interval: 1\n"
	tr.writeFile(filepath.Join(tr.confd, "fast_check.yaml"), good)
	bad := map[string]string{ // file under conf.d -> "<line>: <part of the message>"
		"working.yaml":              "3: ",                                                    // bad YAML
		"aggregate.yaml":            "1: expected a map",                                      // a list
		"agentcfg.yaml":             "1: missing key 'instances'",                             // no instances
		"multi.yaml":                "2: 'instances' must be a list",                          // instances not a list
		"e2e_deprecated.yaml":       "3: instance 2 must be a map",                            // one bad instance
		"skipping.yaml":             "2: 'min_collection_interval' must be a positive number", // bad interval
		"log_levels_check.d/a.yaml": "1: 'init_config' must be a map",                         // bad init_config
	}
	content := map[string]string{
		"working.yaml":              "instances:\n  - {a: 1\n  - {}\n",
		"aggregate.yaml":            "- a\n- b\n",
		"agentcfg.yaml":             "init_config: {}\n",
		"multi.yaml":                "init_config: {}\ninstances: {a: 1}\n",
		"e2e_deprecated.yaml":       "instances:\n  - {}\n  - just a string\n",
		"skipping.yaml":             "instances:\n  - min_collection_interval: -1\n",
		"log_levels_check.d/a.yaml": "init_config: [1]\ninstances:\n  - {}\n",
	}
	for name, text := range content {
		tr.writeFile(filepath.Join(tr.confd, name), text)
	}
	// the same check's good file still runs
	tr.writeFile(filepath.Join(tr.confd, "log_levels_check.d", "b.yaml"), good)

	p := startLive(t, tr.dir, "run", "-c", tr.config, "--format", "json")
	p.waitFor("runs of fast and of the good file of log_levels_check", runWarmup, func(objs []obj) bool {
		return len(runsOf(objs, "fast_check")) >= 2 && len(runsOf(objs, "log_levels_check")) >= 1
	})
	code, _ := p.stop(syscall.SIGTERM, 15*time.Second)
	if code != 0 {
		t.Fatalf("exit code %d after SIGTERM\n%s", code, p.dump())
	}
	objs := p.objects()
	_, stderr := p.snapshot()
	notes := where(objs, "config_error", "")
	summary := where(objs, "summary", "")
	if len(notes) != len(bad) || len(summary) != len(bad) {
		t.Errorf("want %d config_error and summary lines, got %d and %d\n%s", len(bad), len(notes), len(summary), p.dump())
	}
	for name, want := range bad {
		file := filepath.Join(tr.confd, name)
		check := strings.SplitN(strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".d/a"), ".d/", 2)[0]
		found := false
		for _, n := range notes {
			if n.str("check") == check && strings.HasPrefix(n.str("message"), file+":"+want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no config_error for check %s starting with %q\n%s", check, file+":"+want, p.dump())
		}
		inSummary := false
		for _, s := range summary {
			inSummary = inSummary || strings.Contains(s.str("message"), file+":"+want)
		}
		if !inSummary {
			t.Errorf("the exit summary does not list %s", file)
		}
		wantContains(t, "stderr", stderr, file+":"+want)
		if len(runsOf(objs, check)) != 0 && check != "log_levels_check" {
			t.Errorf("check %s of a skipped file ran", check)
		}
	}

	// the table format reports them too
	q := startLive(t, tr.dir, "run", "-c", tr.config)
	deadline := time.Now().Add(runWarmup)
	for {
		lines, _ := q.snapshot()
		if strings.Contains(strings.Join(lines, "\n"), "=== fast_check") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no run of fast in the table output\n%s", q.dump())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _ := q.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("table run: exit code %d", code)
	}
	lines, _ := q.snapshot()
	table := strings.Join(lines, "\n")
	wantContains(t, "table output", table, "config_error working: "+filepath.Join(tr.confd, "working.yaml")+":3")
	wantContains(t, "table output", table, "summary: configuration file skipped: "+filepath.Join(tr.confd, "skipping.yaml")+":2")

	// `check` of the broken check fails with the file and line
	r := tr.check("skipping")
	wantCode(t, r, 3)
	wantContains(t, "stderr", r.stderr, filepath.Join(tr.confd, "skipping.yaml")+":2: 'min_collection_interval'")

	// with process isolation too: the workers load the same good files and the bad ones are
	// reported once, by the supervisor
	iso := startLive(t, tr.dir, "run", "-c", tr.config, "--format", "json", "--isolation", "process", "--workers", "2")
	iso.waitFor("isolated runs of fast and of the good file of log_levels_check", runWarmup, func(objs []obj) bool {
		return len(runsOf(objs, "fast_check")) >= 1 && len(runsOf(objs, "log_levels_check")) >= 1
	})
	if code, _ := iso.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("isolated run: exit code %d\n%s", code, iso.dump())
	}
	isoObjs := iso.objects()
	if n, m := len(where(isoObjs, "config_error", "")), len(where(isoObjs, "summary", "")); n != len(bad) || m != len(bad) {
		t.Errorf("isolated run: %d config_error and %d summary lines, want %d each\n%s", n, m, len(bad), iso.dump())
	}
	if len(where(isoObjs, "load_error", "")) != 0 {
		t.Errorf("isolated run: a worker reported a load error\n%s", iso.dump())
	}
}

// -c is the configuration file in every command (as in the Agent's CLI);
// --confd is the conf.d directory; an option that does not apply to a
// command is refused, never ignored.
func TestOptionsSameEverywhere(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	// check: -c is datadog.yaml (its hostname reaches the check)
	r := run(t, tr.dir, "check", "agentcfg_check", "-c", tr.config, "--confd", tr.confd, "--format", "json")
	wantCode(t, r, 0)
	md := one(t, withField(where(r.lines(t), "metadata", "agentcfg_check"), "name", "hostname"), "hostname")
	if md.str("value") != "e2e-host" {
		t.Errorf("check -c datadog.yaml: hostname %q, want e2e-host from the file", md.str("value"))
	}
	// -c with conf.d, as an older `rtloader check` took it: a usage error that says what to do
	for _, cmd := range [][]string{
		{"check", "agentcfg_check", "-c", tr.confd},
		{"run", "-c", tr.confd},
		{"info", "-c", tr.confd},
	} {
		r := run(t, tr.dir, cmd...)
		wantCode(t, r, 2)
		wantContains(t, cmd[0]+" stderr", r.stderr, "is a directory: -c/--config names the datadog.yaml, --confd the conf.d directory")
	}
	// options that do not apply are refused
	for _, c := range []struct{ args []string }{
		{[]string{"run", "--times", "2"}},
		{[]string{"run", "--interval", "1"}},
		{[]string{"info", "--times", "2"}},
		{[]string{"info", "--format", "json"}},
		{[]string{"info", "--stats"}},
	} {
		r := run(t, tr.dir, c.args...)
		wantCode(t, r, 2)
		wantContains(t, strings.Join(c.args, " "), r.stderr, c.args[1]+" does not apply to '"+c.args[0]+"'")
	}
	// every --help documents the same spelling of each shared option
	for _, cmd := range []string{"check", "run", "info"} {
		r := run(t, tr.dir, cmd, "--help")
		wantCode(t, r, 0)
		for _, line := range []string{"-c, --config FILE", "    --confd DIR", "    --python-home DIR", "    --log-level L", "-h, --help"} {
			wantContains(t, cmd+" --help", r.stdout, line)
		}
	}
	// info: --log-level applies (it used to be accepted undocumented)
	r = run(t, tr.dir, "info", "-c", tr.config, "--log-level", "error")
	wantCode(t, r, 0)
}
