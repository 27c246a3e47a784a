// Package report is the Go twin of the C host's sender (host/sender.c):
// it buffers a check's submissions per check id, aggregates metrics within
// a run and prints each run as the `rtloader` program does, in its table
// or JSON line format, so both hosts' outputs compare line for line.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/DataDog/datadog-agent/rtloader/go/rtloader"
)

// Format is the output format.
type Format int

// The two formats of `rtloader check --format`.
const (
	Table Format = iota
	JSON
)

type entry struct {
	metric  bool
	mtype   rtloader.MetricType
	name    string
	host    string
	tags    string // sorted, ',' joined
	tagJSON string
	value   float64
	samples int
	json    string // non-metrics: fields without braces
	table   string
}

type metricKey struct {
	t          rtloader.MetricType
	name, host string
	tags       string
}

type batch struct {
	entries []*entry
	index   map[metricKey]*entry
}

// Sender implements the aggregator, metadata, log and external-tags
// callbacks of rtloader.Host; embed it next to rtloader.BaseHost.
type Sender struct {
	mu          sync.Mutex
	out         io.Writer
	format      Format
	defaultHost string
	batches     map[string]*batch
}

// New returns a Sender printing to out; defaultHost stands for submissions
// without a hostname.
func New(out io.Writer, format Format, defaultHost string) *Sender {
	return &Sender{out: out, format: format, defaultHost: defaultHost, batches: map[string]*batch{}}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range []byte(s) {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteByte(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func renderTags(tags []string) (joined, js string) {
	sorted := append([]string(nil), tags...)
	sort.Strings(sorted)
	quoted := make([]string, len(sorted))
	for i, t := range sorted {
		quoted[i] = jsonString(t)
	}
	return strings.Join(sorted, ","), "[" + strings.Join(quoted, ", ") + "]"
}

// renderTagSet is renderTags for a metric context: a tag given twice counts
// once, as in the Agent (and the C host's sender).
func renderTagSet(tags []string) (joined, js string) {
	seen := make(map[string]bool, len(tags))
	set := make([]string, 0, len(tags))
	for _, t := range tags {
		if !seen[t] {
			seen[t] = true
			set = append(set, t)
		}
	}
	return renderTags(set)
}

func field(key, value string) string { return ", " + jsonString(key) + ": " + jsonString(value) }

func (s *Sender) batchFor(id string) *batch {
	b := s.batches[id]
	if b == nil {
		b = &batch{index: map[metricKey]*entry{}}
		s.batches[id] = b
	}
	return b
}

func (s *Sender) hostOr(h string) string {
	if h == "" {
		return s.defaultHost
	}
	return h
}

func (s *Sender) add(id, js, table string) {
	s.mu.Lock()
	b := s.batchFor(id)
	b.entries = append(b.entries, &entry{json: js, table: table})
	s.mu.Unlock()
}

// SubmitMetric aggregates: counts add up within a run, other types keep
// the last value.
func (s *Sender) SubmitMetric(id string, t rtloader.MetricType, name string, value float64, tags []string, host string, _ bool) {
	joined, tj := renderTagSet(tags)
	host = s.hostOr(host)
	k := metricKey{t, name, host, joined}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.batchFor(id)
	if e := b.index[k]; e != nil {
		if t == rtloader.Count {
			e.value += value
		} else {
			e.value = value
		}
		e.samples++
		return
	}
	e := &entry{metric: true, mtype: t, name: name, host: host, tags: joined, tagJSON: tj, value: value, samples: 1}
	b.entries = append(b.entries, e)
	b.index[k] = e
}

// SubmitServiceCheck buffers a service check line.
func (s *Sender) SubmitServiceCheck(id, name string, status int, tags []string, host, message string) {
	joined, tj := renderTags(tags)
	js := `"type": "service_check"` + field("name", name) + fmt.Sprintf(`, "status": %d, "tags": %s`, status, tj) +
		field("host", s.hostOr(host)) + field("message", message)
	sep := ""
	if message != "" {
		sep = "  "
	}
	s.add(id, js, fmt.Sprintf("  %-16s %-44s %16d  %s%s%s", "service_check", name, status, joined, sep, message))
}

func nullable(key, v string, null bool) string {
	if null {
		return ", " + jsonString(key) + ": null"
	}
	return field(key, v)
}

// SubmitEvent buffers an event line.
func (s *Sender) SubmitEvent(id string, ev *rtloader.Event) {
	joined, tj := renderTags(ev.Tags)
	if ev.Tags == nil {
		tj = "null"
	}
	n := ev.Null
	js := `"type": "event"` + nullable("title", ev.Title, n["title"]) + nullable("text", ev.Text, n["text"]) +
		fmt.Sprintf(`, "timestamp": %d`, ev.Timestamp) + nullable("priority", ev.Priority, n["priority"]) +
		nullable("host", ev.Host, n["host"]) + `, "tags": ` + tj + nullable("alert_type", ev.AlertType, n["alert_type"]) +
		nullable("aggregation_key", ev.AggregationKey, n["aggregation_key"]) +
		nullable("source_type_name", ev.SourceTypeName, n["source_type_name"]) + nullable("event_type", ev.EventType, n["event_type"])
	s.add(id, js, fmt.Sprintf("  %-16s %s: %s  %s", "event", ev.Title, ev.Text, joined))
}

// cG formats as C's %g (6 significant digits, shortest form).
func cG(v float64, prec int) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return strings.ToLower(strconv.FormatFloat(v, 'g', -1, 64))
	}
	s := strconv.FormatFloat(v, 'g', prec, 64)
	// Go writes exponents as e+06; C as e+06 too, but Go drops trailing zeros like %g.
	return s
}

// SubmitHistogramBucket buffers a histogram bucket line.
func (s *Sender) SubmitHistogramBucket(id, name string, value int64, lower, upper float32, monotonic bool, host string, tags []string, _ bool) {
	joined, tj := renderTags(tags)
	js := `"type": "histogram_bucket"` + field("name", name) +
		fmt.Sprintf(`, "value": %d, "lower_bound": %s, "upper_bound": %s`, value, cG(float64(lower), 9), cG(float64(upper), 9)) +
		fmt.Sprintf(`, "monotonic": %t, "tags": %s`, monotonic, tj) + field("host", s.hostOr(host))
	s.add(id, js, fmt.Sprintf("  %-16s %-44s %16d  [%s, %s] %s", "histogram_bucket", name, value,
		cG(float64(lower), 6), cG(float64(upper), 6), joined))
}

// SubmitEventPlatformEvent buffers an event platform event line.
func (s *Sender) SubmitEventPlatformEvent(id string, raw []byte, eventType string) {
	text := string(raw)
	if i := strings.IndexByte(text, 0); i >= 0 {
		text = text[:i]
	}
	js := `"type": "event_platform_event"` + field("event_type", eventType) + fmt.Sprintf(`, "length": %d`, len(raw)) + field("raw", text)
	s.add(id, js, fmt.Sprintf("  %-16s %-44s %16d bytes", "platform_event", eventType, len(raw)))
}

// SetCheckMetadata buffers a metadata line.
func (s *Sender) SetCheckMetadata(id, name, value string) {
	s.add(id, `"type": "metadata"`+field("name", name)+field("value", value),
		fmt.Sprintf("  %-16s %-44s %s", "metadata", name, value))
}

// SendLog buffers a log line.
func (s *Sender) SendLog(line, id string) {
	s.add(id, `"type": "log"`+field("line", line), fmt.Sprintf("  %-16s %s", "log", line))
}

// SetExternalTags prints at once (not tied to a run).
func (s *Sender) SetExternalTags(host, sourceType string, tags []string) {
	joined, tj := renderTags(tags)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.format == JSON {
		fmt.Fprintf(s.out, "{\"type\": \"external_tags\"%s%s, \"tags\": %s}\n", field("host", host), field("source_type", sourceType), tj)
	} else {
		fmt.Fprintf(s.out, "external tags for %s (%s): %s\n", host, sourceType, joined)
	}
}

// Run describes one finished run of a check instance.
type Run struct {
	Check, CheckID, Version, Source string
	Run                             int
	Status                          string // ok, error, cancelled
	Error                           *string
	DurationMS                      float64
	Warnings                        []string
}

// shortest returns the shortest %.Ng (N = 15..17) that reads back as v.
func shortest(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return "null"
	}
	var text string
	for p := 15; p <= 17; p++ {
		text = strconv.FormatFloat(v, 'g', p, 64)
		if f, _ := strconv.ParseFloat(text, 64); f == v {
			break
		}
	}
	return cStyle(text)
}

