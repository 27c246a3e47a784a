package hostcli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metadataOf runs `check name` and returns its metadata as name -> value.
func metadataOf(t *testing.T, tr *tree, name string) (map[string]string, result) {
	t.Helper()
	r := tr.check(name)
	wantCode(t, r, 0)
	objs := r.lines(t)
	run := one(t, where(objs, "run", name), "run of "+name)
	if run.str("status") != "ok" {
		t.Fatalf("%s did not run ok: %v\n%s", name, run, r)
	}
	md := map[string]string{}
	for _, o := range where(objs, "metadata", name) {
		md[o.str("name")] = o.str("value")
	}
	return md, r
}

// read_persistent_cache / write_persistent_cache: the value survives the
// process and lives under run_path, in a 0600 file.
func TestPersistentCache(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	counter := func() (string, float64) {
		t.Helper()
		r := tr.check("cache_counter_check")
		wantCode(t, r, 0)
		objs := r.lines(t)
		prev := one(t, withField(where(objs, "metadata", "cache_counter_check"), "name", "previous"), "previous")
		gauge := one(t, withField(where(objs, "metric", "cache_counter_check"), "name", "cache.counter"), "cache.counter")
		return prev.str("value"), gauge.num("value")
	}
	if prev, n := counter(); prev != "''" || n != 1 {
		t.Fatalf("first run: previous %s, counter %v; want '' (a missing key reads as empty) and 1", prev, n)
	}
	if prev, n := counter(); prev != "'1'" || n != 2 {
		t.Fatalf("second invocation, same run_path: previous %s, counter %v; want '1' and 2", prev, n)
	}

	var files []string
	err := filepath.Walk(tr.runPath, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if string(data) == "2" {
				files = append(files, path)
				if perm := info.Mode().Perm(); perm != 0o600 {
					t.Errorf("%s: mode %o, want 600", path, perm)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking run_path %s: %v", tr.runPath, err)
	}
	if len(files) != 1 {
		t.Fatalf("want one file holding the value under run_path %s, found %v", tr.runPath, files)
	}
	if !strings.Contains(files[0], "cache_counter_check") {
		t.Errorf("the cache file %s is not under a directory of the check's name", files[0])
	}

	// another run_path: a fresh cache
	tr.writeConfig("run_path: other-run\n")
	if prev, n := counter(); prev != "''" || n != 1 {
		t.Errorf("other run_path: previous %s, counter %v; want '' and 1", prev, n)
	}
}

// _util.get_subprocess_output from a check: output, error output and exit
// code; a missing binary raises an Exception; env is honoured.
func TestSubprocessOutput(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	md, r := metadataOf(t, tr, "subproc_check")
	type outcome struct {
		Result    []interface{} `json:"result"`
		Exception string        `json:"exception"`
		Message   string        `json:"message"`
	}
	get := func(name string) outcome {
		t.Helper()
		var o outcome
		if err := json.Unmarshal([]byte(md[name]), &o); err != nil {
			t.Fatalf("probe %s: %v (%q)\n%s", name, err, md[name], r)
		}
		return o
	}
	if o := get("basic"); len(o.Result) != 3 || o.Result[0] != "out\n" || o.Result[1] != "err\n" || o.Result[2] != 3.0 {
		t.Errorf(`["sh","-c","echo out; echo err >&2; exit 3"]: want ("out\n", "err\n", 3), got %+v`, o)
	}
	if o := get("missing"); o.Exception != "Exception" || !strings.Contains(o.Message, "/nonexistent/e2e-no-such-binary") {
		t.Errorf("missing binary: want an Exception naming the binary, got %+v", o)
	}
	if o := get("env"); len(o.Result) != 3 || o.Result[0] != "bar\n" || o.Result[2] != 0.0 {
		t.Errorf(`env={"FOO": "bar"} with echo $FOO: want ("bar\n", "", 0), got %+v`, o)
	}
	if o := get("empty"); o.Exception != "SubprocessOutputEmptyError" {
		t.Errorf("raise_on_empty with no output: want SubprocessOutputEmptyError, got %+v", o)
	}
}

// agentConfig sets the keys datadog_agent, containers and tagger answer from
// (agentcfg_check reads them; the isolation tests' richConfig adds to it).
const agentConfig = `custom:
  nested:
    key: value
custom_list: [1, "two", 3.5]
custom_bool: yes
custom_int: 0x1F
tags:
  - env:e2e
  - team:rtloader
cluster_name: e2e-cluster
container_exclude: ["name:^bad"]
container_include: ["name:^bad_but_ok$"]
entity_tags:
  "container_id://abc": ["team:a", "env:x"]
`

// datadog_agent, containers and tagger answer from datadog.yaml.
func TestAgentCallbacksFromConfig(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	tr.writeConfig(agentConfig)
	before := float64(time.Now().Unix())
	md, r := metadataOf(t, tr, "agentcfg_check")

	var cfg map[string]interface{}
	if err := json.Unmarshal([]byte(md["config"]), &cfg); err != nil {
		t.Fatalf("config probe: %v\n%s", err, r)
	}
	wantCfg := map[string]interface{}{
		"custom.nested.key": "value",
		"custom_list":       []interface{}{1.0, "two", 3.5},
		"custom_bool":       true,
		"custom_int":        31.0,
		"missing.key":       nil,
		"hostname":          "e2e-host",
	}
	for k, v := range wantCfg {
		got, _ := json.Marshal(cfg[k])
		want, _ := json.Marshal(v)
		if string(got) != string(want) {
			t.Errorf("get_config(%q) = %s, want %s", k, got, want)
		}
	}
	if _, ok := cfg["missing.key"]; !ok {
		t.Errorf("get_config of a missing key: no answer recorded")
	}

	if md["hostname"] != "e2e-host" {
		t.Errorf("get_hostname() = %q, want e2e-host", md["hostname"])
	}
	if md["version"] == "" {
		t.Errorf("get_version() is empty")
	}
	if md["clustername"] != "e2e-cluster" {
		t.Errorf("get_clustername() = %q, want e2e-cluster", md["clustername"])
	}
	var hostTags map[string][]string
	if err := json.Unmarshal([]byte(md["host_tags"]), &hostTags); err != nil ||
		!sameStrings(hostTags["system"], []string{"env:e2e", "team:rtloader"}) {
		t.Errorf("get_host_tags() = %q (%v), want system tags [env:e2e team:rtloader]", md["host_tags"], err)
	}
	if start, err := strconv.ParseFloat(md["process_start_time"], 64); err != nil || start < before-60 || start > before+60 {
		t.Errorf("get_process_start_time() = %q, want about %v", md["process_start_time"], before)
	}

	var obf []string
	if err := json.Unmarshal([]byte(md["obfuscate_sql"]), &obf); err != nil || len(obf) != 2 ||
		obf[0] != "ok" || obf[1] != "SELECT * FROM t WHERE id = ?" {
		t.Errorf("obfuscate_sql: want the obfuscated query, got %q", md["obfuscate_sql"])
	}

	var excluded map[string]bool
	if err := json.Unmarshal([]byte(md["excluded"]), &excluded); err != nil {
		t.Fatalf("excluded probe: %v", err)
	}
	for name, want := range map[string]bool{"bad-one": true, "bad_but_ok": false, "good": false} {
		if excluded[name] != want {
			t.Errorf("containers.is_excluded(%q) = %v, want %v (exclude name:^bad, include name:^bad_but_ok$)",
				name, excluded[name], want)
		}
	}

	var tags map[string][]string
	if err := json.Unmarshal([]byte(md["tags"]), &tags); err != nil {
		t.Fatalf("tags probe: %v", err)
	}
	if !sameStrings(tags["known"], []string{"team:a", "env:x"}) || len(tags["unknown"]) != 0 {
		t.Errorf("tagger.tag: got %v, want known [team:a env:x] and unknown []", tags)
	}
}

// Without container_exclude nothing is excluded; with no entity_tags the tagger has nothing.
func TestAgentCallbacksDefaults(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	md, _ := metadataOf(t, tr, "agentcfg_check")
	var excluded map[string]bool
	if err := json.Unmarshal([]byte(md["excluded"]), &excluded); err != nil {
		t.Fatal(err)
	}
	for name, ex := range excluded {
		if ex {
			t.Errorf("containers.is_excluded(%q) with no patterns configured = true", name)
		}
	}
	var hostTags map[string][]string
	if err := json.Unmarshal([]byte(md["host_tags"]), &hostTags); err != nil || len(hostTags["system"]) != 0 {
		t.Errorf("get_host_tags() with no tags = %q", md["host_tags"])
	}
	if md["clustername"] != "" {
		t.Errorf("get_clustername() with none configured = %q, want empty", md["clustername"])
	}
}

// self.log goes to stderr through the log callback, filtered by log_level
// (datadog.yaml) or --log-level (which wins).
func TestLogLevelFiltering(t *testing.T) {
	t.Parallel()
	levels := []string{"debug", "info", "warning", "error", "critical"}
	cases := []struct {
		config string
		flags  []string
		shown  int // lines from this index of levels on are shown
	}{
		{"", nil, 1},                   // default: info
		{"log_level: error\n", nil, 3}, // from datadog.yaml
		{"log_level: error\n", []string{"--log-level", "debug"}, 0}, // the flag wins
		{"log_level: \"off\"\n", nil, len(levels)},                  // nothing
		{"log_level: WARN\n", nil, 2},                               // names are case-insensitive
	}
	for _, c := range cases {
		tr := newTree(t, true)
		tr.writeConfig(c.config)
		r := tr.check("logging_check", c.flags...)
		wantCode(t, r, 0)
		for i, level := range levels {
			line := "e2e-" + level + "-line"
			if shown := strings.Contains(r.stderr, line); shown != (i >= c.shown) {
				t.Errorf("config %q flags %v: %s shown=%v, want %v\n%s", c.config, c.flags, line, shown, i >= c.shown, r.stderr)
			}
		}
		if strings.Contains(r.stdout, "e2e-info-line") {
			t.Errorf("log lines on stdout:\n%s", r.stdout)
		}
	}
}
