package testrtloader

import (
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func callCount(name string) int {
	callsMu.Lock()
	defer callsMu.Unlock()
	return calls[name]
}

// TestCallbackSetters checks that each set_*_cb registered before init is
// the callback the builtin modules call (one call per setter; the builtin
// packages test the modules themselves). Strings the mocks return come from
// the counting _malloc and are released by rtloader through cgo_free (set to
// _free by the harness): the balance assertion covers set_cgo_free_cb.
func TestCallbackSetters(t *testing.T) {
	cases := []struct {
		callback string
		code     string
		want     string
	}{
		{"submit_metric", `import aggregator; f.write(str(aggregator.submit_metric(None, "id", aggregator.GAUGE, "m", 1.0, ["a:b"], "h", False)))`, "None"},
		{"submit_service_check", `import aggregator; f.write(str(aggregator.submit_service_check(None, "id", "sc", 0, ["a:b"], "h", "msg")))`, "None"},
		{"submit_event", `import aggregator; f.write(str(aggregator.submit_event(None, "id", {"msg_title": "t", "tags": ["a:b"]})))`, "None"},
		{"submit_histogram_bucket", `import aggregator; f.write(str(aggregator.submit_histogram_bucket(None, "id", "h", 1, 0.0, 1.0, 1, "host", ["a:b"], False)))`, "None"},
		{"submit_event_platform_event", `import aggregator; f.write(str(aggregator.submit_event_platform_event(None, "id", "raw", "type")))`, "None"},
		{"get_version", `import datadog_agent; f.write(datadog_agent.get_version())`, "1.2.3"},
		{"get_config", `import datadog_agent; f.write(datadog_agent.get_config("key"))`, "value"},
		{"headers", `import datadog_agent; f.write(datadog_agent.headers()["User-Agent"])`, "Datadog Agent/0.0.0"},
		{"get_hostname", `import datadog_agent; f.write(datadog_agent.get_hostname())`, "test-hostname"},
		{"get_host_tags", `import datadog_agent; f.write(datadog_agent.get_host_tags())`, `{"system": ["a:b"]}`},
		{"get_clustername", `import datadog_agent; f.write(datadog_agent.get_clustername())`, "test-cluster"},
		{"tracemalloc_enabled", `import datadog_agent; f.write(str(datadog_agent.tracemalloc_enabled()))`, "False"},
		{"send_log", `import datadog_agent; f.write(str(datadog_agent.send_log("line", "id")))`, "None"},
		{"set_check_metadata", `import datadog_agent; f.write(str(datadog_agent.set_check_metadata("id", "n", "v")))`, "None"},
		{"set_external_tags", `import datadog_agent; f.write(str(datadog_agent.set_external_tags([("h", {"src": ["a:b"]})])))`, "None"},
		{"write_persistent_cache", `import datadog_agent; f.write(str(datadog_agent.write_persistent_cache("k", "v")))`, "None"},
		{"read_persistent_cache", `import datadog_agent; f.write(datadog_agent.read_persistent_cache("k"))`, "cached"},
		{"obfuscate_sql", `import datadog_agent; f.write(datadog_agent.obfuscate_sql("SELECT 1"))`, "SELECT ?"},
		{"obfuscate_sql_exec_plan", `import datadog_agent; f.write(datadog_agent.obfuscate_sql_exec_plan("{}"))`, "{}"},
		{"get_process_start_time", `import datadog_agent; f.write(str(datadog_agent.get_process_start_time()))`, "1234.5"},
		{"obfuscate_mongodb_string", `import datadog_agent; f.write(datadog_agent.obfuscate_mongodb_string("{}"))`, "{}"},
		{"emit_agent_telemetry", `import datadog_agent; f.write(str(datadog_agent.emit_agent_telemetry("c", "m", 1.0, "gauge")))`, "None"},
		{"get_subprocess_output", `import _util; f.write(str(_util.get_subprocess_output(["ls"])))`, "('', '', 0)"},
		{"tags", `import tagger; f.write(str(tagger.tag("entity", tagger.LOW)))`, "['a:b', 'c:d']"},
		{"get_connection_info", `import kubeutil; f.write(str(kubeutil.get_connection_info()))`, "{}"},
		{"is_excluded", `import containers; f.write(str(containers.is_excluded("name", "image")))`, "False"},
	}
	for _, c := range cases {
		t.Run(c.callback, func(t *testing.T) {
			helpers.ResetMemoryStats()
			before := callCount(c.callback)
			if out := runPy(t, c.code); out != c.want {
				t.Errorf("%s = %q, want %q", c.code, out, c.want)
			}
			if n := callCount(c.callback) - before; n != 1 {
				t.Errorf("the %s callback was called %d times, want 1", c.callback, n)
			}
			helpers.AssertMemoryUsage(t)
		})
	}
}

func TestLogCallback(t *testing.T) {
	helpers.ResetMemoryStats()
	helpers.ResetLogs()
	runPy(t, `
		import datadog_agent
		datadog_agent.log("hello from python", 30)
	`)
	logs := helpers.Logs()
	if len(logs) != 1 || logs[0].Message != "hello from python" || logs[0].Level != 30 {
		t.Errorf("log callback received %+v, want one WARNING (30) \"hello from python\"", logs)
	}
	helpers.AssertMemoryUsage(t)
}
