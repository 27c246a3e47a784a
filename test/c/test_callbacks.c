/*
 * test_callbacks.c - the 29 set_*_cb setters and cgo_free (spec §1.2 30-60,
 * §2.4, §4.10).
 *
 * A dedicated unit test of internals: until the builtin modules exist
 * (their own tests, test_builtins_*.c, drive the callbacks from Python), the
 * effect of each setter is checked on the backend's process-wide callback
 * table (common/rtloader_backend.h), reached through the handle. cgo_free
 * is the backend's exported function, found with dlsym as a loaded builtin
 * module would find it.
 */
#include "rtl_test.h"

#include <dlfcn.h>

#include "fake_host.h"
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

static const struct CMUnitTest tests[] = {
    RTL_TEST_NOGIL(callbacks_every_setter_fills_its_slot),
    RTL_TEST_NOGIL(callbacks_setter_replaces_and_unsets),
    RTL_TEST_NOGIL(callbacks_setter_with_null_handle_stores_nothing),
    RTL_TEST_NOGIL(callbacks_cgo_free_calls_the_registered_function),
    RTL_TEST_NOGIL(callbacks_cgo_free_without_callback_does_nothing),
};

RTL_TEST_MAIN(tests, rtl_test_group_setup, rtl_test_group_teardown)
