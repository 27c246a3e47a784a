package rtloader

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"time"
)

// MetricType is the kind of a submitted metric (metric_type_t).
type MetricType int

// The metric types, in the C API's order.
const (
	Gauge MetricType = iota
	Rate
	Count
	MonotonicCount
	Counter
	Histogram
	Historate
)

var metricTypeNames = [...]string{"gauge", "rate", "count", "monotonic_count", "counter", "histogram", "historate"}

// String returns the type's name as the C host prints it ("monotonic_count").
func (t MetricType) String() string {
	if t >= 0 && int(t) < len(metricTypeNames) {
		return metricTypeNames[t]
	}
	return "unknown"
}

// LogLevel is a Python logging level (log_level_t); 7 is TRACE.
type LogLevel int

// The levels rtloader passes to Host.Log.
const (
	LevelTrace    LogLevel = 7
	LevelDebug    LogLevel = 10
	LevelInfo     LogLevel = 20
	LevelWarning  LogLevel = 30
	LevelError    LogLevel = 40
	LevelCritical LogLevel = 50
)

// Cardinality is the tagger cardinality a check asks for (TaggerCardinality).
type Cardinality int

// The tagger cardinalities.
const (
	CardinalityLow Cardinality = iota
	CardinalityOrchestrator
	CardinalityHigh
)

// Event is what aggregator.submit_event hands the host (event_t). Tags is
// nil when the event had no "tags" key.
type Event struct {
	Title, Text               string
	Timestamp                 int64
	Priority, Host            string
	Tags                      []string
	AlertType, AggregationKey string
	SourceTypeName, EventType string
	// Null records which string fields were NULL (not sent), by name
	// ("title", "text", "priority", "host", "alert_type",
	// "aggregation_key", "source_type_name", "event_type").
	Null map[string]bool
}

// Host answers every callback of the C API. Embed BaseHost in your type and
// override what your host provides: BaseHost's methods are the defaults.
//
// Ownership: every string and slice a method receives is a Go copy the
// method may keep. What a method returns is copied into tracked C memory
// by the package (the host keeps its own values).
//
// GIL: the submission, getter, log, metadata, tagger, kubeutil and
// containers methods run with the GIL held by the calling thread; the
// persistent cache, obfuscation and subprocess methods run with it
// released. No method may call back into the Loader with the GIL held
// (it would wait for itself only if it called a method that Closes).
//
// Panics: a method that panics is recovered; the panic becomes a Python
// RuntimeError ("rtloader: Go callback <Name> panicked: <value>") raised in
// the check, which sees it like any exception.
//
// Concurrency: methods are called from any goroutine (one at a time for
// those that hold the GIL, concurrently for the others).
type Host interface {
	// aggregator
	SubmitMetric(checkID string, typ MetricType, name string, value float64, tags []string, hostname string, flushFirst bool)
	SubmitServiceCheck(checkID, name string, status int, tags []string, hostname, message string)
	SubmitEvent(checkID string, ev *Event)
	SubmitHistogramBucket(checkID, name string, value int64, lower, upper float32, monotonic bool, hostname string, tags []string, flushFirst bool)
	SubmitEventPlatformEvent(checkID string, raw []byte, eventType string)

	// datadog_agent; ok = false answers NULL (Python sees None)
	Version() (v string, ok bool)
	Config(key string) (jsonValue string, ok bool)
	Headers() (jsonDict string, ok bool)
	Hostname() (h string, ok bool)
	HostTags() (jsonDict string, ok bool)
	ClusterName() (c string, ok bool)
	TracemallocEnabled() bool
	Log(message string, level LogLevel)
	SendLog(line, checkID string)
	SetCheckMetadata(checkID, name, value string)
	SetExternalTags(hostname, sourceType string, tags []string)
	WritePersistentCache(key, value string) error
	ReadPersistentCache(key string) (string, error)
	ObfuscateSQL(query, options string) (string, error)
	ObfuscateSQLExecPlan(plan string, normalize bool) (string, error)
	ObfuscateMongoDBString(command string) (string, error)
	ProcessStartTime() float64
	EmitAgentTelemetry(checkName, metricName string, value float64, metricType string)

	// _util.get_subprocess_output: err is raised in Python as Exception(err)
	SubprocessOutput(argv, env []string) (stdout, stderr string, exitCode int, err error)

	// tagger; nil = no tags (Python sees None)
	Tags(entity string, cardinality Cardinality) []string
	// kubeutil; ok = false answers NULL
	ConnectionInfo() (jsonDict string, ok bool)
	// containers
	IsExcluded(name, image, namespace string) bool
}

// ErrObfuscationUnsupported is what BaseHost's obfuscators return.
var ErrObfuscationUnsupported = errors.New("is not supported by this host (no obfuscator is built in)")

// ErrNoCache is what BaseHost's persistent cache methods return when
// BaseHost.Cache is nil.
var ErrNoCache = errors.New("no persistent cache configured (BaseHost.Cache is nil)")

var processStart = float64(time.Now().UnixNano()) / 1e9

// BaseHost is the set of default answers: submissions, logs, metadata,
// external tags and telemetry are dropped (the Agent would forward them:
// override them); the getters answer None except Config ("no such key"),
// Headers (the Agent's three headers) and ConnectionInfo ("{}"); the
// persistent cache is Cache (the C host's on-disk format) when set;
// obfuscation fails with ErrObfuscationUnsupported; subprocesses run
// through os/exec without a shell, as the Agent's; tagger and container
// filter answer no tags and "not excluded". The zero value is ready to use.
type BaseHost struct {
	// Cache backs the persistent cache callbacks (nil: they fail).
	Cache *Cache
}

