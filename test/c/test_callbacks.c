/*
 * test_callbacks.c - the 29 set_*_cb setters and cgo_free (spec §1.2 30-60,
 * §2.4, §4.10).
 *
 * Two views of each setter: its slot in the backend's process-wide callback
 * table (common/rtloader_backend.h, reached through the handle: a dedicated
 * unit test of internals), and end to end, the builtin Python function that
 * calls it. cgo_free is the backend's exported function, found with dlsym.
 */
#include "rtl_test.h"

#include <dlfcn.h>
#include <string.h>

#include "fake_host.h"
#include "rtloader_ext.h"
#include "rtloader_mem.h"
#include "rtloader_backend.h"

static struct rtl_callbacks *table(void)
{
    const struct rtl_backend_instance *inst = (const struct rtl_backend_instance *)rtl_test_rt;
    assert_non_null(inst->ops);
    assert_non_null(inst->ops->callbacks);
    return inst->ops->callbacks;
}

/* What fake_host_register (run by the group setup) stored, one setter per member. */
static void callbacks_every_setter_fills_its_slot(void **state)
{
    (void)state;
    struct rtl_callbacks *cb = table();
    assert_ptr_equal(cb->submit_metric, fake_host_submit_metric);
    assert_ptr_equal(cb->submit_service_check, fake_host_submit_service_check);
    assert_ptr_equal(cb->submit_event, fake_host_submit_event);
    assert_ptr_equal(cb->submit_histogram_bucket, fake_host_submit_histogram_bucket);
    assert_ptr_equal(cb->submit_event_platform_event, fake_host_submit_event_platform_event);
    assert_ptr_equal(cb->get_version, fake_host_get_version);
    assert_ptr_equal(cb->get_config, fake_host_get_config);
    assert_ptr_equal(cb->headers, fake_host_headers);
    assert_ptr_equal(cb->get_hostname, fake_host_get_hostname);
    assert_ptr_equal(cb->get_host_tags, fake_host_get_host_tags);
    assert_ptr_equal(cb->get_clustername, fake_host_get_clustername);
    assert_ptr_equal(cb->tracemalloc_enabled, fake_host_tracemalloc_enabled);
    assert_ptr_equal(cb->log, fake_host_log_cb);
    assert_ptr_equal(cb->send_log, fake_host_send_log);
    assert_ptr_equal(cb->set_check_metadata, fake_host_set_check_metadata);
    assert_ptr_equal(cb->set_external_tags, fake_host_set_external_tags);
    assert_ptr_equal(cb->write_persistent_cache, fake_host_write_persistent_cache);
    assert_ptr_equal(cb->read_persistent_cache, fake_host_read_persistent_cache);
    assert_ptr_equal(cb->obfuscate_sql, fake_host_obfuscate_sql);
    assert_ptr_equal(cb->obfuscate_sql_exec_plan, fake_host_obfuscate_sql_exec_plan);
    assert_ptr_equal(cb->get_process_start_time, fake_host_get_process_start_time);
    assert_ptr_equal(cb->obfuscate_mongodb_string, fake_host_obfuscate_mongodb_string);
    assert_ptr_equal(cb->emit_agent_telemetry, fake_host_emit_agent_telemetry);
    assert_ptr_equal(cb->get_subprocess_output, fake_host_get_subprocess_output);
    assert_ptr_equal(cb->cgo_free, _free);
    assert_ptr_equal(cb->tags, fake_host_tags);
    assert_ptr_equal(cb->get_connection_info, fake_host_get_connection_info);
    assert_ptr_equal(cb->is_excluded, fake_host_is_excluded);
}

/* Setters are plain stores: a later call replaces, NULL unsets. */
static void callbacks_setter_replaces_and_unsets(void **state)
{
    (void)state;
    struct rtl_callbacks *cb = table();
    set_log_cb(rtl_test_rt, NULL);
    assert_null(cb->log);
    set_log_cb(rtl_test_rt, fake_host_log_cb);
    assert_ptr_equal(cb->log, fake_host_log_cb);
    set_tags_cb(rtl_test_rt, NULL);
    assert_null(cb->tags);
    set_tags_cb(rtl_test_rt, fake_host_tags);
    assert_ptr_equal(cb->tags, fake_host_tags);
}

