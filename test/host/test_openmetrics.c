/*
 * test_openmetrics.c - host/openmetrics: names and escaping, content
 * negotiation, every Datadog type's mapping, labels, collisions, staleness,
 * both formats, the snapshot pages, and the sender handing a run to its sink
 * (the aggregator callbacks are captured from the set_*_cb stubs below, so
 * the submissions take the same path as from a check).
 *
 * Memory: ASan/LSan (make test-asan) checks that every store, page and
 * series is freed; this host code uses libc malloc, not rtloader's.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "datadog_agent_rtloader.h"
#include "log.h"
#include "openmetrics/exposition.h"
#include "openmetrics/snapshot.h"
#include "openmetrics/store.h"
#include "sender.h"

/* ---- stubs of the rtloader setters sender_register calls: they capture the callbacks ---- */
static cb_submit_metric_t cb_metric;
static cb_submit_service_check_t cb_service_check;
static cb_submit_histogram_bucket_t cb_bucket;
void set_submit_metric_cb(rtloader_t *rt, cb_submit_metric_t cb)
{
    (void)rt;
    cb_metric = cb;
}
void set_submit_service_check_cb(rtloader_t *rt, cb_submit_service_check_t cb)
{
    (void)rt;
    cb_service_check = cb;
}
void set_submit_event_cb(rtloader_t *rt, cb_submit_event_t cb)
{
    (void)rt;
    (void)cb;
}
void set_submit_histogram_bucket_cb(rtloader_t *rt, cb_submit_histogram_bucket_t cb)
{
    (void)rt;
    cb_bucket = cb;
}
void set_submit_event_platform_event_cb(rtloader_t *rt, cb_submit_event_platform_event_t cb)
{
    (void)rt;
    (void)cb;
}

/* ---- helpers ---- */

static struct om_store *new_store(const char *ns, int stale_runs)
{
    struct om_store_options o = {.namespace_ = ns, .stale_runs = stale_runs};
    struct om_store *s = om_store_new(&o);
    assert_non_null(s);
    return s;
}

static struct sender_run check_run(const char *name, const char *id)
{
    struct sender_run r = {.check_name = name, .check_id = id, .status = "ok", .duration_ms = 2.5};
    return r;
}

static struct sender_item metric(metric_type_t type, const char *name, double value,
                                 char *const *tags, size_t ntags)
{
    struct sender_item it = {.kind = SENDER_ITEM_METRIC, .type = type, .name = name, .host = "h1",
                             .tags = tags, .tag_count = ntags, .value = value, .samples = 1};
    return it;
}

