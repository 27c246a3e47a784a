/*
 * test_number.c - host/number.c, the one parser of numbers given as text
 * (the command's numeric options, the numbers a supervisor hands its
 * workers): a table of texts each kind must take, and of the look-alikes
 * strtod/strtol would take and the host must refuse.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "number.h"

struct good {
    const char *text;
    enum host_number_kind kind;
    double min, max, want;
};

static void test_accepted(void **state)
{
    (void)state;
    static const struct good cases[] = {
        {"0", HOST_NUMBER_INTEGER, 0, 10, 0},
        {"2", HOST_NUMBER_INTEGER, 1, 1024, 2},
        {"1024", HOST_NUMBER_INTEGER, 1, 1024, 1024},
        {"007", HOST_NUMBER_INTEGER, 1, 1024, 7}, /* decimal, not octal */
        {"1", HOST_NUMBER_INTEGER, 1, 1, 1},
        {"0", HOST_NUMBER_SECONDS, 0, 86400, 0},
        {"15", HOST_NUMBER_SECONDS, 0, 86400, 15},
        {"0.5", HOST_NUMBER_SECONDS, 0, 86400, 0.5},
        {"2.25", HOST_NUMBER_SECONDS, 0, 86400, 2.25},
        {"86400", HOST_NUMBER_SECONDS, 0, 86400, 86400},
        {"1764495651.1234567", HOST_NUMBER_SECONDS, 0, 1e12, 1764495651.1234567},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double out = -42;
        if (!host_parse_number(cases[i].text, cases[i].kind, cases[i].min, cases[i].max, &out)) {
            fail_msg("'%s' (kind %d) refused", cases[i].text, (int)cases[i].kind);
        }
        if (out != cases[i].want) {
            fail_msg("'%s' gave %.17g, not %.17g", cases[i].text, out, cases[i].want);
        }
    }
}

struct bad {
    const char *text;
    enum host_number_kind kind;
};

static void test_refused(void **state)
{
    (void)state;
    /* each within [0, 1e6] where it has a value, so only its form can refuse it */
    static const struct bad cases[] = {
        {"", HOST_NUMBER_INTEGER},     {" 2", HOST_NUMBER_INTEGER},
        {"2 ", HOST_NUMBER_INTEGER},   {"\t2", HOST_NUMBER_INTEGER},
        {"2\n", HOST_NUMBER_INTEGER},  {"0x10", HOST_NUMBER_INTEGER},
        {"0X10", HOST_NUMBER_INTEGER}, {"+2", HOST_NUMBER_INTEGER},
        {"-0", HOST_NUMBER_INTEGER},   {"1e3", HOST_NUMBER_INTEGER},
        {"1.5", HOST_NUMBER_INTEGER},  {"2.0", HOST_NUMBER_INTEGER},
        {"inf", HOST_NUMBER_INTEGER},  {"nan", HOST_NUMBER_INTEGER},
        {"2x", HOST_NUMBER_INTEGER},   {"1_000", HOST_NUMBER_INTEGER},
        {"", HOST_NUMBER_SECONDS},     {" 1.5", HOST_NUMBER_SECONDS},
        {"1.5 ", HOST_NUMBER_SECONDS}, {"0x1p3", HOST_NUMBER_SECONDS},
        {"0x10", HOST_NUMBER_SECONDS}, {"inf", HOST_NUMBER_SECONDS},
        {"INF", HOST_NUMBER_SECONDS},  {"infinity", HOST_NUMBER_SECONDS},
        {"nan", HOST_NUMBER_SECONDS},  {"NAN(1)", HOST_NUMBER_SECONDS},
        {"1e2", HOST_NUMBER_SECONDS},  {"1E2", HOST_NUMBER_SECONDS},
        {"-1", HOST_NUMBER_SECONDS},   {"+1", HOST_NUMBER_SECONDS},
        {".5", HOST_NUMBER_SECONDS},   {"5.", HOST_NUMBER_SECONDS},
        {".", HOST_NUMBER_SECONDS},    {"1.2.3", HOST_NUMBER_SECONDS},
        {"1,5", HOST_NUMBER_SECONDS},  {"5s", HOST_NUMBER_SECONDS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double out = -42;
        if (host_parse_number(cases[i].text, cases[i].kind, 0, 1e6, &out)) {
            fail_msg("'%s' (kind %d) taken as %g", cases[i].text, (int)cases[i].kind, out);
        }
        assert_true(out == -42); /* left alone */
    }
    double out = -42;
    assert_false(host_parse_number(NULL, HOST_NUMBER_INTEGER, 0, 1e6, &out));
}

/* The range, overflow included: a number too long for a double is refused, not infinity. */
static void test_range(void **state)
{
    (void)state;
    double out = -42;
    assert_false(host_parse_number("0", HOST_NUMBER_INTEGER, 1, 1024, &out));
    assert_false(host_parse_number("1025", HOST_NUMBER_INTEGER, 1, 1024, &out));
    assert_false(host_parse_number("86400.5", HOST_NUMBER_SECONDS, 0, 86400, &out));
    assert_false(
        host_parse_number("99999999999999999999", HOST_NUMBER_INTEGER, 0, 2147483647, &out));
    char huge[420];
    memset(huge, '9', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    assert_false(host_parse_number(huge, HOST_NUMBER_INTEGER, 0, HUGE_VAL, &out));
    assert_false(host_parse_number(huge, HOST_NUMBER_SECONDS, 0, HUGE_VAL, &out));
    assert_true(out == -42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
