package hostcli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var checkIDPattern = regexp.MustCompile(`^working_check:[0-9a-f]{16}$`)

// The working check submits one of everything; both of its instances run.
func TestCheckWorkingJSON(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("working_check")
	wantCode(t, r, 0)
	objs := r.lines(t)

	runs := where(objs, "run", "working_check")
	if len(runs) != 2 {
		t.Fatalf("want 2 run objects (two instances), got %d\n%s", len(runs), r)
	}
	source := filepath.Join(tr.confd, "working_check.d", "conf.yaml")
	ids := map[string]string{}
	for i, label := range []string{"first", "second"} {
		run := runs[i]
		id := run.str("check_id")
		ids[label] = id
		if !checkIDPattern.MatchString(id) {
			t.Errorf("%s: check_id %q is not working_check:<16 hex digits>", label, id)
		}
		if got := run.num("run"); got != 1 {
			t.Errorf("%s: run number %v, want 1", label, got)
		}
		if run.str("status") != "ok" || run["error"] != nil {
			t.Errorf("%s: want status ok and error null, got %v", label, run)
		}
		if run.str("version") != "2.5.1" {
			t.Errorf("%s: version %q, want the module's __version__ 2.5.1", label, run.str("version"))
		}
		wantLine := map[string]string{"first": "5", "second": "8"}[label]
		if run.str("source") != source+":"+wantLine {
			t.Errorf("%s: source %q, want %q", label, run.str("source"), source+":"+wantLine)
		}
		if d, ok := run["duration_ms"].(float64); !ok || d < 0 {
			t.Errorf("%s: duration_ms %v is not a non-negative number", label, run["duration_ms"])
		}
		if w := run.strings("warnings"); !sameStrings(w, []string{"watch out: " + label}) {
			t.Errorf("%s: warnings %q, want [\"watch out: %s\"]", label, w, label)
		}
	}
	if ids["first"] == ids["second"] {
		t.Errorf("two different instances share the check_id %q", ids["first"])
	}

	// every line of a run names the check and the run, and belongs to a known instance
	for _, o := range objs {
		if o.str("type") == "external_tags" {
			continue
		}
		if o.str("check") != "working_check" || (o.str("check_id") != ids["first"] && o.str("check_id") != ids["second"]) {
			t.Errorf("line not tied to a working instance: %v", o)
		}
		if o.num("run") != 1 {
			t.Errorf("line with run %v, want 1: %v", o["run"], o)
		}
	}

	first := withField(objs, "check_id", ids["first"])
	tags := []string{"env:test", "instance:first"} // sorted
	metrics := []struct {
		name, mtype string
		value       float64
		host        string
	}{
		{"e2e.gauge", "gauge", 1.5, "e2e-host"},
		{"e2e.count", "count", 3, "e2e-host"},
		{"e2e.monotonic", "monotonic_count", 42, "e2e-host"},
		{"e2e.rate", "rate", 7.25, "e2e-host"},
		{"e2e.histogram", "histogram", 12, "e2e-host"},
		{"e2e.historate", "historate", 2, "e2e-host"},
		{"e2e.other_host", "gauge", 5, "elsewhere"},
	}
	for _, m := range metrics {
		got := withField(where(first, "metric", ""), "name", m.name)
		if len(got) != 1 {
			t.Errorf("metric %s: want one line, got %v", m.name, got)
			continue
		}
		o := got[0]
		if o.str("metric_type") != m.mtype || o.num("value") != m.value || o.str("host") != m.host ||
			o.num("samples") != 1 || !sameStrings(o.strings("tags"), tags) {
			t.Errorf("metric %s: want %s %v on %s with tags %v and 1 sample, got %v",
				m.name, m.mtype, m.value, m.host, tags, o)
		}
	}
	second := withField(where(objs, "metric", ""), "check_id", ids["second"])
	if g := withField(second, "name", "e2e.gauge"); len(g) != 1 || !sameStrings(g[0].strings("tags"), []string{"instance:second"}) {
		t.Errorf("second instance's e2e.gauge: want tags [instance:second], got %v", g)
	}

	sc := one(t, where(first, "service_check", ""), "service check")
	if sc.str("name") != "e2e.can_connect" || sc.num("status") != 1 || sc.str("message") != "slow answer" ||
		sc.str("host") != "e2e-host" || !sameStrings(sc.strings("tags"), tags) {
		t.Errorf("service check: got %v", sc)
	}

	ev := one(t, where(first, "event", ""), "event")
	wantEvent := map[string]interface{}{
		"title": "hello first", "text": "an event", "timestamp": 1700000000.0, "priority": "low",
		"alert_type": "info", "aggregation_key": "agg", "source_type_name": "e2e", "event_type": "e2e_event",
	}
	for k, v := range wantEvent {
		if ev[k] != v {
			t.Errorf("event %s: got %v, want %v (%v)", k, ev[k], v, ev)
		}
	}
	if !sameStrings(ev.strings("tags"), tags) {
		t.Errorf("event tags: got %v, want %v", ev["tags"], tags)
	}

	hb := one(t, where(first, "histogram_bucket", ""), "histogram bucket")
	if hb.str("name") != "e2e.bucket" || hb.num("value") != 4 || hb.num("lower_bound") != 0 ||
		hb.num("upper_bound") != 10 || hb["monotonic"] != true || hb.str("host") != "e2e-host" {
		t.Errorf("histogram bucket: got %v", hb)
	}

	pe := one(t, where(first, "event_platform_event", ""), "event platform event")
	if pe.str("event_type") != "dbm-samples" || pe.str("raw") != `{"raw": 1}` || pe.num("length") != 10 {
		t.Errorf("event platform event: got %v", pe)
	}

	md := one(t, where(first, "metadata", ""), "metadata")
	if md.str("name") != "version.raw" || md.str("value") != "2.5.1" {
		t.Errorf("metadata: got %v", md)
	}

	lg := one(t, where(first, "log", ""), "log")
	var logged map[string]string
	if err := json.Unmarshal([]byte(lg.str("line")), &logged); err != nil || logged["message"] != "a log line" ||
		logged["label"] != "first" {
		t.Errorf("log line: got %v (%v)", lg, err)
	}

	ext := where(objs, "external_tags", "")
	if len(ext) != 2 {
		t.Fatalf("want 2 external_tags lines (one per instance), got %v", ext)
	}
	if ext[0].str("host") != "ext-host" || ext[0].str("source_type") != "e2e_source" ||
		!sameStrings(ext[0].strings("tags"), []string{"ext:first"}) {
		t.Errorf("external tags: got %v", ext[0])
	}

	// the warning went to the log (stderr) too
	wantContains(t, "stderr", r.stderr, "watch out: first")
}

