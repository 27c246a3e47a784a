package rtloader_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/go/rtloader"
)

// balanced fails the test when the memory tracker has blocks in use.
func balanced(t *testing.T) {
	t.Helper()
	if s := rtloader.TrackerStats(); s.InUseBytes != 0 || s.Allocations != s.Frees {
		t.Errorf("memory tracker unbalanced: %+v", s)
	}
}

// Configurations a host may get wrong: each is a Go error before Python
// sees it (never a crash, never a silently different configuration), and
// a huge one loads and runs.
func TestOddConfigurations(t *testing.T) {
	bad := []struct {
		what string
		cfg  rtloader.CheckConfig
		want string
	}{
		{"non-UTF-8 value", rtloader.CheckConfig{Name: "gohost_probe", Instance: "value: 5\nk: \xff\xfe\n"}, "instance of gohost_probe: config:1: invalid leading UTF-8 octet"},
		{"non-UTF-8 JSON", rtloader.CheckConfig{Name: "gohost_probe", InitConfig: "{\"k\": \"\xc3\"}"}, "init_config of gohost_probe: config:1:"},
		// C would stop reading at the NUL: "k: a" would be loaded
		{"NUL in a value", rtloader.CheckConfig{Name: "gohost_probe", Instance: "value: 5\nk: a\x00b\n"}, "instance of gohost_probe: config:2: a NUL byte is not allowed"},
		// C would load the check "gohost_probe"
		{"NUL in the name", rtloader.CheckConfig{Name: "gohost_probe\x00other"}, "check name"},
		{"NUL in the provider", rtloader.CheckConfig{Name: "gohost_probe", Provider: "file\x00x"}, "provider"},
	}
	for _, b := range bad {
		c, err := loader.Load(b.cfg)
		if err == nil {
			c.Release()
			t.Errorf("%s: loaded", b.what)
		} else if !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: %v, want %q", b.what, err, b.want)
		}
	}
	if _, err := rtloader.ConfigToJSON("a: 1\x00"); err == nil {
		t.Error("ConfigToJSON accepted a NUL byte")
	}
	if _, _, err := rtloader.LoadConfigs("../../examples/conf.d", "load_avg\x00x"); err == nil || !strings.Contains(err.Error(), "NUL byte") {
		t.Errorf("LoadConfigs with a NUL in the name: %v", err)
	}
	huge := strings.Repeat("x", 4<<20)
	c := load(t, rtloader.CheckConfig{Name: "gohost_probe", Instance: "value: 5\nbig: " + huge + "\n"})
	if err := c.Run(); err != nil {
		t.Errorf("huge instance: %v", err)
	}
	balanced(t)
}

// Run, Cancel, Warnings, Diagnoses and Release of one check racing from
// many goroutines: each call either works or returns ErrReleased. A Run
// that starts after every Cancel spins to the check's deadline: 0.5 s is
// ample for the calls to overlap (they all start at once), where the
// default 10 s made the test take 10 s whenever that happened.
func TestOneCheckFromManyGoroutines(t *testing.T) {
	c, err := loader.Load(rtloader.CheckConfig{Name: "gohost_cancel", Instance: "max_seconds: 0.5\n"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var err error
			switch i % 5 {
			case 0:
				err = c.Run()
			case 1:
				err = c.Cancel()
			case 2:
				_, err = c.Warnings()
			case 3:
				_, err = c.Diagnoses()
			case 4:
				if i > 30 {
					err = c.Release()
				}
			}
			if err != nil && !errors.Is(err, rtloader.ErrReleased) {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call: %v", err)
	}
	if err := c.Release(); err != nil {
		t.Errorf("Release: %v", err)
	}
	if err := c.Run(); !errors.Is(err, rtloader.ErrReleased) {
		t.Errorf("Run after the race's Release: %v", err)
	}
	balanced(t)
}

// The persistent cache refuses keys and values C would read cut short at a
// NUL byte: "k\x00x" would otherwise overwrite the entry "k".
func TestCacheRefusesNUL(t *testing.T) {
	cache, err := rtloader.OpenCache(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	if err := cache.Write("nul_check:k", "kept"); err != nil {
		t.Fatal(err)
	}
	if err := cache.Write("nul_check:k\x00x", "clobbered"); err == nil || !strings.Contains(err.Error(), "NUL byte") {
		t.Errorf("Write with a NUL in the key: %v", err)
	}
	if err := cache.Write("nul_check:v", "a\x00b"); err == nil {
		t.Error("Write with a NUL in the value succeeded")
	}
	if _, err := cache.Read("nul_check:k\x00x"); err == nil {
		t.Error("Read with a NUL in the key succeeded")
	}
	if v, err := cache.Read("nul_check:k"); err != nil || v != "kept" {
		t.Errorf("Read: %q, %v", v, err)
	}
	if _, err := rtloader.OpenCache("run\x00path", 0); err == nil {
		t.Error("OpenCache with a NUL in the path succeeded")
	}
}
