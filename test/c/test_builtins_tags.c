/*
 * test_builtins_tags.c - the tags argument conversion (three/builtins/tags.c).
 *
 * Every test ends with the allocator-balance check of the per-test teardown
 * and, where a Python object was converted, with its refcount restored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "builtins_test_support.h"
#include "tags.h"

/* Converts `expr`, checks the result is exactly `expected` (NULL-terminated). */
static void check_tags(const char *expr, const char *const *expected, int on_stack)
{
    PyObject *obj = bt_eval(expr);
    Py_ssize_t refs = Py_REFCNT(obj);
    struct tags t;
    size_t i;

    assert_int_equal(tags_convert(obj, &t), 0);
    assert_non_null(t.array);
    for (i = 0; expected[i] != NULL; i++) {
        assert_non_null(t.array[i]);
        assert_string_equal(t.array[i], expected[i]);
    }
    assert_null(t.array[i]);
    assert_int_equal(t.array == t.stack, on_stack);
    tags_release(&t);
    assert_null(t.array);
    assert_int_equal(Py_REFCNT(obj), refs);
    Py_DECREF(obj);
}

/* Converts `expr`, expects failure with exactly this exception. */
static void check_error(const char *expr, PyObject *type, const char *message)
{
    PyObject *obj = bt_eval(expr);
    Py_ssize_t refs = Py_REFCNT(obj);
    struct tags t;

    assert_int_equal(tags_convert(obj, &t), -1);
    bt_assert_error(type, message);
    assert_null(t.array);
    tags_release(&t); /* documented as safe after a failure */
    assert_int_equal(Py_REFCNT(obj), refs);
    Py_DECREF(obj);
}

static void tags_list(void **state)
{
    static const char *const want[] = {"a:1", "b:2", NULL};

    (void)state;
    check_tags("['a:1', 'b:2']", want, 1);
}

static void tags_tuple(void **state)
{
    static const char *const want[] = {"a:1", "b:2", NULL};

    (void)state;
    check_tags("('a:1', 'b:2')", want, 1);
}

static void tags_empty_list_gives_null_only(void **state)
{
    static const char *const want[] = {NULL};

    (void)state;
    check_tags("[]", want, 1);
    check_tags("()", want, 1);
}

static void tags_non_str_items_skipped(void **state)
{
    static const char *const want[] = {"a", "x", "b", NULL};

    (void)state;
    check_tags("['a', 1, None, b'x', 2.5, ['y'], bytearray(b'z'), 'b']", want, 1);
}

/* Upstream's as_string takes bytes as UTF-8: b"env:prod" is the tag env:prod. */
static void tags_bytes_as_utf8(void **state)
{
    static const char *const want[] = {"env:prod", "role:db", "caf\xc3\xa9", NULL};

    (void)state;
    check_tags("[b'env:prod', 'role:db', 'caf\u00e9'.encode()]", want, 1);
}

/* Bytes that are not UTF-8 or hold a NUL are skipped, like undecodable str. */
static void tags_bad_bytes_skipped(void **state)
{
    static const char *const want[] = {"ok", NULL};

    (void)state;
    check_tags("[b'\\xff', b'a\\x00b', b'\\xc0\\x80', b'\\xed\\xa0\\x80', b'\\xf4\\x90\\x80\\x80',"
               " b'\\xe2\\x82', 'ok']",
               want, 1);
}

static void tags_str_rejected(void **state)
{
    (void)state;
    check_error("'ab'", PyExc_TypeError, "tags must be a sequence");
    check_error("''", PyExc_TypeError, "tags must be a sequence");
    check_error("b'ab'", PyExc_TypeError, "tags must be a sequence");
    check_error("bytearray(b'ab')", PyExc_TypeError, "tags must be a sequence");
}

static void tags_non_sequence_rejected(void **state)
{
    (void)state;
    check_error("42", PyExc_TypeError, "tags must be a sequence");
    check_error("None", PyExc_TypeError, "tags must be a sequence");
    check_error("{'a': 1}", PyExc_TypeError, "tags must be a sequence");
    check_error("{'a'}", PyExc_TypeError, "tags must be a sequence");
    check_error("(x for x in ['a'])", PyExc_TypeError, "tags must be a sequence");
}

static void tags_len_failure(void **state)
{
    (void)state;
    check_error("type('S', (), {'__len__': lambda s: 1 // 0, '__getitem__': lambda s, i: 'a'})()",
                PyExc_RuntimeError, "could not compute tags length");
}

