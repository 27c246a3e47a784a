package testaggregator

import (
	"fmt"
	"reflect"
	"testing"

	bt "github.com/DataDog/datadog-agent/rtloader/test/builtintest"
)

const (
	reIntFromStr   = bt.IntFromStr
	reIntFromFloat = bt.IntFromFloat
)

// run resets the recorded calls and runs code with aggregator imported.
func run(t *testing.T, code string) string {
	t.Helper()
	reset()
	return bt.Run(t, "aggregator", code)
}

func expect(t *testing.T, what, out, want string) {
	t.Helper()
	bt.Expect(t, what, out, want)
}

func TestConstants(t *testing.T) {
	t.Logf("Python %s", run(t, "import sys\nf.write(sys.version)"))
	out := run(t, `f.write(' '.join(str(getattr(aggregator, n)) for n in
        ('GAUGE', 'RATE', 'COUNT', 'MONOTONIC_COUNT', 'COUNTER', 'HISTOGRAM', 'HISTORATE')))`)
	expect(t, "constants", out, "0 1 2 3 4 5 6")
}

func TestSubmitMetric(t *testing.T) {
	out := run(t, `
        r = aggregator.submit_metric(None, 'check_id', aggregator.RATE, 'my.metric', 21.5, ['a:1', 'b:2'], 'myhost', True)
        f.write(repr(r))`)
	expect(t, "return", out, "None")
	want := []metricCall{{"check_id", 1, "my.metric", 21.5, []string{"a:1", "b:2"}, "myhost", true}}
	if !reflect.DeepEqual(metrics, want) {
		t.Errorf("calls:\n got: %+v\nwant: %+v", metrics, want)
	}
}

func TestSubmitMetricDefaultsAndConversions(t *testing.T) {
	run(t, `
        class Check: pass
        aggregator.submit_metric(Check(), 'id', aggregator.GAUGE, 'm', 3, ('t',), '')
        aggregator.submit_metric(None, 'id', 42, 'm', True, [], 'h', 0)
        aggregator.submit_metric(None, 'id', -1, 'm', -0.5, [], 'h', 1)`)
	want := []metricCall{
		{"id", 0, "m", 3, []string{"t"}, "", false},  // int value, tuple tags, flush default
		{"id", 42, "m", 1, []string{}, "h", false},   // mtype not range-checked, bool value
		{"id", -1, "m", -0.5, []string{}, "h", true}, // flush as int
	}
	if !reflect.DeepEqual(metrics, want) {
		t.Errorf("calls:\n got: %+v\nwant: %+v", metrics, want)
	}
}

