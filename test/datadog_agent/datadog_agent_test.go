package testdatadogagent

import (
	"reflect"
	"strings"
	"testing"

	bt "github.com/DataDog/datadog-agent/rtloader/test/builtintest"
	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// run resets the recorded calls and returns, applies set, then runs code.
func run(t *testing.T, set map[string]string, code string) string {
	t.Helper()
	reset()
	mu.Lock()
	for k, v := range set {
		returns[k] = v
	}
	mu.Unlock()
	return bt.Run(t, "datadog_agent", code)
}

func expectCalls(t *testing.T, want ...string) {
	t.Helper()
	got := recorded()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("calls:\n got: %q\nwant: %q", got, want)
	}
}

type errCase struct{ name, code, want string }

// runErrors checks that each snippet fails with want and calls nothing.
func runErrors(t *testing.T, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bt.Expect(t, c.name, run(t, nil, c.code), c.want)
			expectCalls(t)
		})
	}
}

// The "out: string" getters share one shape.
func TestStringGetters(t *testing.T) {
	for _, g := range []struct{ fn, key string }{
		{"get_version", "version"}, {"get_hostname", "hostname"},
		{"get_host_tags", "host_tags"}, {"get_clustername", "clustername"},
	} {
		t.Run(g.fn, func(t *testing.T) {
			out := run(t, map[string]string{g.key: "välue 日本"}, `f.write(repr(datadog_agent.`+g.fn+`()))`)
			bt.Expect(t, "value", out, "'välue 日本'")
			expectCalls(t, g.fn+"() gil=1")

			out = run(t, map[string]string{g.key: ""}, `f.write(repr(datadog_agent.`+g.fn+`()))`)
			bt.Expect(t, "empty", out, "''")

			out = run(t, nil, `f.write(repr(datadog_agent.`+g.fn+`()))`)
			bt.Expect(t, "NULL", out, "None")

			out = run(t, map[string]string{g.key: "\xff\xfe"}, `f.write(repr(datadog_agent.`+g.fn+`()))`)
			bt.Expect(t, "invalid UTF-8", out, "~^UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff")

			out = run(t, nil, `datadog_agent.`+g.fn+`(1)`)
			bt.Expect(t, "args", out, `~^TypeError: (datadog_agent\.)?`+g.fn+`\(\) takes no arguments \(1 given\)$`)
			expectCalls(t)
		})
	}
}

func TestGetConfig(t *testing.T) {
	cfg := map[string]string{
		"config:dict":   `{"a": [1, 2.5, null], "b": {"c": "é"}}`,
		"config:scalar": `true`,
		"config:str":    `"hello"`,
		"config:bad":    `{not json: [`,
		"config:日本":     `42`,
	}
	out := run(t, cfg, `
        f.write(repr(datadog_agent.get_config('dict')) + '|')
        f.write(repr(datadog_agent.get_config('scalar')) + '|')
        f.write(repr(datadog_agent.get_config('str')) + '|')
        f.write(repr(datadog_agent.get_config('missing')) + '|')
        f.write(repr(datadog_agent.get_config('日本')))`)
	bt.Expect(t, "values", out, `{'a': [1, 2.5, None], 'b': {'c': 'é'}}|True|'hello'|None|42`)
	expectCalls(t, `get_config("dict") gil=1`, `get_config("scalar") gil=1`, `get_config("str") gil=1`,
		`get_config("missing") gil=1`, `get_config("日本") gil=1`)

	// Unparsable data is None, whatever the YAML fallback makes of it.
	out = run(t, map[string]string{"config:bad": "{[: bad"}, `f.write(repr(datadog_agent.get_config('bad')))`)
	bt.Expect(t, "unparsable", out, "None")

	runErrors(t, []errCase{
		{"key int", `datadog_agent.get_config(1)`, "TypeError: argument 1 must be str, not int"},
		{"key None", `datadog_agent.get_config(None)`, "TypeError: argument 1 must be str, not None"},
		{"key NUL", `datadog_agent.get_config('a\x00b')`, "ValueError: embedded null character"},
		{"no key", `datadog_agent.get_config()`, "TypeError: function takes exactly 1 argument (0 given)"},
	})
}