static void tags_other_sequences(void **state)
{
    static const char *const want[] = {"x", "y", NULL};
    static const char *const want_range[] = {NULL};

    (void)state;
    /* A list subclass and a user sequence behave like lists. */
    check_tags("type('L', (list,), {})(['x', 'y'])", want, 1);
    check_tags("type('S', (), {'__len__': lambda s: 2,"
               " '__getitem__': lambda s, i: ['x', 'y'][i]})()",
               want, 1);
    check_tags("range(3)", want_range, 1); /* ints only: all skipped */
}

static void tags_getitem_failure_propagates(void **state)
{
    (void)state;
    check_error("type('S', (), {'__len__': lambda s: 2,"
                " '__getitem__': lambda s, i: 1 // 0})()",
                PyExc_ZeroDivisionError, "integer division or modulo by zero");
}

static void tags_embedded_nul_skipped(void **state)
{
    static const char *const want[] = {"c", "d\xc3\xa9", NULL};

    (void)state;
    check_tags("['a\\x00b', 'c', '\\x00', 'd\\u00e9', '\\u00e9\\x00']", want, 1);
}

static void tags_non_ascii(void **state)
{
    static const char *const want[] = {"\xc3\xa9:\xc3\xbc", "\xe6\x97\xa5\xe6\x9c\xac",
                                       "\xf0\x9f\x90\x8d", NULL};

    (void)state;
    check_tags("['\\u00e9:\\u00fc', '\\u65e5\\u672c', '\\U0001f40d']", want, 1);
}

static void tags_undecodable_skipped(void **state)
{
    static const char *const want[] = {"ok", NULL};

    (void)state;
    check_tags("['\\udc80', 'ok', 'x\\ud800y']", want, 1);
}

static void tags_stack_boundary(void **state)
{
    PyObject *obj;
    struct tags t;

    (void)state;
    obj = bt_eval("['t%d' % i for i in range(64)]");
    assert_int_equal(tags_convert(obj, &t), 0);
    assert_ptr_equal(t.array, t.stack);
    assert_string_equal(t.array[63], "t63");
    assert_null(t.array[64]);
    tags_release(&t);
    Py_DECREF(obj);
    assert_int_equal(bt_allocs, 0);

    obj = bt_eval("['t%d' % i for i in range(65)]");
    assert_int_equal(tags_convert(obj, &t), 0);
    assert_ptr_not_equal(t.array, t.stack);
    assert_int_equal(bt_allocs, 1);
    assert_string_equal(t.array[64], "t64");
    assert_null(t.array[65]);
    tags_release(&t);
    Py_DECREF(obj);
}

static void tags_ten_thousand(void **state)
{
    PyObject *obj;
    struct tags t;
    char want[32];
    int i;

    (void)state;
    obj = bt_eval("['tag:%d' % i for i in range(10000)]");
    assert_int_equal(tags_convert(obj, &t), 0);
    assert_ptr_not_equal(t.array, t.stack);
    assert_int_equal(bt_allocs, 1); /* one block for the array, no copies of the tags */
    for (i = 0; i < 10000; i++) {
        snprintf(want, sizeof(want), "tag:%d", i);
        assert_string_equal(t.array[i], want);
    }
    assert_null(t.array[10000]);
    tags_release(&t);
    assert_int_equal(bt_frees, 1);
    Py_DECREF(obj);
}

static void tags_no_heap_for_short_lists(void **state)
{
    PyObject *obj;
    struct tags t;

    (void)state;
    obj = bt_eval("['a:1', 'b:2', 'c\\u00e9']");
    assert_int_equal(tags_convert(obj, &t), 0);
    assert_int_equal(bt_allocs, 0);
    tags_release(&t);
    Py_DECREF(obj);
}

#define T(f) cmocka_unit_test_setup_teardown(f, bt_reset, bt_check_balanced)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(tags_list),
        T(tags_tuple),
        T(tags_empty_list_gives_null_only),
        T(tags_non_str_items_skipped),
        T(tags_bytes_as_utf8),
        T(tags_bad_bytes_skipped),
        T(tags_str_rejected),
        T(tags_non_sequence_rejected),
        T(tags_len_failure),
        T(tags_other_sequences),
        T(tags_getitem_failure_propagates),
        T(tags_embedded_nul_skipped),
        T(tags_non_ascii),
        T(tags_undecodable_skipped),
        T(tags_stack_boundary),
        T(tags_ten_thousand),
        T(tags_no_heap_for_short_lists),
    };

    return cmocka_run_group_tests_name("builtins_tags", tests, bt_python_start, bt_python_stop);
}
