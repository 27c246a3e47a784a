package testutil

import (
	"testing"

	bt "github.com/DataDog/datadog-agent/rtloader/test/builtintest"
)

func str(s string) *string { return &s }

func TestHeaders(t *testing.T) {
	setHeaders(str(`{"User-Agent": "Datadog Agent/7.0", "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html, */*"}`))
	out := bt.Run(t, "util", `f.write(repr(sorted(util.headers().items())))`)
	bt.Expect(t, "headers", out, "[('Accept', 'text/html, */*'), ('Content-Type', 'application/x-www-form-urlencoded'), ('User-Agent', 'Datadog Agent/7.0')]")
	if headerCalls != 1 {
		t.Errorf("callback called %d times", headerCalls)
	}

	out = bt.Run(t, "util", `f.write(util.headers({'cfg': 1}, http_host='hôst:80', other=1)['Host'])`)
	bt.Expect(t, "http_host", out, "hôst:80")
}

func TestHeadersSameAsDatadogAgent(t *testing.T) {
	setHeaders(str(`{"A": "1", "B": "2"}`))
	out := bt.Run(t, "util", `
        import datadog_agent
        f.write(repr(util.headers(http_host='h') == datadog_agent.headers(http_host='h')) + ' ')
        f.write(repr(util.headers() == datadog_agent.headers()))`)
	bt.Expect(t, "same", out, "True True")
}

func TestHeadersNotADict(t *testing.T) {
	for _, data := range []*string{nil, str(`[1, 2]`), str(`"text"`), str(`{{{ not json`)} {
		setHeaders(data)
		bt.Expect(t, "not a dict", bt.Run(t, "util", `f.write(repr(util.headers(http_host='h')))`), "None")
	}
}

func TestNoCallbacks(t *testing.T) {
	bt.CheckChild(t, "no-callbacks", noCallbackCases)
}
