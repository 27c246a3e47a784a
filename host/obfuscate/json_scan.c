/*
 * json_scan.c - Go encoding/json's scanner state machine, re-implemented (spec
 * obfuscation.md §4: the obfuscators are defined byte by byte over its operations, and the
 * error texts checks may see are its messages).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"

enum { PARSE_OBJECT_KEY, PARSE_OBJECT_VALUE, PARSE_ARRAY_VALUE };

static int state_begin_value(json_scanner_t *s, unsigned char c);
static int state_end_value(json_scanner_t *s, unsigned char c);
static int state_in_string(json_scanner_t *s, unsigned char c);
static int state_begin_string(json_scanner_t *s, unsigned char c);
static int state_0(json_scanner_t *s, unsigned char c);
static int state_e_sign(json_scanner_t *s, unsigned char c);

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int state_error(json_scanner_t *s, unsigned char c)
{
    (void)s;
    (void)c;
    return JSON_SCAN_ERROR;
}

/* Go's quoteChar: the byte as a rune, in single quotes, escaped like strconv.Quote. */
static void quote_char(unsigned char c, char *out, size_t n)
{
    if (c == '\'') {
        snprintf(out, n, "'\\''");
    } else if (c == '"') {
        snprintf(out, n, "'\"'");
    } else if (c == '\\') {
        snprintf(out, n, "'\\\\'");
    } else if (c >= 0x20 && c < 0x7F) {
        snprintf(out, n, "'%c'", c);
    } else if (c < 0x80) {
        static const char short_escapes[] = "\a" "a" "\b" "b" "\f" "f" "\n" "n" "\r" "r" "\t" "t" "\v" "v";
        for (size_t i = 0; i + 1 < sizeof(short_escapes); i += 2) {
            if ((unsigned char)short_escapes[i] == c) {
                snprintf(out, n, "'\\%c'", short_escapes[i + 1]);
                return;
            }
        }
        snprintf(out, n, "'\\x%02x'", c);
    } else if (c < 0xA1 || c == 0xAD) {
        snprintf(out, n, "'\\u%04x'", c); /* not printable as a rune (controls, NBSP, SHY) */
    } else {
        snprintf(out, n, "'%c%c'", 0xC0 | (c >> 6), 0x80 | (c & 0x3F));
    }
}

static int error_at(json_scanner_t *s, unsigned char c, const char *context)
{
    char q[16];
    quote_char(c, q, sizeof(q));
    s->step = state_error;
    if (!s->has_err) {
        snprintf(s->err, sizeof(s->err), "invalid character %s %s", q, context);
        s->has_err = true;
    }
    return JSON_SCAN_ERROR;
}

static int push(json_scanner_t *s, unsigned char c, unsigned char state, int op)
{
    if (s->depth == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        unsigned char *stack = realloc(s->stack, cap);
        if (stack == NULL) {
            s->step = state_error;
            snprintf(s->err, sizeof(s->err), "out of memory");
            s->has_err = true;
            return JSON_SCAN_ERROR;
        }
        s->stack = stack;
        s->cap = cap;
    }
    s->stack[s->depth++] = state;
    if (s->depth > JSON_SCAN_MAX_DEPTH) {
        (void)c;
        s->step = state_error;
        snprintf(s->err, sizeof(s->err), "exceeded max depth");
        s->has_err = true;
        return JSON_SCAN_ERROR;
    }
    return op;
}

static int state_end_top(json_scanner_t *s, unsigned char c)
{
    if (is_space(c)) {
        return JSON_SCAN_END;
    }
    if (s->multi_top) {
        s->end_top = false;
        s->depth = 0;
        s->step = state_begin_value;
        return state_begin_value(s, c);
    }
    error_at(s, c, "after top-level value");
    return JSON_SCAN_END; /* Go complains on the next byte; the error is already recorded */
}

static void pop(json_scanner_t *s)
{
    if (--s->depth == 0) {
        s->step = state_end_top;
        s->end_top = true;
    } else {
        s->step = state_end_value;
    }
}

static int state_begin_value_or_empty(json_scanner_t *s, unsigned char c)
{
    if (is_space(c)) {
        return JSON_SCAN_SKIP_SPACE;
    }
    if (c == ']') {
        return state_end_value(s, c);
    }
    return state_begin_value(s, c);
}

static int state_begin_string_or_empty(json_scanner_t *s, unsigned char c)
{
    if (is_space(c)) {
        return JSON_SCAN_SKIP_SPACE;
    }
    if (c == '}') {
        s->stack[s->depth - 1] = PARSE_OBJECT_VALUE;
        return state_end_value(s, c);
    }
    return state_begin_string(s, c);
}

static int state_begin_string(json_scanner_t *s, unsigned char c)
{
    if (is_space(c)) {
        return JSON_SCAN_SKIP_SPACE;
    }
    if (c == '"') {
        s->step = state_in_string;
        return JSON_SCAN_BEGIN_LITERAL;
    }
    return error_at(s, c, "looking for beginning of object key string");
}

