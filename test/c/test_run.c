/*
 * test_run.c - run_check, cancel_check, get_checks_warnings,
 * get_check_diagnoses. Spec §1.2 (18-21), §4.5, §4.7.
 * The check is ctest_good.GoodCheck; its instance chooses the behaviour.
 */
#include "rtl_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static rtloader_pyobject_t *check_with(const char *instance_json)
{
    return rtl_test_make_check("ctest_good", instance_json, NULL);
}

/* ---- run_check ------------------------------------------------------------------ */

static void run_check_success_returns_empty_string(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{}");
    rtl_test_mem_delta();
    char *r = run_check(rtl_test_rt, check);
    assert_non_null(r);
    assert_string_equal(r, "");
    rtl_assert_no_error(rtl_test_rt);
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.allocations, 1); /* the returned copy */
    rtloader_free(rtl_test_rt, r);
    s = rtl_test_mem_delta();
    assert_int_equal(s.frees, 1);
    /* Calls run() each time. */
    r = run_check(rtl_test_rt, check);
    rtloader_free(rtl_test_rt, r);
    rtl_assert_py("from datadog_checks.base.checks import LIVE_CHECKS\n"
                  "assert [c.runs for c in LIVE_CHECKS] == [2], [c.runs for c in LIVE_CHECKS]\n");
    rtloader_decref(rtl_test_rt, check);
}

static void run_check_returns_the_error_text(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{\"run_result\": \"[{\\\"message\\\": \\\"boom\\\"}]\"}");
    char *r = run_check(rtl_test_rt, check);
    assert_non_null(r);
    assert_string_equal(r, "[{\"message\": \"boom\"}]");
    rtl_assert_no_error(rtl_test_rt);
    rtloader_free(rtl_test_rt, r);
    rtloader_decref(rtl_test_rt, check);
}

static void run_check_raising_run(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{\"run_raise\": \"run exploded\"}");
    assert_null(run_check(rtl_test_rt, check));
    assert_int_equal(has_error(rtl_test_rt), 1);
    const char *e = get_error(rtl_test_rt);
    assert_string_prefix(e, "error invoking 'run' method: Traceback (most recent call last):\n");
    assert_string_suffix(e, "Exception: run exploded\n");
    assert_int_equal(has_error(rtl_test_rt), 0);
    rtloader_decref(rtl_test_rt, check);
}

/* A non-str result with no Python error: the message ends with ": ". */
static void run_check_non_str_result(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{\"run_result\": 42}");
    assert_null(run_check(rtl_test_rt, check));
    rtl_assert_error(rtl_test_rt, "error invoking 'run' method: ");
    rtloader_decref(rtl_test_rt, check);
    check = check_with("{\"run_result\": null}");
    assert_null(run_check(rtl_test_rt, check));
    rtl_assert_error(rtl_test_rt, "error invoking 'run' method: ");
    rtloader_decref(rtl_test_rt, check);
}

static void run_check_unencodable_result(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{\"run_result\": \"\\udcff\"}");
    assert_null(run_check(rtl_test_rt, check));
    rtl_assert_error(rtl_test_rt, "error converting 'run' result to string");
    rtloader_decref(rtl_test_rt, check);
}

static void run_check_null_check(void **state)
{
    (void)state;
    assert_null(run_check(rtl_test_rt, NULL));
    assert_int_equal(has_error(rtl_test_rt), 0);
}

/* ---- cancel_check ----------------------------------------------------------------- */

static void run_cancel_check_calls_cancel(void **state)
{
    (void)state;
    bool cancelled = true;
    rtloader_pyobject_t *check = check_with("{}");
    assert_int_equal(get_attr_bool(rtl_test_rt, check, "cancelled", &cancelled), 1);
    assert_false(cancelled);
    cancel_check(rtl_test_rt, check);
    rtl_assert_no_error(rtl_test_rt);
    assert_int_equal(get_attr_bool(rtl_test_rt, check, "cancelled", &cancelled), 1);
    assert_true(cancelled);
    rtloader_decref(rtl_test_rt, check);
}