// cStyle rewrites Go's %g output as C prints it: Go already trims zeros
// like C; only the exponent differs ("e+06" in both, "e+100" in both).
func cStyle(s string) string { return s }

// Flush prints the run and what its check id submitted, then forgets it.
func (s *Sender) Flush(r Run) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.batches[r.CheckID]
	delete(s.batches, r.CheckID)
	var entries []*entry
	if b != nil {
		entries = b.entries
	}
	if s.format == JSON {
		prefix := `"check": ` + jsonString(r.Check) + `, "check_id": ` + jsonString(r.CheckID) + fmt.Sprintf(`, "run": %d`, r.Run)
		for _, e := range entries {
			if e.metric {
				fmt.Fprintf(s.out, "{%s, \"type\": \"metric\", \"metric_type\": \"%s\"%s%s, \"value\": %s, \"tags\": %s, \"samples\": %d}\n",
					prefix, e.mtype, field("name", e.name), field("host", e.host), shortest(e.value), e.tagJSON, e.samples)
			} else {
				fmt.Fprintf(s.out, "{%s, %s}\n", prefix, e.json)
			}
		}
		errField := `, "error": null`
		if r.Error != nil {
			errField = field("error", *r.Error)
		}
		ws := make([]string, len(r.Warnings))
		for i, w := range r.Warnings {
			ws[i] = jsonString(w)
		}
		fmt.Fprintf(s.out, "{%s, \"type\": \"run\"%s%s%s%s, \"duration_ms\": %.3f, \"warnings\": [%s]}\n", prefix,
			field("version", r.Version), field("source", r.Source), field("status", r.Status), errField, r.DurationMS, strings.Join(ws, ", "))
		return
	}
	fmt.Fprintf(s.out, "=== %s [%s] run %d: %s in %.1f ms (version %s, %s)\n", r.Check, r.CheckID, r.Run, r.Status,
		r.DurationMS, r.Version, r.Source)
	for _, e := range entries {
		if !e.metric {
			fmt.Fprintln(s.out, e.table)
			continue
		}
		var number string
		if math.Abs(e.value) < 1e15 && e.value == math.Floor(e.value) {
			number = strconv.FormatFloat(e.value, 'f', 0, 64)
		} else {
			number = cG(e.value, 6)
		}
		hostPart := ""
		if e.host != s.defaultHost {
			hostPart = "  host:" + e.host
		}
		fmt.Fprintf(s.out, "  %-16s %-44s %16s  %s%s\n", e.mtype, e.name, number, e.tags, hostPart)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(s.out, "  warning: %s\n", w)
	}
	if r.Error != nil {
		fmt.Fprintf(s.out, "  error: %s\n", *r.Error)
	}
}

// Note prints a line not tied to a run (load_error, skipped_instance).
func (s *Sender) Note(kind, check, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.format == JSON {
		fmt.Fprintf(s.out, "{\"type\": %s%s%s}\n", jsonString(kind), field("check", check), field("message", message))
	} else {
		fmt.Fprintf(s.out, "%s %s: %s\n", kind, check, message)
	}
}

var _ = json.Valid