/* A setter given a NULL handle stores nothing. */
static void callbacks_setter_with_null_handle_stores_nothing(void **state)
{
    (void)state;
    struct rtl_callbacks *cb = table();
    set_get_version_cb(NULL, NULL);
    set_is_excluded_cb(NULL, NULL);
    set_cgo_free_cb(NULL, NULL);
    assert_ptr_equal(cb->get_version, fake_host_get_version);
    assert_ptr_equal(cb->is_excluded, fake_host_is_excluded);
    assert_ptr_equal(cb->cgo_free, _free);
}

typedef void (*cgo_free_fn)(void *);

static cgo_free_fn backend_cgo_free(void)
{
    void *sym = dlsym(RTLD_DEFAULT, "cgo_free");
    if (sym == NULL) {
        print_error("cgo_free not found in the loaded backend: %s\n", dlerror());
        fail();
    }
    cgo_free_fn f;
    *(void **)&f = sym;
    return f;
}

/* cgo_free calls the registered function for non-NULL pointers. */
static void callbacks_cgo_free_calls_the_registered_function(void **state)
{
    (void)state;
    cgo_free_fn f = backend_cgo_free();
    set_cgo_free_cb(rtl_test_rt, fake_host_cgo_free);
    char *p = strdupe("host buffer");
    f(p);
    assert_int_equal(fake_host_count("cgo_free"), 1);
    f(NULL);
    assert_int_equal(fake_host_count("cgo_free"), 1);
    set_cgo_free_cb(rtl_test_rt, _free);
    p = strdupe("host buffer 2");
    f(p); /* _free: balanced, checked by the teardown */
    assert_int_equal(fake_host_count("cgo_free"), 1);
}

/* Without a registered function cgo_free does nothing (a leak, no crash). */
static void callbacks_cgo_free_without_callback_does_nothing(void **state)
{
    (void)state;
    cgo_free_fn f = backend_cgo_free();
    set_cgo_free_cb(rtl_test_rt, NULL);
    char *p = strdupe("leaked on purpose, then freed by the test");
    rtl_test_mem_delta();
    f(p);
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.frees, 0);
    set_cgo_free_cb(rtl_test_rt, _free);
    _free(p);
}

/* ---- end to end: each callback reached from its builtin Python function ------------- */

struct reach {
    const char *callback; /* fake_host name */
    const char *code;     /* Python calling it (and checking what it returned) */
    const char *expected; /* the recorded call */
};

