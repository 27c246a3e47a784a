package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const childEnv = "RTLOADER_GO_CMD_CHILD"

// The test binary doubles as the command: one Python per process, so each
// run of the Go host is a child process.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func execute(t *testing.T, bin string, env []string, args ...string) (string, int) {
	t.Helper()
	out, stderr, code := execute3(t, bin, env, args...)
	if code > 1 {
		t.Fatalf("%s %v: exit %d\n%s", bin, args, code, stderr)
	}
	return out, code
}

// execute3 runs bin and returns its stdout, stderr and exit status.
func execute3(t *testing.T, bin string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return out.String(), errOut.String(), code
}

func cHost(t *testing.T) string {
	bin := os.Getenv("RTLOADER_BIN")
	if bin == "" {
		bin = "../../../build/bin/rtloader"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the C host is needed for the comparison: %v (RTLOADER_BIN)", err)
	}
	return bin
}

func pythonArgs() []string {
	if home := os.Getenv("RTLOADER_TEST_PYTHON_HOME"); home != "" {
		return []string{"--python-home", home}
	}
	return nil
}

func runC(t *testing.T, args ...string) (string, int) {
	return execute(t, cHost(t), nil, append(append([]string{}, args...), pythonArgs()...)...)
}

func runGo(t *testing.T, args ...string) (string, int) {
	return execute(t, os.Args[0], []string{childEnv + "=1"}, append(append([]string{}, args...), pythonArgs()...)...)
}

func writeConfig(t *testing.T, dir, hostname, runPath string) string {
	path := filepath.Join(dir, hostname+".yaml")
	text := fmt.Sprintf(`hostname: %s
run_path: %s
log_level: "off"
tags: [env:cmp, "quoted \"tag\""]
cluster_name: cmp-cluster
custom:
  nested:
    key: nested value
custom_list: [1, two, 3.5]
custom_bool: yes
custom_int: 0x1F
entity_tags:
  container_id://abc: [image:x, team:y]
container_exclude: ["name:^bad"]
container_include: ["name:ok$"]
`, hostname, runPath)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	durationRe = regexp.MustCompile(`"duration_ms": [0-9.]+`)
	startRe    = regexp.MustCompile(`("name": "process_start_time", "value": )"[^"]*"`)
	valueRe    = regexp.MustCompile(`("type": "metric",.*"value": )[-0-9.e+]+|null`)
)

func normalize(out string, liveValues bool) string {
	out = durationRe.ReplaceAllString(out, `"duration_ms": 0`)
	out = startRe.ReplaceAllString(out, `$1"<start>"`)
	if liveValues {
		out = valueRe.ReplaceAllString(out, `${1}0`)
	}
	return out
}

// compare runs every check of confd through both hosts (each with its own
// fresh run_path) and requires the same JSON lines and exit status.
func compare(t *testing.T, confd string, liveValues bool) {
	names, err := filepath.Glob(filepath.Join(confd, "*"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no checks under %s", confd)
	}
	dir := t.TempDir()
	cCfg := writeConfig(t, dir, "cmp-host", filepath.Join(dir, "run-c"))
	goDir := filepath.Join(dir, "go")
	os.Mkdir(goDir, 0o700)
	goCfg := writeConfig(t, goDir, "cmp-host", filepath.Join(dir, "run-go"))
	var cOut strings.Builder
	cFailed := false
	var list []string
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(n), ".yaml"), ".d")
		if strings.HasSuffix(n, ".txt") || (len(list) > 0 && list[len(list)-1] == name) {
			continue
		}
		list = append(list, name)
		out, code := runC(t, "check", name, "--confd", confd, "--config", cCfg, "--format", "json")
		cOut.WriteString(out)
		cFailed = cFailed || code != 0
	}
	goOut, goCode := runGo(t, append([]string{"check"}, append(list, "--confd", confd, "--config", goCfg, "--format", "json")...)...)
	want, got := normalize(cOut.String(), liveValues), normalize(goOut, liveValues)
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("not JSON: %s", line)
		}
	}
	if want != got {
		wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
		shown := 0
		for i := 0; i < len(wl) || i < len(gl); i++ {
			var w, g string
			if i < len(wl) {
				w = wl[i]
			}
			if i < len(gl) {
				g = gl[i]
			}
			if w != g && shown < 5 {
				t.Errorf("line %d differs\n  C:  %s\n  Go: %s", i+1, w, g)
				shown++
			}
		}
		t.Errorf("outputs differ for %v (%d and %d lines)", list, len(wl), len(gl))
	}
	if cFailed != (goCode != 0) {
		t.Errorf("C host failed: %v, Go exit %d", cFailed, goCode)
	}
	t.Logf("%d checks, %d lines identical", len(list), strings.Count(got, "\n"))
}

func TestExamplesMatchTheCHost(t *testing.T) {
	compare(t, "../../../examples/conf.d", true)
}

func TestFixturesMatchTheCHost(t *testing.T) {
	compare(t, "../../../test/hostcli/testdata/conf.d", false)
}

