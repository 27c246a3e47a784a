package hostcli

import (
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Process isolation (docs/isolation.md): every callback a check can reach
// gives the same answer in a worker as in process, with the right values
// asserted (a comparison alone passes when both modes are wrong); state
// shared by processes (the persistent cache) stays right; faults that no
// other test covers: a submission past the frame limit, a worker killed
// while the host stops.

// richConfig sets every key the callbacks answer from.
const richConfig = agentConfig + `tracemalloc_debug: true
log_level: trace
`

// logLines keeps the stderr lines of the checks' own logging (e2e-*), without
// their time stamps, sorted: instances on several workers interleave.
func logLines(stderr string) []string {
	stamp := regexp.MustCompile(`^\S+ \S+ \S+ \| `)
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "e2e-") || strings.Contains(line, "agent telemetry from") {
			out = append(out, stamp.ReplaceAllString(line, ""))
		}
	}
	sort.Strings(out)
	return out
}

// metadataByName: name -> value of a check's metadata lines (one instance, one run).
func metadataByName(objs []obj, check string) map[string]string {
	md := map[string]string{}
	for _, o := range where(objs, "metadata", check) {
		md[o.str("name")] = o.str("value")
	}
	return md
}

func wantJSON(t *testing.T, what, got string, want interface{}) {
	t.Helper()
	var g interface{}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("%s: %q is not JSON: %v", what, got, err)
		return
	}
	a, _ := json.Marshal(g)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Errorf("%s = %s, want %s", what, a, b)
	}
}