func TestGetConfigYAML(t *testing.T) {
	if run(t, nil, "try:\n    import yaml\n    f.write('yes')\nexcept ImportError:\n    f.write('no')") != "yes" {
		t.Skip("PyYAML is not installed for this Python: no YAML fallback")
	}
	out := run(t, map[string]string{"config:y": "a: b\nlist:\n  - 1\n"}, `f.write(repr(datadog_agent.get_config('y')))`)
	bt.Expect(t, "yaml", out, "{'a': 'b', 'list': [1]}")
}

func TestHeaders(t *testing.T) {
	h := map[string]string{"headers": `{"User-Agent": "Datadog Agent/7", "Accept": "text/html"}`}
	out := run(t, h, `
        d = datadog_agent.headers()
        f.write(repr(sorted(d.items())))`)
	bt.Expect(t, "plain", out, "[('Accept', 'text/html'), ('User-Agent', 'Datadog Agent/7')]")
	expectCalls(t, "headers() gil=1")

	out = run(t, h, `
        d = datadog_agent.headers({'agent': 'config'}, 'ignored', http_host='myhost:8080', other='ignored')
        f.write(repr(sorted(d.items())))`)
	bt.Expect(t, "http_host", out, "[('Accept', 'text/html'), ('Host', 'myhost:8080'), ('User-Agent', 'Datadog Agent/7')]")

	out = run(t, h, `f.write(repr(datadog_agent.headers(http_host=12)['Host']))`)
	bt.Expect(t, "http_host any object", out, "12")

	out = run(t, map[string]string{"headers": `["not", "a", "dict"]`}, `f.write(repr(datadog_agent.headers()))`)
	bt.Expect(t, "not a dict", out, "None")
	out = run(t, nil, `f.write(repr(datadog_agent.headers(http_host='x')))`)
	bt.Expect(t, "NULL", out, "None")
	out = run(t, map[string]string{"headers": `{{{`}, `f.write(repr(datadog_agent.headers()))`)
	bt.Expect(t, "unparsable", out, "None")
}

func TestTracemallocEnabled(t *testing.T) {
	out := run(t, nil, `f.write(repr(datadog_agent.tracemalloc_enabled()))`)
	bt.Expect(t, "false", out, "False")
	expectCalls(t, "tracemalloc_enabled() gil=1")

	reset()
	tracemallocValue = true
	out = bt.Run(t, "datadog_agent", `f.write(repr(datadog_agent.tracemalloc_enabled('ignored', 1)))`)
	bt.Expect(t, "true, args ignored", out, "True")
}