func TestSubmitMetricArgumentErrors(t *testing.T) {
	cases := []struct{ name, args, want string }{
		{"check_id int", `None, 1, 0, 'm', 1.0, [], 'h'`, "TypeError: argument 2 must be str, not int"},
		{"check_id None", `None, None, 0, 'm', 1.0, [], 'h'`, "TypeError: argument 2 must be str, not None"},
		{"check_id bytes", `None, b'id', 0, 'm', 1.0, [], 'h'`, "TypeError: argument 2 must be str, not bytes"},
		{"mtype str", `None, 'id', 'gauge', 'm', 1.0, [], 'h'`, reIntFromStr},
		{"mtype float", `None, 'id', 1.5, 'm', 1.0, [], 'h'`, reIntFromFloat},
		{"name int", `None, 'id', 0, 1, 1.0, [], 'h'`, "TypeError: argument 4 must be str, not int"},
		{"value str", `None, 'id', 0, 'm', '1.0', [], 'h'`, "TypeError: must be real number, not str"},
		{"value None", `None, 'id', 0, 'm', None, [], 'h'`, "TypeError: must be real number, not NoneType"},
		{"tags str", `None, 'id', 0, 'm', 1.0, 'a:1', 'h'`, "TypeError: tags must be a sequence"},
		{"tags bytes", `None, 'id', 0, 'm', 1.0, b'a:1', 'h'`, "TypeError: tags must be a sequence"},
		{"tags int", `None, 'id', 0, 'm', 1.0, 5, 'h'`, "TypeError: tags must be a sequence"},
		{"tags None", `None, 'id', 0, 'm', 1.0, None, 'h'`, "TypeError: tags must be a sequence"},
		{"tags dict", `None, 'id', 0, 'm', 1.0, {'a': 1}, 'h'`, "TypeError: tags must be a sequence"},
		{"tags generator", `None, 'id', 0, 'm', 1.0, (t for t in ['a']), 'h'`, "TypeError: tags must be a sequence"},
		{"tags len fails", `None, 'id', 0, 'm', 1.0, type('S', (), {'__len__': lambda s: 1 // 0, '__getitem__': lambda s, i: 'a'})(), 'h'`,
			"RuntimeError: could not compute tags length"},
		{"hostname None", `None, 'id', 0, 'm', 1.0, [], None`, "TypeError: argument 7 must be str, not None"},
		{"hostname int", `None, 'id', 0, 'm', 1.0, [], 7`, "TypeError: argument 7 must be str, not int"},
		{"flush str", `None, 'id', 0, 'm', 1.0, [], 'h', 'yes'`, reIntFromStr},
		{"too few", `None, 'id', 0, 'm', 1.0, []`, "TypeError: function takes at least 7 arguments (6 given)"},
		{"too many", `None, 'id', 0, 'm', 1.0, [], 'h', False, 1`, "TypeError: function takes at most 8 arguments (9 given)"},
		{"check_id NUL", `None, 'i\x00d', 0, 'm', 1.0, [], 'h'`, "ValueError: embedded null character"},
		{"name NUL", `None, 'id', 0, 'm\x00', 1.0, [], 'h'`, "ValueError: embedded null character"},
		{"hostname NUL", `None, 'id', 0, 'm', 1.0, [], '\x00'`, "ValueError: embedded null character"},
		{"name surrogate", `None, 'id', 0, '\udc80', 1.0, [], 'h'`, "~^UnicodeEncodeError: 'utf-8' codec can't encode character '\\\\udc80'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := run(t, "aggregator.submit_metric("+c.args+")")
			expect(t, c.name, out, c.want)
			if len(metrics) != 0 {
				t.Errorf("callback called despite the error: %+v", metrics)
			}
		})
	}
}

func TestSubmitMetricTags(t *testing.T) {
	run(t, `
        aggregator.submit_metric(None, 'id', 0, 'm', 1.0, [], 'h')
        aggregator.submit_metric(None, 'id', 0, 'm', 1.0, ['a', 1, None, b'b', 2.0, ['c'], b'\xff', bytearray(b'e'), 'd'], 'h')
        aggregator.submit_metric(None, 'id', 0, 'm', 1.0, ['nul\x00inside', 'ok', '\x00'], 'h')
        aggregator.submit_metric(None, 'id', 0, 'm', 1.0, ['\udc80', 'fine'], 'h')
        aggregator.submit_metric(None, 'id', 0, 'm', 1.0, type('L', (list,), {})(['sub']), 'h')
        aggregator.submit_metric(None, 'id', 0, 'm', 1.0, type('S', (), {'__len__': lambda s: 2, '__getitem__': lambda s, i: ['x', 'y'][i]})(), 'h')`)
	// bytes are UTF-8 tags (upstream's as_string); bytes that are not UTF-8, and other types, are skipped
	want := [][]string{{}, {"a", "b", "d"}, {"ok"}, {"fine"}, {"sub"}, {"x", "y"}}
	if len(metrics) != len(want) {
		t.Fatalf("%d calls, want %d", len(metrics), len(want))
	}
	for i, w := range want {
		if !reflect.DeepEqual(metrics[i].Tags, w) {
			t.Errorf("call %d tags: got %q, want %q", i, metrics[i].Tags, w)
		}
	}
}

func TestSubmitMetricNonASCII(t *testing.T) {
	run(t, `aggregator.submit_metric(None, 'ché\u00e9ck', 0, 'métrique.日本', 1.0, ['ünï:cødé', '\U0001f40d'], 'hôte')`)
	want := []metricCall{{"chéé" + "ck", 0, "métrique.日本", 1, []string{"ünï:cødé", "🐍"}, "hôte", false}}
	want[0].CheckID = "ché\u00e9ck"
	if !reflect.DeepEqual(metrics, want) {
		t.Errorf("calls:\n got: %+v\nwant: %+v", metrics, want)
	}
}

