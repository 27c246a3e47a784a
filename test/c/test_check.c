/*
 * test_check.c - get_check and get_check_deprecated: constructor keywords,
 * config parsing by klass.load_config, check_id, provider, error texts.
 * Spec §1.2 (15, 16), §4.4.
 */
#include "rtl_test.h"

static char sentinel_obj;
#define SENTINEL ((rtloader_pyobject_t *)&sentinel_obj)

static rtloader_pyobject_t *good_class(void)
{
    rtloader_pyobject_t *m = NULL, *c = NULL;
    assert_int_equal(get_class(rtl_test_rt, "ctest_good", &m, &c), 1);
    rtloader_decref(rtl_test_rt, m);
    return c;
}

/* Asserts get_attr_string(obj, attr) == expected, or that attr is missing when expected is NULL. */
static void assert_attr(rtloader_pyobject_t *obj, const char *attr, const char *expected)
{
    char *v = NULL;
    int ok = get_attr_string(rtl_test_rt, obj, attr, &v);
    if (expected == NULL) {
        assert_int_equal(ok, 0);
        assert_int_equal(has_error(rtl_test_rt), 0); /* missing, not mistyped */
        return;
    }
    if (ok != 1) {
        print_error("get_attr_string(%s) failed: %s\n", attr, get_error(rtl_test_rt));
        fail();
    }
    assert_string_equal(v, expected);
    rtloader_free(rtl_test_rt, v);
}

static void check_get_check_passes_constructor_keywords(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = NULL;
    assert_int_equal(get_check(rtl_test_rt, c, "{\"ic\": 1}", "{\"a\": 1}", "mycheck:abc", "mycheck",
                               "", &check),
                     1);
    rtl_assert_no_error(rtl_test_rt);
    assert_non_null(check);
    assert_attr(check, "ctor_args_json", "[]");
    assert_attr(check, "ctor_kwargs_json",
                "{\"init_config\": {\"ic\": 1}, \"instances\": [{\"a\": 1}], \"name\": \"mycheck\"}");
    assert_attr(check, "ctor_kwarg_types", "init_config=dict,instances=tuple,name=str");
    assert_attr(check, "check_id", "mycheck:abc");
    rtloader_decref(rtl_test_rt, check);
    rtloader_decref(rtl_test_rt, c);
}

/* *check is a new reference, the only one: decref frees the instance. */
static void check_get_check_returns_new_reference(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = NULL;
    rtl_assert_py("from datadog_checks.base.checks import LIVE_CHECKS\n"
                  "_live0 = len(LIVE_CHECKS)\n");
    assert_int_equal(get_check(rtl_test_rt, c, "{}", "{}", "id", "name", "", &check), 1);
    rtl_assert_py("assert len(LIVE_CHECKS) == _live0 + 1\n");
    rtloader_decref(rtl_test_rt, check);
    rtl_assert_py("assert len(LIVE_CHECKS) == _live0, len(LIVE_CHECKS)\n");
    rtloader_decref(rtl_test_rt, c);
}

static void check_get_check_empty_or_null_check_id_is_not_set(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = NULL;
    assert_int_equal(get_check(rtl_test_rt, c, "{}", "{}", "", "name", "", &check), 1);
    assert_attr(check, "check_id", NULL);
    rtloader_decref(rtl_test_rt, check);
    assert_int_equal(get_check(rtl_test_rt, c, "{}", "{}", NULL, "name", NULL, &check), 1);
    assert_attr(check, "check_id", NULL);
    rtloader_decref(rtl_test_rt, check);
    rtloader_decref(rtl_test_rt, c);
}

