package hostcli

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Configuration errors exit 3 and name the file and the line on stderr.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// datadog is the whole datadog.yaml when not empty; conf is <confd>/broken_check.yaml when not empty
		datadog, conf string
		// want are substrings of stderr; {config} and {conf} stand for the files' paths
		want []string
		// noHome: do not prepend this pass's python_home line to datadog
		noHome bool
	}{
		{
			name:    "invalid YAML in datadog.yaml",
			datadog: "hostname: a\ntags:\n  - a\n bad: indentation\n",
			want:    []string{"{config}:4: "},
		},
		{
			name:    "mapping in a scalar",
			datadog: "hostname: a\nlog_level: info\nrun_path: a: b\n",
			want:    []string{"{config}:3: "},
		},
		{
			name:    "wrong type",
			datadog: "hostname: a\n\nmemtrack_enabled: \"yes please\"\n",
			want:    []string{"{config}:3: 'memtrack_enabled' must be a boolean"},
		},
		{
			name:    "hostname not a string",
			datadog: "hostname:\n  - a\n",
			want:    []string{"{config}:2: 'hostname' must be a string"},
		},
		{
			name:    "unknown log_level",
			datadog: "log_level: loud\n",
			want:    []string{"{config}:1: unknown log_level 'loud'"},
		},
		{
			name:    "check_runners out of bounds",
			datadog: "hostname: a\ncheck_runners: 0\n",
			want:    []string{"{config}:2: 'check_runners' must be an integer from 1 to 64"},
		},
		{
			name:    "obfuscation cache size not a number of bytes",
			datadog: "hostname: a\napm_config:\n  obfuscation:\n    cache:\n      max_size: -5\n",
			want:    []string{"{config}:5: 'apm_config.obfuscation.cache.max_size' must be a number of bytes"},
		},
		{
			name:    "obfuscation cache switch not a boolean",
			datadog: "apm_config:\n  obfuscation:\n    cache:\n      enabled: sometimes\n",
			want:    []string{"{config}:4: 'apm_config.obfuscation.cache.enabled' must be a boolean"},
		},
		{
			name:    "top level not a map",
			datadog: "- a\n- b\n",
			want:    []string{"{config}:1: expected a map"},
			// a python_home line cannot be prepended to a list; the error
			// comes before any Python is chosen anyway
			noHome: true,
		},
		{
			name: "conf.d file without instances",
			conf: "init_config: {}\n",
			want: []string{"{conf}:", "instances"},
		},
		{
			name: "instances not a list",
			conf: "init_config: {}\ninstances: {a: 1}\n",
			want: []string{"{conf}:2: 'instances' must be a list"},
		},
		{
			name: "instance not a map",
			conf: "instances:\n  - {}\n  - just a string\n",
			want: []string{"{conf}:3: instance 2 must be a map"},
		},
		{
			name: "negative min_collection_interval",
			conf: "instances:\n  - min_collection_interval: -1\n",
			want: []string{"{conf}:2: 'min_collection_interval' must be a positive number"},
		},
		{
			name: "min_collection_interval not a number",
			conf: "instances:\n  - host: x\n    min_collection_interval: soon\n",
			want: []string{"{conf}:3: 'min_collection_interval' must be a positive number"},
		},
		{
			name: "init_config not a map",
			conf: "init_config: [1]\ninstances:\n  - {}\n",
			want: []string{"{conf}:1: 'init_config' must be a map"},
		},
		{
			name: "invalid YAML in a conf.d file",
			conf: "instances:\n  - {a: 1\n  - {}\n",
			want: []string{"{conf}:"},
		},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr := newTree(t, false)
			tr.writeFile(filepath.Join(tr.checksd, "broken_check.py"),
				"from datadog_checks.base import AgentCheck\n\nclass Broken(AgentCheck):\n    def check(self, i):\n        pass\n")
			home := pythonHomeLine()
			if c.noHome {
				home = ""
			}
			if c.datadog != "" {
				tr.writeFile(tr.config, home+c.datadog)
			}
			conf := filepath.Join(tr.confd, "broken_check.yaml")
			if c.conf != "" {
				tr.writeFile(conf, c.conf)
			} else {
				tr.writeFile(conf, "instances:\n  - {}\n")
			}
			expand := func(s string) string {
				return strings.NewReplacer("{config}", tr.config, "{conf}", conf).Replace(s)
			}
			// python_home is prepended to hand-written datadog.yaml files: shift their lines
			shift := 0
			if c.datadog != "" && home != "" {
				shift = 1
			}
			cmds := [][]string{{"check", "broken_check", "--confd", tr.confd, "-c", tr.config}}
			if c.conf == "" {
				// a bad conf.d file does not stop `run` (TestRunSkipsBadFiles); a bad datadog.yaml does
				cmds = append(cmds, []string{"run", "-c", tr.config, "--confd", tr.confd})
			}
			for _, cmd := range cmds {
				r := run(t, tr.dir, cmd...)
				wantCode(t, r, 3)
				for _, w := range c.want {
					wantContains(t, "stderr of "+cmd[0], r.stderr, expand(shiftLine(w, shift)))
				}
				if c.datadog == "" && !strings.Contains(r.stderr, conf) {
					t.Errorf("%s: stderr does not name %s:\n%s", cmd[0], conf, r.stderr)
				}
			}
		})
	}
}