// Every callback answered in the worker (docs/isolation.md, "Answered in the
// worker") gives the in-process answer, and the right one: get_config,
// get_hostname, get_clustername, get_host_tags, get_version, headers (both
// modules), tracemalloc_enabled, tagger (tag, get_tags), is_excluded,
// get_connection_info, get_process_start_time (the host's start, not the
// worker's), the obfuscators, get_subprocess_output, logging at each level
// (datadog_agent.log, self.log, a library's logger), agent telemetry and warnings.
func TestIsolationCallbacksSameAnswers(t *testing.T) {
	t.Parallel()
	probes := map[string]string{
		"agentcfg_check":    "instances:\n  - {}\n  - {label: second}\n",
		"answers_check":     "instances:\n  - {}\n",
		"obfuscation_check": "instances:\n  - {}\n",
		"subproc_check":     "instances:\n  - {}\n",
		"log_levels_check":  "instances:\n  - {}\n",
		"logging_check":     "instances:\n  - {}\n",
	}
	trees := map[string]*tree{}
	for _, mode := range []string{"none", "process"} {
		tr := newTree(t, false)
		tr.writeConfig(richConfig)
		for name, conf := range probes {
			tr.writeFile(filepath.Join(tr.confd, name+".yaml"), conf)
		}
		trees[mode] = tr
	}
	for name := range probes {
		before := float64(time.Now().UnixNano()) / 1e9
		none := trees["none"].check(name)
		process := trees["process"].check(name, "--isolation", "process", "--workers", "2")
		after := float64(time.Now().UnixNano()) / 1e9
		compareModes(t, name, none, process, trees["none"].dir, trees["process"].dir, false)
		if a, b := logLines(none.stderr), logLines(process.stderr); strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("%s: log lines differ\n--- in process:\n%s\n--- in workers:\n%s", name,
				strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
		wantCode(t, process, 0)
		objs := process.lines(t)
		for _, run := range where(objs, "run", name) {
			if run.str("status") != "ok" {
				t.Errorf("%s in a worker: %v\n%s", name, run, process)
			}
		}
		assertAnswers(t, name, objs, process.stderr, before, after)
	}
}

// assertAnswers checks the values a probe reported in a worker.
func assertAnswers(t *testing.T, name string, objs []obj, stderr string, before, after float64) {
	t.Helper()
	md := metadataByName(objs, name)
	switch name {
	case "agentcfg_check":
		// two instances, one per worker: both get the host's answers
		starts := map[string]bool{}
		for _, o := range withField(where(objs, "metadata", name), "name", "process_start_time") {
			starts[o.str("value")] = true
			start, err := strconv.ParseFloat(o.str("value"), 64)
			if err != nil || start < before-1 || start > after {
				t.Errorf("get_process_start_time() = %q, want the host's start, in [%f, %f]", o.str("value"), before, after)
			}
		}
		if len(starts) != 1 {
			t.Errorf("get_process_start_time() differs between workers (each answered its own start?): %v", starts)
		}
		wantJSON(t, "get_config", md["config"], map[string]interface{}{
			"custom.nested.key": "value", "custom_list": []interface{}{1, "two", 3.5}, "custom_bool": true,
			"custom_int": 31, "missing.key": nil, "hostname": "e2e-host",
		})
		for key, want := range map[string]string{"hostname": "e2e-host", "clustername": "e2e-cluster"} {
			if md[key] != want {
				t.Errorf("%s = %q, want %q", key, md[key], want)
			}
		}
		if !strings.HasPrefix(md["version"], "7.") {
			t.Errorf("get_version() = %q, want the host's 7.x version", md["version"])
		}
		var hostTags map[string][]string
		if err := json.Unmarshal([]byte(md["host_tags"]), &hostTags); err != nil ||
			!sameStrings(hostTags["system"], []string{"env:e2e", "team:rtloader"}) {
			t.Errorf("get_host_tags() = %q, want system tags [env:e2e team:rtloader]", md["host_tags"])
		}
		wantJSON(t, "obfuscate_sql", md["obfuscate_sql"], []string{"ok", "SELECT * FROM t WHERE id = ?"})
		wantJSON(t, "is_excluded", md["excluded"], map[string]bool{"bad-one": true, "bad_but_ok": false, "good": false})
		wantJSON(t, "tagger.tag", md["tags"], map[string]interface{}{"known": []string{"team:a", "env:x"}, "unknown": []string{}})
	case "answers_check":
		headers := map[string]interface{}{
			"Accept": "text/html, */*", "Content-Type": "application/x-www-form-urlencoded",
		}
		var got map[string]interface{}
		if err := json.Unmarshal([]byte(md["util_headers"]), &got); err != nil || !strings.HasPrefix(got["User-Agent"].(string), "Datadog Agent/7.") {
			t.Errorf("util.headers() = %q, want a Datadog Agent/7.x User-Agent", md["util_headers"])
		} else {
			headers["User-Agent"] = got["User-Agent"]
			wantJSON(t, "util.headers", md["util_headers"], headers)
			headers["Host"] = "example.com"
			wantJSON(t, "datadog_agent.headers(http_host=...)", md["headers"], headers)
		}
		wantJSON(t, "tracemalloc_enabled", md["tracemalloc"], true)
		wantJSON(t, "kubeutil.get_connection_info", md["connection_info"], map[string]interface{}{})
		wantJSON(t, "tagger.get_tags", md["get_tags"], []string{"team:a", "env:x"})
		wantJSON(t, "get_config(log_level)", md["log_level"], "trace")
		run := one(t, where(objs, "run", name), "run")
		if !sameStrings(run.strings("warnings"), []string{"e2e-answers-warning"}) {
			t.Errorf("warnings = %v, want [e2e-answers-warning]", run.strings("warnings"))
		}
		for _, level := range []string{"TRACE | e2e-answers-trace", "DEBUG | e2e-answers-debug", "INFO | e2e-answers-info",
			"WARN | e2e-answers-warning-line", "ERROR | e2e-answers-error", "CRITICAL | e2e-answers-critical",
			"agent telemetry from answers_check: gauge e2e.telemetry = 1"} {
			wantContains(t, "a worker's log", stderr, level)
		}
	case "obfuscation_check":
		wantJSON(t, "obfuscate_mongodb_string", md["mongo"],
			[]string{"ok", `{"find":"customers","filter":{"age":{"$gt":"?"}},"$db":"shop"}`})
		var plan []string
		if err := json.Unmarshal([]byte(md["plan"]), &plan); err != nil || plan[0] != "ok" || strings.Contains(plan[1], "a@b.c") {
			t.Errorf("obfuscate_sql_exec_plan = %q, want ok and the literal gone", md["plan"])
		}
		var bad []string
		if err := json.Unmarshal([]byte(md["error_sql"]), &bad); err != nil || bad[0] == "ok" {
			t.Errorf("obfuscate_sql of an unterminated string = %q, want an exception", md["error_sql"])
		}
	case "subproc_check":
		wantJSON(t, "get_subprocess_output", md["basic"], map[string]interface{}{"result": []interface{}{"out\n", "err\n", 3}})
		wantJSON(t, "get_subprocess_output(env)", md["env"], map[string]interface{}{"result": []interface{}{"bar\n", "", 0}})
	case "log_levels_check", "logging_check":
		for _, line := range []string{"DEBUG | datadog_checks." + name + ": e2e-", "ERROR | datadog_checks." + name + ": e2e-"} {
			wantContains(t, "a worker's log", stderr, line)
		}
	}
}

// The persistent cache is shared by processes: two instances on two workers
// each keep their own value across runs, and what one mode wrote the other
// reads (the same run_path, files written atomically).
func TestIsolationPersistentCacheAcrossProcesses(t *testing.T) {
	t.Parallel()
	tr := newTree(t, false)
	tr.writeFile(filepath.Join(tr.confd, "cache_counter_check.yaml"), "instances:\n  - {name: a}\n  - {name: b}\n")
	counters := func(r result) map[string][]float64 {
		t.Helper()
		wantCode(t, r, 0)
		out := map[string][]float64{}
		for _, m := range withField(where(r.lines(t), "metric", "cache_counter_check"), "name", "cache.counter") {
			out[m.str("check_id")] = append(out[m.str("check_id")], m.num("value"))
		}
		return out
	}
	want := func(what string, got map[string][]float64, values ...float64) {
		t.Helper()
		if len(got) != 2 {
			t.Fatalf("%s: want two instances, got %v", what, got)
		}
		for id, v := range got {
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(values)
			if string(a) != string(b) {
				t.Errorf("%s: instance %s counted %s, want %s", what, id, a, b)
			}
		}
	}
	want("two workers, 3 runs", counters(tr.check("cache_counter_check", "--isolation", "process", "--workers", "2",
		"--times", "3", "--interval", "0")), 1, 2, 3)
	want("then in process", counters(tr.check("cache_counter_check", "--times", "2", "--interval", "0")), 4, 5)
	want("then in workers again", counters(tr.check("cache_counter_check", "--isolation", "process", "--workers", "2")), 6)
}

// A submission that alone exceeds the frame limit (any kind: metric tags,
// service check, event, bucket, platform event, metadata, log, external
// tags) is dropped with a note naming the limit; everything else of the run
// arrives, the worker is not restarted, and a run result (error, warnings)
// over the limit arrives cut to fit. The limit is lowered to 1 MiB
// (RTLOADER_TEST_WIRE_MAX_FRAME) to keep the test small; test_wire.c covers
// the splitting itself.
func TestIsolationOversizedSubmission(t *testing.T) {
	t.Parallel()
	lowLimit := []string{"RTLOADER_TEST_WIRE_MAX_FRAME=1048576"}
	tr := newTree(t, false)
	tr.writeFile(filepath.Join(tr.confd, "oversize_check.yaml"),
		"instances:\n  - {mib: 1.5, warn_mib: 1.5}\n  - {fail_mib: 1.5}\n")
	r := tr.checkEnv(lowLimit, "oversize_check", "--isolation", "process", "--workers", "1", "--times", "2", "--interval", "0")
	wantCode(t, r, 1) // the raising instance
	objs := r.lines(t)
	for _, name := range []string{"oversize.before", "oversize.after"} {
		if n := len(withField(where(objs, "metric", "oversize_check"), "name", name)); n != 4 {
			t.Errorf("%s: want 4 (2 instances x 2 runs), got %d", name, n)
		}
	}
	for _, typ := range []string{"service_check", "event", "histogram_bucket", "event_platform_event", "log", "external_tags"} {
		if n := len(where(objs, typ, "")); n != 0 {
			t.Errorf("%d %s line(s) delivered past the frame limit", n, typ)
		}
	}
	if n := len(withField(where(objs, "metric", "oversize_check"), "name", "oversize.tags")); n != 0 {
		t.Errorf("the metric with 1.5 MiB of tags was delivered")
	}
	if md := metadataByName(objs, "oversize_check"); md["oversize.meta"] != "" {
		t.Errorf("the 1.5 MiB metadata was delivered")
	}
	notes := where(objs, "submission_dropped", "oversize_check")
	if len(notes) != 16 {
		t.Errorf("want 8 submission_dropped notes per run, got %d\n%v", len(notes), notes)
	}
	kinds := map[string]bool{}
	for _, n := range notes {
		wantContains(t, "note", n.str("message"), "MiB) exceeds the 1 MiB frame limit of process isolation: dropped")
		if m := regexp.MustCompile(`a submission \((.*), 1\.[56] MiB\)`).FindStringSubmatch(n.str("message")); m != nil {
			kinds[m[1]] = true
		}
	}
	for _, k := range []string{"metric", "service check", "event", "histogram bucket", "event platform event",
		"metadata", "log", "external tags"} {
		if !kinds[k] {
			t.Errorf("no note for the oversized %s (got %v)", k, kinds)
		}
	}
	wantContains(t, "stderr", r.stderr, "exceeds the 1 MiB frame limit")
	if strings.Contains(r.stderr, "restarting a worker") || strings.Contains(r.stderr, "killed by signal") {
		t.Errorf("the worker was lost over an oversized record\n%s", r.stderr)
	}
	cut := "[truncated to fit the frame limit]"
	for _, run := range where(objs, "run", "oversize_check") {
		if strings.HasSuffix(run.str("source"), ":2") {
			if run.str("status") != "ok" || len(run.strings("warnings")) != 1 ||
				!strings.HasSuffix(run.strings("warnings")[0], cut) || !strings.HasPrefix(run.strings("warnings")[0], "wwww") {
				t.Errorf("the run with a 1.5 MiB warning: want ok, its warning cut, got %.300s", run)
			}
		} else if run.str("status") != "error" || !strings.Contains(run.str("error"), "eeee") ||
			!strings.HasSuffix(run.str("error"), cut) {
			t.Errorf("the run raising a 1.5 MiB error: want an error, cut, got %.300s", run)
		}
	}

	// in process nothing is dropped: the limit is the workers' alone
	r = tr.checkEnv(lowLimit, "oversize_check")
	if n := len(where(r.lines(t), "event_platform_event", "")); n != 1 {
		t.Errorf("in process, want the platform event delivered, got %d", n)
	}
}

// The same at the real limit, with the one kind that costs least (a 257 MiB
// platform event: about 550 MiB of RSS in the worker, briefly): before this
// was handled, the supervisor refused the frame and the worker was lost with
// the whole run.
func TestIsolationOversizedSubmissionRealLimit(t *testing.T) {
	t.Parallel()
	tr := newTree(t, false)
	tr.writeFile(filepath.Join(tr.confd, "oversize_check.yaml"), "instances:\n  - {platform_mib: 257}\n")
	r := tr.check("oversize_check", "--isolation", "process", "--workers", "1")
	wantCode(t, r, 0)
	objs := r.lines(t)
	run := one(t, where(objs, "run", "oversize_check"), "run")
	if run.str("status") != "ok" {
		t.Errorf("want the run ok, got %v", run)
	}
	for _, name := range []string{"oversize.before", "oversize.after"} {
		one(t, withField(where(objs, "metric", "oversize_check"), "name", name), name)
	}
	note := one(t, where(objs, "submission_dropped", "oversize_check"), "note")
	wantContains(t, "note", note.str("message"), "a submission (event platform event, 257.0 MiB) exceeds the 256 MiB frame limit")
	if strings.Contains(r.stderr, "restarting a worker") {
		t.Errorf("the worker was restarted\n%s", r.stderr)
	}
}

// A worker SIGKILLed while the host stops (its check ignores cancellation,
// so it is still running in the grace period): the host notices at once,
// exits 0 (a stop, as in process), long before the grace period ends, and
// leaves no process: neither the worker nor what its check started.
func TestIsolationWorkerKilledWhileStopping(t *testing.T) {
	for _, command := range []string{"check", "run"} {
		t.Run(command, func(t *testing.T) {
			tr := newTree(t, false)
			tr.writeConfig("shutdown_grace_period: 20\n")
			started := filepath.Join(tr.dir, "started")
			tr.writeFile(filepath.Join(tr.confd, "stubborn_check.yaml"),
				"instances:\n  - started_file: "+started+"\n    seconds: 60\n")
			args := []string{command, "--config", tr.config, "--format", "json", "--isolation", "process", "--workers", "1"}
			if command == "check" {
				args = append([]string{"check", "stubborn_check"}, args[1:]...)
			}
			var p *liveProcess
			withDefaultSignal(syscall.SIGTERM, func() { p = startLive(t, tr.dir, args...) })
			waitFile(t, started, 30*time.Second)
			workers := childPids(t, p.cmd.Process.Pid)
			if len(workers) != 1 {
				t.Fatalf("want one worker, found %v\n%s", workers, p.dump())
			}
			sent := time.Now()
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond) // the worker got SIGTERM; its check goes on sleeping
			if !alive(workers[0]) {
				t.Fatalf("the worker ended on SIGTERM: the check was meant to ignore its cancellation\n%s", p.dump())
			}
			if err := syscall.Kill(workers[0], syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			select {
			case <-p.done:
			case <-time.After(10 * time.Second):
				t.Fatalf("the host still runs 10 s after its worker was killed (grace period 20 s)\n%s", p.dump())
			}
			if took := time.Since(sent); took > 5*time.Second {
				t.Errorf("the host took %v to stop after its worker died", took)
			}
			code := 0
			var exitErr *exec.ExitError
			if errors.As(p.err, &exitErr) {
				code = exitErr.ExitCode() // -1 when killed by a signal
			} else if p.err != nil {
				t.Fatal(p.err)
			}
			if code != 0 {
				t.Errorf("exit code %d, want 0 (stopped by a signal)\n%s", code, p.dump())
			}
			if alive(workers[0]) {
				t.Errorf("worker %d survived", workers[0])
			}
			for _, g := range []int{p.cmd.Process.Pid, workers[0]} {
				if left := processGroupMembers(t, g); len(left) != 0 {
					t.Errorf("process group %d still has %v", g, left)
				}
			}
			run := one(t, where(p.objects(), "run", "stubborn_check"), "run")
			wantContains(t, "the lost run", run.str("error"), "killed by signal 9")
		})
	}
}
