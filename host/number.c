/*
 * number.c - plain decimal numbers from text (number.h).
 *
 * strtod and strtol alone accept far more than a user means by a number:
 * leading spaces, a sign, hex ("0x10"), exponents, "inf" and "nan"; so the
 * text is checked against the plain form first and converted after.
 */
#include "number.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool host_parse_number(const char *text, enum host_number_kind kind, double min, double max,
                       double *out)
{
    if (text == NULL) {
        return false;
    }
    const char *p = text;
    while (is_digit(*p)) {
        p++;
    }
    if (p == text) {
        return false; /* empty, or no leading digit: ".5", "-1", " 2", "inf" */
    }
    if (kind == HOST_NUMBER_SECONDS && *p == '.') {
        const char *fraction = ++p;
        while (is_digit(*p)) {
            p++;
        }
        if (p == fraction) {
            return false; /* "1." */
        }
    }
    if (*p != '\0') {
        return false;
    }
    /* the form is checked: strtod reads all of it (LC_NUMERIC stays "C": Python
     * sets LC_CTYPE only); only the range is left to check */
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    if (errno == ERANGE || *end != '\0' || !isfinite(v) || !(v >= min && v <= max)) {
        return false;
    }
    *out = v;
    return true;
}