/* provider: an attribute of the instance when non-empty, never a constructor keyword. */
static void check_get_check_sets_provider_attribute(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = NULL;
    assert_int_equal(get_check(rtl_test_rt, c, "{}", "{}", "id", "name", "fake_provider", &check), 1);
    assert_attr(check, "provider", "fake_provider");
    assert_attr(check, "ctor_kwargs_json",
                "{\"init_config\": {}, \"instances\": [{}], \"name\": \"name\"}");
    rtloader_decref(rtl_test_rt, check);

    assert_int_equal(get_check(rtl_test_rt, c, "{}", "{}", "id", "name", "", &check), 1);
    assert_attr(check, "provider", NULL);
    rtloader_decref(rtl_test_rt, check);
    assert_int_equal(get_check(rtl_test_rt, c, "{}", "{}", "id", "name", NULL, &check), 1);
    assert_attr(check, "provider", NULL);
    rtloader_decref(rtl_test_rt, check);
    rtloader_decref(rtl_test_rt, c);
}

/* load_config("") is None: init_config becomes {}. */
static void check_get_check_empty_init_config_becomes_empty_dict(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = NULL;
    assert_int_equal(get_check(rtl_test_rt, c, "", "{\"x\": \"y\"}", "id", "name", "", &check), 1);
    assert_attr(check, "ctor_kwargs_json",
                "{\"init_config\": {}, \"instances\": [{\"x\": \"y\"}], \"name\": \"name\"}");
    rtloader_decref(rtl_test_rt, check);
    rtloader_decref(rtl_test_rt, c);
}