// SubmitMetric is BaseHost's default answer (see BaseHost).
func (BaseHost) SubmitMetric(string, MetricType, string, float64, []string, string, bool) {}

// SubmitServiceCheck is BaseHost's default answer (see BaseHost).
func (BaseHost) SubmitServiceCheck(string, string, int, []string, string, string) {}

// SubmitEvent is BaseHost's default answer (see BaseHost).
func (BaseHost) SubmitEvent(string, *Event) {}

// SubmitHistogramBucket is BaseHost's default answer (see BaseHost).
func (BaseHost) SubmitHistogramBucket(string, string, int64, float32, float32, bool, string, []string, bool) {
}

// SubmitEventPlatformEvent is BaseHost's default answer (see BaseHost).
func (BaseHost) SubmitEventPlatformEvent(string, []byte, string) {}

// Version is BaseHost's default answer (see BaseHost).
func (BaseHost) Version() (string, bool) { return "", false }

// Config is BaseHost's default answer (see BaseHost).
func (BaseHost) Config(string) (string, bool) { return "", false }

// Headers answers the headers the Agent sends, with Version() "unknown".
func (BaseHost) Headers() (string, bool) {
	return `{"User-Agent": "Datadog Agent/unknown", "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html, */*"}`, true
}

// Hostname is BaseHost's default answer (see BaseHost).
func (BaseHost) Hostname() (string, bool) { return "", false }

// HostTags is BaseHost's default answer (see BaseHost).
func (BaseHost) HostTags() (string, bool) { return "", false }

// ClusterName is BaseHost's default answer (see BaseHost).
func (BaseHost) ClusterName() (string, bool) { return "", false }

// TracemallocEnabled is BaseHost's default answer (see BaseHost).
func (BaseHost) TracemallocEnabled() bool { return false }

// Log is BaseHost's default answer (see BaseHost).
func (BaseHost) Log(string, LogLevel) {}

// SendLog is BaseHost's default answer (see BaseHost).
func (BaseHost) SendLog(string, string) {}

// SetCheckMetadata is BaseHost's default answer (see BaseHost).
func (BaseHost) SetCheckMetadata(string, string, string) {}

// SetExternalTags is BaseHost's default answer (see BaseHost).
func (BaseHost) SetExternalTags(string, string, []string) {}

// EmitAgentTelemetry is BaseHost's default answer (see BaseHost).
func (BaseHost) EmitAgentTelemetry(string, string, float64, string) {}

// WritePersistentCache stores the value in b.Cache.
func (b BaseHost) WritePersistentCache(key, value string) error {
	if b.Cache == nil {
		return ErrNoCache
	}
	return b.Cache.Write(key, value)
}

// ReadPersistentCache reads from b.Cache ("" for a missing key).
func (b BaseHost) ReadPersistentCache(key string) (string, error) {
	if b.Cache == nil {
		return "", ErrNoCache
	}
	return b.Cache.Read(key)
}

// ObfuscateSQL is BaseHost's default answer (see BaseHost).
func (BaseHost) ObfuscateSQL(string, string) (string, error) {
	return "", errors.New("obfuscate_sql " + ErrObfuscationUnsupported.Error())
}

// ObfuscateSQLExecPlan is BaseHost's default answer (see BaseHost).
func (BaseHost) ObfuscateSQLExecPlan(string, bool) (string, error) {
	return "", errors.New("obfuscate_sql_exec_plan " + ErrObfuscationUnsupported.Error())
}

// ObfuscateMongoDBString is BaseHost's default answer (see BaseHost).
func (BaseHost) ObfuscateMongoDBString(string) (string, error) {
	return "", errors.New("obfuscate_mongodb_string " + ErrObfuscationUnsupported.Error())
}

// ProcessStartTime is when the package was initialised, in Unix seconds.
func (BaseHost) ProcessStartTime() float64 { return processStart }

// SubprocessOutput runs argv[0] with argv[1:] (looked up in PATH, no
// shell) and env ("K=V"; nil = this process's environment) and returns
// its output and exit code; err only when it could not be started.
func (BaseHost) SubprocessOutput(argv, env []string) (string, string, int, error) {
	if len(argv) == 0 {
		return "", "", 0, errors.New("get_subprocess_output: empty command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	if env != nil {
		cmd.Env = env
	} else {
		cmd.Env = os.Environ()
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		// the C host's text (host/subprocess.c)
		return "", "", 0, fmt.Errorf("command not found: %s", argv[0])
	} else if err != nil {
		return "", "", 0, fmt.Errorf("cannot run %s: %w", argv[0], err)
	}
	return out.String(), errOut.String(), code, nil
}

// Tags is BaseHost's default answer (see BaseHost).
func (BaseHost) Tags(string, Cardinality) []string { return nil }

// ConnectionInfo is BaseHost's default answer (see BaseHost).
func (BaseHost) ConnectionInfo() (string, bool) { return "{}", true }

// IsExcluded is BaseHost's default answer (see BaseHost).
func (BaseHost) IsExcluded(string, string, string) bool { return false }
