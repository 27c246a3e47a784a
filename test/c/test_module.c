/*
 * test_module.c - set_module_attr_string and get_integration_list.
 * Spec §1.2 (29, 46), §4.6.
 */
#include "rtl_test.h"

/* ---- set_module_attr_string --------------------------------------------------------- */

static void module_set_attr_string_sets_a_str(void **state)
{
    (void)state;
    char module[] = "ctest_attrs", attr[] = "answer", value[] = "forty-two";
    set_module_attr_string(rtl_test_rt, module, attr, value);
    rtl_assert_no_error(rtl_test_rt);
    /* The strings were copied: the host may reuse its buffers. */
    value[0] = 'X';
    rtl_assert_py("import ctest_attrs\n"
                  "assert ctest_attrs.answer == 'forty-two', ctest_attrs.answer\n"
                  "assert type(ctest_attrs.answer) is str\n");
    char existing[] = "existing", now[] = "new";
    set_module_attr_string(rtl_test_rt, module, existing, now);
    rtl_assert_py("import ctest_attrs\n"
                  "assert ctest_attrs.existing == 'new'\n");
}

/* A module imported for the first time by set_module_attr_string (psutil.PROCFS_PATH style). */
static void module_set_attr_string_imports_the_module(void **state)
{
    (void)state;
    char module[] = "ctest_plain", attr[] = "PROCFS_PATH", value[] = "/host/proc";
    rtl_assert_py("import sys\n"
                  "assert 'ctest_plain' not in sys.modules\n");
    set_module_attr_string(rtl_test_rt, module, attr, value);
    rtl_assert_no_error(rtl_test_rt);
    rtl_assert_py("import sys\n"
                  "assert sys.modules['ctest_plain'].PROCFS_PATH == '/host/proc'\n");
}

static void module_set_attr_string_import_error(void **state)
{
    (void)state;
    char module[] = "ctest_missing_module", attr[] = "a", value[] = "b";
    set_module_attr_string(rtl_test_rt, module, attr, value);
    rtl_assert_error(rtl_test_rt, "error importing python 'ctest_missing_module' module: No module "
                                  "named 'ctest_missing_module'");
}

static void module_set_attr_string_setattr_error(void **state)
{
    (void)state;
    char module[] = "ctest_readonly_module", attr[] = "answer", value[] = "42";
    set_module_attr_string(rtl_test_rt, module, attr, value);
    rtl_assert_error_like(rtl_test_rt, "error setting the 'ctest_readonly_module.answer' attribute: ",
                          "read-only module: cannot set answer");
    rtl_assert_py("import ctest_readonly_module\n"
                  "assert not hasattr(ctest_readonly_module, 'answer')\n");
}

/* ---- get_integration_list ------------------------------------------------------------ */

static void module_integration_list_is_json(void **state)
{
    (void)state;
    char *list = get_integration_list(rtl_test_rt);
    assert_non_null(list);
    rtl_assert_no_error(rtl_test_rt);
    assert_string_equal(list, "[\"foo\", \"bar\", \"baz\"]");
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.allocations, 1);
    rtloader_free(rtl_test_rt, list);
}

/* Takes the GIL itself: callable without holding it (and with, see the test above). */
static void module_integration_list_takes_the_gil(void **state)
{
    (void)state;
    char *list = get_integration_list(rtl_test_rt);
    assert_non_null(list);
    assert_string_equal(list, "[\"foo\", \"bar\", \"baz\"]");
    rtloader_free(rtl_test_rt, list);
    /* ... and gave it back: this thread does not hold it. */
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    assert_int_equal(g, DATADOG_AGENT_RTLOADER_GIL_UNLOCKED);
    release_gil(rtl_test_rt, g);
}

static void module_integration_list_import_error(void **state)
{
    (void)state;
    rtl_assert_py("import sys\n"
                  "sys.modules['datadog_checks.base.utils.agent.packages'] = None\n");
    char *list = get_integration_list(rtl_test_rt);
    rtl_assert_py("import sys\n"
                  "del sys.modules['datadog_checks.base.utils.agent.packages']\n");
    assert_null(list);
    rtl_assert_error_like(rtl_test_rt, "could not import datadog_checks.base.utils.agent.packages: ",
                          "datadog_checks.base.utils.agent.packages");
}

static void module_integration_list_missing_function(void **state)
{
    (void)state;
    rtl_assert_py("import datadog_checks.base.utils.agent.packages as p\n"
                  "_saved_wheels = p.get_datadog_wheels\n"
                  "del p.get_datadog_wheels\n");
    char *list = get_integration_list(rtl_test_rt);
    rtl_assert_py("p.get_datadog_wheels = _saved_wheels\n");
    assert_null(list);
    rtl_assert_error(rtl_test_rt, "could not fetch get_datadog_wheels attr: module "
                                  "'datadog_checks.base.utils.agent.packages' has no attribute "
                                  "'get_datadog_wheels'");
}

static void module_integration_list_function_raises(void **state)
{
    (void)state;
    rtl_assert_py("import datadog_checks.base.utils.agent.packages as p\n"
                  "_saved_wheels = p.get_datadog_wheels\n"
                  "def _raising():\n"
                  "    raise ValueError('no wheels today')\n"
                  "p.get_datadog_wheels = _raising\n");
    char *list = get_integration_list(rtl_test_rt);
    rtl_assert_py("p.get_datadog_wheels = _saved_wheels\n");
    assert_null(list);
    rtl_assert_error_like(rtl_test_rt, "error fetching wheels list: ", "ValueError: no wheels today");
}

static void module_integration_list_not_a_list(void **state)
{
    (void)state;
    rtl_assert_py("import datadog_checks.base.utils.agent.packages as p\n"
                  "_saved_wheels = p.get_datadog_wheels\n"
                  "p.get_datadog_wheels = lambda: ('foo', 'bar')\n");
    char *list = get_integration_list(rtl_test_rt);
    rtl_assert_py("p.get_datadog_wheels = _saved_wheels\n");
    assert_null(list);
    rtl_assert_error(rtl_test_rt, "'get_datadog_wheels' did not return a list");
}

static void module_integration_list_not_serializable(void **state)
{
    (void)state;
    rtl_assert_py("import datadog_checks.base.utils.agent.packages as p\n"
                  "_saved_wheels = p.get_datadog_wheels\n"
                  "p.get_datadog_wheels = lambda: ['foo', object()]\n");
    char *list = get_integration_list(rtl_test_rt);
    rtl_assert_py("p.get_datadog_wheels = _saved_wheels\n");
    assert_null(list);
    rtl_assert_error_like(rtl_test_rt, "'packages' could not be serialized to yaml: ",
                          "is not JSON serializable");
}

static const struct CMUnitTest tests[] = {
    RTL_TEST(module_set_attr_string_sets_a_str),
    RTL_TEST(module_set_attr_string_imports_the_module),
    RTL_TEST(module_set_attr_string_import_error),
    RTL_TEST(module_set_attr_string_setattr_error),
    RTL_TEST(module_integration_list_is_json),
    RTL_TEST_NOGIL(module_integration_list_takes_the_gil),
    RTL_TEST(module_integration_list_import_error),
    RTL_TEST(module_integration_list_missing_function),
    RTL_TEST(module_integration_list_function_raises),
    RTL_TEST(module_integration_list_not_a_list),
    RTL_TEST(module_integration_list_not_serializable),
};

RTL_TEST_MAIN(tests, rtl_test_group_setup, rtl_test_group_teardown)
