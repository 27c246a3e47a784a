// Package hostc compiles the C host's configuration, YAML and persistent
// cache code (host/*.c) into Go programs, so that a Go host reads conf.d,
// builds check ids and stores cache entries exactly as the `rtloader`
// program does. It is the only package that links those C files: two cgo
// packages compiling them would define each symbol twice.
//
// Nothing here touches Python; every function may run without the GIL.
package hostc

/*
#cgo CFLAGS: -std=gnu11 -D_GNU_SOURCE -I${SRCDIR}/../../../include -I${SRCDIR}/../../../host
#cgo LDFLAGS: -lyaml -lnettle
#include <stdlib.h>
#include "agent_defaults.h"
#include "cache.h"
#include "config.h"
#include "rtloader_mem.h"
#include "value.h"
#include "yaml_load.h"

static inline void hostc_rtfree(void *p) { _free(p); }
static inline struct check_instance *hostc_instance(struct check_config *c, size_t i) { return &c->instances[i]; }
static inline char *hostc_string_at(char **a, size_t i) { return a[i]; }
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"
)

// noNUL refuses strings C would read only up to their first NUL byte: a
// key, path or text cut short there names something else than was asked
// (another cache entry, another file).
func noNUL(what string, values ...string) error {
	for _, v := range values {
		if strings.IndexByte(v, 0) >= 0 {
			return fmt.Errorf("%s %q contains a NUL byte", what, v)
		}
	}
	return nil
}

func takeError(e *C.char, fallback string) error {
	if e == nil {
		return errors.New(fallback)
	}
	defer C.free(unsafe.Pointer(e))
	return errors.New(C.GoString(e))
}

// ToJSON parses a YAML (or JSON) document the way the C host reads conf.d
// (YAML 1.1 scalars as PyYAML's safe loader) and returns its compact JSON,
// the text the C host hands to load_config and hashes into check ids. An
// empty document gives "null".
func ToJSON(text, name string) (string, error) {
	// refused as libyaml refuses other control characters
	if i := strings.IndexByte(text, 0); i >= 0 {
		return "", fmt.Errorf("%s:%d: a NUL byte is not allowed", name, strings.Count(text[:i], "\n")+1)
	}
	cText := C.CString(text)
	defer C.free(unsafe.Pointer(cText))
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	var cErr *C.char
	v := C.yaml_load_string(cText, cName, &cErr)
	if v == nil {
		return "", takeError(cErr, "out of memory")
	}
	defer C.value_free(v)
	j := C.value_to_json(v)
	if j == nil {
		return "", errors.New("out of memory")
	}
	defer C.free(unsafe.Pointer(j))
	return C.GoString(j), nil
}

// Instance is one instance of a conf.d file, as host/config.c reads it.
type Instance struct {
	JSON           string
	InitConfigJSON string
	Interval       float64
	Source         string
}

// CheckConfig reads <confd>/<name>.d/*.yaml and <confd>/<name>.yaml.
// found is false when the check has no configuration file at all.
func CheckConfig(confd, name string) (instances []Instance, found bool, err error) {
	if err := noNUL("conf.d path or check name", confd, name); err != nil {
		return nil, false, err
	}
	cConfd := C.CString(confd)
	defer C.free(unsafe.Pointer(cConfd))
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	var cc C.struct_check_config
	var cErr *C.char
	rc := C.host_check_config_load(cConfd, cName, false, &cc, &cErr)
	defer C.host_check_config_free(&cc)
	if rc < 0 {
		return nil, false, takeError(cErr, "out of memory")
	}
	if rc > 0 {
		return nil, false, nil
	}
	for i := C.size_t(0); i < cc.count; i++ {
		ci := C.hostc_instance(&cc, i)
		instances = append(instances, Instance{
			JSON:           C.GoString(ci.json),
			InitConfigJSON: C.GoString(ci.init_config_json),
			Interval:       float64(ci.interval),
			Source:         C.GoString(ci.source),
		})
	}
	return instances, true, nil
}

func goStrings(a **C.char) []string {
	var out []string
	for i := C.size_t(0); a != nil && C.hostc_string_at(a, i) != nil; i++ {
		out = append(out, C.GoString(C.hostc_string_at(a, i)))
	}
	return out
}

// CheckNames lists the checks configured under confd, sorted.
func CheckNames(confd string) ([]string, error) {
	if err := noNUL("conf.d path", confd); err != nil {
		return nil, err
	}
	cConfd := C.CString(confd)
	defer C.free(unsafe.Pointer(cConfd))
	var cErr *C.char
	names := C.host_confd_check_names(cConfd, &cErr)
	if names == nil {
		return nil, takeError(cErr, "out of memory")
	}
	defer C.host_free_strings(names)
	return goStrings(names), nil
}

// AgentConfig is the datadog.yaml subset the C host reads (host/config.c).
type AgentConfig struct {
	Path, Hostname, RunPath, ConfdPath, PythonHome, ClusterName string
	Tags                                                        []string
	// ObfuscationCache* are apm_config.obfuscation.cache.enabled and .max_size (bytes).
	ObfuscationCacheEnabled bool
	ObfuscationCacheMaxSize uint64
	// LogLevel is log_level as a log_level_t (Python's numbers; 100 = off).
	LogLevel int
	// JSON is the whole file as JSON ("{}" without a file).
	JSON string
}

// LogLevelFromName is the C host's reading of a log_level name (trace,
// debug, info, warn or warning, error, critical, off; any case).
func LogLevelFromName(name string) (int, bool) {
	if strings.IndexByte(name, 0) >= 0 {
		return 0, false
	}
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	level := int(C.host_log_level_from_name(cName))
	return level, level >= 0
}

// OverrideLogLevel applies --log-level as the C host does (host/main.c):
// the level of everything, and the log_level every reader of the
// configuration sees (get_config, the deprecated constructor's
// agentConfig), added last so that it wins over the file's. An unknown
// name is an error.
func (c *AgentConfig) OverrideLogLevel(name string) error {
	level, ok := LogLevelFromName(name)
	if !ok {
		return fmt.Errorf("unknown log level '%s'", name)
	}
	c.LogLevel = level
	// value_to_json's separators, so the text is the C host's byte for byte
	entry := `"log_level": "` + name + `"`
	if c.JSON == "{}" {
		c.JSON = "{" + entry + "}"
	} else {
		c.JSON = c.JSON[:len(c.JSON)-1] + ", " + entry + "}"
	}
	return nil
}

// LoadAgentConfig reads a datadog.yaml ("" = built-in defaults only), with
// the C host's defaults and path resolution.
func LoadAgentConfig(path string) (*AgentConfig, error) {
	var cPath *C.char
	if path != "" {
		cPath = C.CString(path)
		defer C.free(unsafe.Pointer(cPath))
	}
	var cfg C.struct_host_config
	var cErr *C.char
	rc := C.host_config_load(cPath, &cfg, &cErr)
	defer C.host_config_free(&cfg)
	if rc != 0 {
		return nil, takeError(cErr, "out of memory")
	}
	str := func(s *C.char) string {
		if s == nil {
			return ""
		}
		return C.GoString(s)
	}
	out := &AgentConfig{
		Path: path, Hostname: str(cfg.hostname), RunPath: str(cfg.run_path),
		ConfdPath: str(cfg.confd_path), PythonHome: str(cfg.python_home),
		ClusterName: str(cfg.cluster_name), Tags: goStrings(cfg.tags),
		ObfuscationCacheEnabled: bool(cfg.obfuscation_cache_enabled),
		ObfuscationCacheMaxSize: uint64(cfg.obfuscation_cache_max_size),
		LogLevel:                int(cfg.log_level),
	}
	j := C.value_to_json(cfg.root)
	if j == nil {
		return nil, errors.New("out of memory")
	}
	out.JSON = C.GoString(j)
	C.free(unsafe.Pointer(j))
	return out, nil
}

// Cache is host/cache.c's persistent cache (docs/host-cache.md). Safe for
// concurrent use: the C cache is immutable once open.
type Cache struct{ c *C.struct_host_cache }

// OpenCache opens <runPath>/cache; maxValueSize 0 = the 4 MiB default.
func OpenCache(runPath string, maxValueSize int) (*Cache, error) {
	if err := noNUL("run_path", runPath); err != nil {
		return nil, err
	}
	cPath := C.CString(runPath)
	defer C.free(unsafe.Pointer(cPath))
	var cErr *C.char
	c := C.host_cache_open(cPath, C.size_t(maxValueSize), &cErr)
	if c == nil {
		return nil, takeError(cErr, "out of memory")
	}
	return &Cache{c: c}, nil
}

// Close releases the cache (no other call may be running).
func (c *Cache) Close() {
	C.host_cache_close(c.c)
	c.c = nil
}

// Write stores value under key atomically.
func (c *Cache) Write(key, value string) error {
	if err := noNUL("cache key or value", key, value); err != nil {
		return err
	}
	cKey := C.CString(key)
	defer C.free(unsafe.Pointer(cKey))
	cValue := C.CString(value)
	defer C.free(unsafe.Pointer(cValue))
	var cErr *C.char
	if C.host_cache_write(c.c, cKey, cValue, &cErr) != 0 {
		return takeError(cErr, "out of memory")
	}
	return nil
}

// Read returns the value under key, "" when there is none.
func (c *Cache) Read(key string) (string, error) {
	if err := noNUL("cache key", key); err != nil {
		return "", err
	}
	cKey := C.CString(key)
	defer C.free(unsafe.Pointer(cKey))
	var cErr *C.char
	v := C.host_cache_read(c.c, cKey, &cErr)
	if v == nil {
		return "", takeError(cErr, "out of memory")
	}
	defer C.hostc_rtfree(unsafe.Pointer(v))
	return C.GoString(v), nil
}

// Lookup parses doc (JSON or YAML) and returns the JSON of the value at
// key: a dotted path walking nested maps when dotted, else one map key.
// ok is false when there is no such value.
func Lookup(doc, key string, dotted bool) (string, bool) {
	cDoc := C.CString(doc)
	defer C.free(unsafe.Pointer(cDoc))
	cName := C.CString("config")
	defer C.free(unsafe.Pointer(cName))
	cKey := C.CString(key)
	defer C.free(unsafe.Pointer(cKey))
	var cErr *C.char
	root := C.yaml_load_string(cDoc, cName, &cErr)
	if root == nil {
		C.free(unsafe.Pointer(cErr))
		return "", false
	}
	defer C.value_free(root)
	var v *C.struct_value
	if dotted {
		v = C.value_get_path(root, cKey)
	} else {
		v = C.value_get(root, cKey)
	}
	if v == nil {
		return "", false
	}
	j := C.value_to_json(v)
	if j == nil {
		return "", false
	}
	defer C.free(unsafe.Pointer(j))
	return C.GoString(j), true
}

// AgentDefault returns the JSON of the Agent's default for a (dotted)
// datadog.yaml key (host/agent_defaults.c, docs/host.md); ok is false when
// the Agent has none.
func AgentDefault(key string) (string, bool) {
	cKey := C.CString(key)
	defer C.free(unsafe.Pointer(cKey))
	v := C.host_agent_default(cKey)
	if v == nil {
		return "", false
	}
	j := C.value_to_json(v)
	if j == nil {
		return "", false
	}
	defer C.free(unsafe.Pointer(j))
	return C.GoString(j), true
}
