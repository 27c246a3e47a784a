package testuutil

import (
	"fmt"
	"reflect"
	"testing"

	bt "github.com/DataDog/datadog-agent/rtloader/test/builtintest"
)

func str(s string) *string { return &s }

func run(t *testing.T, r Reply, code string) string {
	t.Helper()
	setReply(r)
	return bt.Run(t, "_util", code)
}

func expectCalls(t *testing.T, want ...Call) {
	t.Helper()
	got := recorded()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("calls:\n got: %+v\nwant: %+v", got, want)
	}
}

func TestGetSubprocessOutput(t *testing.T) {
	ok := Reply{Stdout: str("out é\n"), Stderr: str("err"), ReturnCode: 3}
	out := run(t, ok, `f.write(repr(_util.get_subprocess_output(['ls', '-l', 'fïle'])))`)
	bt.Expect(t, "tuple", out, "('out é\\n', 'err', 3)")
	// GIL released during the callback; no env -> NULL.
	expectCalls(t, Call{Argv: []string{"ls", "-l", "fïle"}, EnvNil: true, GILHeld: 0})

	out = run(t, ok, `f.write(repr(_util.subprocess_output(['x'], False)))`)
	bt.Expect(t, "alias", out, "('out é\\n', 'err', 3)")

	out = run(t, Reply{ReturnCode: -9}, `f.write(repr(_util.get_subprocess_output(command=['x'], raise_on_empty=None)))`)
	bt.Expect(t, "NULL outputs", out, "(None, None, -9)")

	out = run(t, Reply{Stdout: str(""), Stderr: str("")}, `f.write(repr(_util.get_subprocess_output(['x'], False)))`)
	bt.Expect(t, "empty outputs", out, "('', '', 0)")

	out = run(t, Reply{Stdout: str("\xff")}, `_util.get_subprocess_output(['x'])`)
	bt.Expect(t, "invalid UTF-8 output", out, "~^UnicodeDecodeError: ")
}

func TestGetSubprocessOutputEnv(t *testing.T) {
	ok := Reply{Stdout: str("o")}
	run(t, ok, `_util.get_subprocess_output(['env'], env={'A': '1', 'PATH': '/bin:/usr/bin', 'ÜNI': 'cödé', 'EMPTY': ''})`)
	expectCalls(t, Call{Argv: []string{"env"}, Env: []string{"A=1", "PATH=/bin:/usr/bin", "ÜNI=cödé", "EMPTY="}})

	run(t, ok, `_util.get_subprocess_output(['env'], env={})`)
	expectCalls(t, Call{Argv: []string{"env"}, EnvNil: true})

	run(t, ok, `_util.get_subprocess_output(['env'], True, env=None)`)
	expectCalls(t, Call{Argv: []string{"env"}, EnvNil: true})

	run(t, ok, `_util.get_subprocess_output(['env'], env={'K%d' % i: 'v' for i in range(1000)})`)
	if c := recorded(); len(c) != 1 || len(c[0].Env) != 1000 || c[0].Env[999] != "K999=v" {
		t.Errorf("1000 env entries not passed")
	}
}

// As upstream's as_string: bytes are UTF-8 strings, in the command and in env.
func TestGetSubprocessOutputBytes(t *testing.T) {
	run(t, Reply{Stdout: str("o")}, `_util.get_subprocess_output([b'ls', 'f\u00efle'.encode()], env={b'A': b'1', 'B': b'2'})`)
	expectCalls(t, Call{Argv: []string{"ls", "fïle"}, Env: []string{"A=1", "B=2"}})
}

func TestGetSubprocessOutputLongCommand(t *testing.T) {
	run(t, Reply{Stdout: str("o")}, `_util.get_subprocess_output(['arg%d' % i for i in range(10000)])`)
	c := recorded()
	if len(c) != 1 || len(c[0].Argv) != 10000 {
		t.Fatalf("argv not passed")
	}
	for i, a := range c[0].Argv {
		if a != fmt.Sprintf("arg%d", i) {
			t.Fatalf("argv[%d] = %q", i, a)
		}
	}
}