func TestTableMatchesTheCHost(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "cmp-host", filepath.Join(dir, "run"))
	confd := "../../../test/hostcli/testdata/conf.d"
	cOut, _ := runC(t, "check", "multi_check", "--confd", confd, "--config", cfg)
	goOut, _ := runGo(t, "check", "multi_check", "--confd", confd, "--config", cfg)
	ms := regexp.MustCompile(`in [0-9.]+ ms`)
	if a, b := ms.ReplaceAllString(cOut, "in 0 ms"), ms.ReplaceAllString(goOut, "in 0 ms"); a != b || !strings.Contains(a, "=== multi_check [") {
		t.Errorf("tables differ\n--- C\n%s--- Go\n%s", a, b)
	}
}

// TestCacheSharedWithTheCHost: C, Go, C on one run_path; each reads what
// the other wrote, for a short key and one past NAME_MAX.
func TestCacheSharedWithTheCHost(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	cCfg := writeConfig(t, dir, "c-host", run)
	goCfg := writeConfig(t, dir, "go-host", run)
	meta := func(out string) map[string]string {
		m := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var v map[string]interface{}
			if json.Unmarshal([]byte(line), &v) == nil && v["type"] == "metadata" {
				m[v["name"].(string)] = v["value"].(string)
			}
		}
		return m
	}
	args := []string{"check", "gohost_share", "--confd", "testdata/conf.d", "--format", "json", "--config"}
	first, _ := runC(t, append(args, cCfg)...)
	second, _ := runGo(t, append(args, goCfg)...)
	third, _ := runC(t, append(args, cCfg)...)
	m1, m2, m3 := meta(first), meta(second), meta(third)
	if m1["short"] != "" || m2["short"] != "c-host" || m3["short"] != "go-host" {
		t.Errorf("short key: C saw %q, Go saw %q, C saw %q", m1["short"], m2["short"], m3["short"])
	}
	// the long key round-trips where the C cache stores it; where it
	// refuses it, both hosts refuse it alike
	if strings.HasPrefix(m2["long"], "error") {
		if !strings.HasPrefix(m1["long"], "error") && m1["long"] != "" || !strings.HasPrefix(m3["long"], "error") {
			t.Errorf("long key refused unevenly: %q %q %q", m1["long"], m2["long"], m3["long"])
		}
		t.Logf("the cache refuses keys past NAME_MAX (both hosts): %s", m2["long"])
	} else if m1["long"] != "" || m2["long"] != "c-host" || m3["long"] != "go-host" {
		t.Errorf("long key: C saw %q, Go saw %q, C saw %q", m1["long"], m2["long"], m3["long"])
	}
}

// --log-level as in the C host: the level of the checks' log lines on
// stderr (same format), of get_config('log_level') and of Python's
// loggers, over the file's log_level; an unknown name is a usage error.
func TestLogLevelMatchesTheCHost(t *testing.T) {
	confd := "../../../test/hostcli/testdata/conf.d"
	markers := regexp.MustCompile(`e2e-[a-z-]+-line`)
	lineFormat := regexp.MustCompile(`(?m)^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC \| (TRACE|DEBUG|INFO|WARN|ERROR|CRITICAL) \| .*e2e-`)
	cases := []struct{ config, flag string }{
		{"log_level: info\n", "debug"},
		{"log_level: info\n", "trace"},
		{"log_level: debug\n", "error"},
		{"log_level: error\n", "off"},
		{"log_level: warn\n", ""},
		{"", ""},
		{"", "WARN"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "datadog.yaml")
		if err := os.WriteFile(cfg, []byte("hostname: lvl\nrun_path: "+filepath.Join(dir, "run")+"\n"+c.config), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"check", "log_levels_check", "logging_check", "--confd", confd, "--config", cfg, "--format", "json"}
		if c.flag != "" {
			args = append(args, "--log-level", c.flag)
		}
		what := fmt.Sprintf("config %q --log-level %q", c.config, c.flag)
		goOut, goErr, goCode := execute3(t, os.Args[0], []string{childEnv + "=1"}, append(args, pythonArgs()...)...)
		var cOut, cErr strings.Builder
		for _, name := range []string{"log_levels_check", "logging_check"} {
			cArgs := append([]string{"check", name}, args[3:]...)
			o, e, code := execute3(t, cHost(t), nil, append(cArgs, pythonArgs()...)...)
			if code != 0 || goCode != 0 {
				t.Fatalf("%s: exit C %d, Go %d\n%s%s", what, code, goCode, e, goErr)
			}
			cOut.WriteString(o)
			cErr.WriteString(e)
		}
		if want, got := normalize(cOut.String(), false), normalize(goOut, false); want != got {
			t.Errorf("%s: outputs differ (get_config('log_level'), Python levels)\n--- C\n%s--- Go\n%s", what, want, got)
		}
		if want, got := strings.Join(markers.FindAllString(cErr.String(), -1), " "), strings.Join(markers.FindAllString(goErr, -1), " "); want != got {
			t.Errorf("%s: log lines shown differ\n  C:  %s\n  Go: %s", what, want, got)
		}
		if n := len(markers.FindAllString(goErr, -1)); len(lineFormat.FindAllString(goErr, -1)) != n {
			t.Errorf("%s: log lines not in the C host's format:\n%s", what, goErr)
		}
	}
	_, stderr, code := execute3(t, os.Args[0], []string{childEnv + "=1"}, "check", "--log-level", "loud")
	if code != exitUsage || !strings.Contains(stderr, "unknown log level 'loud'") {
		t.Errorf("--log-level loud: exit %d, %q", code, stderr)
	}
}