static const struct reach reaches[] = {
    {"submit_metric",
     "aggregator.submit_metric(None, 'id', aggregator.GAUGE, 'm', 1.5, ['a', 'b'], 'h', False)",
     "submit_metric(\"id\", 0, \"m\", 1.5, [\"a\", \"b\"], \"h\", false)"},
    {"submit_service_check", "aggregator.submit_service_check(None, 'id', 'sc', 2, ['t'], 'h', 'msg')",
     "submit_service_check(\"id\", \"sc\", 2, [\"t\"], \"h\", \"msg\")"},
    {"submit_event",
     "aggregator.submit_event(None, 'id', {'msg_title': 'T', 'msg_text': 'X', 'timestamp': 7, "
     "'tags': ['e']})",
     "submit_event(\"id\", {title=\"T\", text=\"X\", ts=7, priority=NULL, host=NULL, tags=[\"e\"], "
     "alert_type=NULL, aggregation_key=NULL, source_type_name=NULL, event_type=NULL})"},
    {"submit_histogram_bucket",
     "aggregator.submit_histogram_bucket(None, 'id', 'hb', 3, 1.0, 2.5, 1, 'h', ['t'], True)",
     "submit_histogram_bucket(\"id\", \"hb\", 3, 1, 2.5, 1, \"h\", [\"t\"], true)"},
    {"submit_event_platform_event",
     "aggregator.submit_event_platform_event(None, 'id', 'raw', 'dbm-samples')",
     "submit_event_platform_event(\"id\", \"raw\", 3, \"dbm-samples\")"},
    {"get_version", "assert datadog_agent.get_version() == '7.99.0'", "get_version()"},
    {"get_config", "assert datadog_agent.get_config('some_key') == {'a': 1}",
     "get_config(\"some_key\")"},
    {"headers", "assert datadog_agent.headers()['User-Agent'] == 'Datadog Agent/7'", "headers()"},
    {"get_hostname", "assert datadog_agent.get_hostname() == 'host1'", "get_hostname()"},
    {"get_host_tags", "assert datadog_agent.get_host_tags() == 'host-tags'", "get_host_tags()"},
    {"get_clustername", "assert datadog_agent.get_clustername() == 'cluster1'",
     "get_clustername()"},
    {"tracemalloc_enabled", "assert datadog_agent.tracemalloc_enabled() is True",
     "tracemalloc_enabled()"},
    {"log", "datadog_agent.log('hello', 20)", "log(\"hello\", 20)"},
    {"send_log", "datadog_agent.send_log('a line', 'id')", "send_log(\"a line\", \"id\")"},
    {"set_check_metadata", "datadog_agent.set_check_metadata('id', 'version.raw', '1.0')",
     "set_check_metadata(\"id\", \"version.raw\", \"1.0\")"},
    {"set_external_tags", "datadog_agent.set_external_tags([('h', {'vsphere': ['t1']})])",
     "set_external_tags(\"h\", \"vsphere\", [\"t1\"])"},
    {"write_persistent_cache", "datadog_agent.write_persistent_cache('k', 'v')",
     "write_persistent_cache(\"k\", \"v\")"},
    {"read_persistent_cache", "assert datadog_agent.read_persistent_cache('k') == 'cached'",
     "read_persistent_cache(\"k\")"},
    {"obfuscate_sql", "assert datadog_agent.obfuscate_sql('select 1', '{}') == 'select ?'",
     "obfuscate_sql(\"select 1\", \"{}\")"},
    {"obfuscate_sql_exec_plan",
     "assert datadog_agent.obfuscate_sql_exec_plan('plan', normalize=True) == 'plan?'",
     "obfuscate_sql_exec_plan(\"plan\", true)"},
    {"get_process_start_time", "assert datadog_agent.get_process_start_time() == 1234.5",
     "get_process_start_time()"},
    {"obfuscate_mongodb_string",
     "assert datadog_agent.obfuscate_mongodb_string('{\"find\": 1}') == 'mongo?'",
     "obfuscate_mongodb_string(\"{\\\"find\\\": 1}\")"},
    {"emit_agent_telemetry", "datadog_agent.emit_agent_telemetry('check', 'metric', 2.5, 'gauge')",
     "emit_agent_telemetry(\"check\", \"metric\", 2.5, \"gauge\")"},
    {"get_subprocess_output",
     "assert _util.get_subprocess_output(['ls', '-l'], False) == ('out', 'err', 3)",
     "get_subprocess_output([\"ls\", \"-l\"], NULL)"},
    {"tags", "assert tagger.tag('entity', tagger.HIGH) == ['t1', 't2']", "tags(\"entity\", 2)"},
    {"get_connection_info", "assert kubeutil.get_connection_info() == {'url': 'u'}",
     "get_connection_info()"},
    {"is_excluded", "assert containers.is_excluded('n', 'i', 'ns') is True",
     "is_excluded(\"n\", \"i\", \"ns\")"},
};

/*
 * Every registered callback is what its builtin calls (and what it returns
 * reaches Python, released through cgo_free: the teardown checks balance).
 * cgo_free's own slot is covered by the tests above.
 */