static int state_neg(json_scanner_t *s, unsigned char c);
static int state_1(json_scanner_t *s, unsigned char c);
static int state_t(json_scanner_t *s, unsigned char c);
static int state_f(json_scanner_t *s, unsigned char c);
static int state_n(json_scanner_t *s, unsigned char c);

static int state_begin_value(json_scanner_t *s, unsigned char c)
{
    if (is_space(c)) {
        return JSON_SCAN_SKIP_SPACE;
    }
    switch (c) {
    case '{':
        s->step = state_begin_string_or_empty;
        return push(s, c, PARSE_OBJECT_KEY, JSON_SCAN_BEGIN_OBJECT);
    case '[':
        s->step = state_begin_value_or_empty;
        return push(s, c, PARSE_ARRAY_VALUE, JSON_SCAN_BEGIN_ARRAY);
    case '"':
        s->step = state_in_string;
        return JSON_SCAN_BEGIN_LITERAL;
    case '-':
        s->step = state_neg;
        return JSON_SCAN_BEGIN_LITERAL;
    case '0':
        s->step = state_0;
        return JSON_SCAN_BEGIN_LITERAL;
    case 't':
        s->step = state_t;
        return JSON_SCAN_BEGIN_LITERAL;
    case 'f':
        s->step = state_f;
        return JSON_SCAN_BEGIN_LITERAL;
    case 'n':
        s->step = state_n;
        return JSON_SCAN_BEGIN_LITERAL;
    default:
        if (c >= '1' && c <= '9') {
            s->step = state_1;
            return JSON_SCAN_BEGIN_LITERAL;
        }
        return error_at(s, c, "looking for beginning of value");
    }
}

static int state_end_value(json_scanner_t *s, unsigned char c)
{
    if (s->depth == 0) {
        s->step = state_end_top;
        s->end_top = true;
        return state_end_top(s, c);
    }
    if (is_space(c)) {
        s->step = state_end_value;
        return JSON_SCAN_SKIP_SPACE;
    }
    switch (s->stack[s->depth - 1]) {
    case PARSE_OBJECT_KEY:
        if (c == ':') {
            s->stack[s->depth - 1] = PARSE_OBJECT_VALUE;
            s->step = state_begin_value;
            return JSON_SCAN_OBJECT_KEY;
        }
        return error_at(s, c, "after object key");
    case PARSE_OBJECT_VALUE:
        if (c == ',') {
            s->stack[s->depth - 1] = PARSE_OBJECT_KEY;
            s->step = state_begin_string;
            return JSON_SCAN_OBJECT_VALUE;
        }
        if (c == '}') {
            pop(s);
            return JSON_SCAN_END_OBJECT;
        }
        return error_at(s, c, "after object key:value pair");
    default:
        if (c == ',') {
            s->step = state_begin_value;
            return JSON_SCAN_ARRAY_VALUE;
        }
        if (c == ']') {
            pop(s);
            return JSON_SCAN_END_ARRAY;
        }
        return error_at(s, c, "after array element");
    }
}

static int state_in_string_esc(json_scanner_t *s, unsigned char c);

static int state_in_string(json_scanner_t *s, unsigned char c)
{
    if (c == '"') {
        s->step = state_end_value;
        return JSON_SCAN_CONTINUE;
    }
    if (c == '\\') {
        s->step = state_in_string_esc;
        return JSON_SCAN_CONTINUE;
    }
    if (c < 0x20) {
        return error_at(s, c, "in string literal");
    }
    return JSON_SCAN_CONTINUE;
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* \u plus four hex digits: the remaining count is kept in the state function. */
static int state_esc_u(json_scanner_t *s, unsigned char c, int (*next)(json_scanner_t *, unsigned char))
{
    if (is_hex(c)) {
        s->step = next;
        return JSON_SCAN_CONTINUE;
    }
    return error_at(s, c, "in \\u hexadecimal character escape");
}

static int state_esc_u123(json_scanner_t *s, unsigned char c)
{
    return state_esc_u(s, c, state_in_string);
}

static int state_esc_u12(json_scanner_t *s, unsigned char c)
{
    return state_esc_u(s, c, state_esc_u123);
}

static int state_esc_u1(json_scanner_t *s, unsigned char c)
{
    return state_esc_u(s, c, state_esc_u12);
}

static int state_esc_u0(json_scanner_t *s, unsigned char c)
{
    return state_esc_u(s, c, state_esc_u1);
}

static int state_in_string_esc(json_scanner_t *s, unsigned char c)
{
    switch (c) {
    case 'b': case 'f': case 'n': case 'r': case 't': case '\\': case '/': case '"':
        s->step = state_in_string;
        return JSON_SCAN_CONTINUE;
    case 'u':
        s->step = state_esc_u0;
        return JSON_SCAN_CONTINUE;
    default:
        return error_at(s, c, "in string escape code");
    }
}

static int state_neg(json_scanner_t *s, unsigned char c)
{
    if (c == '0') {
        s->step = state_0;
        return JSON_SCAN_CONTINUE;
    }
    if (c >= '1' && c <= '9') {
        s->step = state_1;
        return JSON_SCAN_CONTINUE;
    }
    return error_at(s, c, "in numeric literal");
}

static int state_1(json_scanner_t *s, unsigned char c)
{
    if (c >= '0' && c <= '9') {
        s->step = state_1;
        return JSON_SCAN_CONTINUE;
    }
    return state_0(s, c);
}

static int state_dot(json_scanner_t *s, unsigned char c);
static int state_e(json_scanner_t *s, unsigned char c);

static int state_0(json_scanner_t *s, unsigned char c)
{
    if (c == '.') {
        s->step = state_dot;
        return JSON_SCAN_CONTINUE;
    }
    if (c == 'e' || c == 'E') {
        s->step = state_e;
        return JSON_SCAN_CONTINUE;
    }
    return state_end_value(s, c);
}

static int state_dot0(json_scanner_t *s, unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return JSON_SCAN_CONTINUE;
    }
    if (c == 'e' || c == 'E') {
        s->step = state_e;
        return JSON_SCAN_CONTINUE;
    }
    return state_end_value(s, c);
}

