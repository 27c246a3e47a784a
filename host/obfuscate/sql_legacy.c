/*
 * sql_legacy.c - the legacy SQL obfuscator (spec obfuscation.md §2.6-§2.7, §2.3 retry).
 *
 * Each token goes through four filters in order; every filter sees the previous token's
 * FINAL kind (after all filters, including the marker kinds given to dropped tokens), so the
 * state is one `last` kind plus the grouping counters. Output goes to one buffer sized from
 * the input; only metadata and `$func$` bodies allocate.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql_legacy.h"

/* A `$func$` body inside a `$func$` body only arises from crafted input; past this depth it
 * is replaced like any dollar-quoted string instead of recursing further. */
#define MAX_FUNC_DEPTH 8

static atomic_bool literal_escapes;

bool sql_legacy_literal_escapes(void)
{
    return atomic_load(&literal_escapes);
}

void sql_legacy_set_literal_escapes(bool literal)
{
    atomic_store(&literal_escapes, literal);
}

bool obf_strlist_add(obf_strlist_t *l, const char *s, size_t n)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        size_t *off = realloc(l->off, cap * sizeof(*off));
        if (off == NULL) {
            return false;
        }
        l->off = off;
        size_t *len = realloc(l->len, cap * sizeof(*len));
        if (len == NULL) {
            return false;
        }
        l->len = len;
        l->cap = cap;
    }
    l->off[l->count] = l->data.len;
    l->len[l->count] = n;
    obf_buf_append(&l->data, s, n);
    if (l->data.failed) {
        return false;
    }
    l->count++;
    return true;
}

bool obf_strlist_contains(const obf_strlist_t *l, const char *s, size_t n)
{
    for (size_t i = 0; i < l->count; i++) {
        if (l->len[i] == n && memcmp(l->data.data + l->off[i], s, n) == 0) {
            return true;
        }
    }
    return false;
}

void obf_strlist_free(obf_strlist_t *l)
{
    obf_buf_free(&l->data);
    free(l->off);
    free(l->len);
    memset(l, 0, sizeof(*l));
}

void sql_legacy_result_free(sql_legacy_result_t *res)
{
    free(res->query);
    obf_strlist_free(&res->tables);
    obf_strlist_free(&res->commands);
    obf_strlist_free(&res->comments);
    memset(res, 0, sizeof(*res));
}

typedef struct {
    const sql_legacy_opts_t *opts;
    bool literal;
    int depth;
    sql_legacy_result_t *res; /* NULL: metadata is not wanted ($func$ bodies) */
    bool oom;
    int group_filter, group_multi; /* grouping filter state */
    obf_buf_t digits;              /* replace_digits output of the current token */
    obf_buf_t func;                /* `$func$` result of the current token */
} attempt_t;

static const char question_mark[] = "?";

static bool is_groupable(int kind)
{
    return kind == LK_FILTERED_GROUPABLE || kind == LK_FILTERED_GROUPABLE_PAREN;
}

static int mark_groupable(int kind)
{
    return kind == '(' ? LK_FILTERED_GROUPABLE_PAREN : LK_FILTERED_GROUPABLE;
}

static const char *command_name(int kind)
{
    switch (kind) {
    case LK_SELECT: return "SELECT";
    case LK_UPDATE: return "UPDATE";
    case LK_INSERT: return "INSERT";
    case LK_DELETE: return "DELETE";
    case LK_JOIN: return "JOIN";
    case LK_ALTER: return "ALTER";
    case LK_DROP: return "DROP";
    case LK_CREATE: return "CREATE";
    case LK_GRANT: return "GRANT";
    case LK_REVOKE: return "REVOKE";
    case LK_COMMIT: return "COMMIT";
    case LK_BEGIN: return "BEGIN";
    case LK_TRUNCATE: return "TRUNCATE";
    default: return NULL;
    }
}

/* Each maximal run of ASCII digits becomes one '?'. */
static void replace_digits(obf_buf_t *out, const char *s, size_t n)
{
    out->len = 0;
    obf_buf_reserve(out, n);
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            while (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
                i++;
            }
            obf_buf_putc(out, '?');
        } else {
            obf_buf_putc(out, s[i]);
        }
    }
}

