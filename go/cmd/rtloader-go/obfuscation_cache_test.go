package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/go/internal/hostc"
)

// The Go host reads the cache settings as the C host does and its obfuscators answer the
// same with the result cache on as off, from several goroutines at once.
func TestObfuscationCacheSettings(t *testing.T) {
	cfg, err := hostc.LoadAgentConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.ObfuscationCacheEnabled || cfg.ObfuscationCacheMaxSize != 5000000 {
		t.Errorf("defaults: enabled %v, max_size %d; want true, 5000000", cfg.ObfuscationCacheEnabled, cfg.ObfuscationCacheMaxSize)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "datadog.yaml")
	write := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("apm_config:\n  obfuscation:\n    cache:\n      enabled: false\n      max_size: 777\n")
	if cfg, err = hostc.LoadAgentConfig(path); err != nil {
		t.Fatal(err)
	}
	if cfg.ObfuscationCacheEnabled || cfg.ObfuscationCacheMaxSize != 777 {
		t.Errorf("set: enabled %v, max_size %d; want false, 777", cfg.ObfuscationCacheEnabled, cfg.ObfuscationCacheMaxSize)
	}
	write("apm_config:\n  obfuscation:\n    cache:\n      max_size: lots\n")
	_, err = hostc.LoadAgentConfig(path)
	if err == nil || !strings.Contains(err.Error(), path+":4: 'apm_config.obfuscation.cache.max_size' must be a number of bytes") {
		t.Errorf("invalid max_size: error %v", err)
	}
}

func TestObfuscationCacheSameResults(t *testing.T) {
	const options = `{"dbms": "postgresql", "obfuscation_mode": "obfuscate_and_normalize", "table_names": true, "return_json_metadata": true}`
	queries := []string{"SELECT * FROM t WHERE id = 1", "UPDATE u SET a = 'x' WHERE b = 2", "SELECT 'open"}
	if err := hostc.ConfigureObfuscationCache(false, 0); err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(queries))
	for i, q := range queries {
		out, err := hostc.ObfuscateSQL(q, options)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = out
	}
	_, errWant := hostc.ObfuscateSQL("SELECT 1", `{"table_names": "yes"}`)
	if err := hostc.ConfigureObfuscationCache(true, 1<<20); err != nil {
		t.Fatal(err)
	}
	defer hostc.ConfigureObfuscationCache(false, 0)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				i := n % len(queries)
				if out, err := hostc.ObfuscateSQL(queries[i], options); err != nil || out != want[i] {
					t.Errorf("cached %q: %q, %v; want %q", queries[i], out, err, want[i])
					return
				}
				if _, err := hostc.ObfuscateSQL("SELECT 1", `{"table_names": "yes"}`); err == nil || err.Error() != errWant.Error() {
					t.Errorf("cached error %v; want %v", err, errWant)
					return
				}
			}
		}()
	}
	wg.Wait()
	stats, ok := hostc.CacheStats()
	if !ok || stats.Hits == 0 || stats.Entries != uint64(len(queries))+1 || stats.Bytes > stats.MaxBytes {
		t.Errorf("stats %+v (on %v)", stats, ok)
	}
}