static void run_cancel_check_error(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{\"cancel_raise\": \"cancel failed\"}");
    cancel_check(rtl_test_rt, check);
    assert_int_equal(has_error(rtl_test_rt), 1);
    const char *e = get_error(rtl_test_rt);
    assert_string_prefix(e, "error invoking 'cancel' method: Traceback (most recent call last):\n");
    assert_string_suffix(e, "Exception: cancel failed\n");
    assert_string_equal(get_error(rtl_test_rt), "");
    rtloader_decref(rtl_test_rt, check);
}

static void run_cancel_check_null_check(void **state)
{
    (void)state;
    cancel_check(rtl_test_rt, NULL);
    assert_int_equal(has_error(rtl_test_rt), 0);
}

/* ---- get_checks_warnings ----------------------------------------------------------- */

static void free_warnings(char **w)
{
    for (size_t i = 0; w[i] != NULL; i++) {
        rtloader_free(rtl_test_rt, w[i]);
    }
    rtloader_free(rtl_test_rt, w);
}

static void run_warnings_in_order(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{\"warnings\": [\"warn 1\", \"warn 2\", \"warn 3\"]}");
    char **w = get_checks_warnings(rtl_test_rt, check);
    assert_non_null(w);
    rtl_assert_no_error(rtl_test_rt);
    assert_string_equal(w[0], "warn 1");
    assert_string_equal(w[1], "warn 2");
    assert_string_equal(w[2], "warn 3");
    assert_null(w[3]);
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.allocations, 4); /* the array and each string */
    free_warnings(w);
    s = rtl_test_mem_delta();
    assert_int_equal(s.frees, 4);
    rtloader_decref(rtl_test_rt, check);
}

static void run_warnings_empty_list(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{}");
    char **w = get_checks_warnings(rtl_test_rt, check);
    assert_non_null(w);
    assert_null(w[0]);
    rtl_assert_no_error(rtl_test_rt);
    free_warnings(w);
    rtloader_decref(rtl_test_rt, check);
}

/* Our fix of upstream: a non-str element is skipped, it does not truncate the array. */
static void run_warnings_non_str_elements_are_skipped(void **state)
{
    (void)state;
    rtloader_pyobject_t *check =
        check_with("{\"warnings\": [\"w1\", 42, \"w2\", null, \"w3\", {\"k\": 1}, \"w4\"]}");
    char **w = get_checks_warnings(rtl_test_rt, check);
    assert_non_null(w);
    rtl_assert_no_error(rtl_test_rt);
    assert_string_equal(w[0], "w1");
    assert_non_null(w[1]);
    assert_string_equal(w[1], "w2");
    assert_non_null(w[2]);
    assert_string_equal(w[2], "w3");
    assert_non_null(w[3]);
    assert_string_equal(w[3], "w4");
    assert_null(w[4]);
    free_warnings(w);
    rtloader_decref(rtl_test_rt, check);
}

static void run_warnings_raising_get_warnings(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{\"warnings_raise\": \"warnings broke\"}");
    assert_null(get_checks_warnings(rtl_test_rt, check));
    rtl_assert_error_like(rtl_test_rt, "error invoking 'get_warnings' method: ",
                          "Exception: warnings broke");
    rtloader_decref(rtl_test_rt, check);
}

static void run_warnings_not_a_list(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{\"warnings\": null}");
    assert_null(get_checks_warnings(rtl_test_rt, check));
    rtl_assert_error_like(rtl_test_rt, "error computing 'len(warnings)': ", NULL);
    rtloader_decref(rtl_test_rt, check);
}

static void run_warnings_null_check(void **state)
{
    (void)state;
    assert_null(get_checks_warnings(rtl_test_rt, NULL));
    clear_error(rtl_test_rt);
}

/* ---- get_check_diagnoses ------------------------------------------------------------ */

#define DIAG_PREFIX                                                                                \
    "[{\"result\":3, \"diagnosis\": \"check's get_diagnoses() method failed\", \"rawerror\": \""

static void run_diagnoses_returned_as_is(void **state)
{
    (void)state;
    rtloader_pyobject_t *check =
        check_with("{\"diagnoses\": \"[{\\\"result\\\": 0, \\\"diagnosis\\\": \\\"fine\\\"}]\"}");
    char *d = get_check_diagnoses(rtl_test_rt, check);
    assert_non_null(d);
    assert_string_equal(d, "[{\"result\": 0, \"diagnosis\": \"fine\"}]");
    rtl_assert_no_error(rtl_test_rt);
    rtloader_free(rtl_test_rt, d);
    rtloader_decref(rtl_test_rt, check);

    check = check_with("{}");
    d = get_check_diagnoses(rtl_test_rt, check);
    assert_string_equal(d, "[]");
    rtloader_free(rtl_test_rt, d);
    rtloader_decref(rtl_test_rt, check);
}