static bool starts_with_letter(const char *s, size_t n)
{
    if (n == 0) {
        return false;
    }
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80) {
        return sql_is_unicode_letter(c);
    }
    /* Decode just enough for the class test; a bad sequence is not a letter. */
    uint32_t r;
    unsigned len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (len == 0 || n < len) {
        return false;
    }
    r = c & (0x7F >> len);
    for (unsigned i = 1; i < len; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            return false;
        }
        r = (r << 6) | ((unsigned char)s[i] & 0x3F);
    }
    return sql_is_unicode_letter(r);
}

static void add_comment(attempt_t *a, const char *s, size_t n)
{
    /* Newlines become spaces, then Go's TrimSpace. */
    obf_buf_t *tmp = &a->digits;
    tmp->len = 0;
    obf_buf_append(tmp, s, n);
    if (tmp->failed) {
        a->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (tmp->data[i] == '\n') {
            tmp->data[i] = ' ';
        }
    }
    size_t b = 0, e = n;
    /* Trim ASCII spaces and the non-ASCII ones of Go's unicode.IsSpace (U+0085, U+00A0 as
     * C2 85 / C2 A0 and the three-byte ones). */
    for (;;) {
        unsigned char c = (unsigned char)tmp->data[b];
        if (b < e && (c == ' ' || (c >= '\t' && c <= '\r'))) {
            b++;
        } else if (e - b >= 2 && c == 0xC2 &&
                   ((unsigned char)tmp->data[b + 1] == 0x85 || (unsigned char)tmp->data[b + 1] == 0xA0)) {
            b += 2;
        } else if (e - b >= 3 && (c == 0xE1 || c == 0xE2 || c == 0xE3)) {
            uint32_t r = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(tmp->data[b + 1] & 0x3F) << 6) |
                         (uint32_t)(tmp->data[b + 2] & 0x3F);
            if (((unsigned char)tmp->data[b + 1] & 0xC0) == 0x80 &&
                ((unsigned char)tmp->data[b + 2] & 0xC0) == 0x80 && sql_is_space(r)) {
                b += 3;
            } else {
                break;
            }
        } else {
            break;
        }
    }
    for (;;) {
        unsigned char c = e > b ? (unsigned char)tmp->data[e - 1] : 0;
        if (e > b && (c == ' ' || (c >= '\t' && c <= '\r'))) {
            e--;
        } else if (e - b >= 2 && (c == 0x85 || c == 0xA0) && (unsigned char)tmp->data[e - 2] == 0xC2) {
            e -= 2;
        } else if (e - b >= 3 && ((unsigned char)tmp->data[e - 3] == 0xE1 ||
                                  (unsigned char)tmp->data[e - 3] == 0xE2 ||
                                  (unsigned char)tmp->data[e - 3] == 0xE3)) {
            const unsigned char *p = (const unsigned char *)tmp->data + e - 3;
            uint32_t r = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            if ((p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 && sql_is_space(r)) {
                e -= 3;
            } else {
                break;
            }
        } else {
            break;
        }
    }
    if (!obf_strlist_add(&a->res->comments, tmp->data + b, e - b)) {
        a->oom = true;
    }
    a->res->size += e - b;
}

static int metadata_filter(attempt_t *a, int kind, int last, const char *text, size_t len)
{
    const sql_legacy_opts_t *o = a->opts;
    sql_legacy_result_t *res = a->res;
    if (res != NULL && o->collect_comments && kind == LK_COMMENT) {
        add_comment(a, text, len);
    }
    switch (last) {
    case LK_FROM:
    case LK_JOIN:
        if (!starts_with_letter(text, len)) {
            break; /* e.g. a sub-query: FROM (SELECT ...) */
        }
        /* fall through */
    case LK_UPDATE:
    case LK_INTO:
        if (res != NULL && o->table_names) {
            const char *name = text;
            size_t n = len;
            if (o->replace_digits) {
                replace_digits(&a->digits, text, len);
                name = a->digits.data != NULL ? a->digits.data : "";
                n = a->digits.len;
            }
            if (!obf_strlist_contains(&res->tables, name, n)) {
                res->size += n + (res->tables.count > 0 ? 1 : 0);
                if (!obf_strlist_add(&res->tables, name, n)) {
                    a->oom = true;
                }
            }
        }
        return LK_TABLE_NAME;
    default:
        break;
    }
    const char *cmd;
    if (res != NULL && o->collect_commands && (cmd = command_name(kind)) != NULL) {
        res->size += strlen(cmd);
        if (!obf_strlist_add(&res->commands, cmd, strlen(cmd))) {
            a->oom = true;
        }
    }
    return kind;
}

