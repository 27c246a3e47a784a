/* A byte-at-a-time JSON scanner with the grammar, the operation codes and the error texts of
 * Go's encoding/json scanner, which is what the exec-plan and MongoDB obfuscators (spec
 * obfuscation.md §4, §5) are defined over, and what gives Go's messages for bad options JSON.
 * It validates and classifies bytes; it builds no values (values are parsed by jansson).
 * Thread-safety: a scanner belongs to one call; no global state, no GIL needed. */
#ifndef RTLOADER_HOST_OBFUSCATE_JSON_SCAN_H
#define RTLOADER_HOST_OBFUSCATE_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

enum {
    JSON_SCAN_CONTINUE,      /* uninteresting byte */
    JSON_SCAN_BEGIN_LITERAL, /* first byte of a string, number or literal */
    JSON_SCAN_BEGIN_OBJECT,
    JSON_SCAN_OBJECT_KEY,   /* the ':' after a key */
    JSON_SCAN_OBJECT_VALUE, /* the ',' after a value in an object */
    JSON_SCAN_END_OBJECT,
    JSON_SCAN_BEGIN_ARRAY,
    JSON_SCAN_ARRAY_VALUE, /* the ',' after an array element */
    JSON_SCAN_END_ARRAY,
    JSON_SCAN_SKIP_SPACE,
    JSON_SCAN_END, /* after the top-level value (only space may follow) */
    JSON_SCAN_ERROR
};

/* Go's limit on nesting. */
#define JSON_SCAN_MAX_DEPTH 10000

typedef struct json_scanner json_scanner_t;
struct json_scanner {
    int (*step)(json_scanner_t *, unsigned char);
    bool end_top;
    /* Upstream's variant: a non-space byte after a complete value starts a new value. */
    bool multi_top;
    unsigned char *stack;
    size_t depth, cap;
    bool has_err;
    char err[80];
};

void json_scanner_init(json_scanner_t *s, bool multi_top);
void json_scanner_free(json_scanner_t *s);
static inline int json_scanner_step(json_scanner_t *s, unsigned char c)
{
    return s->step(s, c);
}
/* At end of input: JSON_SCAN_END, or JSON_SCAN_ERROR with s->err set. */
int json_scanner_eof(json_scanner_t *s);

/* Validates a whole text; on error copies Go's message to err. */
bool json_scan_valid(const char *text, size_t len, char *err, size_t errlen);

#endif
