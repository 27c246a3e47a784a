/*
 * test_null.c - NULL handling: every API function taking an rtloader_t*
 * given NULL returns its failure value (0, NULL, nothing) without crashing
 * and without touching out-parameters (header rule "Handle"); NULL Python
 * objects given to the check functions are no-ops / failures.
 *
 * The handle tests run twice: before any make3 (no backend loaded at all)
 * and while a real instance exists (which must be left untouched).
 */
#include "rtl_test.h"

#include <stdbool.h>

#include "fake_host.h"

static char sentinel_obj;
#define SENTINEL ((rtloader_pyobject_t *)&sentinel_obj)
static char sentinel_str[] = "untouched";

static void call_every_function_with_null_handle(void)
{
    rtloader_pyobject_t *m = SENTINEL, *c = SENTINEL, *check = SENTINEL;
    char *s = sentinel_str;
    bool b = true;
    char module[] = "ctest_attrs", attr[] = "null_handle_attr", value[] = "set";

    assert_int_equal(init(NULL), 0);
    assert_null(get_py_info(NULL));
    free_py_info(NULL, NULL);
    assert_int_equal(run_simple_string(NULL, "x = 1"), 0);
    assert_null(get_none(NULL));
    assert_int_equal(add_python_path(NULL, "/tmp"), 0);
    rtloader_gilstate_t g = ensure_gil(NULL);
    assert_true(g == DATADOG_AGENT_RTLOADER_GIL_LOCKED || g == DATADOG_AGENT_RTLOADER_GIL_UNLOCKED);
    release_gil(NULL, g);

    assert_int_equal(get_class(NULL, "ctest_good", &m, &c), 0);
    assert_ptr_equal(m, SENTINEL);
    assert_ptr_equal(c, SENTINEL);
    assert_int_equal(get_attr_string(NULL, SENTINEL, "__name__", &s), 0);
    assert_ptr_equal(s, sentinel_str);
    assert_int_equal(get_attr_bool(NULL, SENTINEL, "HA_SUPPORTED", &b), 0);
    assert_true(b);
    assert_int_equal(get_check(NULL, SENTINEL, "{}", "{}", "id", "name", "p", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    assert_int_equal(get_check_deprecated(NULL, SENTINEL, "{}", "{}", "{}", "id", "name", "p", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    assert_null(discover_config(NULL, SENTINEL, "{}"));
    assert_null(run_check(NULL, SENTINEL));
    cancel_check(NULL, SENTINEL);
    assert_null(get_checks_warnings(NULL, SENTINEL));
    assert_null(get_check_diagnoses(NULL, SENTINEL));

    assert_int_equal(has_error(NULL), 0);
    const char *e = get_error(NULL);
    assert_non_null(e);
    assert_string_equal(e, "");
    clear_error(NULL);

    rtloader_free(NULL, NULL);
    rtloader_decref(NULL, NULL);
    rtloader_incref(NULL, NULL);
    rtloader_decref(NULL, SENTINEL);
    rtloader_incref(NULL, SENTINEL);
    set_module_attr_string(NULL, module, attr, value);
    assert_null(get_integration_list(NULL));

    pymem_stats_t stats;
    stats.inuse = 111;
    stats.alloc = 222;
    init_pymem_stats(NULL);
    get_pymem_stats(NULL, &stats);
    assert_int_equal(stats.inuse, 111);
    assert_int_equal(stats.alloc, 222);

    /* Every setter: a no-op, no crash. */
    fake_host_register(NULL);

    destroy(NULL);
}

static void null_handle_before_make3(void **state)
{
    (void)state;
    enable_memory_tracker();
    rtl_test_mem_forget();
    call_every_function_with_null_handle();
}

/* With a live instance: NULL is still refused, and the instance is unaffected. */
static void null_handle_with_live_instance(void **state)
{
    (void)state;
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtl_test_mem_forget();

    call_every_function_with_null_handle();

    /* destroy(NULL) did not destroy the instance; set_module_attr_string(NULL) set nothing. */
    assert_int_equal(has_error(rtl_test_rt), 0);
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    assert_int_equal(g, DATADOG_AGENT_RTLOADER_GIL_UNLOCKED);
    rtl_assert_py("import ctest_attrs\n"
                  "assert not hasattr(ctest_attrs, 'null_handle_attr')\n");
    char *r = NULL;
    rtloader_pyobject_t *check = rtl_test_make_check("ctest_good", "{}", NULL);
    r = run_check(rtl_test_rt, check);
    assert_non_null(r);
    assert_string_equal(r, "");
    rtloader_free(rtl_test_rt, r);
    rtloader_decref(rtl_test_rt, check);
    release_gil(rtl_test_rt, g);
}

/* A real handle with NULL Python objects. */
static void null_objects_with_live_instance(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = SENTINEL;
    char *s = sentinel_str;
    bool b = true;

    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtl_test_mem_forget();
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);

    assert_null(run_check(rtl_test_rt, NULL));
    assert_int_equal(has_error(rtl_test_rt), 0);
    cancel_check(rtl_test_rt, NULL);
    assert_int_equal(has_error(rtl_test_rt), 0);
    assert_int_equal(get_attr_string(rtl_test_rt, NULL, "x", &s), 0);
    assert_ptr_equal(s, sentinel_str);
    assert_int_equal(has_error(rtl_test_rt), 0);
    assert_int_equal(get_attr_bool(rtl_test_rt, NULL, "x", &b), 0);
    assert_true(b);
    assert_null(get_checks_warnings(rtl_test_rt, NULL));
    assert_null(get_check_diagnoses(rtl_test_rt, NULL));
    assert_null(discover_config(rtl_test_rt, NULL, "{}"));
    assert_int_equal(get_check(rtl_test_rt, NULL, "{}", "{}", "id", "n", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    assert_int_equal(get_check_deprecated(rtl_test_rt, NULL, "{}", "{}", "{}", "id", "n", "", &check), 0);
    assert_ptr_equal(check, SENTINEL);
    rtloader_incref(rtl_test_rt, NULL);
    rtloader_decref(rtl_test_rt, NULL);
    free_py_info(rtl_test_rt, NULL);
    rtloader_free(rtl_test_rt, NULL);
    clear_error(rtl_test_rt);

    /* Still healthy. */
    assert_int_equal(run_simple_string(rtl_test_rt, "x = 1"), 1);
    release_gil(rtl_test_rt, g);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST_NOGIL(null_handle_before_make3),
    RTL_TEST_NOGIL(null_handle_with_live_instance),
    RTL_TEST_NOGIL(null_objects_with_live_instance),
};

RTL_TEST_MAIN(tests, NULL, NULL)
