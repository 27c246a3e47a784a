/*
 * number.h - the one parser of the numbers the host is given as text: the
 * command's numeric options (--times, --workers, --interval) and the numbers
 * the supervisor hands its workers through the command line and environment.
 */
#ifndef RTLOADER_HOST_NUMBER_H
#define RTLOADER_HOST_NUMBER_H

#include <stdbool.h>

enum host_number_kind {
    HOST_NUMBER_INTEGER, /* digits only: 12 */
    HOST_NUMBER_SECONDS  /* digits with an optional fraction: 12, 0.5 */
};

/*
 * Parses `text` as a plain decimal number of `kind` within [min, max].
 * Anything else is refused: a sign, spaces, hex, an exponent, "inf", "nan",
 * the empty string, a value out of range (overflow included). Returns false
 * then and leaves *out alone. Thread-safe, no allocation.
 */
bool host_parse_number(const char *text, enum host_number_kind kind, double min, double max,
                       double *out);

#endif
