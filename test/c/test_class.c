/*
 * test_class.c - get_class (discovery rule, errors), get_attr_string,
 * get_attr_bool, rtloader_incref / rtloader_decref. Spec §1.2 (12-14, 27,
 * 28), §4.3.
 */
#include "rtl_test.h"

#include <stdbool.h>

static char sentinel_obj;
#define SENTINEL ((rtloader_pyobject_t *)&sentinel_obj)
static char sentinel_str[] = "untouched";

/* The __name__ of a Python object, via get_attr_string (rtloader-owned copy, freed here). */
static void assert_name(rtloader_pyobject_t *obj, const char *expected)
{
    char *name = NULL;
    assert_int_equal(get_attr_string(rtl_test_rt, obj, "__name__", &name), 1);
    assert_string_equal(name, expected);
    rtloader_free(rtl_test_rt, name);
}

static void class_get_class_finds_the_check_class(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    assert_int_equal(get_class(rtl_test_rt, "ctest_good", &m, &c), 1);
    rtl_assert_no_error(rtl_test_rt);
    assert_non_null(m);
    assert_non_null(c);
    assert_name(m, "ctest_good");
    assert_name(c, "GoodCheck");
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

/* First name of dir() that is a strict subclass of AgentCheck without subclasses. */
static void class_get_class_discovery_rule(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    assert_int_equal(get_class(rtl_test_rt, "ctest_hierarchy", &m, &c), 1);
    rtl_assert_no_error(rtl_test_rt);
    assert_name(c, "Beta");
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

/* A candidate whose comparison with the base class raises is skipped, the error cleared. */
static void class_get_class_skips_candidate_failing_comparison(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    assert_int_equal(get_class(rtl_test_rt, "ctest_eq_raise", &m, &c), 1);
    rtl_assert_no_error(rtl_test_rt);
    assert_name(c, "Good");
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
    rtl_assert_py("import sys\n"
                  "assert sys.exc_info() == (None, None, None)\n");
}

/* Success returns new references to the module and the class. */
static void class_get_class_returns_new_references(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    rtl_assert_py("import sys, ctest_plain\n"
                  "_rc_mod = sys.getrefcount(ctest_plain)\n"
                  "_rc_cls = sys.getrefcount(ctest_plain.PlainCheck)\n");
    assert_int_equal(get_class(rtl_test_rt, "ctest_plain", &m, &c), 1);
    rtl_assert_py("assert sys.getrefcount(ctest_plain) == _rc_mod + 1, (sys.getrefcount(ctest_plain), _rc_mod)\n"
                  "assert sys.getrefcount(ctest_plain.PlainCheck) == _rc_cls + 1\n");
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
    rtl_assert_py("assert sys.getrefcount(ctest_plain) == _rc_mod\n"
                  "assert sys.getrefcount(ctest_plain.PlainCheck) == _rc_cls\n");
}

static void class_get_class_import_error(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = SENTINEL, *c = SENTINEL;
    assert_int_equal(get_class(rtl_test_rt, "ctest_does_not_exist", &m, &c), 0);
    assert_ptr_equal(m, SENTINEL);
    assert_ptr_equal(c, SENTINEL);
    rtl_assert_error(rtl_test_rt,
                     "unable to import module 'ctest_does_not_exist': No module named 'ctest_does_not_exist'");
}

/* On failure the out-parameters are never dereferenced: NULL is fine (the upstream tests do it). */
static void class_get_class_failure_with_null_outparams(void **state)
{
    (void)state;
    assert_int_equal(get_class(rtl_test_rt, "ctest_does_not_exist", NULL, NULL), 0);
    rtl_assert_error_like(rtl_test_rt, "unable to import module 'ctest_does_not_exist': ", NULL);
    assert_int_equal(get_class(rtl_test_rt, "ctest_noclass", NULL, NULL), 0);
    rtl_assert_error_like(rtl_test_rt, "unable to find a subclass of the base check in module 'ctest_noclass': ", NULL);
}

static void class_get_class_module_raising_at_import(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = SENTINEL, *c = SENTINEL;
    assert_int_equal(get_class(rtl_test_rt, "ctest_import_error", &m, &c), 0);
    assert_ptr_equal(m, SENTINEL);
    assert_ptr_equal(c, SENTINEL);
    rtl_assert_error_like(rtl_test_rt, "unable to import module 'ctest_import_error': ",
                          "import-time failure in ctest_import_error");
}

/* No subclass: error, out-params untouched, and the module reference released. */
static void class_get_class_no_subclass(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = SENTINEL, *c = SENTINEL;
    rtl_assert_py("import sys, ctest_noclass\n"
                  "_rc_mod = sys.getrefcount(ctest_noclass)\n");
    assert_int_equal(get_class(rtl_test_rt, "ctest_noclass", &m, &c), 0);
    assert_ptr_equal(m, SENTINEL);
    assert_ptr_equal(c, SENTINEL);
    rtl_assert_error(rtl_test_rt, "unable to find a subclass of the base check in module "
                                  "'ctest_noclass': cannot find a subclass");
    rtl_assert_py("assert sys.getrefcount(ctest_noclass) == _rc_mod, (sys.getrefcount(ctest_noclass), _rc_mod)\n");
}

/* ---- get_attr_string ---------------------------------------------------------------- */

static void class_get_attr_string_reads_module_version(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    char *v = NULL;
    assert_int_equal(get_class(rtl_test_rt, "ctest_good", &m, &c), 1);
    rtl_test_mem_delta();
    assert_int_equal(get_attr_string(rtl_test_rt, m, "__version__", &v), 1);
    rtl_assert_no_error(rtl_test_rt);
    assert_string_equal(v, "1.2.3");
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.allocations, 1); /* the copy, owned by the caller */
    rtloader_free(rtl_test_rt, v);
    assert_int_equal(get_attr_string(rtl_test_rt, m, "__file__", &v), 1);
    assert_string_equal(v, FIXTURES_DIR "/ctest_good.py");
    rtloader_free(rtl_test_rt, v);
    assert_int_equal(get_attr_string(rtl_test_rt, c, "STR_ATTR", &v), 1);
    assert_string_equal(v, "bar");
    rtloader_free(rtl_test_rt, v);
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

/* Missing attribute: 0, no rtloader error, no Python error left, out-param untouched. */
static void class_get_attr_string_missing_sets_no_error(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    char *v = sentinel_str;
    assert_int_equal(get_class(rtl_test_rt, "ctest_good", &m, &c), 1);
    assert_int_equal(get_attr_string(rtl_test_rt, m, "no_such_attribute", &v), 0);
    assert_ptr_equal(v, sentinel_str);
    assert_int_equal(has_error(rtl_test_rt), 0);
    assert_string_equal(get_error(rtl_test_rt), "");
    rtl_assert_py("import sys\n"
                  "assert sys.exc_info() == (None, None, None)\n");
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

static void class_get_attr_string_not_a_str(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    char *v = sentinel_str;
    assert_int_equal(get_class(rtl_test_rt, "ctest_good", &m, &c), 1);
    assert_int_equal(get_attr_string(rtl_test_rt, c, "INT_ATTR", &v), 0);
    assert_ptr_equal(v, sentinel_str);
    rtl_assert_error(rtl_test_rt, "error attribute INT_ATTR has a different type than unicode");
    assert_int_equal(get_attr_string(rtl_test_rt, c, "NONE_ATTR", &v), 0);
    assert_ptr_equal(v, sentinel_str);
    rtl_assert_error(rtl_test_rt, "error attribute NONE_ATTR has a different type than unicode");
    assert_int_equal(get_attr_string(rtl_test_rt, m, "MODULE_INT", &v), 0);
    assert_ptr_equal(v, sentinel_str);
    rtl_assert_error(rtl_test_rt, "error attribute MODULE_INT has a different type than unicode");
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

static void class_get_attr_string_unencodable(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    char *v = sentinel_str;
    assert_int_equal(get_class(rtl_test_rt, "ctest_good", &m, &c), 1);
    assert_int_equal(get_attr_string(rtl_test_rt, c, "BAD_STR", &v), 0);
    assert_ptr_equal(v, sentinel_str);
    rtl_assert_error(rtl_test_rt, "error converting attribute BAD_STR to string");
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

static void class_get_attr_string_null_object(void **state)
{
    (void)state;
    char *v = sentinel_str;
    assert_int_equal(get_attr_string(rtl_test_rt, NULL, "__name__", &v), 0);
    assert_ptr_equal(v, sentinel_str);
    assert_int_equal(has_error(rtl_test_rt), 0);
}

/* ---- get_attr_bool ------------------------------------------------------------------ */

static void class_get_attr_bool_reads_true_and_false(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    bool v = false;
    assert_int_equal(get_class(rtl_test_rt, "ctest_good", &m, &c), 1);
    assert_int_equal(get_attr_bool(rtl_test_rt, c, "HA_SUPPORTED", &v), 1);
    assert_true(v);
    v = true;
    assert_int_equal(get_attr_bool(rtl_test_rt, c, "FALSE_ATTR", &v), 1);
    assert_false(v);
    rtl_assert_no_error(rtl_test_rt);
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

static void class_get_attr_bool_missing(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    bool v = true;
    assert_int_equal(get_class(rtl_test_rt, "ctest_good", &m, &c), 1);
    assert_int_equal(get_attr_bool(rtl_test_rt, c, "MISSING_ATTR", &v), 0);
    assert_true(v);
    rtl_assert_error(rtl_test_rt, "error fetching attribute MISSING_ATTR does not exist");
    v = false;
    assert_int_equal(get_attr_bool(rtl_test_rt, c, "MISSING_ATTR", &v), 0);
    assert_false(v);
    rtl_assert_error(rtl_test_rt, "error fetching attribute MISSING_ATTR does not exist");
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

/* Exactly a bool: "bar", None and 1 are all rejected. */
static void class_get_attr_bool_not_a_bool(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    bool v = true;
    assert_int_equal(get_class(rtl_test_rt, "ctest_good", &m, &c), 1);
    assert_int_equal(get_attr_bool(rtl_test_rt, c, "STR_ATTR", &v), 0);
    rtl_assert_error(rtl_test_rt, "error attribute STR_ATTR has a different type than bool");
    assert_int_equal(get_attr_bool(rtl_test_rt, c, "NONE_ATTR", &v), 0);
    rtl_assert_error(rtl_test_rt, "error attribute NONE_ATTR has a different type than bool");
    assert_int_equal(get_attr_bool(rtl_test_rt, c, "INT_ATTR", &v), 0);
    rtl_assert_error(rtl_test_rt, "error attribute INT_ATTR has a different type than bool");
    assert_true(v);
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

static void class_get_attr_bool_null_object(void **state)
{
    (void)state;
    bool v = true;
    assert_int_equal(get_attr_bool(rtl_test_rt, NULL, "HA_SUPPORTED", &v), 0);
    assert_true(v);
    clear_error(rtl_test_rt);
}

/* ---- references ------------------------------------------------------------------ */

static void class_incref_decref_change_the_refcount(void **state)
{
    (void)state;
    rtloader_pyobject_t *m = NULL, *c = NULL;
    assert_int_equal(get_class(rtl_test_rt, "ctest_plain", &m, &c), 1);
    rtl_assert_py("import sys, ctest_plain\n"
                  "_rc0 = sys.getrefcount(ctest_plain.PlainCheck)\n");
    for (int i = 0; i < 5; i++) {
        rtloader_incref(rtl_test_rt, c);
    }
    rtl_assert_py("assert sys.getrefcount(ctest_plain.PlainCheck) == _rc0 + 5\n");
    for (int i = 0; i < 5; i++) {
        rtloader_decref(rtl_test_rt, c);
    }
    rtl_assert_py("assert sys.getrefcount(ctest_plain.PlainCheck) == _rc0\n");
    /* NULL is ignored (Py_XINCREF / Py_XDECREF). */
    rtloader_incref(rtl_test_rt, NULL);
    rtloader_decref(rtl_test_rt, NULL);
    rtloader_decref(rtl_test_rt, c);
    rtloader_decref(rtl_test_rt, m);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST(class_get_class_finds_the_check_class),
    RTL_TEST(class_get_class_discovery_rule),
    RTL_TEST(class_get_class_skips_candidate_failing_comparison),
    RTL_TEST(class_get_class_returns_new_references),
    RTL_TEST(class_get_class_import_error),
    RTL_TEST(class_get_class_failure_with_null_outparams),
    RTL_TEST(class_get_class_module_raising_at_import),
    RTL_TEST(class_get_class_no_subclass),
    RTL_TEST(class_get_attr_string_reads_module_version),
    RTL_TEST(class_get_attr_string_missing_sets_no_error),
    RTL_TEST(class_get_attr_string_not_a_str),
    RTL_TEST(class_get_attr_string_unencodable),
    RTL_TEST(class_get_attr_string_null_object),
    RTL_TEST(class_get_attr_bool_reads_true_and_false),
    RTL_TEST(class_get_attr_bool_missing),
    RTL_TEST(class_get_attr_bool_not_a_bool),
    RTL_TEST(class_get_attr_bool_null_object),
    RTL_TEST(class_incref_decref_change_the_refcount),
};

RTL_TEST_MAIN(tests, rtl_test_group_setup, rtl_test_group_teardown)