// shiftLine adds n to the line number after "{config}:" in a pattern.
func shiftLine(pattern string, n int) string {
	m := regexp.MustCompile(`^\{config\}:(\d+):`).FindStringSubmatch(pattern)
	if n == 0 || m == nil {
		return pattern
	}
	line, _ := strconv.Atoi(m[1])
	return strings.Replace(pattern, m[0], "{config}:"+strconv.Itoa(line+n)+":", 1)
}

// A datadog.yaml that does not exist is a configuration error too.
func TestConfigFileMissing(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	missing := filepath.Join(tr.dir, "absent.yaml")
	r := run(t, tr.dir, "check", "working_check", "--confd", tr.confd, "--config", missing)
	wantCode(t, r, 3)
	wantContains(t, "stderr", r.stderr, missing)
}

// A valid configuration loads: relative run_path and confd_path are
// resolved against the datadog.yaml's directory, not the working directory.
func TestConfigRelativePaths(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	elsewhere := t.TempDir()
	r := run(t, elsewhere, "check", "cache_counter_check", "--config", tr.config, "--format", "json")
	wantCode(t, r, 0)
	run := one(t, where(r.lines(t), "run", "cache_counter_check"), "run")
	if want := filepath.Join(tr.confd, "cache_counter_check.yaml") + ":2"; run.str("source") != want {
		t.Errorf("confd_path: source %q, want %q", run.str("source"), want)
	}
	if entries, err := os.ReadDir(tr.runPath); err != nil || len(entries) == 0 {
		t.Errorf("run_path: nothing written under %s (run_path: run, relative to the config file): %v",
			tr.runPath, err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("files written in the working directory instead of run_path: %v", entries)
	}
}

const (
	usageMain  = "usage: rtloader <command> [options]"
	usageCheck = "usage: rtloader check <name> [options]"
	usageRun   = "usage: rtloader run [options]"
	usageInfo  = "usage: rtloader info [options]"
)

// Usage errors exit 2 with a message and the usage on stderr.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		args      []string
		message   string
		usageText string
	}{
		{nil, "", usageMain},
		{[]string{"frobnicate"}, "unknown command 'frobnicate'", usageMain},
		{[]string{"check", "--bogus", "x"}, "unknown or incomplete option '--bogus'", usageCheck},
		{[]string{"run", "--bogus"}, "unknown or incomplete option '--bogus'", usageRun},
		{[]string{"info", "-x"}, "unknown or incomplete option", usageInfo},
		{[]string{"check"}, "check needs the name of a check", usageCheck},
		{[]string{"check", "a", "b"}, "unexpected argument 'b'", usageCheck},
		{[]string{"check", "a", "--times", "0"}, "--times", usageCheck},
		{[]string{"check", "a", "--times", "1.5"}, "--times", usageCheck},
		{[]string{"check", "a", "--interval", "-1"}, "--interval", usageCheck},
		{[]string{"check", "a", "--format", "xml"}, "--format", usageCheck},
		{[]string{"check", "a", "--log-level", "chatty"}, "unknown log level 'chatty'", usageCheck},
		{[]string{"check", "a", "--times"}, "unknown or incomplete option", usageCheck},
	}
	for _, c := range cases {
		r := run(t, dir, c.args...)
		if !wantUsageError(t, r, c.usageText) {
			continue
		}
		if c.message != "" && !strings.Contains(r.stderr, c.message) {
			t.Errorf("stderr lacks %q\n%s", c.message, r)
		}
	}
}

