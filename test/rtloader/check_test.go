package testrtloader

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

type described struct {
	Type  string      `json:"type"`
	Value interface{} `json:"value"`
}

// record mirrors recording_check.RECORD.
type record struct {
	Args          int                      `json:"args"`
	KwargNames    []string                 `json:"kwarg_names"`
	Name          described                `json:"name"`
	InitConfig    described                `json:"init_config"`
	InstancesType string                   `json:"instances_type"`
	Instances     []map[string]interface{} `json:"instances"`
	AgentConfig   described                `json:"agentConfig"`
	Runs          int                      `json:"runs"`
	Cancelled     int                      `json:"cancelled"`
	CheckID       *string                  `json:"check_id"`
	HasProvider   bool                     `json:"has_provider"`
	Provider      *string                  `json:"provider"`
}

func readRecord(t *testing.T) record {
	t.Helper()
	var r record
	readJSON(t, `
		import json, recording_check
		f.write(json.dumps(recording_check.RECORD))
	`, &r)
	return r
}

func TestGetCheck(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "recording_check")
	ret, check := getCheck(class, `{"timeout": 5}`, `{"host": "localhost", "port": 8080}`, "recording:123", "recording", "fake_provider")
	if ret != 1 {
		t.Fatalf("get_check = %d: %q", ret, helpers.FetchError())
	}
	defer decref(check)
	if check == nil || check == helpers.Sentinel() {
		t.Fatalf("get_check returned 1 without setting *check")
	}
	helpers.AssertNoError(t)

	r := readRecord(t)
	if r.Args != 0 {
		t.Errorf("positional args = %d, want 0", r.Args)
	}
	if want := []string{"init_config", "instances", "name"}; !reflect.DeepEqual(r.KwargNames, want) {
		t.Errorf("constructor keywords = %q, want %q (no agentConfig, no provider keyword)", r.KwargNames, want)
	}
	if r.Name.Type != "str" || r.Name.Value != "recording" {
		t.Errorf("name = %+v, want str 'recording'", r.Name)
	}
	if r.InitConfig.Type != "dict" || !reflect.DeepEqual(r.InitConfig.Value, map[string]interface{}{"timeout": 5.0}) {
		t.Errorf("init_config = %+v, want dict {timeout: 5}", r.InitConfig)
	}
	if r.InstancesType != "tuple" {
		t.Errorf("instances is a %s, want a tuple", r.InstancesType)
	}
	if want := []map[string]interface{}{{"host": "localhost", "port": 8080.0}}; !reflect.DeepEqual(r.Instances, want) {
		t.Errorf("instances = %v, want %v", r.Instances, want)
	}

	// check_id and provider are attributes of the instance, visible from run().
	if res, null := runCheck(check); null || res != "" {
		t.Fatalf("run_check = %q (NULL: %v): %q", res, null, helpers.FetchError())
	}
	r = readRecord(t)
	if r.Runs != 1 {
		t.Errorf("run() called %d times, want 1", r.Runs)
	}
	if r.CheckID == nil || *r.CheckID != "recording:123" {
		t.Errorf("check.check_id = %v, want recording:123", r.CheckID)
	}
	if !r.HasProvider || r.Provider == nil || *r.Provider != "fake_provider" {
		t.Errorf("check.provider = %v (set: %v), want fake_provider", r.Provider, r.HasProvider)
	}
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckWithoutCheckIDOrProvider(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "recording_check")
	for _, empty := range []string{"", Null} {
		ret, check := getCheck(class, "", `{"a": 1}`, empty, "recording", empty)
		if ret != 1 {
			t.Fatalf("get_check(check_id=%q, provider=%q) = %d: %q", empty, empty, ret, helpers.FetchError())
		}
		runCheck(check)
		r := readRecord(t)
		if r.CheckID != nil {
			t.Errorf("check_id %q must not be set, got %q", empty, *r.CheckID)
		}
		if r.HasProvider {
			t.Errorf("provider %q must not be set as an attribute, got %v", empty, r.Provider)
		}
		// An empty init_config is parsed to None and replaced with {}.
		if r.InitConfig.Type != "dict" || !reflect.DeepEqual(r.InitConfig.Value, map[string]interface{}{}) {
			t.Errorf("init_config from \"\" = %+v, want an empty dict", r.InitConfig)
		}
		decref(check)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

// expectGetCheckFailure checks the failure contract: 0, *check untouched.
func expectGetCheckFailure(t *testing.T, what string, ret int, check unsafe.Pointer) {
	t.Helper()
	if ret != 0 {
		t.Errorf("%s: get_check = %d, want 0", what, ret)
		if check != helpers.Sentinel() {
			decref(check)
		}
		return
	}
	if check != helpers.Sentinel() {
		t.Errorf("%s: get_check failed but wrote *check", what)
	}
}

func TestGetCheckInitConfigParseError(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "recording_check")
	ret, check := getCheck(class, "{not json", `{"a": 1}`, "id", "recording", "")
	expectGetCheckFailure(t, "bad init_config", ret, check)
	expectErrorPrefix(t, "error parsing init_config: ", "JSONDecodeError")
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckInitConfigNotADict(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "recording_check")
	ret, check := getCheck(class, "[1, 2]", `{"a": 1}`, "id", "recording", "")
	expectGetCheckFailure(t, "list init_config", ret, check)
	helpers.ExpectError(t, "error 'init_config' is not a dict")
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckInstanceParseError(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "recording_check")
	ret, check := getCheck(class, "", "{bad", "id", "recording", "")
	expectGetCheckFailure(t, "bad instance", ret, check)
	expectErrorPrefix(t, "error parsing instance: ", "JSONDecodeError")
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckInstanceNotADict(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "recording_check")
	// "" parses to None, which is not a dict either.
	for _, instance := range []string{"", "[1]", `"text"`} {
		ret, check := getCheck(class, "", instance, "id", "recording", "")
		expectGetCheckFailure(t, "instance "+instance, ret, check)
		helpers.ExpectError(t, "error instance is not a dict")
	}
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckConstructorRaises(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "raising_init_check")
	ret, check := getCheck(class, "", `{"a": 1}`, "id", "raising", "")
	expectGetCheckFailure(t, "raising constructor", ret, check)
	// Exactly the formatted Python error, no prefix: the Agent greps it.
	msg := expectErrorPrefix(t, tracebackHead,
		"The integration refused to load the check configuration, it may be too old or too new.")
	if !strings.HasSuffix(msg, "SkipInstanceError: The integration refused to load the check configuration, it may be too old or too new.\n") {
		t.Errorf("error does not end with the exception line: %q", msg)
	}
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckDeprecated(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "deprecated_check")

	// The new constructor API fails on a check that requires agentConfig...
	ret, check := getCheck(class, "", `{"a": 1}`, "id", "deprecated", "")
	expectGetCheckFailure(t, "new API on an old check", ret, check)
	expectErrorPrefix(t, "", "agentConfig")

	// ...and the Agent retries with the deprecated one.
	ret, check = getCheckDeprecated(class, `{"b": 2}`, `{"a": 1}`, `{"api_key": "xyz"}`, "dep:1", "deprecated", "fake_provider")
	if ret != 1 {
		t.Fatalf("get_check_deprecated = %d: %q", ret, helpers.FetchError())
	}
	defer decref(check)
	var rec map[string]interface{}
	readJSON(t, `
		import json, deprecated_check
		f.write(json.dumps(deprecated_check.RECORD))
	`, &rec)
	want := map[string]interface{}{
		"name":        "deprecated",
		"init_config": map[string]interface{}{"b": 2.0},
		"agentConfig": map[string]interface{}{"api_key": "xyz"},
		"instances":   []interface{}{map[string]interface{}{"a": 1.0}},
	}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("deprecated constructor got %v, want %v", rec, want)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckDeprecatedPassesAgentConfig(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "recording_check")
	ret, check := getCheckDeprecated(class, "", `{"a": 1}`, `{"hostname": "h"}`, "rec:2", "recording", "fake_provider")
	if ret != 1 {
		t.Fatalf("get_check_deprecated = %d: %q", ret, helpers.FetchError())
	}
	defer decref(check)
	runCheck(check)
	r := readRecord(t)
	if want := []string{"agentConfig", "init_config", "instances", "name"}; !reflect.DeepEqual(r.KwargNames, want) {
		t.Errorf("constructor keywords = %q, want %q", r.KwargNames, want)
	}
	if r.AgentConfig.Type != "dict" || !reflect.DeepEqual(r.AgentConfig.Value, map[string]interface{}{"hostname": "h"}) {
		t.Errorf("agentConfig = %+v, want dict {hostname: h}", r.AgentConfig)
	}
	if r.CheckID == nil || *r.CheckID != "rec:2" {
		t.Errorf("check_id = %v, want rec:2", r.CheckID)
	}
	if r.Provider == nil || *r.Provider != "fake_provider" {
		t.Errorf("provider = %v, want fake_provider", r.Provider)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckDeprecatedAgentConfigErrors(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "recording_check")
	ret, check := getCheckDeprecated(class, "", `{"a": 1}`, "{bad", "id", "recording", "")
	expectGetCheckFailure(t, "bad agent_config", ret, check)
	expectErrorPrefix(t, "error parsing agent_config: ", "JSONDecodeError")

	ret, check = getCheckDeprecated(class, "", `{"a": 1}`, "[1]", "id", "recording", "")
	expectGetCheckFailure(t, "list agent_config", ret, check)
	helpers.ExpectError(t, "error agent_config is not a dict")
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckDeprecatedConfigErrors(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "recording_check")
	ret, check := getCheckDeprecated(class, "[1]", `{"a": 1}`, "{}", "id", "recording", "")
	expectGetCheckFailure(t, "list init_config", ret, check)
	helpers.ExpectError(t, "error 'init_config' is not a dict")

	ret, check = getCheckDeprecated(class, "", "[1]", "{}", "id", "recording", "")
	expectGetCheckFailure(t, "list instance", ret, check)
	helpers.ExpectError(t, "error instance is not a dict")
	helpers.AssertMemoryUsage(t)
}
