package testrtloader

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func TestDiscoverConfig(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "discover_check")
	doc, null := discoverConfig(class, `{"mode": "configs", "host": "10.0.0.1", "port": 6379}`)
	if null {
		t.Fatalf("discover_config = NULL: %q", helpers.FetchError())
	}
	var got []map[string]interface{}
	if err := json.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatalf("discover_config returned invalid JSON %q: %v", doc, err)
	}
	want := []map[string]interface{}{{
		"init_config": map[string]interface{}{},
		"instances":   []interface{}{map[string]interface{}{"host": "10.0.0.1", "port": 6379.0}},
		"check":       "DiscoverCheck",
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("discover_config = %v, want %v", got, want)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestDiscoverConfigNone(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "discover_check")
	if doc, null := discoverConfig(class, `{"mode": "none"}`); null || doc != "null" {
		t.Errorf("discover_config(None result) = %q (NULL: %v), want \"null\": %q", doc, null, helpers.FetchError())
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestDiscoverConfigErrors(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "discover_check")
	cases := []struct {
		name, service, contains string
	}{
		{"discover raises", `{"mode": "raise"}`, "ValueError: cannot discover"},
		{"result not serializable", `{"mode": "unserializable"}`, "set"},
		{"service not JSON", `{not json`, "Expecting property name"},
	}
	for _, c := range cases {
		if doc, null := discoverConfig(class, c.service); !null {
			t.Errorf("%s: discover_config = %q, want NULL", c.name, doc)
		}
		expectErrorPrefix(t, "", c.contains)
	}
	helpers.AssertMemoryUsage(t)
}

func TestDiscoverConfigWithoutHook(t *testing.T) {
	helpers.ResetMemoryStats()
	_, class := mustGetClass(t, "fake_check")
	if doc, null := discoverConfig(class, `{"mode": "configs"}`); !null {
		t.Errorf("discover_config on a class without discover() = %q, want NULL", doc)
	}
	expectErrorPrefix(t, "", "discover")
	helpers.AssertMemoryUsage(t)
}
