package testcontainers

import (
	"reflect"
	"testing"

	bt "github.com/DataDog/datadog-agent/rtloader/test/builtintest"
)

func run(t *testing.T, answer int, code string) string {
	t.Helper()
	setAnswer(answer)
	return bt.Run(t, "containers", code)
}

func expectCalls(t *testing.T, want ...string) {
	t.Helper()
	if got := recorded(); !(len(got) == 0 && len(want) == 0) && !reflect.DeepEqual(got, want) {
		t.Errorf("calls:\n got: %q\nwant: %q", got, want)
	}
}

func TestIsExcluded(t *testing.T) {
	bt.Expect(t, "excluded", run(t, 1, `f.write(repr(containers.is_excluded('foo', 'bar')))`), "True")
	expectCalls(t, `is_excluded("foo", "bar", NULL)`)
	bt.Expect(t, "large", run(t, 42, `f.write(repr(containers.is_excluded('foo', 'bar', 'ns')))`), "True")
	expectCalls(t, `is_excluded("foo", "bar", "ns")`)
	bt.Expect(t, "zero", run(t, 0, `f.write(repr(containers.is_excluded('foo', 'bar')))`), "False")
	bt.Expect(t, "negative", run(t, -1, `f.write(repr(containers.is_excluded('foo', 'bar')))`), "False")
	bt.Expect(t, "non-ASCII", run(t, 1, `f.write(repr(containers.is_excluded('cöntainer', 'imäge:日本', 'nämespace')))`), "True")
	expectCalls(t, `is_excluded("cöntainer", "imäge:日本", "nämespace")`)
	bt.Expect(t, "empty", run(t, 0, `f.write(repr(containers.is_excluded('', '', '')))`), "False")
	expectCalls(t, `is_excluded("", "", "")`)
}

func TestIsExcludedErrors(t *testing.T) {
	cases := []struct{ name, code, want string }{
		{"name int (upstream test)", `containers.is_excluded(123, 'bar')`, "TypeError: argument 1 must be str, not int"},
		{"image None", `containers.is_excluded('foo', None)`, "TypeError: argument 2 must be str, not None"},
		{"namespace None", `containers.is_excluded('foo', 'bar', None)`, "TypeError: argument 3 must be str, not None"},
		{"namespace int", `containers.is_excluded('foo', 'bar', 1)`, "TypeError: argument 3 must be str, not int"},
		{"name NUL", `containers.is_excluded('f\x00', 'bar')`, "ValueError: embedded null character"},
		{"too few", `containers.is_excluded('foo')`, "TypeError: function takes at least 2 arguments (1 given)"},
		{"too many", `containers.is_excluded('a', 'b', 'c', 'd')`, "TypeError: function takes at most 3 arguments (4 given)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bt.Expect(t, c.name, run(t, 1, c.code), c.want)
			expectCalls(t)
		})
	}
}

func TestNoCallbacks(t *testing.T) {
	bt.CheckChild(t, "no-callbacks", noCallbackCases)
}