static char *render(struct om_store *s, enum om_format f)
{
    size_t len = 0;
    char *text = om_store_render(s, f, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

/* `line` is one whole line of the page. */
static void assert_line(const char *page, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = page; (p = strstr(p, line)) != NULL; p++) {
        if ((p == page || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0')) {
            return;
        }
    }
    fail_msg("no line\n  %s\nin the page:\n%s", line, page);
}

static void assert_no(const char *page, const char *text)
{
    if (strstr(page, text) != NULL) {
        fail_msg("unexpected '%s' in the page:\n%s", text, page);
    }
}

#define L_C1 "check=\"c\",check_id=\"c:1\",host=\"h1\""

/* ---- tests ---- */

static void test_names(void **state)
{
    (void)state;
    char *n = om_metric_name(NULL, "a.b-c:d/e");
    assert_string_equal(n, "a_b_c_d_e");
    free(n);
    n = om_metric_name("", "9lives");
    assert_string_equal(n, "_9lives");
    free(n);
    n = om_metric_name("dd", "9lives.x");
    assert_string_equal(n, "dd_9lives_x");
    free(n);
    n = om_metric_name(NULL, "é");
    assert_string_equal(n, "__"); /* two UTF-8 bytes, each invalid */
    free(n);
    n = om_label_name("__name__");
    assert_string_equal(n, "tag__name__");
    free(n);
    n = om_label_name("kube.pod-name");
    assert_string_equal(n, "kube_pod_name");
    free(n);
    struct strbuf b = {0};
    om_escape_label_value(&b, "a\\b\"c\nd");
    char *e = strbuf_take(&b);
    assert_string_equal(e, "a\\\\b\\\"c\\nd");
    free(e);
    /* invalid UTF-8 (a lone continuation byte, a truncated sequence, an
     * overlong '/', a surrogate) becomes U+FFFD; valid sequences stay */
    om_escape_label_value(&b, "\x80x\xc3(\xc0\xaf\xed\xa0\x80\xc3\xa9\xf0\x9f\x98\x80");
    e = strbuf_take(&b);
    assert_string_equal(e, "\xef\xbf\xbdx\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd"
                           "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\xf0\x9f\x98\x80");
    free(e);
    om_escape_help(&b, "a\\b\"c\nd");
    e = strbuf_take(&b);
    assert_string_equal(e, "a\\\\b\"c\\nd");
    free(e);
    /* HELP: 0.0.4 escapes only backslash and newline (its parser refuses any other escape);
     * OpenMetrics escapes the double quote too (its escaped-string) */
    om_append_family_header(&b, OM_TEXT_004, "a_b", OM_GAUGE, "Datadog gauge a\"b\\\\c");
    om_append_family_header(&b, OM_OPENMETRICS_1, "a_b", OM_GAUGE, "Datadog gauge a\"b\\\\c");
    e = strbuf_take(&b);
    assert_string_equal(e, "# HELP a_b Datadog gauge a\"b\\\\c\n# TYPE a_b gauge\n"
                           "# HELP a_b Datadog gauge a\\\"b\\\\c\n# TYPE a_b gauge\n");
    free(e);
    struct strbuf num = {0};
    om_append_number(&num, 0.1);
    om_append_number(&num, NAN);
    om_append_number(&num, -INFINITY);
    om_append_number(&num, 1e21);
    char *t = strbuf_take(&num);
    assert_string_equal(t, "0.1NaN-Inf1e+21");
    free(t);
}

static void test_negotiation(void **state)
{
    (void)state;
    /* what Prometheus 2.x sends */
    assert_int_equal(om_negotiate("application/openmetrics-text;version=1.0.0,application/"
                                  "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
                                  "q=0.5,*/*;q=0.1"),
                     OM_OPENMETRICS_1);
    assert_int_equal(om_negotiate("application/openmetrics-text; version=1.0.0; q=0.9"),
                     OM_OPENMETRICS_1);
    assert_int_equal(om_negotiate(NULL), OM_TEXT_004);
    assert_int_equal(om_negotiate("*/*"), OM_TEXT_004);
    assert_int_equal(om_negotiate("text/plain;version=0.0.4"), OM_TEXT_004);
    assert_int_equal(om_negotiate("application/openmetrics-text;version=0.0.1"), OM_TEXT_004);
    assert_int_equal(om_negotiate("application/openmetrics-text;version=1.0.0;q=0.2,text/plain"),
                     OM_TEXT_004);
    assert_int_equal(om_negotiate("application/openmetrics-text;q=0"), OM_TEXT_004);
    /* a parameter value may be a quoted-string (RFC 9110 5.6.6) */
    assert_int_equal(
        om_negotiate("application/openmetrics-text;version=\"1.0.0\";q=\"0.9\",text/plain;q=0.5"),
        OM_OPENMETRICS_1);
    assert_int_equal(om_negotiate("application/openmetrics-text;version=\"0.0.1\""), OM_TEXT_004);
    assert_string_equal(om_content_type(OM_OPENMETRICS_1),
                        "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert_string_equal(om_content_type(OM_TEXT_004), "text/plain; version=0.0.4; charset=utf-8");
}

static void test_gauge_labels_formats(void **state)
{
    (void)state;
    struct om_store *s = new_store(NULL, 2);
    /* sorted, as the sender hands them */
    char *tags[] = {"9x.y:z", "alpha", "env:prod", "host:other", "q:say \"hi\"\\n", "role:db",
                    "role:web", "standalone"};
    struct sender_item items[] = {metric(DATADOG_AGENT_RTLOADER_GAUGE, "disk.used", 42, tags, 8)};
    struct sender_run run = check_run("c", "c:1");
    om_store_ingest_at(s, 1, &run, items, 1);
    struct sender_run other = check_run("c", "c:2");
    om_store_ingest_at(s, 1, &other, items, 1);
    char *page = render(s, OM_TEXT_004);
    assert_line(page, "# TYPE disk_used gauge");
    assert_line(page, "disk_used{_9x_y=\"z\",check=\"c\",check_id=\"c:1\",env=\"prod\",host=\"h1\","
                      "q=\"say \\\"hi\\\"\\\\n\",role=\"db,web\",tag_host=\"other\","
                      "tags=\"alpha,standalone\"} 42");
    /* a second instance of the same check: its own series */
    assert_line(page, "disk_used{_9x_y=\"z\",check=\"c\",check_id=\"c:2\",env=\"prod\",host=\"h1\","
                      "q=\"say \\\"hi\\\"\\\\n\",role=\"db,web\",tag_host=\"other\","
                      "tags=\"alpha,standalone\"} 42");
    assert_no(page, "# EOF");
    free(page);
    /* a tag given twice (the Agent's contexts dedupe tags), or two keys that sanitize to the
     * same label with the same value: the value once, not "1,1" */
    char *dups[] = {"a.b:1", "a_b:1", "a_b:2", "b", "b", "k:v", "k:v"};
    struct sender_item dup_items[] = {metric(DATADOG_AGENT_RTLOADER_GAUGE, "dup", 1, dups, 7)};
    om_store_ingest_at(s, 1, &run, dup_items, 1);
    page = render(s, OM_TEXT_004);
    assert_line(page,
                "dup{a_b=\"1,2\",check=\"c\",check_id=\"c:1\",host=\"h1\",k=\"v\",tags=\"b\"} 1");
    free(page);
    page = render(s, OM_OPENMETRICS_1);
    size_t n = strlen(page);
    assert_true(n > 6 && strcmp(page + n - 6, "# EOF\n") == 0);
    free(page);
    om_store_free(s);
}

static void test_counters(void **state)
{
    (void)state;
    struct om_store *s = new_store(NULL, 5);
    struct sender_run run = check_run("c", "c:1");
    double counts[] = {3, 4};
    for (int i = 0; i < 2; i++) {
        struct sender_item it[] = {
            metric(DATADOG_AGENT_RTLOADER_COUNT, "req.count", counts[i], NULL, 0),
            metric(DATADOG_AGENT_RTLOADER_COUNTER, "old.counter", 1, NULL, 0),
            metric(DATADOG_AGENT_RTLOADER_COUNT, "bytes_total", 10, NULL, 0),
            metric(DATADOG_AGENT_RTLOADER_GAUGE, "disk.total", 9, NULL, 0),
            metric(DATADOG_AGENT_RTLOADER_GAUGE, "n.sum", 1, NULL, 0),
            metric(DATADOG_AGENT_RTLOADER_GAUGE, "n.bucket", 1, NULL, 0),
        };
        om_store_ingest_at(s, i, &run, it, 6);
    }
    /* monotonic_count: the deltas, a decrease is a reset whose delta is dropped */
    double raw[] = {10, 15, 12, 20};
    for (int i = 0; i < 4; i++) {
        struct sender_item it[] = {metric(DATADOG_AGENT_RTLOADER_MONOTONIC_COUNT, "ctx", raw[i],
                                          NULL, 0)};
        om_store_ingest_at(s, 10 + i, &run, it, 1);
    }
    char *page = render(s, OM_TEXT_004);
    assert_line(page, "# TYPE req_count_total counter");
    assert_line(page, "req_count_total{" L_C1 "} 7");
    assert_line(page, "old_counter_total{" L_C1 "} 2");
    assert_line(page, "bytes_total{" L_C1 "} 20"); /* not bytes_total_total */
    /* "_total" is for counters: a gauge with it gets "_value" */
    assert_line(page, "# TYPE disk_total_value gauge");
    assert_line(page, "disk_total_value{" L_C1 "} 9");
    assert_line(page, "n_sum_value{" L_C1 "} 1");
    assert_line(page, "n_bucket_value{" L_C1 "} 1");
    assert_line(page, "ctx_total{" L_C1 "} 13");
    assert_line(page, "rtloader_check_runs_total{check=\"c\",check_id=\"c:1\"} 6");
    free(page);
    page = render(s, OM_OPENMETRICS_1);
    assert_line(page, "# TYPE req_count counter");
    assert_line(page, "req_count_total{" L_C1 "} 7");
    free(page);
    om_store_free(s);
}

static void test_rate(void **state)
{
    (void)state;
    struct om_store *s = new_store(NULL, 5);
    struct sender_run run = check_run("c", "c:1");
    struct sender_item it[] = {metric(DATADOG_AGENT_RTLOADER_RATE, "io.bytes", 100, NULL, 0)};
    om_store_ingest_at(s, 0, &run, it, 1);
    char *page = render(s, OM_TEXT_004);
    assert_no(page, "io_bytes"); /* one sample: no rate yet, as the Agent sends none */
    free(page);
    it[0].value = 400;
    om_store_ingest_at(s, 10, &run, it, 1);
    page = render(s, OM_TEXT_004);
    assert_line(page, "# TYPE io_bytes gauge");
    assert_line(page, "io_bytes{" L_C1 "} 30");
    free(page);
    it[0].value = 50; /* a reset: no rate */
    om_store_ingest_at(s, 20, &run, it, 1);
    page = render(s, OM_TEXT_004);
    assert_no(page, "io_bytes{");
    free(page);
    om_store_free(s);
}

static void test_histogram_aggregates(void **state)
{
    (void)state;
    struct om_store *s = new_store(NULL, 2);
    struct sender_run run = check_run("c", "c:1");
    double samples[100];
    for (int i = 0; i < 100; i++) {
        samples[i] = 100 - i; /* unsorted */
    }
    struct sender_item it[] = {
        metric(DATADOG_AGENT_RTLOADER_HISTOGRAM, "lat", 1, NULL, 0),
        metric(DATADOG_AGENT_RTLOADER_HISTORATE, "hr", 1, NULL, 0),
    };
    it[0].history = samples;
    it[0].samples = 100;
    double three[] = {1, 2, 9};
    it[1].history = three;
    it[1].samples = 3;
    om_store_ingest_at(s, 0, &run, it, 2);
    char *page = render(s, OM_TEXT_004);
    assert_line(page, "# TYPE lat_avg gauge");
    assert_line(page, "lat_avg{" L_C1 "} 50.5");
    assert_line(page, "lat_max{" L_C1 "} 100");
    assert_line(page, "lat_count_value{" L_C1 "} 100");
    assert_line(page, "lat_median{" L_C1 "} 50");
    assert_line(page, "lat_95percentile{" L_C1 "} 95");
    assert_line(page, "hr_avg{" L_C1 "} 4");
    assert_line(page, "hr_median{" L_C1 "} 2");
    assert_line(page, "hr_95percentile{" L_C1 "} 9");
    free(page);
    om_store_free(s);
}

static void test_buckets_and_service_checks(void **state)
{
    (void)state;
    struct om_store *s = new_store("dd", 2);
    struct sender_run run = check_run("c", "c:1");
    char *tags[] = {"svc:api"};
    for (int r = 0; r < 2; r++) {
        struct sender_item it[] = {
            {.kind = SENDER_ITEM_BUCKET, .name = "req.dur", .host = "h1", .tags = tags,
             .tag_count = 1, .value = 2, .lower = 0, .upper = 0.5},
            {.kind = SENDER_ITEM_BUCKET, .name = "req.dur", .host = "h1", .tags = tags,
             .tag_count = 1, .value = 3, .lower = 0.5, .upper = 1},
            {.kind = SENDER_ITEM_BUCKET, .name = "mono", .host = "h1", .value = 5.0 + r,
             .lower = 0, .upper = INFINITY, .monotonic = true},
            {.kind = SENDER_ITEM_SERVICE_CHECK, .name = "can.connect", .host = "h1", .tags = tags,
             .tag_count = 1, .value = r == 0 ? 0 : 2},
            metric(DATADOG_AGENT_RTLOADER_GAUGE, "g", 1, NULL, 0),
        };
        om_store_ingest_at(s, r, &run, it, 5);
    }
    char *page = render(s, OM_OPENMETRICS_1);
    assert_line(page, "# TYPE dd_req_dur histogram");
    /* non-monotonic buckets add up across runs, cumulative in le order */
    assert_line(page, "dd_req_dur_bucket{" L_C1 ",svc=\"api\",le=\"0.5\"} 4");
    assert_line(page, "dd_req_dur_bucket{" L_C1 ",svc=\"api\",le=\"1\"} 10");
    assert_line(page, "dd_req_dur_bucket{" L_C1 ",svc=\"api\",le=\"+Inf\"} 10");
    /* monotonic ones are counters already: the latest value */
    assert_line(page, "dd_mono_bucket{" L_C1 ",le=\"+Inf\"} 6");
    assert_line(page, "# TYPE dd_service_check gauge");
    /* one series per service check: its status now */
    assert_line(page, "dd_service_check{" L_C1 ",name=\"can.connect\",svc=\"api\","
                      "status=\"critical\"} 2");
    assert_no(page, "status=\"ok\"} 0\ndd_service_check");
    assert_line(page, "dd_g{" L_C1 "} 1");
    /* the host's own names carry no namespace */
    assert_line(page, "rtloader_check_last_run_status{check=\"c\",check_id=\"c:1\",status=\"ok\"} 0");
    assert_line(page, "rtloader_check_last_run_duration_seconds{check=\"c\",check_id=\"c:1\"} 0.0025");
    free(page);
    om_store_free(s);
}

static void test_telemetry_and_errors(void **state)
{
    (void)state;
    struct om_store *s = new_store("dd", 2);
    struct sender_run mem = {.check_name = "rtloader.memory", .check_id = "rtloader.memory",
                             .status = "ok", .telemetry = true};
    char *wtags[] = {"check_id:c:1", "worker:1"};
    struct sender_item it[] = {
        metric(DATADOG_AGENT_RTLOADER_GAUGE, "rtloader.inuse_bytes", 1024, NULL, 0),
        metric(DATADOG_AGENT_RTLOADER_GAUGE, "pymem.inuse", 2048, NULL, 0),
        metric(DATADOG_AGENT_RTLOADER_COUNT, "rtloader.allocations", 5, NULL, 0),
        metric(DATADOG_AGENT_RTLOADER_GAUGE, "rtloader.worker.rss_bytes", 7, wtags, 2),
    };
    om_store_ingest_at(s, 0, &mem, it, 4);
    om_store_ingest_at(s, 1, &mem, it, 4);
    struct sender_run bad = check_run("c", "c:1");
    bad.status = "error";
    bad.error = "boom";
    om_store_ingest_at(s, 1, &bad, NULL, 0);
    bad.status = "cancelled";
    om_store_ingest_at(s, 2, &bad, NULL, 0);
    char *page = render(s, OM_TEXT_004);
    assert_line(page, "rtloader_inuse_bytes 1024");
    assert_line(page, "rtloader_pymem_inuse 2048");
    assert_line(page, "rtloader_allocations_total 10");
    /* the host's telemetry sets no check_id of its own: the tag's is kept as is */
    assert_line(page, "rtloader_worker_rss_bytes{check_id=\"c:1\",worker=\"1\"} 7");
    assert_line(page, "rtloader_check_errors_total{check=\"c\",check_id=\"c:1\"} 2");
    assert_line(page, "rtloader_check_last_run_status{check=\"c\",check_id=\"c:1\","
                      "status=\"cancelled\"} 2");
    free(page);
    struct om_health h = om_store_health(s);
    assert_int_equal(h.runs, 2); /* telemetry is not a check run */
    assert_int_equal(h.failed_runs, 2); /* the cancelled run has an error too */
    assert_true(h.running); /* a check run ended */
    assert_true(h.last_run_age_s >= 0);
    om_store_set_running(s, false); /* the host stops */
    assert_false(om_store_health(s).running);
    om_store_free(s);
    /* the host's telemetry alone is not a check running */
    s = new_store(NULL, 2);
    om_store_ingest_at(s, 0, &mem, it, 4);
    h = om_store_health(s);
    assert_false(h.running);
    assert_int_equal(h.runs, 0);
    assert_true(h.last_run_age_s < 0);
    om_store_free(s);
}

static void test_collisions(void **state)
{
    (void)state;
    struct om_store *s = new_store(NULL, 2);
    struct sender_run run = check_run("c", "c:1");
    struct sender_item it[] = {
        metric(DATADOG_AGENT_RTLOADER_GAUGE, "a.b", 1, NULL, 0),
        metric(DATADOG_AGENT_RTLOADER_COUNT, "a.b", 5, NULL, 0),   /* same family name a_b */
        metric(DATADOG_AGENT_RTLOADER_GAUGE, "a_b", 2, NULL, 0),   /* another name, same family */
        metric(DATADOG_AGENT_RTLOADER_GAUGE, "lat.avg", 3, NULL, 0),
        metric(DATADOG_AGENT_RTLOADER_HISTOGRAM, "lat", 1, NULL, 0), /* lat_avg again */
    };
    double one = 1;
    it[4].history = &one;
    om_store_ingest_at(s, 0, &run, it, 5);
    om_store_ingest_at(s, 1, &run, it, 5);
    char *page = render(s, OM_TEXT_004);
    assert_line(page, "# TYPE a_b gauge");
    assert_line(page, "a_b{" L_C1 "} 1"); /* the first one is kept, not merged */
    assert_no(page, "a_b_total");
    assert_no(page, "a_b{" L_C1 "} 2");
    assert_line(page, "lat_avg{" L_C1 "} 3");
    assert_line(page, "lat_max{" L_C1 "} 1"); /* the aggregates that do not collide stay */
    /* 3 colliding submissions per run, 2 runs */
    assert_line(page, "rtloader_openmetrics_collisions_total 6");
    free(page);
    assert_int_equal(om_store_collisions(s), 6);
    om_store_free(s);
}

static void test_staleness(void **state)
{
    (void)state;
    struct om_store *s = new_store(NULL, 2);
    struct sender_run run = check_run("c", "c:1");
    struct sender_run other = check_run("d", "d:1");
    struct sender_item both[] = {
        metric(DATADOG_AGENT_RTLOADER_GAUGE, "keep", 1, NULL, 0),
        metric(DATADOG_AGENT_RTLOADER_COUNT, "gone", 4, NULL, 0),
    };
    om_store_ingest_at(s, 0, &run, both, 2);
    om_store_ingest_at(s, 0, &other, both, 1);
    assert_int_equal(om_store_series(s), 3 + 4 + 4); /* + 4 run telemetry series per check */
    om_store_ingest_at(s, 1, &run, both, 1); /* "gone" missed 1 run: still there */
    char *page = render(s, OM_TEXT_004);
    assert_line(page, "gone_total{" L_C1 "} 4");
    free(page);
    om_store_ingest_at(s, 2, &run, both, 1); /* missed 2: dropped */
    /* another check's runs do not age c's series, and c's do not age d's */
    for (int i = 0; i < 5; i++) {
        om_store_ingest_at(s, 3, &run, both, 1);
    }
    page = render(s, OM_TEXT_004);
    assert_no(page, "gone");
    assert_line(page, "keep{" L_C1 "} 1");
    assert_line(page, "keep{check=\"d\",check_id=\"d:1\",host=\"h1\"} 1");
    free(page);
    om_store_ingest_at(s, 4, &run, both, 2); /* back: a new counter from 0 */
    page = render(s, OM_TEXT_004);
    assert_line(page, "gone_total{" L_C1 "} 4");
    free(page);
    assert_int_equal(om_store_series(s), 3 + 4 + 4);
    om_store_free(s);
}

static void test_snapshot_pages(void **state)
{
    (void)state;
    struct om_store *s = new_store(NULL, 2);
    struct om_snapshot *snap = om_snapshot_start(s, 0);
    assert_non_null(snap);
    struct om_page *empty = om_snapshot_get(snap, OM_OPENMETRICS_1);
    assert_non_null(strstr(empty->text, "# EOF\n"));
    assert_null(strstr(empty->text, "g{"));
    struct sender_run run = check_run("c", "c:1");
    struct sender_item it[] = {metric(DATADOG_AGENT_RTLOADER_GAUGE, "g", 7, NULL, 0)};
    om_store_ingest(s, &run, it, 1);
    /* the next scrape sees the change; the page taken before stays valid */
    struct om_page *page = om_snapshot_get(snap, OM_TEXT_004);
    assert_line(page->text, "g{" L_C1 "} 7");
    assert_int_equal(strlen(page->text), page->len);
    assert_null(strstr(empty->text, "g{"));
    om_page_release(empty);
    it[0].value = 8;
    om_store_ingest(s, &run, it, 1);
    struct om_page *again = om_snapshot_get(snap, OM_TEXT_004);
    assert_line(again->text, "g{" L_C1 "} 8");
    assert_line(page->text, "g{" L_C1 "} 7");
    om_page_release(page);
    om_page_release(again);
    om_snapshot_stop(snap);
    om_store_free(s);
}

/* The sender hands the sink what the run submitted, with every histogram sample. */
struct captured {
    int calls;
    struct om_store *store;
    size_t items;
    size_t hist_samples;
    double hist_first, hist_last;
    int service_checks, buckets;
    char first_tag[32];
};

static void capture_sink(void *ctx, const struct sender_run *run, const struct sender_item *items,
                         size_t count)
{
    struct captured *c = ctx;
    c->calls++;
    c->items = count;
    for (size_t i = 0; i < count; i++) {
        if (items[i].kind == SENDER_ITEM_METRIC && items[i].type == DATADOG_AGENT_RTLOADER_HISTOGRAM) {
            c->hist_samples = items[i].samples;
            c->hist_first = items[i].history[0];
            c->hist_last = items[i].history[items[i].samples - 1];
        }
        c->service_checks += items[i].kind == SENDER_ITEM_SERVICE_CHECK;
        c->buckets += items[i].kind == SENDER_ITEM_BUCKET;
        if (items[i].kind == SENDER_ITEM_SERVICE_CHECK && items[i].tag_count > 0) {
            snprintf(c->first_tag, sizeof(c->first_tag), "%s", items[i].tags[0]);
        }
    }
    om_store_ingest(c->store, run, items, count);
}

static void test_sender_sink(void **state)
{
    (void)state;
    FILE *saved = stdout;
    stdout = fopen("/dev/null", "w"); /* the sender also prints the run */
    assert_non_null(stdout);
    struct captured c = {.store = new_store(NULL, 2)};
    sender_setup(SENDER_TABLE, "default-host");
    sender_set_sink(capture_sink, &c);
    sender_register(NULL);
    char *tags[] = {"z:1", "a:2", NULL};
    for (int i = 1; i <= 1000; i++) {
        cb_metric("c:1", DATADOG_AGENT_RTLOADER_HISTOGRAM, "h", i, tags, "", false);
    }
    cb_metric("c:1", DATADOG_AGENT_RTLOADER_COUNT, "n", 2, tags, "", false);
    cb_metric("c:1", DATADOG_AGENT_RTLOADER_COUNT, "n", 3, tags, "", false);
    cb_service_check("c:1", "svc", 1, tags, "", "msg");
    cb_bucket("c:1", "b", 4, 0, 1, 0, "", tags, false);
    cb_metric("c:2", DATADOG_AGENT_RTLOADER_GAUGE, "other", 1, NULL, "", false);
    struct sender_run run = check_run("c", "c:1");
    sender_flush(&run);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.items, 4); /* h, n, the service check, the bucket; not c:2's */
    assert_int_equal(c.hist_samples, 1000);
    assert_true(c.hist_first == 1 && c.hist_last == 1000);
    assert_int_equal(c.service_checks, 1);
    assert_int_equal(c.buckets, 1);
    assert_string_equal(c.first_tag, "a:2"); /* sorted */
    size_t len;
    char *page = om_store_render(c.store, OM_TEXT_004, &len);
    assert_line(page, "n_total{a=\"2\",check=\"c\",check_id=\"c:1\",host=\"default-host\",z=\"1\"} 5");
    assert_line(page, "h_median{a=\"2\",check=\"c\",check_id=\"c:1\",host=\"default-host\",z=\"1\"} 500");
    assert_line(page, "h_count_value{a=\"2\",check=\"c\",check_id=\"c:1\",host=\"default-host\",z=\"1\"} 1000");
    assert_line(page, "service_check{a=\"2\",check=\"c\",check_id=\"c:1\",host=\"default-host\","
                      "name=\"svc\",z=\"1\",status=\"warning\"} 1");
    free(page);
    /* an empty run still reaches the sink: its run telemetry */
    sender_flush(&run);
    assert_int_equal(c.calls, 2);
    assert_int_equal(c.items, 0);
    sender_set_sink(NULL, NULL);
    struct sender_run run2 = check_run("c", "c:2");
    sender_flush(&run2);
    assert_int_equal(c.calls, 2);
    sender_teardown();
    om_store_free(c.store);
    fclose(stdout);
    stdout = saved;
}

int main(void)
{
    host_log_set_level(100); /* the collision warnings are expected */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_negotiation),
        cmocka_unit_test(test_gauge_labels_formats),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_histogram_aggregates),
        cmocka_unit_test(test_buckets_and_service_checks),
        cmocka_unit_test(test_telemetry_and_errors),
        cmocka_unit_test(test_collisions),
        cmocka_unit_test(test_staleness),
        cmocka_unit_test(test_snapshot_pages),
        cmocka_unit_test(test_sender_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
