package testrtloader

import (
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func TestMallocAndFreeAreCounted(t *testing.T) {
	helpers.ResetMemoryStats()
	p := mallocBlock(100)
	if p == nil {
		t.Fatal("_malloc(100) = NULL")
	}
	s := helpers.GetAndResetMemoryStats()
	if s.Allocations != 1 || s.AllocatedBytes < 100 || s.InuseBytes != int64(s.AllocatedBytes) || s.Frees != 0 {
		t.Errorf("after _malloc(100): %+v; want 1 allocation of >= 100 usable bytes, all in use", s)
	}
	freeBlock(p)
	s2 := helpers.GetAndResetMemoryStats()
	if s2.Frees != 1 || s2.FreedBytes != s.AllocatedBytes || s2.InuseBytes != -int64(s.AllocatedBytes) || s2.Allocations != 0 {
		t.Errorf("after _free: %+v; want 1 free of %d bytes", s2, s.AllocatedBytes)
	}
	// Counters were reset by the previous call.
	if s3 := helpers.GetAndResetMemoryStats(); s3 != (helpers.MemoryStats{}) {
		t.Errorf("get_and_reset_memory_stats did not reset: %+v", s3)
	}
	helpers.AssertMemoryUsage(t)
}

func TestStrdupe(t *testing.T) {
	helpers.ResetMemoryStats()
	dup, distinct := strdupeRoundTrip("hello rtloader")
	if dup != "hello rtloader" || !distinct {
		t.Errorf("strdupe = %q (new buffer: %v), want a copy of %q", dup, distinct, "hello rtloader")
	}
	if s := helpers.GetAndResetMemoryStats(); s.Allocations != 1 || s.Frees != 1 || s.AllocatedBytes != s.FreedBytes {
		t.Errorf("strdupe must allocate with the counting _malloc: %+v", s)
	}
	if !strdupeNull() {
		t.Errorf("strdupe(NULL) != NULL")
	}
	helpers.AssertMemoryUsage(t)
}

func TestRtloaderFree(t *testing.T) {
	helpers.ResetMemoryStats()
	rtloaderFree(mallocBlock(10))
	if s := helpers.GetAndResetMemoryStats(); s.Allocations != 1 || s.Frees != 1 || s.AllocatedBytes != s.FreedBytes {
		t.Errorf("rtloader_free must free with the counting _free: %+v", s)
	}
	rtloaderFree(nil)
	if s := helpers.GetAndResetMemoryStats(); s.Frees != 0 {
		t.Errorf("rtloader_free(NULL) counted a free: %+v", s)
	}
	helpers.AssertMemoryUsage(t)
}

func TestTrackedAllocatorPair(t *testing.T) {
	if !trackedPairInForce() {
		t.Errorf("_get_tracked_malloc/_get_tracked_free do not return the allocator pair in force (_malloc/_free)")
	}
}

func TestHarnessTrackedStrings(t *testing.T) {
	helpers.ResetMemoryStats()
	helpers.FreeTracked(helpers.TrackedCString("abc"))
	if s := helpers.GetAndResetMemoryStats(); s.Allocations != 1 || s.Frees != 1 || s.AllocatedBytes != s.FreedBytes {
		t.Errorf("TrackedCString + FreeTracked: %+v", s)
	}
	helpers.AssertMemoryUsage(t)
}
