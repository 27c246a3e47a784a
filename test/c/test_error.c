/*
 * test_error.c - the error slot: has_error, get_error, clear_error. Spec
 * §1.2 (22-24): get_error consumes the error and never returns NULL; one
 * slot per instance, each new error overwrites the previous one.
 */
#include "rtl_test.h"

#include <stdlib.h>
#include <string.h>

/* Provokes an error whose text is known exactly. */
static void provoke(const char *module)
{
    rtloader_pyobject_t *m = NULL, *c = NULL;
    assert_int_equal(get_class(rtl_test_rt, module, &m, &c), 0);
}

static void error_none_pending_returns_empty_string(void **state)
{
    (void)state;
    assert_int_equal(has_error(rtl_test_rt), 0);
    const char *e = get_error(rtl_test_rt);
    assert_non_null(e);
    assert_string_equal(e, "");
    e = get_error(rtl_test_rt);
    assert_non_null(e);
    assert_string_equal(e, "");
    assert_int_equal(has_error(rtl_test_rt), 0);
}

static void error_get_error_consumes_the_error(void **state)
{
    (void)state;
    provoke("ctest_missing_a");
    assert_int_equal(has_error(rtl_test_rt), 1);
    assert_int_equal(has_error(rtl_test_rt), 1); /* has_error does not consume */
    const char *e = get_error(rtl_test_rt);
    assert_string_equal(e, "unable to import module 'ctest_missing_a': No module named 'ctest_missing_a'");
    assert_int_equal(has_error(rtl_test_rt), 0);
    assert_string_equal(get_error(rtl_test_rt), "");
}

static void error_clear_error_discards_the_error(void **state)
{
    (void)state;
    provoke("ctest_missing_b");
    assert_int_equal(has_error(rtl_test_rt), 1);
    clear_error(rtl_test_rt);
    assert_int_equal(has_error(rtl_test_rt), 0);
    assert_string_equal(get_error(rtl_test_rt), "");
    /* Clearing with nothing pending is harmless. */
    clear_error(rtl_test_rt);
    assert_int_equal(has_error(rtl_test_rt), 0);
}

static void error_new_error_overwrites_previous(void **state)
{
    (void)state;
    provoke("ctest_missing_first");
    provoke("ctest_missing_second");
    rtl_assert_error(rtl_test_rt,
                     "unable to import module 'ctest_missing_second': No module named 'ctest_missing_second'");
}

/* The error slot is usable without the GIL (error API: GIL none). */
static void error_api_works_without_the_gil(void **state)
{
    (void)state;
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    provoke("ctest_missing_c");
    release_gil(rtl_test_rt, g);
    assert_int_equal(has_error(rtl_test_rt), 1);
    rtl_assert_error(rtl_test_rt, "unable to import module 'ctest_missing_c': No module named 'ctest_missing_c'");
    g = ensure_gil(rtl_test_rt);
    provoke("ctest_missing_d");
    release_gil(rtl_test_rt, g);
    clear_error(rtl_test_rt);
    assert_int_equal(has_error(rtl_test_rt), 0);
}

/* Many errors in a row: the slot never accumulates rtloader allocations (checked by teardown). */
static void error_repeated_errors_are_balanced(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++) {
        provoke("ctest_missing_loop");
        if (i % 2) {
            assert_string_prefix(get_error(rtl_test_rt), "unable to import module 'ctest_missing_loop': ");
        }
    }
    clear_error(rtl_test_rt);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST(error_none_pending_returns_empty_string),
    RTL_TEST(error_get_error_consumes_the_error),
    RTL_TEST(error_clear_error_discards_the_error),
    RTL_TEST(error_new_error_overwrites_previous),
    RTL_TEST_NOGIL(error_api_works_without_the_gil),
    RTL_TEST(error_repeated_errors_are_balanced),
};

RTL_TEST_MAIN(tests, rtl_test_group_setup, rtl_test_group_teardown)
