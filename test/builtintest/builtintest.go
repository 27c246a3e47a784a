// Package builtintest holds what the test packages of the builtin modules
// (aggregator, datadog_agent, util, _util, tagger, kubeutil, containers)
// share on top of helpers: running a snippet with its module imported and
// the allocation balance checked, comparing outputs (exactly or by regexp),
// and reading the results of a "no callbacks" child process.
package builtintest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// Messages that differ between Python versions (3.8/3.9 vs 3.10+), as
// regexps for Expect.
const (
	IntFromStr   = `~^TypeError: (an integer is required \(got type str\)|'str' object cannot be interpreted as an integer)$`
	IntFromFloat = `~^TypeError: (integer argument expected, got float|'float' object cannot be interpreted as an integer)$`
)

// WithImport prepends "import <module>" with the indentation of the
// snippet's first line, so that RunString's dedent still applies.
func WithImport(module, code string) string {
	for _, line := range strings.Split(code, "\n") {
		if strings.TrimSpace(line) != "" {
			lead := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
			return lead + "import " + module + "\n" + strings.TrimLeft(code, "\n")
		}
	}
	return "import " + module + "\n" + code
}

// Run executes code with `module` imported and returns what it wrote; it
// asserts that rtloader's allocations balance over the run.
func Run(t *testing.T, module, code string) string {
	t.Helper()
	helpers.ResetMemoryStats()
	out, err := helpers.RunString(WithImport(module, code))
	if err != nil {
		t.Fatal(err)
	}
	helpers.AssertMemoryUsage(t)
	return out
}

// Expect compares out with want; a want starting with "~" is a regexp.
func Expect(t *testing.T, what, out, want string) {
	t.Helper()
	if strings.HasPrefix(want, "~") {
		if !regexp.MustCompile(want[1:]).MatchString(out) {
			t.Errorf("%s:\n got: %q\nwant: /%s/", what, out, want[1:])
		}
		return
	}
	if out != want {
		t.Errorf("%s:\n got: %q\nwant: %q", what, out, want)
	}
}

// Case is a snippet run in a child process, and what it must write.
type Case struct{ Name, Code, Want string }

// RunCases is the body of a "no-callbacks" child: it sets rtloader up with
// opts and prints one "<name>\t<quoted output>" line per case.
func RunCases(module string, opts helpers.Options, cases []Case) int {
	if err := helpers.Setup(opts); err != nil {
		fmt.Println("setup:", err)
		return 1
	}
	for _, c := range cases {
		helpers.ResetMemoryStats()
		out, err := helpers.RunString(WithImport(module, c.Code))
		if err != nil {
			out = "error: " + err.Error()
		}
		if s := helpers.GetAndResetMemoryStats(); s.Allocations != s.Frees {
			out += fmt.Sprintf(" [unbalanced: %d allocations, %d frees]", s.Allocations, s.Frees)
		}
		fmt.Printf("%s\t%s\n", c.Name, strconv.Quote(out))
	}
	return 0
}

// CheckChild runs the child `name` and checks each case's line.
func CheckChild(t *testing.T, name string, cases []Case) {
	t.Helper()
	res := helpers.RunChild(t, name)
	if res.ExitCode != 0 {
		t.Fatalf("child exited %d:\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	got := map[string]string{}
	for _, line := range strings.Split(res.Stdout, "\n") {
		if name, quoted, ok := strings.Cut(line, "\t"); ok {
			if v, err := strconv.Unquote(quoted); err == nil {
				got[name] = v
			}
		}
	}
	for _, c := range cases {
		v, ok := got[c.Name]
		if !ok {
			t.Errorf("%s: no result; child printed:\n%s%s", c.Name, res.Stdout, res.Stderr)
			continue
		}
		Expect(t, c.Name, v, c.Want)
	}
}
