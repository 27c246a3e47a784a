package hostcli

import (
	"encoding/json"
	"testing"
)

// The three obfuscation functions, called by a check through the host, answer with the
// obfuscator's JSON; failures reach Python as RuntimeError (docs/obfuscation.md). The same,
// call after call, with the result cache on (the default) and off.
func TestObfuscation(t *testing.T) {
	t.Parallel()
	for _, config := range []string{"", "apm_config:\n  obfuscation:\n    cache:\n      enabled: false\n"} {
		t.Run(map[string]string{"": "cache on"}[config]+map[bool]string{true: "cache off"}[config != ""], func(t *testing.T) {
			tr := newTree(t, true)
			if config != "" {
				tr.writeConfig(config)
			}
			checkObfuscation(t, tr)
		})
	}
}

func checkObfuscation(t *testing.T, tr *tree) {
	md, r := metadataOf(t, tr, "obfuscation_check")
	outcome := func(name string) (string, string) {
		t.Helper()
		var o []string
		if err := json.Unmarshal([]byte(md[name]), &o); err != nil || len(o) != 2 {
			t.Fatalf("%s: bad probe %q (%v)\n%s", name, md[name], err, r)
		}
		return o[0], o[1]
	}
	for _, c := range []struct{ name, kind, value string }{
		{"legacy_bare", "ok", "SELECT * FROM t WHERE id = ?"},
		{"legacy_json", "ok", `{"query":"SELECT * FROM t1 JOIN t2 ON t1.id = t2.id WHERE t1.x = ?","metadata":{"Size":15,"tables_csv":"t1,t2","commands":["SELECT","JOIN"],"comments":null,"procedures":null}}`},
		{"sqllexer", "ok", `{"query":"SELECT * FROM users WHERE id = ? AND name = ?","metadata":{"Size":18,"tables_csv":"users","commands":["SELECT"],"comments":["-- note"],"procedures":[]}}`},
		{"plan", "ok", `{"Plan":{"Node Type":"Seq Scan","Total Cost":35.5,"Filter":"( email = ? :: text )"}}`},
		{"plan_normalized", "ok", `{"Plan":{"Node Type":"Seq Scan","Total Cost":"?","Filter":"( email = ? :: text )"}}`},
		{"mongo", "ok", `{"find":"customers","filter":{"age":{"$gt":"?"}},"$db":"shop"}`},
		{"error_sql", "RuntimeError", "at position 13: unexpected EOF in string"},
		{"error_mode", "RuntimeError", "invalid obfuscation mode: legacy"},
		{"error_plan", "RuntimeError", "unexpected end of JSON input"},
		{"error_mongo", "RuntimeError", "Empty MongoDB command"},
	} {
		kind, value := outcome(c.name)
		if kind != c.kind || value != c.value {
			t.Errorf("%s: got %s %q, want %s %q", c.name, kind, value, c.kind, c.value)
		}
	}
}
