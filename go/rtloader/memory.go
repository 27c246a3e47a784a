package rtloader

/*
#include <stdlib.h>
#include <string.h>
*/
import "C"

import (
	"sync"
	"unsafe"
)

// MemoryStats are the counters of the package's memory tracker: C memory
// the package allocated for Python (TrackedCString, TrackedCStringArray)
// and rtloader freed through the cgo-free callback.
type MemoryStats struct {
	Allocations    uint64 // blocks allocated since the process started
	Frees          uint64 // tracked blocks freed
	AllocatedBytes uint64 // bytes allocated (requested sizes)
	FreedBytes     uint64
	InUseBytes     int64 // AllocatedBytes - FreedBytes: 0 when balanced
	// UntrackedFrees counts cgo-free calls on blocks the tracker did not
	// allocate (another allocator's memory handed to rtloader): freed
	// with C free all the same.
	UntrackedFrees uint64
}

var tracker struct {
	mu    sync.Mutex
	live  map[uintptr]uint64
	stats MemoryStats
}

func trackAlloc(p unsafe.Pointer, size uint64) {
	tracker.mu.Lock()
	if tracker.live == nil {
		tracker.live = make(map[uintptr]uint64)
	}
	tracker.live[uintptr(p)] = size
	tracker.stats.Allocations++
	tracker.stats.AllocatedBytes += size
	tracker.stats.InUseBytes += int64(size)
	tracker.mu.Unlock()
}

// trackedFree releases a block rtloader hands back through cgo_free.
// GIL: none needed; any thread.
func trackedFree(p unsafe.Pointer) {
	if p == nil {
		return
	}
	tracker.mu.Lock()
	size, ok := tracker.live[uintptr(p)]
	if ok {
		delete(tracker.live, uintptr(p))
		tracker.stats.Frees++
		tracker.stats.FreedBytes += size
		tracker.stats.InUseBytes -= int64(size)
	} else {
		tracker.stats.UntrackedFrees++
	}
	tracker.mu.Unlock()
	C.free(p)
}

// TrackerStats returns the memory tracker's counters (cumulative, never
// reset). GIL: not needed; safe from any goroutine.
func TrackerStats() MemoryStats {
	tracker.mu.Lock()
	defer tracker.mu.Unlock()
	return tracker.stats
}

// TrackedCString copies s (up to its first NUL byte) into a C string
// allocated with malloc and counted by the memory tracker.
//
// Ownership: the caller hands the block to rtloader (a callback's return
// value), which frees it through the cgo-free callback the Loader
// registers; a block kept by the caller must be released with
// FreeTracked. GIL: not needed. Never returns nil (out of memory panics,
// as C.CString does).
func TrackedCString(s string) unsafe.Pointer {
	if i := indexNUL(s); i >= 0 {
		s = s[:i]
	}
	n := uint64(len(s)) + 1
	p := unsafe.Pointer(C.CString(s)) // malloc'd; panics when out of memory
	trackAlloc(p, n)
	return p
}

// TrackedCStringArray builds a NULL-terminated char** of tracked strings
// (the array tracked too), the form the tagger callback returns.
// Ownership and GIL: as TrackedCString; rtloader frees each string then
// the array.
func TrackedCStringArray(items []string) unsafe.Pointer {
	ptrSize := unsafe.Sizeof(uintptr(0))
	n := uint64(len(items)+1) * uint64(ptrSize)
	arr := C.malloc(C.size_t(n))
	if arr == nil {
		panic("rtloader: out of C memory")
	}
	slots := unsafe.Slice((*unsafe.Pointer)(arr), len(items)+1)
	for i, s := range items {
		slots[i] = TrackedCString(s)
	}
	slots[len(items)] = nil
	trackAlloc(arr, n)
	return arr
}

// FreeTracked frees a block from TrackedCString or TrackedCStringArray's
// array (not its strings) that was not handed to rtloader. GIL: not needed.
func FreeTracked(p unsafe.Pointer) { trackedFree(p) }

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}