func TestSubmitMetricTenThousandTags(t *testing.T) {
	run(t, `aggregator.submit_metric(None, 'id', 0, 'm', 1.0, ['tag:%d' % i for i in range(10000)], 'h')`)
	if len(metrics) != 1 {
		t.Fatalf("%d calls", len(metrics))
	}
	tags := metrics[0].Tags
	if len(tags) != 10000 {
		t.Fatalf("%d tags", len(tags))
	}
	for i, tag := range tags {
		if tag != fmt.Sprintf("tag:%d", i) {
			t.Fatalf("tag %d = %q", i, tag)
		}
	}
}

func TestSubmitServiceCheck(t *testing.T) {
	out := run(t, `f.write(repr(aggregator.submit_service_check(None, 'id', 'my.sc', 2, ['x:y'], 'host', 'msg é')))`)
	expect(t, "return", out, "None")
	want := []serviceCheckCall{{"id", "my.sc", 2, []string{"x:y"}, "host", "msg é"}}
	if !reflect.DeepEqual(serviceChecks, want) {
		t.Errorf("calls:\n got: %+v\nwant: %+v", serviceChecks, want)
	}
	run(t, `aggregator.submit_service_check(None, 'id', 'sc', 0, ['t%d' % i for i in range(10000)], '', '')`)
	if len(serviceChecks) != 1 || len(serviceChecks[0].Tags) != 10000 || serviceChecks[0].Tags[9999] != "t9999" {
		t.Errorf("10,000 tags not passed through")
	}
}

func TestSubmitServiceCheckArgumentErrors(t *testing.T) {
	cases := []struct{ name, args, want string }{
		{"check_id", `None, 1, 'sc', 0, [], 'h', 'm'`, "TypeError: argument 2 must be str, not int"},
		{"name", `None, 'id', None, 0, [], 'h', 'm'`, "TypeError: argument 3 must be str, not None"},
		{"status", `None, 'id', 'sc', 'ok', [], 'h', 'm'`, reIntFromStr},
		{"tags str", `None, 'id', 'sc', 0, 'tag', 'h', 'm'`, "TypeError: tags must be a sequence"},
		{"tags int", `None, 'id', 'sc', 0, 1, 'h', 'm'`, "TypeError: tags must be a sequence"},
		{"hostname", `None, 'id', 'sc', 0, [], None, 'm'`, "TypeError: argument 6 must be str, not None"},
		{"message", `None, 'id', 'sc', 0, [], 'h', None`, "TypeError: argument 7 must be str, not None"},
		{"message NUL", `None, 'id', 'sc', 0, [], 'h', 'a\x00'`, "ValueError: embedded null character"},
		{"count", `None, 'id', 'sc', 0, [], 'h'`, "TypeError: function takes exactly 7 arguments (6 given)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, c.name, run(t, "aggregator.submit_service_check("+c.args+")"), c.want)
			if len(serviceChecks) != 0 {
				t.Errorf("callback called despite the error")
			}
		})
	}
}

func TestSubmitEvent(t *testing.T) {
	out := run(t, `
        ev = {'msg_title': 'title é', 'msg_text': 'text', 'timestamp': 1700000000, 'priority': 'normal',
              'host': 'h', 'tags': ['a:1', 2, 'b:2'], 'alert_type': 'error', 'aggregation_key': 'agg',
              'source_type_name': 'src', 'event_type': 'etype', 'extra': 'ignored'}
        f.write(repr(aggregator.submit_event(None, 'id', ev)))`)
	expect(t, "return", out, "None")
	want := []eventCall{{CheckID: "id", Title: "title é", Text: "text", Ts: 1700000000, Priority: "normal",
		Host: "h", Tags: []string{"a:1", "b:2"}, AlertType: "error", AggregationKey: "agg",
		SourceTypeName: "src", EventType: "etype"}}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("calls:\n got: %+v\nwant: %+v", events, want)
	}
}

