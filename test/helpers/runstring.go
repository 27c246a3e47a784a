package helpers

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RunString runs a Python snippet through run_simple_string and returns what
// it wrote. The snippet runs inside
//
//	try:
//	    with open(<tmp>, 'w') as f:
//	        <code>
//	except Exception as e:
//	    with open(<tmp>, 'w') as f:
//	        f.write('{}: {}'.format(type(e).__name__, e))
//
// so it reports its result with f.write(...), and an exception becomes the
// result "<ExcType>: <message>" (e.g. "TypeError: tags must be a list").
// The code is dedented first, so a Go raw string may be indented. The error
// is non-nil only when the wrapper itself did not run (run_simple_string
// returned 0: a syntax error, or an exception escaping the handler) or the
// result file could not be read.
func RunString(code string) (string, error) {
	tmp, err := os.CreateTemp("", "rtloader-test-")
	if err != nil {
		return "", err
	}
	path := tmp.Name()
	tmp.Close()
	defer os.Remove(path)

	quoted := strconv.Quote(path)
	script := "try:\n" +
		"    with open(" + quoted + ", 'w') as f:\n" +
		indent(dedent(code), "        ") +
		"except Exception as e:\n" +
		"    with open(" + quoted + ", 'w') as f:\n" +
		"        f.write('{}: {}'.format(type(e).__name__, e))\n"

	if !RunSimpleString(script) {
		return "", fmt.Errorf("run_simple_string returned 0 (see stderr) for:\n%s", script)
	}
	out, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// dedent removes the leading whitespace common to all non-blank lines.
func dedent(code string) string {
	lines := strings.Split(strings.Trim(code, "\n"), "\n")
	prefix := ""
	first := true
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		lead := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if first {
			prefix, first = lead, false
			continue
		}
		for !strings.HasPrefix(lead, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	for i, line := range lines {
		lines[i] = strings.TrimPrefix(line, prefix)
	}
	return strings.Join(lines, "\n")
}

func indent(code, by string) string {
	var b strings.Builder
	lines := strings.Split(code, "\n")
	if len(lines) == 1 && strings.TrimSpace(lines[0]) == "" {
		lines[0] = "pass"
	}
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(by)
		b.WriteString(line)
		b.WriteString("\n")
	}
	return b.String()
}