// The check_id depends on the instance and init_config only: the same on every invocation.
func TestCheckIDStableAcrossInvocations(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	idsOf := func() []string {
		r := tr.check("working_check")
		wantCode(t, r, 0)
		var ids []string
		for _, run := range where(r.lines(t), "run", "working_check") {
			ids = append(ids, run.str("check_id"))
		}
		return ids
	}
	a, b := idsOf(), idsOf()
	if len(a) != 2 || !sameStrings(a, b) {
		t.Fatalf("check ids differ between two invocations: %v then %v", a, b)
	}

	// another tree, same configuration text: same ids; a changed init_config: new ids
	other := newTree(t, true)
	r := other.check("working_check")
	wantCode(t, r, 0)
	var c []string
	for _, run := range where(r.lines(t), "run", "working_check") {
		c = append(c, run.str("check_id"))
	}
	if !sameStrings(a, c) {
		t.Errorf("same configuration in another directory: ids %v, want %v", c, a)
	}
	conf := filepath.Join(other.confd, "working_check.d", "conf.yaml")
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	other.writeFile(conf, strings.Replace(string(data), "shared: 1", "shared: 2", 1))
	r = other.check("working_check")
	wantCode(t, r, 0)
	for i, run := range where(r.lines(t), "run", "working_check") {
		if i < len(a) && run.str("check_id") == a[i] {
			t.Errorf("init_config changed but the check_id stayed %q", a[i])
		}
	}
}