static void callbacks_each_reached_from_python(void **state)
{
    (void)state;
    fake_host_set_result("get_version", "7.99.0");
    fake_host_set_result("get_config", "{\"a\": 1}");
    fake_host_set_result("headers", "{\"User-Agent\": \"Datadog Agent/7\"}");
    fake_host_set_result("get_hostname", "host1");
    fake_host_set_result("get_host_tags", "host-tags");
    fake_host_set_result("get_clustername", "cluster1");
    fake_host_set_result("tracemalloc_enabled", "1");
    fake_host_set_result("read_persistent_cache", "cached");
    fake_host_set_result("obfuscate_sql", "select ?");
    fake_host_set_result("obfuscate_sql_exec_plan", "plan?");
    fake_host_set_result("get_process_start_time", "1234.5");
    fake_host_set_result("obfuscate_mongodb_string", "mongo?");
    fake_host_set_result("get_subprocess_output.stdout", "out");
    fake_host_set_result("get_subprocess_output.stderr", "err");
    fake_host_set_result("get_subprocess_output.retcode", "3");
    fake_host_set_result("tags", "t1,t2");
    fake_host_set_result("get_connection_info", "{\"url\": \"u\"}");
    fake_host_set_result("is_excluded", "1");

    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    rtl_assert_py("import aggregator, datadog_agent, _util, tagger, kubeutil, containers\n");
    int bad = 0;
    for (size_t i = 0; i < sizeof(reaches) / sizeof(reaches[0]); i++) {
        const struct reach *r = &reaches[i];
        int before = fake_host_count(r->callback);
        if (run_simple_string(rtl_test_rt, r->code) != 1) {
            print_error("%s: Python failed (traceback on stderr): %s\n", r->callback, r->code);
            bad = 1;
            continue;
        }
        const char *got = fake_host_last(r->callback);
        if (fake_host_count(r->callback) != before + 1 || got == NULL || strcmp(got, r->expected) != 0) {
            print_error("%s: calls %d -> %d\n expected: %s\n      got: %s\n", r->callback, before,
                        fake_host_count(r->callback), r->expected, got ? got : "(no call)");
            bad = 1;
        }
    }
    release_gil(rtl_test_rt, g);
    if (bad) {
        fail();
    }
}

/* rtloader_ext.h's checked writer: preferred when set, its error raised in Python. */
static int checked_calls;

static char *checked_writer(char *key, char *value)
{
    (void)value;
    checked_calls++;
    if (strcmp(key, "bad") != 0) {
        return NULL;
    }
    char *error = _malloc(sizeof("disk full"));
    if (error != NULL) {
        memcpy(error, "disk full", sizeof("disk full"));
    }
    return error; /* released by rtloader through cgo_free (= _free here) */
}

static void callbacks_checked_cache_writer_raises(void **state)
{
    (void)state;
    struct rtl_callbacks *cb = table();
    rtloader_set_write_persistent_cache_checked_cb(NULL, checked_writer);
    assert_null(cb->write_persistent_cache_checked);
    rtloader_set_write_persistent_cache_checked_cb(rtl_test_rt, checked_writer);
    assert_ptr_equal(cb->write_persistent_cache_checked, checked_writer);

    checked_calls = 0;
    int upstream_before = fake_host_count("write_persistent_cache");
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    rtl_assert_py("import datadog_agent\n"
                  "datadog_agent.write_persistent_cache('good', 'v')\n"
                  "try:\n"
                  "    datadog_agent.write_persistent_cache('bad', 'v')\n"
                  "    raise AssertionError('no exception')\n"
                  "except RuntimeError as e:\n"
                  "    assert str(e) == 'disk full', str(e)\n");
    release_gil(rtl_test_rt, g);
    assert_int_equal(checked_calls, 2);
    assert_int_equal(fake_host_count("write_persistent_cache"), upstream_before);

    /* unset: the upstream callback again, and nothing raises */
    rtloader_set_write_persistent_cache_checked_cb(rtl_test_rt, NULL);
    g = ensure_gil(rtl_test_rt);
    rtl_assert_py("import datadog_agent\ndatadog_agent.write_persistent_cache('bad', 'v')\n");
    release_gil(rtl_test_rt, g);
    assert_int_equal(checked_calls, 2);
    assert_int_equal(fake_host_count("write_persistent_cache"), upstream_before + 1);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST_NOGIL(callbacks_every_setter_fills_its_slot),
    RTL_TEST_NOGIL(callbacks_setter_replaces_and_unsets),
    RTL_TEST_NOGIL(callbacks_setter_with_null_handle_stores_nothing),
    RTL_TEST_NOGIL(callbacks_cgo_free_calls_the_registered_function),
    RTL_TEST_NOGIL(callbacks_cgo_free_without_callback_does_nothing),
    RTL_TEST_NOGIL(callbacks_each_reached_from_python),
    RTL_TEST_NOGIL(callbacks_checked_cache_writer_raises),
};

RTL_TEST_MAIN(tests, rtl_test_group_setup, rtl_test_group_teardown)
