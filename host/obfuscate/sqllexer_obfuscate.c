/* The go-sqllexer obfuscator (spec obfuscation.md §3.3): literals become "?", token by
 * token, and obfuscate_only concatenates the results. */
#include <string.h>
#include <strings.h>

#include "sqllexer_internal.h"

static const char placeholder[] = "?";

/* PostgreSQL EXTRACT field names replaced since v0.2.2 (they could carry a value's unit). */
static bool is_extract_field(const char *p, size_t n)
{
    static const char *const fields[] = {
        "century",      "day",          "decade",  "dow",          "doy",
        "epoch",        "hour",         "isodow",  "isoyear",      "julian",
        "microseconds", "millennium",   "milliseconds", "minute",  "month",
        "quarter",      "second",       "timezone", "timezone_hour", "timezone_minute",
        "week",         "year",
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (strlen(fields[i]) == n && strncasecmp(fields[i], p, n) == 0) {
            return true;
        }
    }
    return false;
}

/* Each run of digits becomes one "?", into *scratch. */
static void replace_digits(const char *p, size_t n, sqlbuf_t *scratch)
{
    for (size_t i = 0; i < n;) {
        if (p[i] >= '0' && p[i] <= '9') {
            while (i < n && p[i] >= '0' && p[i] <= '9') {
                i++;
            }
            sqlbuf_putc(scratch, '?');
        } else {
            size_t j = i;
            while (j < n && !(p[j] >= '0' && p[j] <= '9')) {
                j++;
            }
            sqlbuf_append(scratch, p + i, j - i);
            i = j;
        }
    }
}

static bool has_digit(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= '0' && p[i] <= '9') {
            return true;
        }
    }
    return false;
}

bool sqlobf_token(const sqllexer_config_t *cfg, sqlobf_state_t *st, const char *src,
                  const sqltok_t *tok, sqlbuf_t *scratch, const char **text, size_t *len)
{
    const char *p = src + tok->start;
    size_t n = tok->len;
    bool after_json_op = st->last_type == SQLTOK_JSON_OP;
    bool replace = false;
    *text = p;
    *len = n;
    switch (tok->type) {
    case SQLTOK_NUMBER:
    case SQLTOK_STRING:
    case SQLTOK_INCOMPLETE_STRING:
    case SQLTOK_DOLLAR_QUOTED_STRING:
        replace = !(cfg->keep_json_path && after_json_op);
        break;
    case SQLTOK_DOLLAR_QUOTED_FUNCTION:
        if (!cfg->dollar_quoted_func) {
            replace = true;
            break;
        }
        /* The lexer only makes this token from "$func$" ... "$func$": n >= 12, and the body
         * holds no "$func$", so this recursion is at most one level deep. */
        scratch->len = 0;
        sqlbuf_append(scratch, "$func$", 6);
        if (!sqlobf_run(cfg, p + 6, n - 12, scratch)) {
            return false;
        }
        sqlbuf_append(scratch, "$func$", 6);
        *text = scratch->data;
        *len = scratch->len;
        break;
    case SQLTOK_POSITIONAL_PARAMETER:
        replace = !cfg->keep_positional_parameter;
        break;
    case SQLTOK_BOOLEAN:
        replace = !cfg->keep_boolean;
        break;
    case SQLTOK_NULL:
        replace = !cfg->keep_null;
        break;
    case SQLTOK_IDENT:
    case SQLTOK_KEYWORD:
    case SQLTOK_QUOTED_IDENT:
        if (st->extract == 2 && tok->type != SQLTOK_QUOTED_IDENT && is_extract_field(p, n)) {
            replace = true;
        } else if (cfg->replace_digits && tok->type != SQLTOK_KEYWORD && has_digit(p, n)) {
            scratch->len = 0;
            replace_digits(p, n, scratch);
            *text = scratch->data;
            *len = scratch->len;
        }
        break;
    default:
        break;
    }
    if (replace) {
        *text = placeholder;
        *len = 1;
    }
    if (sqltok_is_value(tok->type)) {
        if (tok->type == SQLTOK_FUNCTION && n == 7 && strncasecmp(p, "EXTRACT", 7) == 0) {
            st->extract = 1;
        } else if (st->extract == 1 && n == 1 && *p == '(') {
            st->extract = 2;
        } else {
            st->extract = 0;
        }
        st->last_type = tok->type;
    }
    return !scratch->oom;
}

bool sqlobf_run(const sqllexer_config_t *cfg, const char *src, size_t len, sqlbuf_t *out)
{
    sqllexer_lexer_t lx;
    sqlobf_state_t st = {SQLTOK_EOF, 0};
    sqlbuf_t scratch = {0};
    sqltok_t tok;
    size_t begin = out->len;
    bool ok = true;
    sqllexer_lexer_init(&lx, src, len, cfg->dbms);
    for (sqllexer_next(&lx, &tok); tok.type != SQLTOK_EOF; sqllexer_next(&lx, &tok)) {
        const char *text;
        size_t n;
        if (!sqlobf_token(cfg, &st, src, &tok, &scratch, &text, &n)) {
            ok = false;
            break;
        }
        sqlbuf_append(out, text, n);
    }
    sqlbuf_free(&scratch);
    if (!ok || out->oom) {
        return false;
    }
    /* Trim what this run appended (the caller may have written a prefix). */
    size_t n = out->len - begin;
    if (n != 0) {
        const char *t = sqllexer_trim_space(out->data + begin, &n);
        memmove(out->data + begin, t, n);
        out->len = begin + n;
    }
    return true;
}