// Table format (the default) prints a header per run and the metric names.
func TestCheckWorkingTable(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := run(t, tr.dir, "check", "working_check", "-c", tr.confd, "--config", tr.config)
	wantCode(t, r, 0)
	for _, want := range []string{
		"=== working_check [working_check:", "run 1: ok", "version 2.5.1",
		"e2e.gauge", "e2e.count", "e2e.monotonic", "e2e.rate", "e2e.histogram",
		"service_check", "e2e.can_connect", "slow answer", "hello first",
		"metadata", "version.raw", "warning: watch out: first", "warning: watch out: second",
	} {
		wantContains(t, "table output", r.stdout, want)
	}
	if strings.Contains(r.stdout, `"type": "metric"`) {
		t.Errorf("table output holds JSON lines:\n%s", r.stdout)
	}
}

// A check that raises: status error with the traceback, exit 1; what it
// submitted before raising is still printed.
func TestCheckRaising(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("raising_check")
	wantCode(t, r, 1)
	objs := r.lines(t)
	run := one(t, where(objs, "run", "raising_check"), "run of raising")
	if run.str("status") != "error" {
		t.Errorf("status %q, want error", run.str("status"))
	}
	if run.str("version") != "unversioned" {
		t.Errorf("version %q, want unversioned (the module has no __version__)", run.str("version"))
	}
	errText := run.str("error")
	for _, want := range []string{"the check broke on purpose", "Traceback", "ValueError", "raising_check.py"} {
		wantContains(t, "run error", errText, want)
	}
	// the error is the JSON list AgentCheck.run returns
	var errs []map[string]string
	if err := json.Unmarshal([]byte(errText), &errs); err != nil || len(errs) != 1 ||
		errs[0]["message"] != "the check broke on purpose" {
		t.Errorf("error is not the check's JSON error list: %v (%q)", err, errText)
	}
	if len(withField(where(objs, "metric", "raising_check"), "name", "raising.before")) != 1 {
		t.Errorf("the metric submitted before the exception is missing\n%s", r)
	}
}

// A configured check whose module does not exist: a load_error note naming both imports tried.
func TestCheckMissingModule(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("no_such_module")
	wantCode(t, r, 1)
	objs := r.lines(t)
	note := one(t, where(objs, "load_error", "no_such_module"), "load_error")
	wantContains(t, "load_error message", note.str("message"), "no_such_module")
	wantContains(t, "load_error message", note.str("message"), "datadog_checks.no_such_module")
	if len(where(objs, "run", "")) != 0 {
		t.Errorf("a check that failed to load ran:\n%s", r)
	}
}

// A check with no configuration at all: a load_error note, exit 1.
func TestCheckNotConfigured(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("nothing_configured")
	wantCode(t, r, 1)
	note := one(t, where(r.lines(t), "load_error", "nothing_configured"), "load_error")
	wantContains(t, "load_error message", note.str("message"), "no configuration")
}

// A constructor raising the SkipInstanceError text skips that instance only;
// the other instance loads and runs, and the command succeeds.
func TestCheckSkippedInstance(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("skipping_check")
	wantCode(t, r, 0)
	objs := r.lines(t)
	note := one(t, where(objs, "skipped_instance", "skipping_check"), "skipped_instance")
	wantContains(t, "skipped_instance message", note.str("message"),
		"The integration refused to load the check configuration, it may be too old or too new.")
	wantContains(t, "skipped_instance message", note.str("message"), filepath.Join(tr.confd, "skipping_check.yaml")+":2")
	if len(where(objs, "load_error", "")) != 0 {
		t.Errorf("a skipped instance was reported as a load error:\n%s", r)
	}
	run := one(t, where(objs, "run", "skipping_check"), "run of the other instance")
	if run.str("status") != "ok" || run.str("source") != filepath.Join(tr.confd, "skipping_check.yaml")+":3" {
		t.Errorf("the non-skipped instance: got %v", run)
	}
}

