/*
 * test_discover.c - discover_config. Our design (spec §1.2 17 leaves it
 * open): klass.discover(json.loads(service_json)), result json.dumps'd;
 * NULL with an error when the class has no discover() or anything fails.
 */
#include "rtl_test.h"

static rtloader_pyobject_t *class_of(const char *module)
{
    rtloader_pyobject_t *m = NULL, *c = NULL;
    assert_int_equal(get_class(rtl_test_rt, module, &m, &c), 1);
    rtloader_decref(rtl_test_rt, m);
    return c;
}

static void discover_config_calls_class_discover(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = class_of("ctest_good");
    rtl_test_mem_delta();
    char *r = discover_config(rtl_test_rt, c, "{\"host\": \"10.0.0.1\", \"ports\": [80, 443]}");
    assert_non_null(r);
    rtl_assert_no_error(rtl_test_rt);
    assert_string_equal(r, "[{\"host\": \"10.0.0.1\", \"port\": 80, \"klass\": \"GoodCheck\"}]");
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.allocations, 1);
    rtloader_free(rtl_test_rt, r);
    rtloader_decref(rtl_test_rt, c);
}

static void discover_config_none_result_is_null_json(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = class_of("ctest_good");
    char *r = discover_config(rtl_test_rt, c, "{\"none\": true}");
    assert_non_null(r);
    assert_string_equal(r, "null");
    rtloader_free(rtl_test_rt, r);
    rtloader_decref(rtl_test_rt, c);
}

static void discover_config_class_without_discover(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = class_of("ctest_plain");
    assert_null(discover_config(rtl_test_rt, c, "{\"host\": \"h\", \"ports\": [1]}"));
    rtl_assert_error_like(rtl_test_rt, "", "discover");
    rtloader_decref(rtl_test_rt, c);
}

static void discover_config_raising_discover(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = class_of("ctest_good");
    assert_null(discover_config(rtl_test_rt, c, "{\"raise\": \"boom\"}"));
    rtl_assert_error_like(rtl_test_rt, "", "discovery failed: boom");
    rtloader_decref(rtl_test_rt, c);
}

static void discover_config_invalid_service_json(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = class_of("ctest_good");
    assert_null(discover_config(rtl_test_rt, c, "{not json"));
    rtl_assert_error_like(rtl_test_rt, "", "Expecting property name");
    rtloader_decref(rtl_test_rt, c);
}

static void discover_config_null_class(void **state)
{
    (void)state;
    assert_null(discover_config(rtl_test_rt, NULL, "{}"));
    clear_error(rtl_test_rt);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST(discover_config_calls_class_discover),
    RTL_TEST(discover_config_none_result_is_null_json),
    RTL_TEST(discover_config_class_without_discover),
    RTL_TEST(discover_config_raising_discover),
    RTL_TEST(discover_config_invalid_service_json),
    RTL_TEST(discover_config_null_class),
};

RTL_TEST_MAIN(tests, rtl_test_group_setup, rtl_test_group_teardown)
