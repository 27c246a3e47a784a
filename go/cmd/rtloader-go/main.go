// Command rtloader-go runs Python checks from conf.d through the Go
// package rtloader, like the C host's `rtloader check`, and prints the same
// table (or JSON lines):
//
//	rtloader-go check [name ...] [--confd DIR] [-c datadog.yaml]
//	            [--format table|json] [--times N] [--interval S] [--python-home DIR]
//	            [--log-level L]
//
// Without a name it runs every check configured under conf.d. Exit codes
// as the C host: 0 ok, 1 a check failed to load or run, 2 usage, 3
// configuration error, 4 rtloader or Python could not start.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/DataDog/datadog-agent/rtloader/go/internal/hostc"
	"github.com/DataDog/datadog-agent/rtloader/go/internal/report"
	"github.com/DataDog/datadog-agent/rtloader/go/rtloader"
)

const usage = `usage: rtloader-go check [name ...] [options]

Loads conf.d/<name>.d/*.yaml (and conf.d/<name>.yaml) and runs each instance
through the Go package rtloader, printing what the C host's 'rtloader check'
prints. Without a name, every check configured under conf.d runs.

  -c, --config FILE      the datadog.yaml (hostname, run_path, python_home, tags, ...)
      --confd DIR        the conf.d directory (default: confd_path of the config, or ./conf.d)
      --times N          run every instance N times (default 1)
      --interval S       seconds between two runs (default 1 with --times > 1)
      --format F         table (default) or json
      --python-home DIR  the Python installation to use (overrides python_home)
      --log-level L      overrides log_level: trace, debug, info, warn, error, critical, off
                         (the checks' log lines on stderr, get_config('log_level'))
      --stats            print the Go memory tracker's counters at exit (stderr)
`

const (
	exitOK = iota
	exitCheckFailed
	exitUsage
	exitConfig
	exitRuntime
)

type options struct {
	names                     []string
	confd, config, pythonHome string
	logLevel                  string
	times                     int
	interval                  float64
	format                    report.Format
	stats                     bool
}

func parse(args []string) (*options, error) {
	o := &options{times: 1, interval: -1}
	if len(args) == 0 || args[0] != "check" {
		return nil, fmt.Errorf("the only command is 'check'")
	}
	for i := 1; i < len(args); i++ {
		a := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs a value", a)
			}
			i++
			return args[i], nil
		}
		var err error
		switch a {
		case "--confd": // -c is the configuration file, as in the C host and the Agent's CLI
			o.confd, err = value()
		case "-c", "--config":
			o.config, err = value()
		case "--python-home":
			o.pythonHome, err = value()
		case "--log-level":
			// validated as the C host does, before any file is read
			if o.logLevel, err = value(); err == nil {
				if _, ok := hostc.LogLevelFromName(o.logLevel); !ok {
					err = fmt.Errorf("unknown log level '%s'", o.logLevel)
				}
			}
		case "--stats":
			o.stats = true
		case "--times":
			var v string
			if v, err = value(); err == nil {
				if o.times, err = strconv.Atoi(v); err != nil || o.times < 1 {
					err = fmt.Errorf("--times takes a whole number from 1, not '%s'", v)
				}
			}
		case "--interval":
			var v string
			if v, err = value(); err == nil {
				if o.interval, err = strconv.ParseFloat(v, 64); err != nil || o.interval < 0 {
					err = fmt.Errorf("--interval takes seconds (>= 0), not '%s'", v)
				}
			}
		case "--format":
			var v string
			if v, err = value(); err == nil {
				switch v {
				case "table":
					o.format = report.Table
				case "json":
					o.format = report.JSON
				default:
					err = fmt.Errorf("--format is table or json, not '%s'", v)
				}
			}
		default:
			if len(a) > 0 && a[0] == '-' {
				err = fmt.Errorf("unknown option '%s'", a)
			} else {
				o.names = append(o.names, a)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if o.interval < 0 {
		o.interval = 0
		if o.times > 1 {
			o.interval = 1
		}
	}
	return o, nil
}

// sourcePythonDir is the C host's embedded datadog_checks package in the
// source tree (host/python), the stand-in when datadog_checks_base is not
// installed.
func sourcePythonDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "host", "python")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[len(args)-1] == "-h" || args[len(args)-1] == "--help") {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	o, err := parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "rtloader-go: %v\n\n%s", err, usage)
		return exitUsage
	}
	cfg, err := hostc.LoadAgentConfig(o.config)
	if err != nil {
		fmt.Fprintf(stderr, "rtloader-go: configuration error: %v\n", err)
		return exitConfig
	}
	if o.logLevel != "" {
		if err := cfg.OverrideLogLevel(o.logLevel); err != nil {
			fmt.Fprintf(stderr, "rtloader-go: %v\n", err)
			return exitUsage
		}
	}
	confd := cfg.ConfdPath
	if o.confd != "" {
		confd = o.confd
	}
	home := cfg.PythonHome
	if o.pythonHome != "" {
		home = o.pythonHome
	}
	cache, err := rtloader.OpenCache(cfg.RunPath, 0)
	if err != nil {
		fmt.Fprintf(stderr, "rtloader-go: configuration error: persistent cache under '%s': %v\n", cfg.RunPath, err)
		return exitConfig
	}
	defer cache.Close()
	sender := report.New(stdout, o.format, cfg.Hostname)
	host, err := newHost(cfg, cache, sender, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "rtloader-go: configuration error: %v\n", err)
		return exitConfig
	}
	checksd := filepath.Join(filepath.Dir(confd), "checks.d")
	if abs, err := filepath.Abs(checksd); err == nil {
		checksd = abs
	}
	paths := []string{checksd}
	if extra, ok := hostc.Lookup(cfg.JSON, "additional_checksd", false); ok && len(extra) > 2 && extra[0] == '"' {
		if s, err := strconv.Unquote(extra); err == nil {
			paths = append(paths, s)
		}
	}
	paths = append(paths, sourcePythonDir())
	l, err := rtloader.Open(rtloader.Options{PythonHome: home, PythonPaths: paths, Host: host, AgentConfig: cfg.JSON})
	if err != nil {
		fmt.Fprintf(stderr, "rtloader-go: %v\n", err)
		return exitRuntime
	}
	defer l.Close()

	names := o.names
	if len(names) == 0 {
		if names, err = rtloader.ConfiguredChecks(confd); err != nil {
			fmt.Fprintf(stderr, "rtloader-go: configuration error: %v\n", err)
			return exitConfig
		}
	}
	failures, loaded := 0, 0
	// one check after the other, as successive `rtloader check <name>` runs
	for _, name := range names {
		checks, failed, code := loadCheck(l, sender, confd, name, stderr)
		if code != exitOK {
			return code
		}
		failures += failed + runRounds(checks, sender, o, stderr)
		loaded += len(checks)
		for _, c := range checks {
			c.Release()
		}
	}
	if o.stats {
		s := rtloader.TrackerStats()
		fmt.Fprintf(stderr, "memory tracker: %d allocations, %d frees, %d bytes in use\n", s.Allocations, s.Frees, s.InUseBytes)
	}
	if failures > 0 || loaded == 0 {
		return exitCheckFailed
	}
	return exitOK
}