// A constructor that only accepts the deprecated signature (with agentConfig)
// loads through get_check_deprecated and gets the datadog.yaml settings.
func TestCheckDeprecatedConstructor(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("deprecated_check")
	wantCode(t, r, 0)
	objs := r.lines(t)
	if len(where(objs, "load_error", "")) != 0 {
		t.Fatalf("load error:\n%s", r)
	}
	run := one(t, where(objs, "run", "deprecated_check"), "run")
	if run.str("status") != "ok" || run.str("version") != "0.0.1" {
		t.Errorf("run: got %v", run)
	}
	md := one(t, withField(where(objs, "metadata", "deprecated_check"), "name", "agent_hostname"), "agent_hostname")
	if md.str("value") != "e2e-host" {
		t.Errorf("agentConfig['hostname'] = %q, want e2e-host (the datadog.yaml value)", md.str("value"))
	}
}

// Both constructor APIs failing: one load_error with both tracebacks (spec §4.4 text).
func TestCheckBrokenConstructor(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("broken_ctor_check")
	wantCode(t, r, 1)
	note := one(t, where(r.lines(t), "load_error", "broken_ctor_check"), "load_error")
	msg := note.str("message")
	for _, want := range []string{
		"could not invoke 'broken_ctor_check' python check constructor. New constructor API returned:",
		"Deprecated constructor API returned:",
		"constructor always fails",
	} {
		wantContains(t, "load_error message", msg, want)
	}
	if strings.Count(msg, "constructor always fails") < 2 {
		t.Errorf("want both constructors' errors in %q", msg)
	}
}

// --times 3 --interval 0: three runs per instance numbered 1..3, each run aggregated on its own.
func TestCheckTimes(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("aggregate_check", "--times", "3", "--interval", "0")
	wantCode(t, r, 0)
	objs := r.lines(t)
	runs := where(objs, "run", "aggregate_check")
	if len(runs) != 3 {
		t.Fatalf("want 3 run objects, got %d\n%s", len(runs), r)
	}
	for i, run := range runs {
		if int(run.num("run")) != i+1 || run.str("status") != "ok" {
			t.Errorf("run object %d: got %v", i+1, run)
		}
	}
	for n := 1; n <= 3; n++ {
		gauges := withField(withField(where(objs, "metric", "aggregate_check"), "run", n), "name", "agg.gauge")
		if len(gauges) != 2 {
			t.Errorf("run %d: want 2 agg.gauge contexts, got %v", n, gauges)
			continue
		}
		for _, g := range gauges {
			if g.num("samples") != 2 && sameStrings(g.strings("tags"), []string{"a:1"}) {
				t.Errorf("run %d: samples accumulated across runs: %v", n, g)
			}
		}
	}
}

// Within a run: a gauge submitted twice keeps the last value (2 samples), a count adds up,
// and tag order does not split a context.
func TestCheckAggregation(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("aggregate_check")
	wantCode(t, r, 0)
	metrics := where(r.lines(t), "metric", "aggregate_check")
	find := func(name string, tags ...string) obj {
		t.Helper()
		var found []obj
		for _, m := range withField(metrics, "name", name) {
			if sameStrings(m.strings("tags"), tags) {
				found = append(found, m)
			}
		}
		return one(t, found, name+" "+strings.Join(tags, ","))
	}
	if g := find("agg.gauge", "a:1"); g.num("value") != 5 || g.num("samples") != 2 || g.str("metric_type") != "gauge" {
		t.Errorf("gauge twice: want value 5 (the last) and 2 samples, got %v", g)
	}
	if g := find("agg.gauge", "a:2"); g.num("value") != 9 || g.num("samples") != 1 {
		t.Errorf("gauge with other tags: want its own context, got %v", g)
	}
	if c := find("agg.count", "a:1"); c.num("value") != 5 || c.num("samples") != 2 || c.str("metric_type") != "count" {
		t.Errorf("count twice (2 + 3): want value 5 and 2 samples, got %v", c)
	}
	if g := find("agg.tag_order", "x:1", "y:2"); g.num("value") != 2 || g.num("samples") != 2 {
		t.Errorf("same tags in another order: want one context with 2 samples, got %v", g)
	}
	if n := len(metrics); n != 4 {
		t.Errorf("want 4 metric contexts, got %d: %v", n, metrics)
	}
}

