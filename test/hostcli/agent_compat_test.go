package hostcli

// What makes a check that works on the Agent work here (issue 8, item 5):
// the Agent's configuration defaults, one log level for everything, bytes
// and None in tags.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// configProbe runs cfg_defaults_check and returns what get_config answered per key.
func configProbe(t *testing.T, tr *tree, extra ...string) map[string]json.RawMessage {
	t.Helper()
	r := tr.check("cfg_defaults_check", extra...)
	wantCode(t, r, 0)
	md := one(t, withField(where(r.lines(t), "metadata", "cfg_defaults_check"), "name", "config"), "config probe")
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal([]byte(md.str("value")), &cfg); err != nil {
		t.Fatalf("config probe: %v\n%s", err, r)
	}
	return cfg
}

// Every key of host/agent_defaults.c answers the Agent's default when unset.
func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	cfg := configProbe(t, tr)
	want := map[string]string{
		"enable_metadata_collection":            `true`,
		"disable_unsafe_yaml":                   `true`,
		"log_level":                             `"info"`,
		"integration_tracing":                   `false`,
		"integration_tracing_exhaustive":        `false`,
		"integration_profiling":                 `false`,
		"logs_enabled":                          `false`,
		"skip_ssl_validation":                   `false`,
		"proxy":                                 `{"http":"","https":"","no_proxy":[]}`,
		"proxy.http":                            `""`,
		"proxy.https":                           `""`,
		"proxy.no_proxy":                        `[]`,
		"apm_config.obfuscation.cache.enabled":  `true`,
		"apm_config.obfuscation.cache.max_size": `5000000`,
		"hostname_fqdn":                         `false`,
		"min_collection_interval":               `15`,
		"check_runners":                         `4`,
		"cmd_port":                              `5001`,
		"cmd_host":                              `"localhost"`,
		"bind_host":                             `"localhost"`,
		"dogstatsd_port":                        `8125`,
		"use_dogstatsd":                         `true`,
		"dogstatsd_non_local_traffic":           `false`,
		"e2e_never_a_key":                       `null`, // no default: None, as before
	}
	for key, w := range want {
		key, w := key, w
		t.Run(key, func(t *testing.T) {
			got, ok := cfg[key]
			if !ok {
				t.Fatalf("no answer for %q", key)
			}
			if compact(t, got) != w {
				t.Errorf("get_config(%q) = %s, want %s", key, got, w)
			}
		})
	}
}

// A value the user sets wins over the default; null counts as unset; a
// nested default still answers beside a partly set map.
func TestConfigDefaultsOverridden(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	tr.writeConfig("enable_metadata_collection: false\ndogstatsd_port: 9125\nlogs_enabled:\n" +
		"proxy:\n  http: http://proxy:3128\ncheck_runners: 2\n")
	cfg := configProbe(t, tr)
	for key, w := range map[string]string{
		"enable_metadata_collection": `false`,
		"dogstatsd_port":             `9125`,
		"logs_enabled":               `false`, // null: the default
		"proxy":                      `{"http":"http://proxy:3128"}`,
		"proxy.http":                 `"http://proxy:3128"`,
		"proxy.https":                `""`,
		"check_runners":              `2`,
	} {
		if got := compact(t, cfg[key]); got != w {
			t.Errorf("get_config(%q) = %s, want %s", key, got, w)
		}
	}
}

