/* The go-sqllexer normaliser and its metadata (spec obfuscation.md §3.4, §3.5): one space
 * between tokens, comments dropped (and collected), placeholder lists grouped, quoting
 * removed, tables/commands/comments/procedures collected, as the Agent drives it (aliases
 * always kept). With obfuscation on, each token is obfuscated first (one pass). */
#include <string.h>

#include "sqllexer_internal.h"

/* A $func$ body is normalised recursively once; the lexer guarantees a body holds no
 * "$func$", the limit makes that independent of the lexer. */
#define MAX_DEPTH 1

typedef struct {
    const sqllexer_config_t *cfg;
    sqlbuf_t *out;
    sqlmeta_t *meta;
    int depth;

    /* The last value token (neither space nor comment) as output, and the one before. */
    bool have_last;
    sqltok_type_t last_type, prev_type;
    size_t last_len;
    char last_first, last_end;
    bool last_table_indicator;

    /* Placeholder grouping (§3.4 item 6). */
    bool groupable, comma_pending;

    /* A statement opening with "(" (§3.4 item 3): 0 undecided, 1 inside, 2 settled. */
    int head;
    size_t head_start, head_depth;
    bool head_command;

    bool in_table_list;
    sqlbuf_t name;      /* a metadata item being built */
    sqlbuf_t func_body; /* a normalised $func$ token */
} norm_t;

static bool norm_run(const sqllexer_config_t *cfg, const char *src, size_t len, bool obfuscate,
                     sqlbuf_t *out, sqlmeta_t *meta, int depth);

static bool is1(const char *p, size_t n, char c)
{
    return n == 1 && p[0] == c;
}

static bool last_is(const norm_t *st, char c)
{
    return st->have_last && st->last_len == 1 && st->last_first == c;
}

static bool is_ident(sqltok_type_t t)
{
    return t == SQLTOK_IDENT || t == SQLTOK_QUOTED_IDENT;
}

static bool is_quote(char c)
{
    return c == '"' || c == '[' || c == ']' || c == '`';
}

static void strip_quotes(const char *p, size_t n, sqlbuf_t *b)
{
    for (size_t i = 0; i < n;) {
        if (is_quote(p[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !is_quote(p[j])) {
            j++;
        }
        sqlbuf_append(b, p + i, j - i);
        i = j;
    }
}

static bool has_space(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
            return true;
        }
    }
    return false;
}

/* A letter, then letters and digits, one part: such an alias needs no quoting. */
static bool is_simple_name(const char *p, size_t n)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (is_quote((char)c)) {
            continue;
        }
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
        bool digit = c >= '0' && c <= '9';
        if (!(letter || (digit && !first))) {
            return false;
        }
        first = false;
    }
    return !first;
}