// Several files in <name>.d (sorted) then <name>.yaml: every instance, in that order.
func TestCheckSeveralConfigFiles(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("multi_check")
	wantCode(t, r, 0)
	objs := r.lines(t)
	var sources, labels []string
	for _, run := range where(objs, "run", "multi_check") {
		sources = append(sources, run.str("source"))
		metrics := withField(where(objs, "metric", "multi_check"), "check_id", run.str("check_id"))
		if len(metrics) == 1 && len(metrics[0].strings("tags")) == 1 {
			labels = append(labels, metrics[0].strings("tags")[0])
		}
	}
	d := filepath.Join(tr.confd, "multi_check.d")
	wantSources := []string{
		filepath.Join(d, "a.yaml") + ":2", filepath.Join(d, "a.yaml") + ":3",
		filepath.Join(d, "b.yaml") + ":4", filepath.Join(tr.confd, "multi_check.yaml") + ":4",
	}
	if !sameStrings(sources, wantSources) {
		t.Errorf("instances: sources %v, want %v", sources, wantSources)
	}
	if !sameStrings(labels, []string{"label:a1", "label:a2", "label:b1", "label:top"}) {
		t.Errorf("instances: labels %v", labels)
	}
}

// Each configuration file is its own configuration, as in the Agent: its
// instances get its own init_config (a file without one gets none).
func TestCheckInitConfigPerFile(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("multi_check")
	wantCode(t, r, 0)
	objs := r.lines(t)
	want := map[string]string{
		"label:a1": "[]", "label:a2": "[]", "label:b1": "[('origin', 'b')]", "label:top": "[('origin', 'top')]",
	}
	for _, run := range where(objs, "run", "multi_check") {
		id := run.str("check_id")
		metrics := withField(where(objs, "metric", "multi_check"), "check_id", id)
		md := withField(withField(where(objs, "metadata", "multi_check"), "check_id", id), "name", "init_config")
		if len(metrics) != 1 || len(md) != 1 {
			t.Errorf("instance %s: want one metric and one init_config metadata\n%s", run.str("source"), r)
			continue
		}
		label := metrics[0].strings("tags")[0]
		if got := md[0].str("value"); got != want[label] {
			t.Errorf("instance %s (%s): init_config %s, want %s (that file's own init_config)",
				label, run.str("source"), got, want[label])
		}
	}
}

// Aggregation holds with thousands of contexts interleaved with other submissions.
func TestCheckAggregationManyContexts(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := tr.check("many_contexts_check")
	wantCode(t, r, 0)
	objs := r.lines(t)
	gauges, counts := 0, map[string]float64{}
	for _, m := range where(objs, "metric", "many_contexts_check") {
		name := m.str("name")
		switch {
		case name == "many.c":
			counts[strings.Join(m.strings("tags"), ",")] = m.num("value")
			if m.num("samples") != m.num("value") {
				t.Errorf("many.c: samples %v for value %v", m.num("samples"), m.num("value"))
			}
		case strings.HasPrefix(name, "many.g"):
			gauges++
			i, err := strconv.Atoi(strings.TrimPrefix(name, "many.g"))
			if err != nil || m.num("samples") != 2 || m.num("value") != float64(i+1) {
				t.Errorf("%s: want the second value %d and 2 samples, got %v", name, i+1, m)
			}
		default:
			t.Errorf("unexpected metric %v", m)
		}
	}
	if gauges != 5000 {
		t.Errorf("want 5000 gauge contexts, got %d", gauges)
	}
	if counts["t:0"] != 3334 || counts["t:1"] != 3334 || counts["t:2"] != 3332 {
		t.Errorf("many.c per tag: got %v, want t:0 3334, t:1 3334, t:2 3332", counts)
	}
	if n := len(where(objs, "service_check", "many_contexts_check")); n != 50 {
		t.Errorf("want 50 service checks (never aggregated), got %d", n)
	}
}
