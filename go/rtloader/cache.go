package rtloader

import (
	"errors"
	"sync"

	"github.com/DataDog/datadog-agent/rtloader/go/internal/hostc"
)

// Cache is the C host's persistent cache (host/cache.c, docs/host-cache.md)
// under <run_path>/cache: one file per key, the check name as a directory,
// keys percent-encoded (collision-free, never leaving the directory),
// atomic writes (temporary file, fsync, rename), a value size limit. The
// `rtloader` program and Go hosts can share one run_path: each reads the
// other's entries. Safe for concurrent use by goroutines and processes.
type Cache struct {
	mu sync.RWMutex // Close waits for reads and writes in progress
	c  *hostc.Cache
}

// ErrCacheClosed is returned by a closed Cache.
var ErrCacheClosed = errors.New("rtloader: the persistent cache is closed")

// OpenCache opens (creating it 0700 if needed) <runPath>/cache.
// maxValueSize is the largest value accepted in bytes; 0 = 4 MiB.
// GIL: none. Errors: the C host's messages (unusable directory, ...).
func OpenCache(runPath string, maxValueSize int) (*Cache, error) {
	c, err := hostc.OpenCache(runPath, maxValueSize)
	if err != nil {
		return nil, err
	}
	return &Cache{c: c}, nil
}

// Write stores value under key, atomically replacing any previous value.
// GIL: none. Errors: a value over the limit, a key part too long for a
// file name, an I/O error (nothing is stored then).
func (c *Cache) Write(key, value string) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.c == nil {
		return ErrCacheClosed
	}
	return c.c.Write(key, value)
}

// Read returns the value under key, "" when there is none. GIL: none.
func (c *Cache) Read(key string) (string, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.c == nil {
		return "", ErrCacheClosed
	}
	return c.c.Read(key)
}

// Close releases the cache; later calls return ErrCacheClosed.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c == nil {
		return ErrCacheClosed
	}
	c.c.Close()
	c.c = nil
	return nil
}