// loadCheck loads every instance of one check, printing the C host's notes.
func loadCheck(l *rtloader.Loader, sender *report.Sender, confd, name string, stderr io.Writer) ([]*rtloader.Check, int, int) {
	configs, found, err := rtloader.LoadConfigs(confd, name)
	if err != nil {
		fmt.Fprintf(stderr, "rtloader-go: configuration error: %v\n", err)
		return nil, 0, exitConfig
	}
	if !found {
		sender.Note("load_error", name, fmt.Sprintf("no configuration: neither %s/%s.d/*.yaml nor %s/%s.yaml exists", confd, name, confd, name))
		return nil, 1, exitOK
	}
	var checks []*rtloader.Check
	failures := 0
	for i, c := range configs {
		check, err := l.Load(c)
		var le *rtloader.LoadError
		if errors.As(err, &le) && le.Class {
			sender.Note("load_error", name, le.Message)
			return checks, failures + len(configs) - i, exitOK
		}
		if err != nil {
			kind := "load_error"
			if errors.Is(err, rtloader.ErrSkipInstance) {
				kind = "skipped_instance"
			} else {
				failures++
			}
			sender.Note(kind, name, c.Source+": "+err.Error())
			continue
		}
		checks = append(checks, check)
	}
	return checks, failures, exitOK
}

// runRounds runs each instance o.times times, o.interval seconds apart,
// and prints each run; it returns how many runs failed.
func runRounds(checks []*rtloader.Check, sender *report.Sender, o *options, stderr io.Writer) int {
	failures := 0
	for round := 1; round <= o.times; round++ {
		if round > 1 && o.interval > 0 {
			time.Sleep(time.Duration(o.interval * float64(time.Second)))
		}
		for _, c := range checks {
			start := time.Now()
			runErr := c.Run()
			ms := float64(time.Since(start).Nanoseconds()) / 1e6
			warnings, werr := c.Warnings()
			if werr != nil {
				fmt.Fprintf(stderr, "rtloader-go: check %s: cannot read warnings: %v\n", c.ID, werr)
			}
			r := report.Run{Check: c.Name, CheckID: c.ID, Version: c.Version, Source: c.Source, Run: round,
				Status: "ok", DurationMS: ms, Warnings: warnings}
			if runErr != nil {
				msg := runErr.Error()
				r.Status, r.Error = "error", &msg
				failures++
			}
			sender.Flush(r)
		}
	}
	return failures
}