func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v interface{}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// --log-level is the level for everything: the host's lines, get_config('log_level')
// and the Python logging level of the check's logger and of any other logger.
func TestLogLevelForEverything(t *testing.T) {
	t.Parallel()
	cases := []struct {
		config, flag string
		wantLevel    string
		pyLevel      float64
		shown, not   []string
	}{
		{"log_level: info\n", "debug", "debug", 10,
			[]string{"e2e-lvl-debug-line", "e2e-lvl-info-line", "e2e-lvl-library-debug-line"},
			[]string{"e2e-lvl-trace-line"}},
		{"log_level: info\n", "trace", "trace", 7,
			[]string{"e2e-lvl-trace-line", "e2e-lvl-debug-line", "e2e-lvl-library-debug-line"}, nil},
		{"log_level: debug\n", "error", "error", 40,
			[]string{"e2e-lvl-error-line"},
			[]string{"e2e-lvl-debug-line", "e2e-lvl-info-line", "e2e-lvl-library-debug-line"}},
		{"log_level: warn\n", "", "warn", 30,
			[]string{"e2e-lvl-error-line"}, []string{"e2e-lvl-info-line"}},
		{"", "", "info", 20,
			[]string{"e2e-lvl-info-line"}, []string{"e2e-lvl-debug-line"}},
	}
	for _, c := range cases {
		tr := newTree(t, true)
		tr.writeConfig(c.config)
		var flags []string
		if c.flag != "" {
			flags = []string{"--log-level", c.flag}
		}
		r := tr.check("log_levels_check", flags...)
		wantCode(t, r, 0)
		md := one(t, withField(where(r.lines(t), "metadata", "log_levels_check"), "name", "levels"), "levels")
		var got struct {
			LogLevel     string  `json:"log_level"`
			Check        float64 `json:"check"`
			Library      float64 `json:"library"`
			DebugEnabled bool    `json:"debug_enabled"`
		}
		if err := json.Unmarshal([]byte(md.str("value")), &got); err != nil {
			t.Fatal(err)
		}
		what := "config " + strings.TrimSpace(c.config) + " --log-level " + c.flag
		if got.LogLevel != c.wantLevel {
			t.Errorf("%s: get_config('log_level') = %q, want %q", what, got.LogLevel, c.wantLevel)
		}
		if got.Check != c.pyLevel || got.Library != c.pyLevel || got.DebugEnabled != (c.pyLevel <= 10) {
			t.Errorf("%s: Python levels %+v, want %v", what, got, c.pyLevel)
		}
		for _, line := range c.shown {
			wantContains(t, what+": stderr", r.stderr, line)
		}
		for _, line := range c.not {
			if strings.Contains(r.stderr, line) {
				t.Errorf("%s: %s shown:\n%s", what, line, r.stderr)
			}
		}
	}
}

// Tags as bytes are UTF-8 (builtin and base class); the base class drops None
// tags, skips undecodable ones, decodes names and host names, adds device_name.
func TestBytesAndNoneTags(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("bytes_tags_check")
	wantCode(t, r, 0)
	objs := r.lines(t)
	run := one(t, where(objs, "run", "bytes_tags_check"), "run")
	if run.str("status") != "ok" {
		t.Fatalf("run failed: %v\n%s", run, r)
	}
	metrics := where(objs, "metric", "bytes_tags_check")
	tagsOf := func(name string) []string {
		t.Helper()
		return one(t, withField(metrics, "name", name), name).strings("tags")
	}
	both := []string{"env:prod", "role:db"}
	if got := tagsOf("e2e.direct"); !sameStrings(got, both) {
		t.Errorf("aggregator.submit_metric tags = %q, want %q", got, both)
	}
	if got := tagsOf("e2e.base"); !sameStrings(got, both) {
		t.Errorf("self.gauge tags = %q, want %q (None dropped, undecodable skipped)", got, both)
	}
	m := one(t, withField(metrics, "name", "e2e.bytes_name"), "bytes name")
	if m.str("host") != "byteshost" {
		t.Errorf("bytes hostname = %q, want byteshost", m.str("host"))
	}
	if got := tagsOf("e2e.device"); !sameStrings(got, []string{"a:b", "device:sda1"}) {
		t.Errorf("device_name tags = %q, want [a:b device:sda1]", got)
	}
	if len(withField(metrics, "name", "e2e.none_value")) != 0 {
		t.Errorf("a None value was submitted")
	}
	scs := where(objs, "service_check", "bytes_tags_check")
	if got := one(t, withField(scs, "name", "e2e.direct_sc"), "direct sc").strings("tags"); !sameStrings(got, both) {
		t.Errorf("submit_service_check tags = %q, want %q", got, both)
	}
	sc := one(t, withField(scs, "name", "e2e.base_sc"), "base sc")
	if got := sc.strings("tags"); !sameStrings(got, []string{"env:prod"}) || sc.str("message") != "fine" {
		t.Errorf("service_check = %v, want tags [env:prod] and message fine", sc)
	}
	ev := one(t, where(objs, "event", "bytes_tags_check"), "event")
	if got := ev.strings("tags"); !sameStrings(got, both) {
		t.Errorf("event tags = %q, want %q", got, both)
	}
	for _, o := range objs {
		for _, tag := range o.strings("tags") {
			if strings.Contains(tag, "b'") || tag == "None" {
				t.Errorf("a bytes or None repr was delivered as a tag: %s", o)
			}
		}
	}
	wantContains(t, "stderr", r.stderr, "Encoding error with tag")
}

