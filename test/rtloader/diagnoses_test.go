package testrtloader

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// diagnosis is the subset of the Agent's diagnosis.Diagnosis that rtloader's
// fallback document fills.
type diagnosis struct {
	Result      int    `json:"result"`
	Name        string `json:"name"`
	Diagnosis   string `json:"diagnosis"`
	Category    string `json:"category"`
	Description string `json:"description"`
	Remediation string `json:"remediation"`
	RawError    string `json:"rawerror"`
}

const fallbackPrefix = `[{"result":3, "diagnosis": "check's get_diagnoses() method failed", "rawerror": "`

func parseDiagnoses(t *testing.T, doc string) []diagnosis {
	t.Helper()
	var d []diagnosis
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("get_check_diagnoses returned invalid JSON %q: %v", doc, err)
	}
	return d
}

func TestGetCheckDiagnoses(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "diagnoses_check", "", `{"a": 1}`, "id", "diagnoses", "")
	doc, null := getDiagnoses(check)
	if null {
		t.Fatalf("get_check_diagnoses = NULL: %q", helpers.FetchError())
	}
	want := runPy(t, `
		import json, diagnoses_check
		f.write(json.dumps(diagnoses_check.DIAGNOSES))
	`)
	if doc != want {
		t.Errorf("get_check_diagnoses = %q, want the string get_diagnoses() returned, %q", doc, want)
	}
	d := parseDiagnoses(t, doc)
	if len(d) != 2 || d[0].Name != "connectivity" || d[1].Result != 2 || d[1].Remediation != "fix the password" {
		t.Errorf("diagnoses = %+v", d)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckDiagnosesDefault(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "recording_check", "", `{"a": 1}`, "id", "recording", "")
	doc, null := getDiagnoses(check)
	if null || doc != "[]" {
		t.Errorf("get_check_diagnoses = %q (NULL: %v), want []", doc, null)
	}
	helpers.AssertNoError(t)
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckDiagnosesRaises(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "diagnoses_raise_check", "", `{"a": 1}`, "id", "diagnoses_raise", "")
	doc, null := getDiagnoses(check)
	if null {
		t.Fatalf("get_check_diagnoses = NULL, want the synthesized fallback document")
	}
	// The fallback is not an rtloader error.
	helpers.AssertNoError(t)
	if !strings.HasPrefix(doc, fallbackPrefix) || !strings.HasSuffix(doc, `"}]`) {
		t.Errorf("fallback document = %q, want %s...\"}]", doc, fallbackPrefix)
	}
	// Control characters use the short escapes, others \u00XX.
	for _, esc := range []string{`\"failed\"`, `\\ badly`, `\n`, `\t`, `\u0001`} {
		if !strings.Contains(doc, esc) {
			t.Errorf("fallback document %q lacks the escape %s", doc, esc)
		}
	}
	d := parseDiagnoses(t, doc)
	if len(d) != 1 {
		t.Fatalf("fallback document has %d diagnoses, want 1", len(d))
	}
	if d[0].Result != 3 || d[0].Diagnosis != "check's get_diagnoses() method failed" {
		t.Errorf("fallback diagnosis = %+v", d[0])
	}
	message := runPy(t, `
		import diagnoses_raise_check
		f.write(diagnoses_raise_check.MESSAGE)
	`)
	if !strings.HasPrefix(d[0].RawError, tracebackHead) || !strings.HasSuffix(d[0].RawError, "ValueError: "+message+"\n") {
		t.Errorf("rawerror = %q, want the formatted traceback ending with ValueError: %q", d[0].RawError, message)
	}
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckDiagnosesNonString(t *testing.T) {
	helpers.ResetMemoryStats()
	check := mustGetCheck(t, "diagnoses_nonstr_check", "", `{"a": 1}`, "id", "diagnoses_nonstr", "")
	doc, null := getDiagnoses(check)
	if null {
		t.Fatalf("get_check_diagnoses = NULL, want the synthesized fallback document")
	}
	helpers.AssertNoError(t)
	d := parseDiagnoses(t, doc)
	if len(d) != 1 || d[0].Result != 3 || d[0].Diagnosis != "check's get_diagnoses() method failed" ||
		d[0].RawError != "error converting 'get_diagnoses' result to string" {
		t.Errorf("fallback for a non-str result = %+v (%q)", d, doc)
	}
	helpers.AssertMemoryUsage(t)
}

func TestGetCheckDiagnosesNull(t *testing.T) {
	helpers.ResetMemoryStats()
	if doc, null := getDiagnoses(nil); !null {
		t.Errorf("get_check_diagnoses(NULL) = %q, want NULL", doc)
	}
	helpers.AssertMemoryUsage(t)
}