func TestRaiseOnEmpty(t *testing.T) {
	const empty = "SubprocessOutputEmptyError: get_subprocess_output expected output but had none."
	bt.Expect(t, "empty stdout", run(t, Reply{Stdout: str(""), Stderr: str("e")}, `_util.get_subprocess_output(['x'], True)`), empty)
	// Upstream crashed on a NULL stdout (strlen(NULL)); NULL counts as empty.
	bt.Expect(t, "NULL stdout", run(t, Reply{}, `_util.get_subprocess_output(['x'], raise_on_empty=True)`), empty)
	bt.Expect(t, "has output", run(t, Reply{Stdout: str("o")}, `f.write(repr(_util.get_subprocess_output(['x'], True)))`), "('o', None, 0)")
	// Checked before the exception message.
	bt.Expect(t, "before exception", run(t, Reply{Exception: str("boom")}, `_util.get_subprocess_output(['x'], True)`), empty)

	out := run(t, Reply{Stdout: str("")}, `
        try:
            _util.get_subprocess_output(['x'], True)
        except _util.SubprocessOutputEmptyError as e:
            f.write('%s %s %s' % (type(e).__module__, isinstance(e, Exception), e.args))`)
	bt.Expect(t, "class", out, "_util True ('get_subprocess_output expected output but had none.',)")
}

func TestExceptionMessage(t *testing.T) {
	out := run(t, Reply{Stdout: str("o"), Exception: str("command not found: ü")}, `_util.get_subprocess_output(['x'])`)
	bt.Expect(t, "exception", out, "Exception: command not found: ü")
	out = run(t, Reply{Exception: str("x")}, `
        try:
            _util.get_subprocess_output(['x'])
        except Exception as e:
            f.write(repr(type(e) is Exception))`)
	bt.Expect(t, "exact type", out, "True")
}

func TestArgumentErrors(t *testing.T) {
	cases := []struct{ name, code, want string }{
		{"command tuple", `_util.get_subprocess_output(('ls',))`, "TypeError: command args is not a list"},
		{"command str", `_util.get_subprocess_output('ls')`, "TypeError: command args is not a list"},
		{"command None", `_util.get_subprocess_output(None)`, "TypeError: command args is not a list"},
		{"command empty", `_util.get_subprocess_output([])`, "TypeError: invalid command: empty list"},
		{"command int item", `_util.get_subprocess_output(['ls', 1])`, "TypeError: command argument must be valid strings"},
		{"command bytes item not UTF-8", `_util.get_subprocess_output([b'l\xffs'])`, "TypeError: command argument must be valid strings"},
		{"command bytearray item", `_util.get_subprocess_output([bytearray(b'ls')])`, "TypeError: command argument must be valid strings"},
		{"env bytes key not UTF-8", `_util.get_subprocess_output(['ls'], env={b'\xff': 'v'})`, "TypeError: env key is not a string"},
		{"command NUL item", `_util.get_subprocess_output(['l\x00s'])`, "TypeError: command argument must be valid strings"},
		{"command surrogate", `_util.get_subprocess_output(['\udc80'])`, "TypeError: command argument must be valid strings"},
		{"env list", `_util.get_subprocess_output(['ls'], env=['A=1'])`, "TypeError: env is not a dict"},
		{"env str", `_util.get_subprocess_output(['ls'], env='A=1')`, "TypeError: env is not a dict"},
		{"env key", `_util.get_subprocess_output(['ls'], env={1: 'v'})`, "TypeError: env key is not a string"},
		{"env key NUL", `_util.get_subprocess_output(['ls'], env={'A\x00': 'v'})`, "TypeError: env key is not a string"},
		{"env value", `_util.get_subprocess_output(['ls'], env={'A': 1})`, "TypeError: env value is not a string"},
		{"env value None", `_util.get_subprocess_output(['ls'], env={'A': '1', 'B': None})`, "TypeError: env value is not a string"},
		{"raise_on_empty int", `_util.get_subprocess_output(['ls'], 1)`, "TypeError: bad raise_on_empty argument: should be bool"},
		{"raise_on_empty str", `_util.get_subprocess_output(['ls'], raise_on_empty='yes')`, "TypeError: bad raise_on_empty argument: should be bool"},
		{"env positional", `_util.get_subprocess_output(['ls'], False, {})`, "TypeError: get_subprocess_output() takes at most 2 positional arguments (3 given)"},
		{"alias names get_subprocess_output", `_util.subprocess_output(['ls'], False, {})`, "TypeError: get_subprocess_output() takes at most 2 positional arguments (3 given)"},
		{"no args", `_util.get_subprocess_output()`, "~^TypeError: (get_subprocess_output\\(\\) missing required argument 'command' \\(pos 1\\)|Required argument 'command' \\(pos 1\\) not found)$"},
		{"bad keyword", `_util.get_subprocess_output(['ls'], cwd='/')`, "~^TypeError: (get_subprocess_output\\(\\) got an unexpected keyword argument 'cwd'|'cwd' is an invalid keyword argument for get_subprocess_output\\(\\))$"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bt.Expect(t, c.name, run(t, Reply{Stdout: str("o")}, c.code), c.want)
			expectCalls(t)
		})
	}
}

func TestNoCallbacks(t *testing.T) {
	bt.CheckChild(t, "no-callbacks", noCallbackCases)
}
