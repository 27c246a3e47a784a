/*
 * test_builtins_event.c - building event_t from a dict (three/builtins/event.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "builtins_test_support.h"
#include "event.h"

static void event_all_keys(void **state)
{
    PyObject *d;
    struct event_build b;

    (void)state;
    d = bt_eval("{'msg_title': 'title', 'msg_text': 'text', 'timestamp': 1234567890,"
                " 'priority': 'normal', 'host': 'myhost', 'tags': ['a:1', 'b:2'],"
                " 'alert_type': 'error', 'aggregation_key': 'agg', 'source_type_name': 'src',"
                " 'event_type': 'etype', 'unknown_key': 'ignored'}");
    assert_int_equal(event_build(d, &b), 0);
    assert_string_equal(b.ev.title, "title");
    assert_string_equal(b.ev.text, "text");
    assert_int_equal(b.ev.ts, 1234567890L);
    assert_string_equal(b.ev.priority, "normal");
    assert_string_equal(b.ev.host, "myhost");
    assert_non_null(b.ev.tags);
    assert_string_equal(b.ev.tags[0], "a:1");
    assert_string_equal(b.ev.tags[1], "b:2");
    assert_null(b.ev.tags[2]);
    assert_string_equal(b.ev.alert_type, "error");
    assert_string_equal(b.ev.aggregation_key, "agg");
    assert_string_equal(b.ev.source_type_name, "src");
    assert_string_equal(b.ev.event_type, "etype");
    event_release(&b);
    assert_int_equal(bt_allocs, 0); /* nothing copied */
    Py_DECREF(d);
}

static void event_missing_keys(void **state)
{
    PyObject *d;
    struct event_build b;

    (void)state;
    d = bt_eval("{}");
    assert_int_equal(event_build(d, &b), 0);
    assert_null(b.ev.title);
    assert_null(b.ev.text);
    assert_int_equal(b.ev.ts, 0);
    assert_null(b.ev.priority);
    assert_null(b.ev.host);
    assert_null(b.ev.tags); /* no "tags" key: NULL, not {NULL} */
    assert_null(b.ev.alert_type);
    assert_null(b.ev.aggregation_key);
    assert_null(b.ev.source_type_name);
    assert_null(b.ev.event_type);
    event_release(&b);
    Py_DECREF(d);
}

static void event_empty_tags(void **state)
{
    PyObject *d;
    struct event_build b;

    (void)state;
    d = bt_eval("{'tags': []}");
    assert_int_equal(event_build(d, &b), 0);
    assert_non_null(b.ev.tags);
    assert_null(b.ev.tags[0]);
    event_release(&b);
    Py_DECREF(d);
}

static void event_wrong_types_become_null(void **state)
{
    PyObject *d;
    struct event_build b;

    (void)state;
    d = bt_eval("{'msg_title': 1, 'msg_text': None, 'priority': bytearray(b'x'), 'host': ['h'],"
                " 'alert_type': 2.5, 'aggregation_key': {}, 'source_type_name': 'ok',"
                " 'event_type': ('t',)}");
    assert_int_equal(event_build(d, &b), 0);
    assert_null(b.ev.title);
    assert_null(b.ev.text);
    assert_null(b.ev.priority);
    assert_null(b.ev.host);
    assert_null(b.ev.alert_type);
    assert_null(b.ev.aggregation_key);
    assert_string_equal(b.ev.source_type_name, "ok");
    assert_null(b.ev.event_type);
    event_release(&b);
    Py_DECREF(d);
}

/* Upstream's as_string takes bytes as UTF-8: every string field accepts them. */
static void event_bytes_fields_as_utf8(void **state)
{
    PyObject *d;
    struct event_build b;

    (void)state;
    d = bt_eval("{'msg_title': b'title', 'msg_text': 'caf\\u00e9'.encode(), 'priority': b'low',"
                " 'host': b'h1', 'alert_type': b'info', 'aggregation_key': b'k',"
                " 'source_type_name': b'src', 'event_type': b'et', 'tags': [b'a:1', 'b:2'],"
                " 'timestamp': 1}");
    assert_int_equal(event_build(d, &b), 0);
    assert_string_equal(b.ev.title, "title");
    assert_string_equal(b.ev.text, "caf\xc3\xa9");
    assert_string_equal(b.ev.priority, "low");
    assert_string_equal(b.ev.host, "h1");
    assert_string_equal(b.ev.alert_type, "info");
    assert_string_equal(b.ev.aggregation_key, "k");
    assert_string_equal(b.ev.source_type_name, "src");
    assert_string_equal(b.ev.event_type, "et");
    assert_string_equal(b.ev.tags[0], "a:1");
    assert_string_equal(b.ev.tags[1], "b:2");
    assert_null(b.ev.tags[2]);
    event_release(&b);
    Py_DECREF(d);
    /* not UTF-8: the field stays empty */
    d = bt_eval("{'msg_title': b'\\xff'}");
    assert_int_equal(event_build(d, &b), 0);
    assert_null(b.ev.title);
    event_release(&b);
    Py_DECREF(d);
}

