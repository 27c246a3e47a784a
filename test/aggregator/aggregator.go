// Package testaggregator tests the `aggregator` builtin module: every
// function, its argument rules and error messages, the tag conversion and
// the no-callback behaviour. The Go callbacks below record every call.
package testaggregator

/*
#include "datadog_agent_rtloader.h"

extern void goSubmitMetric(char *, metric_type_t, char *, double, char **, char *, bool);
extern void goSubmitServiceCheck(char *, char *, int, char **, char *, char *);
extern void goSubmitEvent(char *, event_t *);
extern void goSubmitHistogramBucket(char *, char *, long long, float, float, int, char *, char **, bool);
extern void goSubmitEventPlatformEvent(char *, char *, int, char *);
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/DataDog/datadog-agent/rtloader/test/builtintest"
	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

// Null is what a recorded NULL char* reads as.
const Null = "<NULL>"

func str(p *C.char) string {
	if p == nil {
		return Null
	}
	return C.GoString(p)
}

// strArray reads a NULL-terminated char **; nil for a NULL array.
func strArray(p **C.char) []string {
	if p == nil {
		return nil
	}
	out := []string{}
	for _, s := range unsafe.Slice(p, 1<<20) {
		if s == nil {
			break
		}
		out = append(out, C.GoString(s))
	}
	return out
}

type metricCall struct {
	CheckID  string
	Type     int
	Name     string
	Value    float64
	Tags     []string
	Hostname string
	Flush    bool
}

type serviceCheckCall struct {
	CheckID  string
	Name     string
	Status   int
	Tags     []string
	Hostname string
	Message  string
}

type eventCall struct {
	CheckID                                              string
	Title, Text                                          string
	Ts                                                   int64
	Priority, Host                                       string
	Tags                                                 []string
	TagsNil                                              bool
	AlertType, AggregationKey, SourceTypeName, EventType string
}

type bucketCall struct {
	CheckID      string
	Name         string
	Value        int64
	Lower, Upper float32
	Monotonic    int
	Hostname     string
	Tags         []string
	Flush        bool
}

type platformEventCall struct {
	CheckID   string
	Raw       string
	Len       int
	EventType string
}

var (
	mu            sync.Mutex
	metrics       []metricCall
	serviceChecks []serviceCheckCall
	events        []eventCall
	buckets       []bucketCall
	platformEvts  []platformEventCall
)

func reset() {
	mu.Lock()
	defer mu.Unlock()
	metrics, serviceChecks, events, buckets, platformEvts = nil, nil, nil, nil, nil
}

//export goSubmitMetric
func goSubmitMetric(id *C.char, mt C.metric_type_t, name *C.char, value C.double, tags **C.char, host *C.char, flush C.bool) {
	mu.Lock()
	defer mu.Unlock()
	metrics = append(metrics, metricCall{str(id), int(int32(mt)), str(name), float64(value), strArray(tags), str(host), bool(flush)})
}

//export goSubmitServiceCheck
func goSubmitServiceCheck(id, name *C.char, status C.int, tags **C.char, host, message *C.char) {
	mu.Lock()
	defer mu.Unlock()
	serviceChecks = append(serviceChecks, serviceCheckCall{str(id), str(name), int(status), strArray(tags), str(host), str(message)})
}

//export goSubmitEvent
func goSubmitEvent(id *C.char, ev *C.event_t) {
	mu.Lock()
	defer mu.Unlock()
	events = append(events, eventCall{
		CheckID: str(id), Title: str(ev.title), Text: str(ev.text), Ts: int64(ev.ts),
		Priority: str(ev.priority), Host: str(ev.host), Tags: strArray(ev.tags), TagsNil: ev.tags == nil,
		AlertType: str(ev.alert_type), AggregationKey: str(ev.aggregation_key),
		SourceTypeName: str(ev.source_type_name), EventType: str(ev.event_type),
	})
}

//export goSubmitHistogramBucket
func goSubmitHistogramBucket(id, name *C.char, value C.longlong, lower, upper C.float, monotonic C.int, host *C.char, tags **C.char, flush C.bool) {
	mu.Lock()
	defer mu.Unlock()
	buckets = append(buckets, bucketCall{str(id), str(name), int64(value), float32(lower), float32(upper), int(monotonic), str(host), strArray(tags), bool(flush)})
}

//export goSubmitEventPlatformEvent
func goSubmitEventPlatformEvent(id *C.char, raw *C.char, n C.int, evType *C.char) {
	mu.Lock()
	defer mu.Unlock()
	platformEvts = append(platformEvts, platformEventCall{str(id), C.GoStringN(raw, n), int(n), str(evType)})
}

var setupOptions = helpers.Options{
	Configure: func(p unsafe.Pointer) error {
		rt := (*C.rtloader_t)(p)
		C.set_submit_metric_cb(rt, C.cb_submit_metric_t(C.goSubmitMetric))
		C.set_submit_service_check_cb(rt, C.cb_submit_service_check_t(C.goSubmitServiceCheck))
		C.set_submit_event_cb(rt, C.cb_submit_event_t(C.goSubmitEvent))
		C.set_submit_histogram_bucket_cb(rt, C.cb_submit_histogram_bucket_t(C.goSubmitHistogramBucket))
		C.set_submit_event_platform_event_cb(rt, C.cb_submit_event_platform_event_t(C.goSubmitEventPlatformEvent))
		return nil
	},
}

// noCallbackCases run in a child process where no aggregator callback is
// set: every function must return None without looking at its arguments.
var noCallbackCases = []builtintest.Case{
	{Name: "submit_metric", Code: `f.write(repr(aggregator.submit_metric(1, 2)))`, Want: "None"},
	{Name: "submit_service_check", Code: `f.write(repr(aggregator.submit_service_check()))`, Want: "None"},
	{Name: "submit_event", Code: `f.write(repr(aggregator.submit_event(None, 'id', 'not a dict')))`, Want: "None"},
	{Name: "submit_histogram_bucket", Code: `f.write(repr(aggregator.submit_histogram_bucket(1.5)))`, Want: "None"},
	{Name: "submit_event_platform_event", Code: `f.write(repr(aggregator.submit_event_platform_event(None)))`, Want: "None"},
}

var children = map[string]func() int{
	"no-callbacks": func() int { return builtintest.RunCases("aggregator", helpers.Options{}, noCallbackCases) },
}