/* Returns the new kind; clears *text to drop the token; -1 on error (*err set). */
static int discard_filter(attempt_t *a, int kind, int last, const char **text, char *err, size_t errlen)
{
    bool keep_alias = a->opts->keep_sql_alias;
    if (last == LK_FILTERED_BRACKETED) {
        if (kind != ']') {
            if (kind != LK_ID) {
                snprintf(err, errlen, "expected identifier in bracketed filter, got %d", kind);
                return -1;
            }
            *text = NULL;
            return LK_FILTERED_BRACKETED;
        }
        if (keep_alias) {
            return kind;
        }
        *text = NULL;
        return LK_FILTERED;
    }
    if (last == LK_AS) {
        if (kind == '[') {
            *text = NULL; /* an MSSQL-style bracketed alias, dropped up to its ']' */
            return LK_FILTERED_BRACKETED;
        }
        if (keep_alias) {
            return kind;
        }
        *text = NULL;
        return LK_FILTERED;
    }
    switch (kind) {
    case LK_COMMENT:
        *text = NULL;
        return LK_FILTERED;
    case ';':
        *text = NULL;
        return mark_groupable(kind);
    case LK_AS:
        if (!keep_alias) {
            *text = NULL; /* the kind stays AS so that the alias after it is dropped */
        }
        return kind;
    default:
        return kind;
    }
}

static int replace_filter(attempt_t *a, int kind, int last, const char **text, size_t *len)
{
    if (last == LK_SAVEPOINT || (last == '=' && kind == LK_DQ_STRING)) {
        *text = question_mark;
        *len = 1;
        return mark_groupable(kind);
    }
    switch (kind) {
    case LK_DOLLAR_STRING: case LK_STRING: case LK_NUMBER: case LK_NULL: case LK_VARIABLE:
    case LK_PREPARED: case LK_BOOLEAN: case LK_ESCAPE_SEQ: case '?':
        *text = question_mark;
        *len = 1;
        return mark_groupable(kind);
    case LK_TABLE_NAME:
    case LK_ID:
        if (a->opts->replace_digits && *text != NULL) {
            replace_digits(&a->digits, *text, *len);
            *text = a->digits.data != NULL ? a->digits.data : "";
            *len = a->digits.len;
        }
        return kind;
    default:
        return kind;
    }
}

/* Sets *prefix when the token must be written as "( " + text. */
static int grouping_filter(attempt_t *a, int kind, int last, const char **text, bool *prefix)
{
    if ((last == '(' && is_groupable(kind)) || (kind == '(' && a->group_multi > 0)) {
        a->group_multi++;
    }
    if (a->group_multi > 0 && last == LK_FILTERED_GROUPABLE_PAREN &&
        (kind == LK_SELECT || kind == LK_DELETE || kind == LK_UPDATE || kind == LK_ID)) {
        /* A parenthesised sub-query, not a group of values: stop grouping. */
        a->group_filter = a->group_multi = 0;
        *prefix = true;
        return kind;
    }
    if (is_groupable(kind)) {
        if (++a->group_filter > 1) {
            *text = NULL;
            return mark_groupable(kind);
        }
    } else if (a->group_filter > 0 && (kind == ',' || kind == '?')) {
        *text = NULL;
        return mark_groupable(kind);
    } else if (a->group_multi > 1) {
        *text = NULL;
        return mark_groupable(kind);
    } else if (kind != ',' && kind != '(' && kind != ')') {
        a->group_filter = a->group_multi = 0;
    }
    return kind;
}

static int attempt(attempt_t *a, const char *query, size_t len, obf_buf_t *out, bool *seen_escape,
                   char *err, size_t errlen);

