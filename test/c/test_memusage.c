/*
 * test_memusage.c - get_interpreter_memory_usage and has_subinterpreter_support
 * (functions of the current upstream header; spec §1.4 for the first).
 *
 * The fixture utils.py_mem (fixtures/memusage) returns what its MODE says.
 */
#include "rtl_test.h"

#include <stdio.h>
#include <string.h>

/*
 * `utils` is the contract's name, and a common one for installed packages:
 * the fixture goes FIRST on sys.path so no site package can shadow it.
 */
static int group_setup(void **state)
{
    (void)state;
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    int ok = run_simple_string(rtl_test_rt, "import sys\n"
                                            "sys.path.insert(0, '" FIXTURES_DIR "/memusage')\n");
    release_gil(rtl_test_rt, g);
    return ok == 1 ? 0 : -1;
}

static void set_mode(const char *mode)
{
    char code[256];
    snprintf(code, sizeof(code),
             "import utils.py_mem as m\n"
             "assert m.__file__.startswith('" FIXTURES_DIR "/memusage/'), m.__file__\n"
             "m.MODE = '%s'\n"
             "if not hasattr(m, 'get_mem_stats'):\n"
             "    m.get_mem_stats = m._saved\n",
             mode);
    rtl_assert_py(code);
}

static void memusage_returns_the_dict_as_json(void **state)
{
    (void)state;
    set_mode("dict");
    char *usage = get_interpreter_memory_usage(rtl_test_rt);
    rtl_assert_no_error(rtl_test_rt);
    assert_non_null(usage);
    assert_string_equal(usage, "{\"rss\": 1024, \"types\": {\"dict\": 3, \"list\": 2}, "
                               "\"label\": \"h\\u00e9\"}");
    rtloader_free(rtl_test_rt, usage);
}

/* Called without the GIL, as the Agent does: it takes the GIL itself. */
static void memusage_takes_the_gil(void **state)
{
    (void)state;
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    set_mode("dict");
    release_gil(rtl_test_rt, g);
    char *usage = get_interpreter_memory_usage(rtl_test_rt);
    assert_non_null(usage);
    assert_string_prefix(usage, "{\"rss\": 1024");
    rtloader_free(rtl_test_rt, usage);
}

static void memusage_function_raises(void **state)
{
    (void)state;
    set_mode("raise");
    assert_null(get_interpreter_memory_usage(rtl_test_rt));
    rtl_assert_error_like(rtl_test_rt, "error fetching interpreter memory usage: ",
                          "RuntimeError: no stats today");
}

static void memusage_not_a_dict(void **state)
{
    (void)state;
    set_mode("list");
    assert_null(get_interpreter_memory_usage(rtl_test_rt));
    rtl_assert_error(rtl_test_rt, "'get_mem_stats' did not return a dictionary");
}

static void memusage_missing_function(void **state)
{
    (void)state;
    set_mode("dict");
    rtl_assert_py("import utils.py_mem as m\n"
                  "m._saved = m.get_mem_stats\n"
                  "del m.get_mem_stats\n");
    assert_null(get_interpreter_memory_usage(rtl_test_rt));
    rtl_assert_error_like(rtl_test_rt, "could not fetch get_mem_stats attr: ",
                          "has no attribute 'get_mem_stats'");
    set_mode("dict");
}

static void memusage_module_missing(void **state)
{
    (void)state;
    /* a fresh import that finds nothing: hide the fixture for this call */
    rtl_assert_py("import sys\n"
                  "sys.modules['utils.py_mem'] = None\n");
    assert_null(get_interpreter_memory_usage(rtl_test_rt));
    rtl_assert_error_like(rtl_test_rt, "could not import utils.py_mem: ", "utils.py_mem");
    rtl_assert_py("import sys\n"
                  "del sys.modules['utils.py_mem']\n");
}

static void memusage_not_serializable(void **state)
{
    (void)state;
    set_mode("unserializable");
    assert_null(get_interpreter_memory_usage(rtl_test_rt));
    rtl_assert_error_like(rtl_test_rt, "'get_mem_stats' result could not be serialized: ",
                          "not JSON serializable");
}

static void memusage_no_subinterpreter_support(void **state)
{
    (void)state;
    assert_int_equal(has_subinterpreter_support(rtl_test_rt), 0);
    assert_int_equal(has_subinterpreter_support(NULL), 0);
    assert_null(get_interpreter_memory_usage(NULL));
}

static const struct CMUnitTest tests[] = {
    RTL_TEST(memusage_returns_the_dict_as_json),
    RTL_TEST_NOGIL(memusage_takes_the_gil),
    RTL_TEST(memusage_function_raises),
    RTL_TEST(memusage_not_a_dict),
    RTL_TEST(memusage_missing_function),
    RTL_TEST(memusage_module_missing),
    RTL_TEST(memusage_not_serializable),
    RTL_TEST_NOGIL(memusage_no_subinterpreter_support),
};

RTL_TEST_MAIN(tests, group_setup, rtl_test_group_teardown)