/* timestamp value expression -> expected ts */
static void check_timestamp(const char *value, long want)
{
    char expr[128];
    PyObject *d;
    struct event_build b;

    snprintf(expr, sizeof(expr), "{'timestamp': %s}", value);
    d = bt_eval(expr);
    assert_int_equal(event_build(d, &b), 0);
    assert_int_equal(b.ev.ts, want);
    assert_null(PyErr_Occurred());
    event_release(&b);
    Py_DECREF(d);
}

static void event_timestamp_not_int(void **state)
{
    (void)state;
    check_timestamp("42", 42);
    check_timestamp("-5", -5);
    check_timestamp("1.5", 0);     /* float: never truncated */
    check_timestamp("'123'", 0);   /* str */
    check_timestamp("None", 0);
    check_timestamp("2**70", 0);   /* overflow: error cleared */
    check_timestamp("type('I', (), {'__index__': lambda s: 7})()", 7);
    check_timestamp("type('I', (), {'__index__': lambda s: 1 // 0})()", 0);
}

static void event_tags_conversion_error(void **state)
{
    PyObject *d;
    struct event_build b;

    (void)state;
    d = bt_eval("{'msg_title': 'title', 'tags': 'a:1'}");
    assert_int_equal(event_build(d, &b), -1);
    bt_assert_error(PyExc_TypeError, "tags must be a sequence");
    assert_null(b.ev.title); /* released */
    event_release(&b);
    Py_DECREF(d);

    d = bt_eval("{'tags': 12}");
    assert_int_equal(event_build(d, &b), -1);
    bt_assert_error(PyExc_TypeError, "tags must be a sequence");
    event_release(&b);
    Py_DECREF(d);

    d = bt_eval("{'tags': ['t%d' % i for i in range(1000)] + [None] + ['x']}");
    assert_int_equal(event_build(d, &b), 0);
    assert_string_equal(b.ev.tags[999], "t999");
    assert_string_equal(b.ev.tags[1000], "x");
    assert_null(b.ev.tags[1001]);
    event_release(&b);
    Py_DECREF(d);
}

static void event_not_a_dict(void **state)
{
    PyObject *obj;
    struct event_build b;

    (void)state;
    obj = bt_eval("[('msg_title', 't')]");
    assert_int_equal(event_build(obj, &b), -1);
    bt_assert_error(PyExc_TypeError, "event must be a dict");
    event_release(&b);
    Py_DECREF(obj);
}

static void event_non_ascii_and_nul(void **state)
{
    PyObject *d;
    struct event_build b;

    (void)state;
    d = bt_eval("{'msg_title': '\\u00e9v\\u00e9nement', 'msg_text': 'a\\x00b',"
                " 'host': '\\udc80', 'tags': ['\\u65e5:\\u672c']}");
    assert_int_equal(event_build(d, &b), 0);
    assert_string_equal(b.ev.title, "\xc3\xa9v\xc3\xa9nement");
    assert_null(b.ev.text); /* embedded NUL: left out, as a NUL-truncated text would mislead */
    assert_null(b.ev.host); /* not encodable */
    assert_string_equal(b.ev.tags[0], "\xe6\x97\xa5:\xe6\x9c\xac");
    event_release(&b);
    Py_DECREF(d);
}

static void event_strings_outlive_dict_changes(void **state)
{
    PyObject *d, *title;
    struct event_build b;

    (void)state;
    /* The value is created at run time, so the dict holds its only reference. */
    d = bt_eval("{'msg_title': ''.join(['dyn', 'amic']),"
                " 'timestamp': type('I', (), {'__index__': lambda s: 3})()}");
    assert_int_equal(event_build(d, &b), 0);
    title = PyDict_GetItemString(d, "msg_title"); /* borrowed */
    assert_int_equal(Py_REFCNT(title), 2);        /* dict + event */
    assert_int_equal(PyDict_DelItemString(d, "msg_title"), 0);
    assert_string_equal(b.ev.title, "dynamic"); /* still valid */
    event_release(&b);
    Py_DECREF(d);
}

#define T(f) cmocka_unit_test_setup_teardown(f, bt_reset, bt_check_balanced)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(event_all_keys),
        T(event_missing_keys),
        T(event_empty_tags),
        T(event_wrong_types_become_null),
        T(event_bytes_fields_as_utf8),
        T(event_timestamp_not_int),
        T(event_tags_conversion_error),
        T(event_not_a_dict),
        T(event_non_ascii_and_nul),
        T(event_strings_outlive_dict_changes),
    };

    return cmocka_run_group_tests_name("builtins_event", tests, bt_python_start, bt_python_stop);
}