// wantUsageError: exit code 2, the usage on stderr, nothing on stdout. False
// (after reporting) when the code is not 2: the rest would say nothing more.
func wantUsageError(t *testing.T, r result, usage string) bool {
	t.Helper()
	if r.code != 2 {
		t.Errorf("want exit code 2 (usage)\n%s", r)
		return false
	}
	if !strings.Contains(r.stderr, usage) {
		t.Errorf("stderr lacks the usage %q\n%s", usage, r)
	}
	if r.stdout != "" {
		t.Errorf("a usage error printed on stdout\n%s", r)
	}
	return true
}

// --help on each command: exit 0, the usage on stdout.
func TestHelp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{usageMain, "exit codes"}},
		{[]string{"-h"}, []string{usageMain}},
		{[]string{"help"}, []string{usageMain}},
		{[]string{"check", "--help"}, []string{usageCheck, "--times", "--interval", "--format", "exit codes"}},
		{[]string{"check", "-h"}, []string{usageCheck}},
		{[]string{"check", "name", "--help"}, []string{usageCheck}},
		{[]string{"run", "--help"}, []string{usageRun, "SIGTERM"}},
		{[]string{"info", "--help"}, []string{usageInfo}},
	}
	for _, c := range cases {
		r := run(t, dir, c.args...)
		if r.code != 0 {
			t.Errorf("want exit code 0\n%s", r)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("stdout lacks %q\n%s", w, r)
			}
		}
		if r.stderr != "" {
			t.Errorf("--help wrote on stderr\n%s", r)
		}
	}
}

// info: the Python in use, sys.path (checks.d before the embedded package), the backends.
func TestInfo(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := run(t, tr.dir, "info", "-c", tr.config)
	wantCode(t, r, 0)
	var version, sysPath string
	backends := false
	for _, line := range strings.Split(r.stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "python version:"):
			version = strings.TrimSpace(strings.TrimPrefix(line, "python version:"))
		case strings.HasPrefix(line, "sys.path:"):
			sysPath = strings.TrimSpace(strings.TrimPrefix(line, "sys.path:"))
		case strings.HasPrefix(line, "backends:"):
			backends = true
		}
	}
	if version == "" || sysPath == "" || !backends {
		t.Fatalf("want 'python version:', 'sys.path:' and 'backends:' lines\n%s", r)
	}
	if want := os.Getenv("RTLOADER_TEST_PYTHON_VERSION"); want != "" && !strings.HasPrefix(version, want+".") {
		t.Errorf("python version %q, want %s.x (python_home of this pass)", version, want)
	}
	if !regexp.MustCompile(`(?m)^\s+Python 3\.\d+\s+\S+`).MatchString(r.stdout) {
		t.Errorf("no backend listed under 'backends:'\n%s", r)
	}
	checksd := strings.Index(sysPath, "'"+tr.checksd+"'")
	if checksd < 0 {
		t.Fatalf("sys.path lacks %s (checks.d beside conf.d)\n%s", tr.checksd, r)
	}
	entries := strings.Split(strings.Trim(sysPath, "[]"), ", ")
	last := strings.Trim(entries[len(entries)-1], "'")
	if _, err := os.Stat(filepath.Join(last, "datadog_checks", "base")); err != nil {
		t.Errorf("the last sys.path entry %q is not the embedded datadog_checks package", last)
	}
	if strings.Index(sysPath, "'"+last+"'") < checksd {
		t.Errorf("checks.d must come before the embedded package in sys.path: %s", sysPath)
	}
}

// --python-home picks the Python for this invocation, over python_home of the
// config; a directory that is no Python installation is a runtime error (4).
func TestPythonHomeOption(t *testing.T) {
	t.Parallel()
	tr := newTree(t, true)
	r := run(t, tr.dir, "info", "-c", tr.config, "--python-home", "/nonexistent/python")
	wantCode(t, r, 4)
	wantContains(t, "stderr", r.stderr, "'/nonexistent/python' is not a Python 3 installation")

	// scripts/run-tests.sh names the home and version of each pass
	home, version := os.Getenv("RTLOADER_TEST_PYTHON_HOME"), os.Getenv("RTLOADER_TEST_PYTHON_VERSION")
	if home == "" || version == "" {
		t.Log("no RTLOADER_TEST_PYTHON_HOME/VERSION: only the error case was checked")
		return
	}
	r = run(t, tr.dir, "info", "--python-home", home)
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "python home:    "+home)
	wantContains(t, "stdout", r.stdout, "python version: "+version+".")
}
