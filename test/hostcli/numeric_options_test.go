package hostcli

import (
	"strings"
	"testing"
)

// Numeric options take plain decimal numbers only: what strtod/strtol would
// also read (spaces, hex, exponents, inf, nan, overflow) is a usage error that
// names the option and the value (host/number.c).
func TestNumericOptionsRefused(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args   []string
		option string
		value  string
		usage  string
	}{
		{[]string{"run", "--workers", " 2"}, "--workers", " 2", usageRun},
		{[]string{"run", "--workers", "0x10"}, "--workers", "0x10", usageRun},
		{[]string{"check", "a", "--workers", "2 "}, "--workers", "2 ", usageCheck},
		{[]string{"check", "a", "--workers", "99999999999999999999"}, "--workers", "99999999999999999999", usageCheck},
		{[]string{"check", "a", "--times", ""}, "--times", "", usageCheck},
		{[]string{"check", "a", "--times", "1e2"}, "--times", "1e2", usageCheck},
		{[]string{"check", "a", "--interval", "inf"}, "--interval", "inf", usageCheck},
		{[]string{"check", "a", "--interval", "nan"}, "--interval", "nan", usageCheck},
		{[]string{"check", "a", "--interval", "0x1p3"}, "--interval", "0x1p3", usageCheck},
		{[]string{"check", "a", "--interval", " 1"}, "--interval", " 1", usageCheck},
	}
	for _, c := range cases {
		// --help after it: a value taken by mistake ends at once (exit 0), not in a run
		r := run(t, dir, append(c.args, "--help")...)
		if wantUsageError(t, r, c.usage) && (!strings.Contains(r.stderr, "rtloader: "+c.option+" takes ") ||
			!strings.Contains(r.stderr, "not '"+c.value+"'")) {
			t.Errorf("stderr does not name %s and '%s'\n%s", c.option, c.value, r)
		}
	}
}

// The plain forms are taken: the options are parsed in order, so --help after
// them exits 0 only when each was accepted.
func TestNumericOptionsAccepted(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"run", "--workers", "2", "--help"},
		{"check", "--workers", "016", "--times", "3", "--interval", "0.5", "--help"},
	} {
		r := run(t, dir, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "usage: rtloader "+args[0]) {
			t.Errorf("want the usage and exit code 0\n%s", r)
		}
	}
}