static void check_get_check_init_config_parse_error(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = SENTINEL;
    assert_int_equal(get_check(rtl_test_rt, c, "{not json", "{}", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    rtl_assert_error_like(rtl_test_rt, "error parsing init_config: ", "Expecting property name");
    rtloader_decref(rtl_test_rt, c);
}

static void check_get_check_init_config_not_a_dict(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = SENTINEL;
    assert_int_equal(get_check(rtl_test_rt, c, "[1, 2]", "{}", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    rtl_assert_error(rtl_test_rt, "error 'init_config' is not a dict");
    rtloader_decref(rtl_test_rt, c);
}

static void check_get_check_instance_parse_error(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = SENTINEL;
    assert_int_equal(get_check(rtl_test_rt, c, "{}", "{\"a\": ", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    rtl_assert_error_like(rtl_test_rt, "error parsing instance: ", "Expecting value");
    rtloader_decref(rtl_test_rt, c);
}

/* A non-dict instance, including load_config("") == None, is refused. */
static void check_get_check_instance_not_a_dict(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = SENTINEL;
    assert_int_equal(get_check(rtl_test_rt, c, "{}", "[]", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    rtl_assert_error(rtl_test_rt, "error instance is not a dict");
    assert_int_equal(get_check(rtl_test_rt, c, "{}", "", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    rtl_assert_error(rtl_test_rt, "error instance is not a dict");
    rtloader_decref(rtl_test_rt, c);
}

/* A raising constructor: the error is exactly the formatted traceback, no prefix. */
static void check_get_check_constructor_raises(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL, *check = SENTINEL;
    assert_int_equal(get_class(rtl_test_rt, "ctest_ctor_raise", &m, &c), 1);
    assert_int_equal(get_check(rtl_test_rt, c, "{}", "{}", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    assert_int_equal(has_error(rtl_test_rt), 1);
    const char *e = get_error(rtl_test_rt);
    assert_string_prefix(e, "Traceback (most recent call last):\n");
    assert_string_contains(e, "ctest_ctor_raise.py");
    assert_string_suffix(e, "ctest_ctor_raise.SkipInstanceError: The integration refused to load the "
                            "check configuration, it may be too old or too new.\n");
    assert_string_equal(get_error(rtl_test_rt), "");
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

static void check_get_check_null_class(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = SENTINEL;
    assert_int_equal(get_check(rtl_test_rt, NULL, "{}", "{}", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    clear_error(rtl_test_rt);
}

/* ---- get_check_deprecated: (init_config, instance, agent_config, check_id, check_name, provider) */

static void check_get_check_deprecated_passes_agent_config(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = NULL;
    assert_int_equal(get_check_deprecated(rtl_test_rt, c, "{\"ic\": 2}", "{\"b\": 2}",
                                          "{\"hostname\": \"h\"}", "dep:1", "dep", "fake_provider",
                                          &check),
                     1);
    rtl_assert_no_error(rtl_test_rt);
    assert_attr(check, "ctor_kwargs_json",
                "{\"agentConfig\": {\"hostname\": \"h\"}, \"init_config\": {\"ic\": 2}, "
                "\"instances\": [{\"b\": 2}], \"name\": \"dep\"}");
    assert_attr(check, "ctor_kwarg_types",
                "agentConfig=dict,init_config=dict,instances=tuple,name=str");
    assert_attr(check, "check_id", "dep:1");
    assert_attr(check, "provider", "fake_provider");
    rtloader_decref(rtl_test_rt, check);
    rtloader_decref(rtl_test_rt, c);
}

static void check_get_check_deprecated_agent_config_parse_error(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = SENTINEL;
    assert_int_equal(get_check_deprecated(rtl_test_rt, c, "{}", "{}", "{bad", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    rtl_assert_error_like(rtl_test_rt, "error parsing agent_config: ", "Expecting property name");
    rtloader_decref(rtl_test_rt, c);
}

static void check_get_check_deprecated_agent_config_not_a_dict(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = SENTINEL;
    assert_int_equal(get_check_deprecated(rtl_test_rt, c, "{}", "{}", "[1]", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    rtl_assert_error(rtl_test_rt, "error agent_config is not a dict");
    rtloader_decref(rtl_test_rt, c);
}

/* The deprecated path checks init_config and instance like get_check. */
static void check_get_check_deprecated_config_errors(void **state)
{
    (void)state;
    rtloader_pyobject_t *c = good_class(), *check = SENTINEL;
    assert_int_equal(get_check_deprecated(rtl_test_rt, c, "[]", "{}", "{}", "id", "name", "", &check), 0);
    rtl_assert_error(rtl_test_rt, "error 'init_config' is not a dict");
    assert_int_equal(get_check_deprecated(rtl_test_rt, c, "{}", "3", "{}", "id", "name", "", &check), 0);
    rtl_assert_error(rtl_test_rt, "error instance is not a dict");
    assert_ptr_equal(check, SENTINEL);
    rtloader_decref(rtl_test_rt, c);
}

static void check_get_check_deprecated_constructor_raises(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL, *check = SENTINEL;
    assert_int_equal(get_class(rtl_test_rt, "ctest_ctor_raise", &m, &c), 1);
    assert_int_equal(get_check_deprecated(rtl_test_rt, c, "{}", "{}", "{}", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    rtl_assert_error_like(rtl_test_rt, "Traceback (most recent call last):\n",
                          "The integration refused to load the check configuration");
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

static void check_get_check_deprecated_null_class(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = SENTINEL;
    assert_int_equal(get_check_deprecated(rtl_test_rt, NULL, "{}", "{}", "{}", "id", "name", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    clear_error(rtl_test_rt);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST(check_get_check_passes_constructor_keywords),
    RTL_TEST(check_get_check_returns_new_reference),
    RTL_TEST(check_get_check_empty_or_null_check_id_is_not_set),
    RTL_TEST(check_get_check_sets_provider_attribute),
    RTL_TEST(check_get_check_empty_init_config_becomes_empty_dict),
    RTL_TEST(check_get_check_init_config_parse_error),
    RTL_TEST(check_get_check_init_config_not_a_dict),
    RTL_TEST(check_get_check_instance_parse_error),
    RTL_TEST(check_get_check_instance_not_a_dict),
    RTL_TEST(check_get_check_constructor_raises),
    RTL_TEST(check_get_check_null_class),
    RTL_TEST(check_get_check_deprecated_passes_agent_config),
    RTL_TEST(check_get_check_deprecated_agent_config_parse_error),
    RTL_TEST(check_get_check_deprecated_agent_config_not_a_dict),
    RTL_TEST(check_get_check_deprecated_config_errors),
    RTL_TEST(check_get_check_deprecated_constructor_raises),
    RTL_TEST(check_get_check_deprecated_null_class),
};

RTL_TEST_MAIN(tests, rtl_test_group_setup, rtl_test_group_teardown)
