package main

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/DataDog/datadog-agent/rtloader/go/internal/hostc"
	"github.com/DataDog/datadog-agent/rtloader/go/internal/report"
	"github.com/DataDog/datadog-agent/rtloader/go/rtloader"
)

// agentVersion is what the C host answers (host/callbacks.h).
const agentVersion = "7.99.0-rtloader"

// host answers the callbacks as the C host's host/callbacks.c does, from
// the datadog.yaml; submissions go to the report.Sender.
type host struct {
	rtloader.BaseHost
	sender           *report.Sender
	cfg              *hostc.AgentConfig
	stderr           io.Writer
	include, exclude [3][]*regexp.Regexp // name, image, kube_namespace
}

func newHost(cfg *hostc.AgentConfig, cache *rtloader.Cache, s *report.Sender, stderr io.Writer) (*host, error) {
	h := &host{BaseHost: rtloader.BaseHost{Cache: cache}, sender: s, cfg: cfg, stderr: stderr}
	// before any check runs, as the C host does when it registers its callbacks
	if err := hostc.ConfigureObfuscationCache(cfg.ObfuscationCacheEnabled, cfg.ObfuscationCacheMaxSize); err != nil {
		return nil, err
	}
	for _, spec := range []struct {
		key  string
		into *[3][]*regexp.Regexp
	}{{"container_include", &h.include}, {"container_exclude", &h.exclude}} {
		for _, p := range h.stringList(spec.key) {
			idx := -1
			for i, prefix := range []string{"name:", "image:", "kube_namespace:"} {
				if strings.HasPrefix(p, prefix) {
					idx, p = i, p[len(prefix):]
					break
				}
			}
			if idx < 0 {
				return nil, fmt.Errorf("%s: '%s' must start with name:, image: or kube_namespace:", spec.key, p)
			}
			re, err := regexp.CompilePOSIX(p)
			if err != nil {
				return nil, fmt.Errorf("%s: '%s' is not a valid regular expression", spec.key, p)
			}
			spec.into[idx] = append(spec.into[idx], re)
		}
	}
	return h, nil
}

func (h *host) stringList(key string) []string {
	j, ok := hostc.Lookup(h.cfg.JSON, key, false)
	if !ok {
		return nil
	}
	var out []string
	for _, item := range splitJSONStrings(j) {
		out = append(out, item)
	}
	return out
}

// splitJSONStrings reads the strings of a compact JSON list (value_to_json's).
func splitJSONStrings(j string) []string {
	var out []string
	for i := 0; i < len(j); i++ {
		if j[i] != '"' {
			continue
		}
		k := i + 1
		for ; k < len(j) && j[k] != '"'; k++ {
			if j[k] == '\\' {
				k++
			}
		}
		if s, err := strconv.Unquote(j[i : k+1]); err == nil {
			out = append(out, s)
		}
		i = k
	}
	return out
}

func (h *host) SubmitMetric(id string, t rtloader.MetricType, name string, v float64, tags []string, hn string, f bool) {
	h.sender.SubmitMetric(id, t, name, v, tags, hn, f)
}
func (h *host) SubmitServiceCheck(id, name string, st int, tags []string, hn, msg string) {
	h.sender.SubmitServiceCheck(id, name, st, tags, hn, msg)
}
func (h *host) SubmitEvent(id string, ev *rtloader.Event) { h.sender.SubmitEvent(id, ev) }
func (h *host) SubmitHistogramBucket(id, name string, v int64, lo, hi float32, mono bool, hn string, tags []string, f bool) {
	h.sender.SubmitHistogramBucket(id, name, v, lo, hi, mono, hn, tags, f)
}
func (h *host) SubmitEventPlatformEvent(id string, raw []byte, et string) {
	h.sender.SubmitEventPlatformEvent(id, raw, et)
}
func (h *host) SetCheckMetadata(id, name, value string) { h.sender.SetCheckMetadata(id, name, value) }
func (h *host) SendLog(line, id string)                 { h.sender.SendLog(line, id) }
func (h *host) SetExternalTags(hn, st string, tags []string) {
	h.sender.SetExternalTags(hn, st, tags)
}

func (h *host) Version() (string, bool)  { return agentVersion, true }
func (h *host) Hostname() (string, bool) { return h.cfg.Hostname, true }
func (h *host) ClusterName() (string, bool) {
	return h.cfg.ClusterName, true
}
func (h *host) HostTags() (string, bool) {
	quoted := make([]string, len(h.cfg.Tags))
	for i, t := range h.cfg.Tags {
		quoted[i] = strconv.Quote(t)
	}
	return `{"system": [` + strings.Join(quoted, ", ") + `], "google cloud platform": []}`, true
}

// Config answers the user's value, else the Agent's default, as the C host does.
func (h *host) Config(key string) (string, bool) {
	if v, ok := hostc.Lookup(h.cfg.JSON, key, true); ok && v != "null" {
		return v, true
	}
	return hostc.AgentDefault(key)
}

// The obfuscators are the C host's (host/obfuscate), compiled in by hostc.
func (h *host) ObfuscateSQL(query, options string) (string, error) {
	return hostc.ObfuscateSQL(query, options)
}
func (h *host) ObfuscateSQLExecPlan(plan string, normalize bool) (string, error) {
	return hostc.ObfuscateSQLExecPlan(plan, normalize)
}
func (h *host) ObfuscateMongoDBString(command string) (string, error) {
	return hostc.ObfuscateMongoDBString(command)
}
func (h *host) Headers() (string, bool) {
	return `{"User-Agent": "Datadog Agent/` + agentVersion + `", "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html, */*"}`, true
}
func (h *host) TracemallocEnabled() bool {
	v, ok := hostc.Lookup(h.cfg.JSON, "tracemalloc_debug", false)
	return ok && v == "true"
}

// Log prints what reaches log_level (or --log-level) as the C host's
// host_log does, one write per line.
func (h *host) Log(msg string, level rtloader.LogLevel) {
	if int(level) < h.cfg.LogLevel {
		return
	}
	name := "TRACE"
	for _, l := range []struct {
		from rtloader.LogLevel
		name string
	}{{rtloader.LevelCritical, "CRITICAL"}, {rtloader.LevelError, "ERROR"}, {rtloader.LevelWarning, "WARN"},
		{rtloader.LevelInfo, "INFO"}, {rtloader.LevelDebug, "DEBUG"}} {
		if level >= l.from {
			name = l.name
			break
		}
	}
	line := time.Now().UTC().Format("2006-01-02 15:04:05") + " UTC | " + name + " | " + msg + "\n"
	io.WriteString(h.stderr, line)
}
func (h *host) Tags(entity string, _ rtloader.Cardinality) []string {
	m, ok := hostc.Lookup(h.cfg.JSON, "entity_tags", false)
	if !ok {
		return nil
	}
	list, ok := hostc.Lookup(m, entity, false)
	if !ok || !strings.HasPrefix(list, "[") {
		return nil
	}
	return append([]string{}, splitJSONStrings(list)...)
}
func (h *host) IsExcluded(name, image, namespace string) bool {
	match := func(lists [3][]*regexp.Regexp) bool {
		for i, text := range []string{name, image, namespace} {
			for _, re := range lists[i] {
				if re.MatchString(text) {
					return true
				}
			}
		}
		return false
	}
	return match(h.exclude) && !match(h.include)
}
