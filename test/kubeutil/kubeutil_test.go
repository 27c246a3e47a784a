package testkubeutil

import (
	"testing"

	bt "github.com/DataDog/datadog-agent/rtloader/test/builtintest"
)

func str(s string) *string { return &s }

func TestGetConnectionInfo(t *testing.T) {
	setData(str(`{"url": "https://10.0.0.1:10250", "verify_tls": false, "token": "é"}`))
	out := bt.Run(t, "kubeutil", `f.write(repr(sorted(kubeutil.get_connection_info().items())))`)
	bt.Expect(t, "dict", out, "[('token', 'é'), ('url', 'https://10.0.0.1:10250'), ('verify_tls', False)]")
	if calls != 1 {
		t.Errorf("callback called %d times", calls)
	}
}

// Not None: an empty dict whenever the data is missing or not a dict.
func TestGetConnectionInfoNotADict(t *testing.T) {
	for _, d := range []*string{nil, str(`[1]`), str(`"s"`), str(`{{{ bad`), str(``), str(`{}`)} {
		setData(d)
		bt.Expect(t, "not a dict", bt.Run(t, "kubeutil", `f.write(repr(kubeutil.get_connection_info()))`), "{}")
	}
}

func TestGetConnectionInfoArgs(t *testing.T) {
	setData(str(`{}`))
	out := bt.Run(t, "kubeutil", `kubeutil.get_connection_info(1)`)
	bt.Expect(t, "args", out, `~^TypeError: (kubeutil\.)?get_connection_info\(\) takes no arguments \(1 given\)$`)
	if calls != 0 {
		t.Errorf("callback called despite the error")
	}
}

func TestNoCallbacks(t *testing.T) {
	bt.CheckChild(t, "no-callbacks", noCallbackCases)
}
