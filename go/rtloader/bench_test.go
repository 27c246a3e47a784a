package rtloader_test

import (
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/go/internal/benchc"
	"github.com/DataDog/datadog-agent/rtloader/go/rtloader"
)

// BenchmarkRunCheckPackage: Check.Run, the package's path.
func BenchmarkRunCheckPackage(b *testing.B) {
	c, err := loader.Load(rtloader.CheckConfig{Name: "gohost_bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Release()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunCheckDirect: the same run through the C API from cgo
// (LockOSThread, ensure_gil, run_check, rtloader_free, release_gil).
func BenchmarkRunCheckDirect(b *testing.B) {
	c, err := loader.Load(rtloader.CheckConfig{Name: "gohost_bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Release()
	rt, obj := loader.Handle(), c.Handle()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !benchc.RunCheck(rt, obj) {
			b.Fatal("run failed")
		}
	}
}
