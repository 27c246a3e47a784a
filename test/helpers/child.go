package helpers

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

// ChildEnv names the environment variable that makes Main run one child
// function instead of the tests.
const ChildEnv = "RTLOADER_TEST_CHILD"

// ChildTimeout bounds how long a child process may run.
const ChildTimeout = 2 * time.Minute

// ChildName returns the child to run in this process ("" in the test process).
func ChildName() string { return os.Getenv(ChildEnv) }

// ChildResult is what a child process printed and how it ended.
type ChildResult struct {
	Stdout   string
	Stderr   string
	ExitCode int
}

// RunChild re-executes the test binary so that Main runs children[name] in a
// fresh process (for what must not happen in the shared one: a crash, a
// failing init, destroy). extraEnv entries are "KEY=value".
func RunChild(t testing.TB, name string, extraEnv ...string) ChildResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ChildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), ChildEnv+"="+name), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	res := ChildResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	default:
		t.Fatalf("child %q did not run: %v", name, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("child %q timed out after %s; stderr:\n%s", name, ChildTimeout, res.Stderr)
	}
	return res
}
