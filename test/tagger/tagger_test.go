package testtagger

import (
	"fmt"
	"reflect"

	"testing"

	bt "github.com/DataDog/datadog-agent/rtloader/test/builtintest"
)

func run(t *testing.T, null bool, tags []string, code string) string {
	t.Helper()
	setTags(null, tags)
	return bt.Run(t, "tagger", code)
}

func expectCalls(t *testing.T, want ...string) {
	t.Helper()
	if got := recorded(); !(len(got) == 0 && len(want) == 0) && !reflect.DeepEqual(got, want) {
		t.Errorf("calls:\n got: %q\nwant: %q", got, want)
	}
}

func TestConstants(t *testing.T) {
	bt.Expect(t, "constants", run(t, true, nil, `f.write(repr((tagger.LOW, tagger.ORCHESTRATOR, tagger.HIGH)))`), "(0, 1, 2)")
}

func TestTag(t *testing.T) {
	tags := []string{"image_name:redis", "kube_namespace:défault", "日本:語"}
	out := run(t, false, tags, `
        f.write(repr(tagger.tag('container_id://abc', tagger.LOW)) + '|')
        f.write(repr(tagger.tag('container_id://abc', tagger.ORCHESTRATOR)) + '|')
        f.write(repr(tagger.tag('ëntity', tagger.HIGH)))`)
	l := "['image_name:redis', 'kube_namespace:défault', '日本:語']"
	bt.Expect(t, "tags", out, l+"|"+l+"|"+l)
	expectCalls(t, `tags("container_id://abc", 0)`, `tags("container_id://abc", 1)`, `tags("ëntity", 2)`)
}

func TestTagEmptyAndNull(t *testing.T) {
	bt.Expect(t, "NULL", run(t, true, nil, `f.write(repr(tagger.tag('e', 0)))`), "[]")
	bt.Expect(t, "empty array", run(t, false, []string{}, `f.write(repr(tagger.tag('e', 0)))`), "[]")
	bt.Expect(t, "empty tag", run(t, false, []string{""}, `f.write(repr(tagger.tag('e', 0)))`), "['']")
}

func TestTagTenThousand(t *testing.T) {
	tags := make([]string, 10000)
	for i := range tags {
		tags[i] = fmt.Sprintf("tag:%d", i)
	}
	out := run(t, false, tags, `
        r = tagger.tag('e', tagger.HIGH)
        f.write('%d %s %s' % (len(r), r[0], r[-1]))`)
	bt.Expect(t, "10,000", out, "10000 tag:0 tag:9999")
}

func TestTagInvalidUTF8IsFreed(t *testing.T) {
	// The list cannot be built; every string and the array must still be freed (Run checks).
	out := run(t, false, []string{"ok", "bad\xff", "after"}, `tagger.tag('e', 0)`)
	bt.Expect(t, "decode error", out, "~^UnicodeDecodeError: ")
}

func TestTagErrors(t *testing.T) {
	cases := []struct{ name, code, want string }{
		{"cardinality 3", `tagger.tag('e', 3)`, "TypeError: Invalid cardinality"},
		{"cardinality -1", `tagger.tag('e', -1)`, "TypeError: Invalid cardinality"},
		{"cardinality str", `tagger.tag('e', 'high')`, bt.IntFromStr},
		{"cardinality float", `tagger.tag('e', 1.0)`, bt.IntFromFloat},
		{"entity int", `tagger.tag(1, 0)`, "TypeError: argument 1 must be str, not int"},
		{"entity None", `tagger.tag(None, 0)`, "TypeError: argument 1 must be str, not None"},
		{"entity NUL", `tagger.tag('e\x00', 0)`, "ValueError: embedded null character"},
		{"count", `tagger.tag('e')`, "TypeError: function takes exactly 2 arguments (1 given)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bt.Expect(t, c.name, run(t, false, []string{"x"}, c.code), c.want)
			expectCalls(t)
		})
	}
}

func TestGetTags(t *testing.T) {
	out := run(t, false, []string{"a:b"}, `
        f.write(repr(tagger.get_tags('e', True)) + '|')
        tagger.get_tags('e', False)
        tagger.get_tags('e', 5)
        tagger.get_tags('e', 0)
        tagger.get_tags('e', -1)`)
	bt.Expect(t, "tags", out, "['a:b']|")
	expectCalls(t, `tags("e", 2)`, `tags("e", 0)`, `tags("e", 2)`, `tags("e", 0)`, `tags("e", 0)`)

	bt.Expect(t, "NULL", run(t, true, nil, `f.write(repr(tagger.get_tags('e', True)))`), "[]")
	for _, c := range []struct{ code, want string }{
		{`tagger.get_tags(1, True)`, "TypeError: argument 1 must be str, not int"},
		{`tagger.get_tags('e', 'yes')`, bt.IntFromStr},
		{`tagger.get_tags('e\x00', True)`, "ValueError: embedded null character"},
		{`tagger.get_tags('e')`, "TypeError: function takes exactly 2 arguments (1 given)"},
	} {
		bt.Expect(t, c.code, run(t, false, nil, c.code), c.want)
		expectCalls(t)
	}
}

func TestNoCallbacks(t *testing.T) {
	bt.CheckChild(t, "no-callbacks", noCallbackCases)
}