static void collect(norm_t *st, const sqltok_t *tok, const char *text, size_t n)
{
    const sqllexer_config_t *cfg = st->cfg;
    sqlmeta_t *meta = st->meta;
    sqltok_type_t type = tok->type;
    if (type == SQLTOK_COMMAND && cfg->collect_commands) {
        st->name.len = 0;
        for (size_t i = 0; i < n; i++) {
            char c = text[i];
            sqlbuf_putc(&st->name, (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c);
        }
        if (!st->name.oom) {
            sqlset_add(&meta->commands, st->name.data, st->name.len);
        }
    }
    if (type == SQLTOK_COMMAND || type == SQLTOK_KEYWORD || is1(text, n, '(') ||
        is1(text, n, ')')) {
        st->in_table_list = false;
    }
    if (is_ident(type) || type == SQLTOK_FUNCTION) {
        const char *name = text;
        size_t len = n;
        if (type == SQLTOK_QUOTED_IDENT) {
            st->name.len = 0;
            strip_quotes(text, n, &st->name);
            if (st->name.oom) {
                return;
            }
            name = st->name.data ? st->name.data : "";
            len = st->name.len;
        }
        if (st->have_last && st->last_type == SQLTOK_CTE_INDICATOR) {
            sqlset_add(&meta->ctes, name, len);
        } else if (cfg->collect_tables && st->have_last &&
                   (st->last_table_indicator || (st->in_table_list && last_is(st, ',')))) {
            if (!sqlset_contains(&meta->ctes, name, len)) {
                sqlset_add(&meta->tables, name, len);
            }
        } else if (cfg->collect_procedures && st->have_last &&
                   st->last_type == SQLTOK_PROC_INDICATOR) {
            sqlset_add(&meta->procedures, name, len);
        }
    }
    if (tok->table_indicator) {
        st->in_table_list = true;
    }
}

/* Placeholder grouping; true when the token is not written. May write back a comma. */
static bool group_skip(norm_t *st, const char *text, size_t n)
{
    if (is1(text, n, '?')) {
        if (last_is(st, '(') || last_is(st, '[')) {
            st->groupable = true;
            st->comma_pending = false;
            return false;
        }
        if (st->groupable && last_is(st, ',')) {
            st->comma_pending = false;
            return true;
        }
    }
    if (is1(text, n, ',') && st->groupable && last_is(st, '?')) {
        st->comma_pending = true;
        return true;
    }
    if (st->comma_pending) {
        /* Not a placeholder after all: the skipped comma belongs in the output. */
        sqlbuf_putc(st->out, ',');
        st->comma_pending = false;
    }
    if (is1(text, n, ')') || is1(text, n, ']')) {
        st->groupable = false;
    }
    return false;
}

static bool needs_space(const norm_t *st, sqltok_type_t type, const char *text, size_t n)
{
    if (!st->have_last) {
        return true; /* trimmed at the end */
    }
    if (st->cfg->remove_space_between_parentheses) {
        if (st->last_type == SQLTOK_FUNCTION || last_is(st, '(') || last_is(st, '[')) {
            return false;
        }
        if (is1(text, n, ')') || is1(text, n, ']')) {
            return false;
        }
    }
    if (is1(text, n, ',') || is1(text, n, ';')) {
        return false;
    }
    if (is1(text, n, '=') && last_is(st, ':')) {
        return false;
    }
    if (is_ident(type) && st->last_len > 1 && st->last_end == '.') {
        return false;
    }
    if (is_ident(type) && last_is(st, ':') && !is_ident(st->prev_type)) {
        return false; /* a bind variable like :name */
    }
    return true;
}

static void write_token(norm_t *st, sqltok_type_t type, const char *text, size_t n)
{
    if (type == SQLTOK_QUOTED_IDENT && !st->cfg->keep_identifier_quotation &&
        !has_space(text, n) &&
        !(st->have_last && st->last_type == SQLTOK_ALIAS_INDICATOR && !is_simple_name(text, n))) {
        strip_quotes(text, n, st->out);
    } else {
        sqlbuf_append(st->out, text, n);
    }
}

static bool norm_token(norm_t *st, const sqltok_t *tok, const char *raw, const char *text,
                       size_t n)
{
    sqltok_type_t type = tok->type;
    if (!sqltok_is_value(type)) {
        if (st->meta != NULL && st->cfg->collect_comments && type != SQLTOK_WS) {
            sqlset_add(&st->meta->comments, raw + tok->start, tok->len);
        }
        return true;
    }
    if (st->meta != NULL) {
        collect(st, tok, text, n);
    }
    if (type == SQLTOK_DOLLAR_QUOTED_FUNCTION && !is1(text, n, '?') && n >= 12 &&
        st->depth < MAX_DEPTH) {
        st->func_body.len = 0;
        sqlbuf_append(&st->func_body, "$func$", 6);
        if (!norm_run(st->cfg, text + 6, n - 12, false, &st->func_body, NULL, st->depth + 1)) {
            return false;
        }
        sqlbuf_append(&st->func_body, "$func$", 6);
        if (st->func_body.oom) {
            return false;
        }
        text = st->func_body.data;
        n = st->func_body.len;
    }

    bool head_closes = false;
    if (st->head == 0) {
        st->head = is1(text, n, '(') ? 1 : 2;
        st->head_start = st->out->len;
    }
    if (st->head == 1) {
        if (type == SQLTOK_COMMAND) {
            st->head_command = true;
        }
        if (is1(text, n, '(')) {
            st->head_depth++;
        } else if (is1(text, n, ')') && --st->head_depth == 0) {
            head_closes = true;
        }
    }

    if (!group_skip(st, text, n)) {
        if (needs_space(st, type, text, n)) {
            sqlbuf_putc(st->out, ' ');
        }
        write_token(st, type, text, n);
    }
    if (head_closes) {
        /* A leading group without a command is a parameter list, e.g. (@P1 nvarchar(4000)). */
        if (!st->head_command) {
            st->out->len = st->head_start;
        }
        st->head = 2;
    }

    st->prev_type = st->have_last ? st->last_type : SQLTOK_EOF;
    st->have_last = true;
    st->last_type = type;
    st->last_len = n;
    st->last_first = text[0];
    st->last_end = text[n - 1];
    st->last_table_indicator = tok->table_indicator;
    return true;
}

static bool norm_run(const sqllexer_config_t *cfg, const char *src, size_t len, bool obfuscate,
                     sqlbuf_t *out, sqlmeta_t *meta, int depth)
{
    norm_t st;
    memset(&st, 0, sizeof st);
    st.cfg = cfg;
    st.out = out;
    st.meta = meta;
    st.depth = depth;
    st.last_type = st.prev_type = SQLTOK_EOF;

    sqllexer_lexer_t lx;
    sqlobf_state_t obf = {SQLTOK_EOF, 0};
    sqlbuf_t scratch = {0};
    sqltok_t tok;
    size_t begin = out->len;
    bool ok = true;
    sqllexer_lexer_init(&lx, src, len, cfg->dbms);
    for (sqllexer_next(&lx, &tok); tok.type != SQLTOK_EOF; sqllexer_next(&lx, &tok)) {
        const char *text = src + tok.start;
        size_t n = tok.len;
        if (obfuscate && !sqlobf_token(cfg, &obf, src, &tok, &scratch, &text, &n)) {
            ok = false;
            break;
        }
        if (!norm_token(&st, &tok, src, text, n)) {
            ok = false;
            break;
        }
    }
    ok = ok && !st.name.oom;
    sqlbuf_free(&scratch);
    sqlbuf_free(&st.name);
    sqlbuf_free(&st.func_body);
    if (!ok || out->oom) {
        return false;
    }
    size_t n = out->len - begin;
    if (n != 0) {
        if (!cfg->keep_trailing_semicolon && out->data[out->len - 1] == ';') {
            n--;
        }
        const char *t = sqllexer_trim_space(out->data + begin, &n);
        memmove(out->data + begin, t, n);
        out->len = begin + n;
    }
    return true;
}

bool sqlnorm_run(const sqllexer_config_t *cfg, const char *src, size_t len, bool obfuscate,
                 sqlbuf_t *out, sqlmeta_t *meta)
{
    return norm_run(cfg, src, len, obfuscate, out, meta, 0);
}