static int state_dot(json_scanner_t *s, unsigned char c)
{
    if (c >= '0' && c <= '9') {
        s->step = state_dot0;
        return JSON_SCAN_CONTINUE;
    }
    return error_at(s, c, "after decimal point in numeric literal");
}

static int state_e0(json_scanner_t *s, unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return JSON_SCAN_CONTINUE;
    }
    return state_end_value(s, c);
}

static int state_e(json_scanner_t *s, unsigned char c)
{
    if (c == '+' || c == '-') {
        s->step = state_e_sign;
        return JSON_SCAN_CONTINUE;
    }
    return state_e_sign(s, c);
}

static int state_e_sign(json_scanner_t *s, unsigned char c)
{
    if (c >= '0' && c <= '9') {
        s->step = state_e0;
        return JSON_SCAN_CONTINUE;
    }
    return error_at(s, c, "in exponent of numeric literal");
}

/* true, false, null: one state per remaining letter. */
#define LITERAL_STATE(name, expect, next, literal)                                                 \
    static int name(json_scanner_t *s, unsigned char c)                                            \
    {                                                                                              \
        if (c == (expect)[0]) {                                                                    \
            s->step = (next);                                                                      \
            return JSON_SCAN_CONTINUE;                                                             \
        }                                                                                          \
        return error_at(s, c, "in literal " literal " (expecting '" expect "')");                 \
    }

LITERAL_STATE(state_tru, "e", state_end_value, "true")
LITERAL_STATE(state_tr, "u", state_tru, "true")
LITERAL_STATE(state_t, "r", state_tr, "true")
LITERAL_STATE(state_fals, "e", state_end_value, "false")
LITERAL_STATE(state_fal, "s", state_fals, "false")
LITERAL_STATE(state_fa, "l", state_fal, "false")
LITERAL_STATE(state_f, "a", state_fa, "false")
LITERAL_STATE(state_nul, "l", state_end_value, "null")
LITERAL_STATE(state_nu, "l", state_nul, "null")
LITERAL_STATE(state_n, "u", state_nu, "null")

void json_scanner_init(json_scanner_t *s, bool multi_top)
{
    memset(s, 0, sizeof(*s));
    s->step = state_begin_value;
    s->multi_top = multi_top;
}

void json_scanner_free(json_scanner_t *s)
{
    free(s->stack);
    s->stack = NULL;
    s->cap = s->depth = 0;
}

int json_scanner_eof(json_scanner_t *s)
{
    if (s->has_err) {
        return JSON_SCAN_ERROR;
    }
    if (s->end_top) {
        return JSON_SCAN_END;
    }
    s->step(s, ' ');
    if (s->end_top) {
        return JSON_SCAN_END;
    }
    if (!s->has_err) {
        snprintf(s->err, sizeof(s->err), "unexpected end of JSON input");
        s->has_err = true;
    }
    return JSON_SCAN_ERROR;
}

bool json_scan_valid(const char *text, size_t len, char *err, size_t errlen)
{
    json_scanner_t s;
    json_scanner_init(&s, false);
    bool ok = true;
    for (size_t i = 0; i < len && ok; i++) {
        ok = s.step(&s, (unsigned char)text[i]) != JSON_SCAN_ERROR && !s.has_err;
    }
    ok = ok && json_scanner_eof(&s) != JSON_SCAN_ERROR;
    if (!ok) {
        snprintf(err, errlen, "%s", s.err);
    }
    json_scanner_free(&s);
    return ok;
}
