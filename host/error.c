/*
 * error.c - formatting error messages into malloc'd strings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

void host_set_error(char **error, const char *fmt, ...)
{
    if (error == NULL) {
        return;
    }
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len >= 0 && (msg = malloc((size_t)len + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)len + 1, fmt, ap);
        va_end(ap);
    }
    *error = msg != NULL ? msg : strdup("out of memory");
}