func TestSubmitEventMissingAndWrongValues(t *testing.T) {
	run(t, `
        aggregator.submit_event(None, 'id', {})
        aggregator.submit_event(None, 'id', {'msg_title': 1, 'msg_text': None, 'timestamp': 1.5, 'host': b'h\xff',
                                             'priority': 'a\x00b', 'alert_type': '\udc80', 'tags': []})
        aggregator.submit_event(None, 'id', {'timestamp': '12'})
        aggregator.submit_event(None, 'id', {'timestamp': 2**80})
        aggregator.submit_event(None, 'id', {'timestamp': -3, 'tags': ('t',)})`)
	n := Null
	want := []eventCall{
		{CheckID: "id", Title: n, Text: n, Priority: n, Host: n, TagsNil: true, AlertType: n, AggregationKey: n, SourceTypeName: n, EventType: n},
		{CheckID: "id", Title: n, Text: n, Priority: n, Host: n, Tags: []string{}, AlertType: n, AggregationKey: n, SourceTypeName: n, EventType: n},
		{CheckID: "id", Title: n, Text: n, Priority: n, Host: n, TagsNil: true, AlertType: n, AggregationKey: n, SourceTypeName: n, EventType: n},
		{CheckID: "id", Title: n, Text: n, Priority: n, Host: n, TagsNil: true, AlertType: n, AggregationKey: n, SourceTypeName: n, EventType: n},
		{CheckID: "id", Title: n, Text: n, Ts: -3, Priority: n, Host: n, Tags: []string{"t"}, AlertType: n, AggregationKey: n, SourceTypeName: n, EventType: n},
	}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("calls:\n got: %+v\nwant: %+v", events, want)
	}
}

func TestSubmitEventTenThousandTags(t *testing.T) {
	run(t, `aggregator.submit_event(None, 'id', {'tags': ['t%d' % i for i in range(10000)]})`)
	if len(events) != 1 || len(events[0].Tags) != 10000 || events[0].Tags[9999] != "t9999" {
		t.Errorf("10,000 tags not passed through")
	}
}

func TestSubmitEventErrors(t *testing.T) {
	cases := []struct{ name, args, want string }{
		{"event list", `None, 'id', [('msg_title', 't')]`, "TypeError: event must be a dict"},
		{"event None", `None, 'id', None`, "TypeError: event must be a dict"},
		{"event str", `None, 'id', 'event'`, "TypeError: event must be a dict"},
		{"tags str", `None, 'id', {'msg_title': 't', 'tags': 'a:1'}`, "TypeError: tags must be a sequence"},
		{"tags int", `None, 'id', {'tags': 3}`, "TypeError: tags must be a sequence"},
		{"check_id", `None, 5, {}`, "TypeError: argument 2 must be str, not int"},
		{"check_id NUL", `None, '\x00', {}`, "ValueError: embedded null character"},
		{"count", `None, 'id'`, "TypeError: function takes exactly 3 arguments (2 given)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, c.name, run(t, "aggregator.submit_event("+c.args+")"), c.want)
			if len(events) != 0 {
				t.Errorf("callback called despite the error")
			}
		})
	}
}

func TestSubmitHistogramBucket(t *testing.T) {
	out := run(t, `
        r = aggregator.submit_histogram_bucket(None, 'id', 'hist', 1234567890123, 0.5, 10.25, 1, 'host', ['a:b'], True)
        aggregator.submit_histogram_bucket(None, 'id', 'hist', -1, 0, 1, 0, '', [])
        f.write(repr(r))`)
	expect(t, "return", out, "None")
	want := []bucketCall{
		{"id", "hist", 1234567890123, 0.5, 10.25, 1, "host", []string{"a:b"}, true},
		{"id", "hist", -1, 0, 1, 0, "", []string{}, false},
	}
	if !reflect.DeepEqual(buckets, want) {
		t.Errorf("calls:\n got: %+v\nwant: %+v", buckets, want)
	}
}