// __NAMESPACE__ prefixes metric and service check names unless raw, as in the real base class.
func TestNamespacePrefix(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("namespaced_check")
	wantCode(t, r, 0)
	objs := r.lines(t)
	metrics := where(objs, "metric", "namespaced_check")
	for _, name := range []string{"e2e_ns.metric", "e2e.raw_metric"} {
		one(t, withField(metrics, "name", name), name)
	}
	one(t, withField(where(objs, "service_check", "namespaced_check"), "name", "e2e_ns.sc"), "namespaced sc")
}

// A 189-character URL in a cache key round-trips (across processes too), and
// a write the host refuses raises in the check instead of being only logged.
func TestPersistentCacheLongKeysAndFailedWrites(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	probe := func() map[string]interface{} {
		t.Helper()
		r := tr.check("cache_keys_check")
		wantCode(t, r, 0)
		md := one(t, withField(where(r.lines(t), "metadata", "cache_keys_check"), "name", "cache"), "cache probe")
		var got map[string]interface{}
		if err := json.Unmarshal([]byte(md.str("value")), &got); err != nil {
			t.Fatalf("%v\n%s", err, r)
		}
		return got
	}
	first := probe()
	if first["url_len"] != 189.0 || first["previous"] != "" || first["read_back"] != "run-after:" {
		t.Errorf("first run: %v, want a 189-char URL, previous \"\" and read_back \"run-after:\"", first)
	}
	second := probe()
	if second["previous"] != "run-after:" || second["read_back"] != "run-after:run-after:" {
		t.Errorf("second run: %v, want the first run's value back", second)
	}
	tooBig, _ := first["too_big"].([]interface{})
	if len(tooBig) != 2 || tooBig[0] != "RuntimeError" ||
		!strings.Contains(fmt.Sprint(tooBig[1]), "exceeds the persistent cache limit of 4194304 bytes") {
		t.Errorf("an over-limit write: %v, want RuntimeError naming the limit", first["too_big"])
	}
}

// A tag given twice in one submission counts once: the Agent keys a metric
// context by the set of its tags, so both submissions below are one series.
func TestRepeatedTagsAreOneContext(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("dup_tags_check")
	wantCode(t, r, 0)
	metrics := where(r.lines(t), "metric", "dup_tags_check")
	g := one(t, withField(metrics, "name", "e2e.dup"), "e2e.dup")
	if got := g.strings("tags"); !sameStrings(got, []string{"a:1", "b"}) || g.num("value") != 2 || g.num("samples") != 2 {
		t.Errorf("e2e.dup = %v, want one series [a:1 b] with value 2 from 2 samples", g)
	}
	c := one(t, withField(metrics, "name", "e2e.dupcount"), "e2e.dupcount")
	if got := c.strings("tags"); !sameStrings(got, []string{"x:1"}) || c.num("value") != 3 {
		t.Errorf("e2e.dupcount = %v, want one series [x:1] counting 3", c)
	}
}
