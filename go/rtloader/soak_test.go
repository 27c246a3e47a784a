package rtloader_test

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/DataDog/datadog-agent/rtloader/go/rtloader"
)

// TestConcurrentSoak: 200 goroutines load, run, cancel and release checks
// at once for RTLOADER_GO_SOAK_SECONDS (default 1), GOMAXPROCS 4, every
// callback yielding (runtime.Gosched) so goroutines hop between threads
// while Python calls into Go. Run under -race by the Makefile. It must end
// (no deadlock: a watchdog dumps every goroutine), with no error and the
// memory tracker balanced.
func TestConcurrentSoak(t *testing.T) {
	seconds := 1.0
	if s := os.Getenv("RTLOADER_GO_SOAK_SECONDS"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("RTLOADER_GO_SOAK_SECONDS=%q", s)
		}
		seconds = v
	}
	fmt.Printf("soak: 200 goroutines for %.0f s, GOMAXPROCS 4, Gosched in callbacks\n", seconds)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	host.migrate.Store(true)
	defer host.migrate.Store(false)
	before := rtloader.TrackerStats()
	callsBefore := host.calls.Load()

	watchdog := time.AfterFunc(time.Duration(seconds*float64(time.Second))+2*time.Minute, func() {
		debug.SetTraceback("all")
		panic("soak: deadlock, the goroutines did not finish")
	})
	defer watchdog.Stop()

	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	var wg sync.WaitGroup
	var runs atomic.Int64
	errs := make(chan error, 200)
	for g := 0; g < 200; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; time.Now().Before(end) || i == 0; i++ {
				c, err := loader.Load(rtloader.CheckConfig{Name: "gohost_soak", Instance: fmt.Sprintf("n: %d", g)})
				if err != nil {
					errs <- err
					return
				}
				if err := c.Run(); err != nil {
					errs <- err
				}
				if w, err := c.Warnings(); err != nil || len(w) != 1 {
					errs <- fmt.Errorf("warnings %q %v", w, err)
				}
				if i%5 == 0 {
					if err := c.Cancel(); err != nil {
						errs <- err
					}
				}
				if err := c.Release(); err != nil {
					errs <- err
				}
				runs.Add(1)
				runtime.Gosched()
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	after := rtloader.TrackerStats()
	t.Logf("soak: %d runs, %d callbacks, tracker %+v", runs.Load(), host.calls.Load()-callsBefore, after)
	fmt.Printf("soak: %d runs, %d callbacks, %d tracked allocations\n", runs.Load(), host.calls.Load()-callsBefore, after.Allocations-before.Allocations)
	if runs.Load() < 200 {
		t.Errorf("only %d runs", runs.Load())
	}
	if d := after.Allocations - before.Allocations; d == 0 || d != after.Frees-before.Frees || after.InUseBytes != before.InUseBytes {
		t.Errorf("memory tracker unbalanced: before %+v after %+v", before, after)
	}
}