/*
 * A raising get_diagnoses: the synthesized document carries the formatted
 * traceback, JSON-escaped (" \ \b \f \n \r \t short escapes, \u00XX below 0x20).
 * No rtloader error is set.
 */
static void run_diagnoses_raise_synthesized_and_escaped(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{\"diagnoses_raise\": true}");
    char *d = get_check_diagnoses(rtl_test_rt, check);
    assert_non_null(d);
    assert_int_equal(has_error(rtl_test_rt), 0);
    assert_string_prefix(d, DIAG_PREFIX "Traceback (most recent call last):\\n");
    assert_string_suffix(d, "Exception: quote \\\" backslash \\\\ nl \\n tab \\t cr \\r bs \\b ff "
                            "\\f ctl \\u0001 end\\n\"}]");
    /* No raw control character survives. */
    for (const char *p = d; *p; p++) {
        assert_true((unsigned char)*p >= 0x20);
    }
    /* And it is valid JSON carrying exactly the traceback. */
    const char *path = rtl_test_write_tmp(d, strlen(d));
    char code[1024];
    snprintf(code, sizeof(code),
             "import json, ctest_good\n"
             "with open('%s', encoding='utf-8') as f:\n"
             "    doc = json.load(f)\n"
             "assert isinstance(doc, list) and len(doc) == 1, doc\n"
             "assert doc[0]['result'] == 3, doc\n"
             "assert doc[0]['diagnosis'] == \"check's get_diagnoses() method failed\", doc\n"
             "assert doc[0]['rawerror'].startswith('Traceback (most recent call last):\\n'), doc\n"
             "assert doc[0]['rawerror'].endswith('Exception: ' + ctest_good.DIAGNOSES_MESSAGE + '\\n'), doc\n",
             path);
    rtl_assert_py(code);
    unlink(path);
    rtloader_free(rtl_test_rt, d);
    rtloader_decref(rtl_test_rt, check);
}

static void run_diagnoses_non_str_synthesized(void **state)
{
    (void)state;
    rtloader_pyobject_t *check = check_with("{\"diagnoses\": 42}");
    char *d = get_check_diagnoses(rtl_test_rt, check);
    assert_non_null(d);
    assert_int_equal(has_error(rtl_test_rt), 0);
    assert_string_equal(d, DIAG_PREFIX "error converting 'get_diagnoses' result to string\"}]");
    rtloader_free(rtl_test_rt, d);
    rtloader_decref(rtl_test_rt, check);
}

static void run_diagnoses_null_check(void **state)
{
    (void)state;
    assert_null(get_check_diagnoses(rtl_test_rt, NULL));
    clear_error(rtl_test_rt);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST(run_check_success_returns_empty_string),
    RTL_TEST(run_check_returns_the_error_text),
    RTL_TEST(run_check_raising_run),
    RTL_TEST(run_check_non_str_result),
    RTL_TEST(run_check_unencodable_result),
    RTL_TEST(run_check_null_check),
    RTL_TEST(run_cancel_check_calls_cancel),
    RTL_TEST(run_cancel_check_error),
    RTL_TEST(run_cancel_check_null_check),
    RTL_TEST(run_warnings_in_order),
    RTL_TEST(run_warnings_empty_list),
    RTL_TEST(run_warnings_non_str_elements_are_skipped),
    RTL_TEST(run_warnings_raising_get_warnings),
    RTL_TEST(run_warnings_not_a_list),
    RTL_TEST(run_warnings_null_check),
    RTL_TEST(run_diagnoses_returned_as_is),
    RTL_TEST(run_diagnoses_raise_synthesized_and_escaped),
    RTL_TEST(run_diagnoses_non_str_synthesized),
    RTL_TEST(run_diagnoses_null_check),
};

RTL_TEST_MAIN(tests, rtl_test_group_setup, rtl_test_group_teardown)