/* Obfuscates a `$func$` body in place of the token; false if it fails (then it is a string). */
static bool obfuscate_func_body(attempt_t *a, const char **text, size_t *len)
{
    if (a->depth >= MAX_FUNC_DEPTH) {
        return false;
    }
    attempt_t inner = {.opts = a->opts, .literal = a->literal, .depth = a->depth + 1};
    obf_buf_t body = {0};
    bool seen = false;
    char err[160];
    int rc = attempt(&inner, *text, *len, &body, &seen, err, sizeof(err));
    if (inner.oom) {
        a->oom = true;
    }
    if (rc == 0) {
        a->func.len = 0;
        obf_buf_append(&a->func, "$func$", 6);
        obf_buf_append(&a->func, body.data, body.len);
        obf_buf_append(&a->func, "$func$", 6);
        *text = a->func.data != NULL ? a->func.data : "";
        *len = a->func.len;
    }
    obf_buf_free(&body);
    return rc == 0;
}

static int attempt(attempt_t *a, const char *query, size_t len, obf_buf_t *out, bool *seen_escape,
                   char *err, size_t errlen)
{
    sql_tokenizer_t t;
    sql_tokenizer_init(&t, query, len, a->opts->dialect, a->literal);
    obf_buf_reserve(out, len + 16);
    int last = 0, rc = 0;
    for (;;) {
        const char *text;
        size_t tlen;
        int kind = sql_tokenizer_scan(&t, &text, &tlen);
        if (kind == LK_END) {
            break;
        }
        if (kind == LK_LEX_ERROR) {
            snprintf(err, errlen, "%s", t.err);
            rc = -1;
            break;
        }
        if (kind == LK_DOLLAR_FUNC && !(a->opts->dollar_quoted_func && obfuscate_func_body(a, &text, &tlen))) {
            kind = LK_DOLLAR_STRING;
        }
        kind = metadata_filter(a, kind, last, text, tlen);
        kind = discard_filter(a, kind, last, &text, err, errlen);
        if (kind < 0) {
            rc = -1;
            break;
        }
        kind = replace_filter(a, kind, last, &text, &tlen);
        bool prefix = false;
        kind = grouping_filter(a, kind, last, &text, &prefix);
        if (text != NULL) {
            if (out->len != 0 && kind != ',' && !(kind == '=' && last == ':')) {
                obf_buf_putc(out, ' ');
            }
            if (prefix) {
                obf_buf_append(out, "( ", 2);
            }
            obf_buf_append(out, text, tlen);
        }
        last = kind;
    }
    *seen_escape = t.seen_escape;
    sql_tokenizer_free(&t);
    if (out->failed || a->digits.failed || a->func.failed) {
        a->oom = true;
    }
    obf_buf_free(&a->digits);
    obf_buf_free(&a->func);
    if (rc == 0 && out->len == 0) {
        snprintf(err, errlen, "result is empty");
        rc = -1;
    }
    return rc;
}

static int run(const char *query, size_t len, const sql_legacy_opts_t *opts, bool literal,
               sql_legacy_result_t *res, bool *seen_escape, char *err, size_t errlen)
{
    memset(res, 0, sizeof(*res));
    attempt_t a = {.opts = opts, .literal = literal, .res = res};
    obf_buf_t out = {0};
    int rc = attempt(&a, query, len, &out, seen_escape, err, errlen);
    if (a.oom) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0) {
        res->query_len = out.len;
        res->query = obf_buf_take(&out);
    } else {
        obf_buf_free(&out);
        sql_legacy_result_free(res);
    }
    return rc;
}

int sql_legacy_obfuscate(const char *query, size_t len, const sql_legacy_opts_t *opts,
                         sql_legacy_result_t *res, char **error)
{
    char err[160];
    bool literal = sql_legacy_literal_escapes(), seen_escape = false;
    if (run(query, len, opts, literal, res, &seen_escape, err, sizeof(err)) == 0) {
        return 0;
    }
    if (seen_escape) {
        /* §2.3: a failure after a backslash in a string is retried with the other meaning of
         * backslash; if that works, it becomes the default for every later call. */
        char err2[160];
        bool ignored;
        if (run(query, len, opts, !literal, res, &ignored, err2, sizeof(err2)) == 0) {
            sql_legacy_set_literal_escapes(!literal);
            return 0;
        }
    }
    *error = strdup(err);
    return -1;
}