func TestSubmitHistogramBucketArgumentErrors(t *testing.T) {
	cases := []struct{ name, args, want string }{
		{"check_id", `None, 1, 'h', 1, 0.0, 1.0, 0, 'host', []`, "TypeError: argument 2 must be str, not int"},
		{"name", `None, 'id', None, 1, 0.0, 1.0, 0, 'host', []`, "TypeError: argument 3 must be str, not None"},
		{"value float", `None, 'id', 'h', 1.5, 0.0, 1.0, 0, 'host', []`, reIntFromFloat},
		{"value str", `None, 'id', 'h', '1', 0.0, 1.0, 0, 'host', []`, reIntFromStr},
		{"lower", `None, 'id', 'h', 1, 'x', 1.0, 0, 'host', []`, "TypeError: must be real number, not str"},
		{"upper", `None, 'id', 'h', 1, 0.0, None, 0, 'host', []`, "TypeError: must be real number, not NoneType"},
		{"monotonic", `None, 'id', 'h', 1, 0.0, 1.0, 'no', 'host', []`, reIntFromStr},
		{"hostname", `None, 'id', 'h', 1, 0.0, 1.0, 0, 1, []`, "TypeError: argument 8 must be str, not int"},
		{"tags str", `None, 'id', 'h', 1, 0.0, 1.0, 0, 'host', 'tags'`, "TypeError: tags must be a sequence"},
		{"tags None", `None, 'id', 'h', 1, 0.0, 1.0, 0, 'host', None`, "TypeError: tags must be a sequence"},
		{"flush", `None, 'id', 'h', 1, 0.0, 1.0, 0, 'host', [], 'x'`, reIntFromStr},
		{"count", `None, 'id', 'h', 1, 0.0, 1.0, 0, 'host'`, "TypeError: function takes at least 9 arguments (8 given)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, c.name, run(t, "aggregator.submit_histogram_bucket("+c.args+")"), c.want)
			if len(buckets) != 0 {
				t.Errorf("callback called despite the error")
			}
		})
	}
}

func TestSubmitHistogramBucketTags(t *testing.T) {
	run(t, `
        aggregator.submit_histogram_bucket(None, 'id', 'h', 1, 0, 1, 0, 'host', ['t%d' % i for i in range(10000)])
        aggregator.submit_histogram_bucket(None, 'id', 'h', 1, 0, 1, 0, 'host', ['ü', None, 'a\x00'])`)
	if len(buckets) != 2 || len(buckets[0].Tags) != 10000 || buckets[0].Tags[9999] != "t9999" {
		t.Fatalf("10,000 tags not passed through")
	}
	if !reflect.DeepEqual(buckets[1].Tags, []string{"ü"}) {
		t.Errorf("tags = %q", buckets[1].Tags)
	}
}

func TestSubmitEventPlatformEvent(t *testing.T) {
	out := run(t, `
        r = aggregator.submit_event_platform_event(None, 'id', '{"a": "é"}', 'dbm-samples')
        aggregator.submit_event_platform_event(None, 'id', b'raw\x00bytes', 'type')
        aggregator.submit_event_platform_event(None, 'id', '', 'type')
        aggregator.submit_event_platform_event(None, 'id', 'nul\x00in str', 'type')
        f.write(repr(r))`)
	expect(t, "return", out, "None")
	want := []platformEventCall{
		{"id", `{"a": "é"}`, len(`{"a": "é"}`), "dbm-samples"},
		{"id", "raw\x00bytes", 9, "type"},
		{"id", "", 0, "type"},
		{"id", "nul\x00in str", 10, "type"},
	}
	if !reflect.DeepEqual(platformEvts, want) {
		t.Errorf("calls:\n got: %+v\nwant: %+v", platformEvts, want)
	}
}

func TestSubmitEventPlatformEventArgumentErrors(t *testing.T) {
	cases := []struct{ name, args, want string }{
		{"check_id", `None, 1, 'e', 't'`, "TypeError: argument 2 must be str, not int"},
		{"raw None", `None, 'id', None, 't'`, "~^TypeError: (a bytes-like object is required, not 'NoneType'|argument 3 must be str, bytes or bytearray, not None)$"},
		{"raw int", `None, 'id', 1, 't'`, "~^TypeError: (a bytes-like object is required, not 'int'|argument 3 must be str, bytes or bytearray, not int)$"},
		{"raw bytearray", `None, 'id', bytearray(b'x'), 't'`, "~^TypeError: argument 3 must be read-only bytes-like object, not bytearray$"},
		{"event_type", `None, 'id', 'e', None`, "TypeError: argument 4 must be str, not None"},
		{"event_type NUL", `None, 'id', 'e', 't\x00'`, "ValueError: embedded null character"},
		{"count", `None, 'id', 'e'`, "TypeError: function takes exactly 4 arguments (3 given)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, c.name, run(t, "aggregator.submit_event_platform_event("+c.args+")"), c.want)
			if len(platformEvts) != 0 {
				t.Errorf("callback called despite the error")
			}
		})
	}
}

func TestNoCallbacks(t *testing.T) {
	bt.CheckChild(t, "no-callbacks", noCallbackCases)
}
