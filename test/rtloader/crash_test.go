package testrtloader

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func childCrash() int {
	ret, msg := handleCrashes(0, 1)
	fmt.Printf("handle_crashes=%d error=%q\n", ret, msg)
	if ret != 1 {
		return 1
	}
	fmt.Println("crashing now")
	os.Stdout.Sync()
	crashNow()
	fmt.Println("survived the crash")
	return 0
}

func childCrashHandlerTwice() int {
	r1, m1 := handleCrashes(0, 1)
	r2, m2 := handleCrashes(0, 1)
	fmt.Printf("first=%d %q second=%d %q\n", r1, m1, r2, m2)
	return 0
}

func childCoreDump() int {
	ret, msg := handleCrashes(1, 0)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &lim); err != nil {
		fmt.Println("getrlimit:", err)
		return 1
	}
	fmt.Printf("handle_crashes=%d error=%q cur_infinite=%v max_infinite=%v\n",
		ret, msg, lim.Cur == ^uint64(0), lim.Max == ^uint64(0))
	return 0
}

func TestHandleCrashesNothingToDo(t *testing.T) {
	helpers.ResetMemoryStats()
	if ret, msg := handleCrashes(0, 0); ret != 1 || msg != "" {
		t.Errorf("handle_crashes(0, 0) = %d, %q; want 1 and no error", ret, msg)
	}
	helpers.AssertMemoryUsage(t)
}

func TestHandleCrashesStacktraceChainsToGo(t *testing.T) {
	// In a sanitizer run, ASan must leave SIGSEGV to the program so that
	// Go's handler is the previous one, as in the Agent (no-op otherwise).
	asan := "handle_segv=0:allow_user_segv_handler=1"
	if prev := os.Getenv("ASAN_OPTIONS"); prev != "" {
		asan = prev + ":" + asan
	}
	res := helpers.RunChild(t, "crash", "ASAN_OPTIONS="+asan)
	if !strings.Contains(res.Stdout, "handle_crashes=1 ") || !strings.Contains(res.Stdout, "crashing now") {
		t.Fatalf("child did not reach the crash; stdout:\n%s\nstderr:\n%s", res.Stdout, res.Stderr)
	}
	if strings.Contains(res.Stdout, "survived the crash") || res.ExitCode == 0 {
		t.Errorf("the process survived a SIGSEGV (exit %d)", res.ExitCode)
	}
	for _, want := range []string{
		"HANDLER CAUGHT signal 11",
		"C-LAND STACKTRACE",
		// The previous handler (Go's) still runs and reports the fault.
		"SIGSEGV: segmentation violation",
	} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("child stderr lacks %q:\n%s", want, res.Stderr)
		}
	}
	if !regexp.MustCompile(`(?m)^  0x[0-9a-fA-F]+$`).MatchString(res.Stderr) {
		t.Errorf("child stderr has no raw stack address line (\"  0x...\"):\n%s", res.Stderr)
	}
	if i, j := strings.Index(res.Stderr, "HANDLER CAUGHT"), strings.Index(res.Stderr, "SIGSEGV: segmentation violation"); i >= 0 && j >= 0 && j < i {
		t.Errorf("Go's report came before rtloader's handler output")
	}
}

func TestHandleCrashesTwice(t *testing.T) {
	res := helpers.RunChild(t, "crash-handler-twice")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, `first=1 "" second=1 ""`) {
		t.Errorf("handle_crashes(0, 1) twice: exit %d, stdout %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
}

func TestHandleCrashesCoreDump(t *testing.T) {
	res := helpers.RunChild(t, "coredump")
	want := `handle_crashes=1 error="" cur_infinite=true max_infinite=true`
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, want) {
		t.Errorf("handle_crashes(1, 0): exit %d, stdout %q (want %q), stderr %q", res.ExitCode, res.Stdout, want, res.Stderr)
	}
}