func TestLog(t *testing.T) {
	helpers.ResetLogs()
	out := run(t, nil, `
        f.write(repr(datadog_agent.log('hello wörld', 20)))
        datadog_agent.log('trace', 7)
        datadog_agent.log('odd level', 12345)`)
	bt.Expect(t, "return", out, "None")
	want := []helpers.LogEntry{{Message: "hello wörld", Level: 20}, {Message: "trace", Level: 7}, {Message: "odd level", Level: 12345}}
	var got []helpers.LogEntry
	for _, e := range helpers.Logs() {
		if e.Message == "hello wörld" || e.Message == "trace" || e.Message == "odd level" {
			got = append(got, e)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("logs:\n got: %+v\nwant: %+v", got, want)
	}

	helpers.ResetLogs()
	runErrors(t, []errCase{
		{"message int", `datadog_agent.log(1, 20)`, "TypeError: argument 1 must be str, not int"},
		{"message None", `datadog_agent.log(None, 20)`, "TypeError: argument 1 must be str, not None"},
		{"message NUL", `datadog_agent.log('a\x00', 20)`, "ValueError: embedded null character"},
		{"level str", `datadog_agent.log('m', 'info')`, bt.IntFromStr},
		{"missing level", `datadog_agent.log('m')`, "TypeError: function takes exactly 2 arguments (1 given)"},
	})
	if logs := helpers.Logs(); len(logs) != 0 {
		t.Errorf("log callback called despite errors: %+v", logs)
	}
}

func TestSendLog(t *testing.T) {
	out := run(t, nil, `f.write(repr(datadog_agent.send_log('{"message": "é"}', 'check:123')))`)
	bt.Expect(t, "return", out, "None")
	expectCalls(t, `send_log("{\"message\": \"é\"}", "check:123") gil=1`)
	runErrors(t, []errCase{
		{"line int", `datadog_agent.send_log(1, 'id')`, "TypeError: argument 1 must be str, not int"},
		{"id None", `datadog_agent.send_log('l', None)`, "TypeError: argument 2 must be str, not None"},
		{"line NUL", `datadog_agent.send_log('l\x00', 'id')`, "ValueError: embedded null character"},
		{"count", `datadog_agent.send_log('l')`, "TypeError: function takes exactly 2 arguments (1 given)"},
	})
}

func TestSetCheckMetadata(t *testing.T) {
	out := run(t, nil, `f.write(repr(datadog_agent.set_check_metadata('id', 'version.raw', '1.2.3-ß')))`)
	bt.Expect(t, "return", out, "None")
	expectCalls(t, `set_check_metadata("id", "version.raw", "1.2.3-ß") gil=1`)
	runErrors(t, []errCase{
		{"id int", `datadog_agent.set_check_metadata(1, 'n', 'v')`, "TypeError: argument 1 must be str, not int"},
		{"name None", `datadog_agent.set_check_metadata('id', None, 'v')`, "TypeError: argument 2 must be str, not None"},
		{"value bytes", `datadog_agent.set_check_metadata('id', 'n', b'v')`, "TypeError: argument 3 must be str, not bytes"},
		{"value NUL", `datadog_agent.set_check_metadata('id', 'n', '\x00')`, "ValueError: embedded null character"},
		{"count", `datadog_agent.set_check_metadata('id', 'n')`, "TypeError: function takes exactly 3 arguments (2 given)"},
	})
}

func TestSetExternalTags(t *testing.T) {
	out := run(t, nil, `
        r = datadog_agent.set_external_tags([
            ('host1', {'vsphere': ['a:1', 'b:2']}),
            ('hôst2', {'src': []}),
            ('host3', {}),
            ('host4', {'first': ['x', 1, None, 'y', 'n\x00ul']}),
        ])
        f.write(repr(r))`)
	bt.Expect(t, "return", out, "None")
	expectCalls(t,
		`set_external_tags("host1", "vsphere", ["a:1" "b:2"]) gil=1`,
		`set_external_tags("hôst2", "src", []) gil=1`,
		`set_external_tags("host4", "first", ["x" "y"]) gil=1`)

	// Only the first pair of each dict counts.
	run(t, nil, `datadog_agent.set_external_tags([('h', {'one': ['1'], 'two': ['2']})])`)
	expectCalls(t, `set_external_tags("h", "one", ["1"]) gil=1`)

	run(t, nil, `datadog_agent.set_external_tags([])`)
	expectCalls(t)

	// bytes are UTF-8 strings, as upstream's as_string (not UTF-8: skipped or refused)
	run(t, nil, `datadog_agent.set_external_tags([(b'h\xc3\xb4st', {b'src': [b'a:1', 'b:2', b'\xff']})])`)
	expectCalls(t, `set_external_tags("hôst", "src", ["a:1" "b:2"]) gil=1`)

	run(t, nil, `datadog_agent.set_external_tags([('h', {'s': ['t%d' % i for i in range(10000)]})])`)
	expectCalls(t, `set_external_tags("h", "s", ["t0" "t1" "...10000 tags..." "t9999"]) gil=1`)

	runErrors(t, []errCase{
		{"not a list", `datadog_agent.set_external_tags(('h', {}))`, "TypeError: tags must be a list"},
		{"dict", `datadog_agent.set_external_tags({'h': {}})`, "TypeError: tags must be a list"},
		{"str", `datadog_agent.set_external_tags('h')`, "TypeError: tags must be a list"},
		{"not tuples", `datadog_agent.set_external_tags([['h', {}]])`, "TypeError: external host tags list must contain only tuples"},
		{"hostname int", `datadog_agent.set_external_tags([(1, {})])`, "TypeError: hostname is not a valid string"},
		{"hostname bytes not UTF-8", `datadog_agent.set_external_tags([(b'\xff', {'s': []})])`, "TypeError: hostname is not a valid string"},
		{"hostname None", `datadog_agent.set_external_tags([(None, {'s': []})])`, "TypeError: hostname is not a valid string"},
		{"hostname NUL", `datadog_agent.set_external_tags([('h\x00', {'s': []})])`, "TypeError: hostname is not a valid string"},
		{"hostname surrogate", `datadog_agent.set_external_tags([('\udc80', {'s': []})])`, "TypeError: hostname is not a valid string"},
		{"empty tuple", `datadog_agent.set_external_tags([()])`, "TypeError: hostname is not a valid string"},
		{"one-tuple", `datadog_agent.set_external_tags([('h',)])`, "TypeError: second elem of the host tags tuple must be a dict"},
		{"second list", `datadog_agent.set_external_tags([('h', ['a'])])`, "TypeError: second elem of the host tags tuple must be a dict"},
		{"source_type int", `datadog_agent.set_external_tags([('h', {1: ['a']})])`, "TypeError: source_type is not a valid string"},
		{"value tuple", `datadog_agent.set_external_tags([('h', {'s': ('a',)})])`, "TypeError: dict value must be a list of tags"},
		{"value str", `datadog_agent.set_external_tags([('h', {'s': 'a'})])`, "TypeError: dict value must be a list of tags"},
		{"count", `datadog_agent.set_external_tags()`, "TypeError: function takes exactly 1 argument (0 given)"},
	})

	// An error stops processing; entries before it were sent.
	out = run(t, nil, `datadog_agent.set_external_tags([('ok', {'s': ['t']}), ('bad', 'x'), ('never', {'s': []})])`)
	bt.Expect(t, "partial", out, "TypeError: second elem of the host tags tuple must be a dict")
	expectCalls(t, `set_external_tags("ok", "s", ["t"]) gil=1`)
}

func TestPersistentCache(t *testing.T) {
	out := run(t, nil, `f.write(repr(datadog_agent.write_persistent_cache('key:é', '{"v": 1}')))`)
	bt.Expect(t, "write", out, "None")
	expectCalls(t, `write_persistent_cache("key:é", "{\"v\": 1}") gil=0`) // GIL released

	out = run(t, map[string]string{"cache:k": "stored välue"}, `f.write(repr(datadog_agent.read_persistent_cache('k')))`)
	bt.Expect(t, "read", out, "'stored välue'")
	expectCalls(t, `read_persistent_cache("k") gil=0`)

	out = run(t, map[string]string{"cache:k": ""}, `f.write(repr(datadog_agent.read_persistent_cache('k')))`)
	bt.Expect(t, "read empty", out, "''")

	out = run(t, nil, `datadog_agent.read_persistent_cache('missing')`)
	bt.Expect(t, "read NULL", out, "RuntimeError: failed to read data")

	runErrors(t, []errCase{
		{"write key int", `datadog_agent.write_persistent_cache(1, 'v')`, "TypeError: argument 1 must be str, not int"},
		{"write value None", `datadog_agent.write_persistent_cache('k', None)`, "TypeError: argument 2 must be str, not None"},
		{"write NUL", `datadog_agent.write_persistent_cache('k', 'v\x00')`, "ValueError: embedded null character"},
		{"write count", `datadog_agent.write_persistent_cache('k')`, "TypeError: function takes exactly 2 arguments (1 given)"},
		{"read key int", `datadog_agent.read_persistent_cache(1)`, "TypeError: argument 1 must be str, not int"},
		{"read NUL", `datadog_agent.read_persistent_cache('\x00')`, "ValueError: embedded null character"},
		{"read count", `datadog_agent.read_persistent_cache()`, "TypeError: function takes exactly 1 argument (0 given)"},
	})
}

func TestObfuscateSQL(t *testing.T) {
	out := run(t, map[string]string{"sql.result": "SELECT ?"}, `
        f.write(datadog_agent.obfuscate_sql('SELECT 1') + '|')
        f.write(datadog_agent.obfuscate_sql('SELECT 2', '{"dbms": "postgres"}') + '|')
        f.write(datadog_agent.obfuscate_sql(query='SELECT 3', options='{}'))`)
	bt.Expect(t, "result", out, "SELECT ?|SELECT ?|SELECT ?")
	expectCalls(t, `obfuscate_sql("SELECT 1", NULL) gil=0`, `obfuscate_sql("SELECT 2", "{\"dbms\": \"postgres\"}") gil=0`,
		`obfuscate_sql("SELECT 3", "{}") gil=0`)

	out = run(t, map[string]string{"sql.error": "syntax érror", "sql.result": "ignored"}, `datadog_agent.obfuscate_sql('x')`)
	bt.Expect(t, "error", out, "RuntimeError: syntax érror")
	out = run(t, nil, `datadog_agent.obfuscate_sql('x')`)
	bt.Expect(t, "empty", out, "RuntimeError: internal error: empty cb_obfuscate_sql response")
	out = run(t, map[string]string{"sql.result": ""}, `f.write(repr(datadog_agent.obfuscate_sql('x')))`)
	bt.Expect(t, "empty string result", out, "''")

	runErrors(t, []errCase{
		{"query int", `datadog_agent.obfuscate_sql(1)`, "TypeError: argument 1 must be str, not int"},
		{"options None", `datadog_agent.obfuscate_sql('q', None)`, "TypeError: argument 2 must be str, not None"},
		{"options dict", `datadog_agent.obfuscate_sql('q', options={})`, "~^TypeError: argument (2|'options') must be str, not dict$"},
		{"query NUL", `datadog_agent.obfuscate_sql('q\x00')`, "ValueError: embedded null character"},
		{"bad keyword", `datadog_agent.obfuscate_sql('q', opts='{}')`, "~^TypeError: ('opts' is an invalid keyword argument for this function|this function got an unexpected keyword argument 'opts')$"},
		{"no args", `datadog_agent.obfuscate_sql()`, "~^TypeError: (Required argument 'query' \\(pos 1\\) not found|function missing required argument 'query' \\(pos 1\\))$"},
	})
}

func TestObfuscateSQLExecPlan(t *testing.T) {
	out := run(t, map[string]string{"plan.result": "{}"}, `
        datadog_agent.obfuscate_sql_exec_plan('{"Plan": 1}')
        datadog_agent.obfuscate_sql_exec_plan('p', True)
        datadog_agent.obfuscate_sql_exec_plan('p', normalize=True)
        datadog_agent.obfuscate_sql_exec_plan('p', normalize=5)
        datadog_agent.obfuscate_sql_exec_plan('p', 1)
        f.write(datadog_agent.obfuscate_sql_exec_plan('p', False))`)
	bt.Expect(t, "result", out, "{}")
	expectCalls(t, `obfuscate_sql_exec_plan("{\"Plan\": 1}", false) gil=0`, `obfuscate_sql_exec_plan("p", true) gil=0`,
		`obfuscate_sql_exec_plan("p", true) gil=0`, `obfuscate_sql_exec_plan("p", false) gil=0`,
		`obfuscate_sql_exec_plan("p", false) gil=0`, `obfuscate_sql_exec_plan("p", false) gil=0`)

	out = run(t, map[string]string{"plan.error": "bad plan"}, `datadog_agent.obfuscate_sql_exec_plan('p')`)
	bt.Expect(t, "error", out, "RuntimeError: bad plan")
	out = run(t, nil, `datadog_agent.obfuscate_sql_exec_plan('p')`)
	bt.Expect(t, "empty", out, "RuntimeError: internal error: empty cb_obfuscate_sql_exec_plan response")

	runErrors(t, []errCase{
		{"plan int", `datadog_agent.obfuscate_sql_exec_plan(1)`, "TypeError: argument 1 must be str, not int"},
		{"plan keyword", `datadog_agent.obfuscate_sql_exec_plan(plan='p')`, "~^TypeError: "},
		{"plan NUL", `datadog_agent.obfuscate_sql_exec_plan('\x00')`, "ValueError: embedded null character"},
		{"no args", `datadog_agent.obfuscate_sql_exec_plan()`, "~^TypeError: "},
	})
}

func TestObfuscateMongoDBString(t *testing.T) {
	out := run(t, map[string]string{"mongo.result": `{"find": "?"}`}, `
        f.write(datadog_agent.obfuscate_mongodb_string('{"find": "users"}') + '|')
        f.write(datadog_agent.obfuscate_mongodb_string('x', ignored=1))`)
	bt.Expect(t, "result", out, `{"find": "?"}|{"find": "?"}`)
	expectCalls(t, `obfuscate_mongodb_string("{\"find\": \"users\"}") gil=0`, `obfuscate_mongodb_string("x") gil=0`)

	out = run(t, map[string]string{"mongo.error": "bad command"}, `datadog_agent.obfuscate_mongodb_string('x')`)
	bt.Expect(t, "error", out, "RuntimeError: bad command")
	out = run(t, nil, `datadog_agent.obfuscate_mongodb_string('x')`)
	bt.Expect(t, "empty", out, "RuntimeError: internal error: empty cb_obfuscate_mongodb_string response")

	runErrors(t, []errCase{
		{"cmd int", `datadog_agent.obfuscate_mongodb_string(1)`, "TypeError: argument 1 must be str, not int"},
		{"cmd keyword only", `datadog_agent.obfuscate_mongodb_string(cmd='x')`, "TypeError: function takes exactly 1 argument (0 given)"},
		{"cmd NUL", `datadog_agent.obfuscate_mongodb_string('\x00')`, "ValueError: embedded null character"},
	})
}

func TestGetProcessStartTime(t *testing.T) {
	reset()
	startTime = 1700000000.25
	out := bt.Run(t, "datadog_agent", `f.write(repr(datadog_agent.get_process_start_time()))`)
	bt.Expect(t, "value", out, "1700000000.25")
	expectCalls(t, "get_process_start_time() gil=1")
	out = run(t, nil, `datadog_agent.get_process_start_time(1)`)
	bt.Expect(t, "args", out, `~^TypeError: (datadog_agent\.)?get_process_start_time\(\) takes no arguments \(1 given\)$`)
}

func TestEmitAgentTelemetry(t *testing.T) {
	out := run(t, nil, `
        f.write(repr(datadog_agent.emit_agent_telemetry('postgres', 'queries.count', 3, 'counter')))
        datadog_agent.emit_agent_telemetry('chéck', 'm', -1.5, 'gauge')`)
	bt.Expect(t, "return", out, "None")
	expectCalls(t, `emit_agent_telemetry("postgres", "queries.count", 3, "counter") gil=1`,
		`emit_agent_telemetry("chéck", "m", -1.5, "gauge") gil=1`)
	runErrors(t, []errCase{
		{"check int", `datadog_agent.emit_agent_telemetry(1, 'm', 1.0, 'gauge')`, "TypeError: argument 1 must be str, not int"},
		{"metric None", `datadog_agent.emit_agent_telemetry('c', None, 1.0, 'gauge')`, "TypeError: argument 2 must be str, not None"},
		{"value str", `datadog_agent.emit_agent_telemetry('c', 'm', '1', 'gauge')`, "TypeError: must be real number, not str"},
		{"type int", `datadog_agent.emit_agent_telemetry('c', 'm', 1.0, 1)`, "TypeError: argument 4 must be str, not int"},
		{"NUL", `datadog_agent.emit_agent_telemetry('c\x00', 'm', 1.0, 'g')`, "ValueError: embedded null character"},
		{"count", `datadog_agent.emit_agent_telemetry('c', 'm', 1.0)`, "TypeError: function takes exactly 4 arguments (3 given)"},
	})
}

func TestNoCallbacks(t *testing.T) {
	bt.CheckChild(t, "no-callbacks", noCallbackCases)
}

// Guards against a test silently not reaching the callbacks: the snippets
// above compare full call logs, this checks the GIL probe itself works.
func TestGILProbe(t *testing.T) {
	run(t, nil, `datadog_agent.send_log('x', 'y')`)
	if got := recorded(); len(got) != 1 || !strings.HasSuffix(got[0], "gil=1") {
		t.Fatalf("PyGILState_Check probe not working: %q", got)
	}
}
