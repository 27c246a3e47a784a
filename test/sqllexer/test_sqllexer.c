/* Tests of the go-sqllexer modes (host/obfuscate/sqllexer.h, spec obfuscation.md §3):
 * every vector of §3.8 and our own rows (sqllexer_own_vectors.c) through sqllexer_run,
 * the token stream of the lexer for each rule of §3.2, the output bounds, error paths and
 * allocation failures. malloc/calloc/realloc/free are wrapped at link time (--wrap) so every
 * run checks that what the module allocated was freed, and allocation failures are injected. */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sqllexer.h"
#include "sqllexer_internal.h"
#include "sqllexer_vectors.h"

/* ---- counting allocator with failure injection ---- */
void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

static atomic_long live_allocs;
static atomic_long alloc_calls;
static long fail_at; /* the alloc_calls value that fails; 0 = none */
/* Off while several threads run: each row's own balance check needs the others quiet. */
static bool check_row_allocs = true;

static bool should_fail(void)
{
    alloc_calls++;
    return fail_at != 0 && alloc_calls == fail_at;
}

void *__wrap_malloc(size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    void *p = __real_malloc(n);
    if (p != NULL) {
        live_allocs++;
    }
    return p;
}

void *__wrap_calloc(size_t k, size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    void *p = __real_calloc(k, n);
    if (p != NULL) {
        live_allocs++;
    }
    return p;
}

void *__wrap_realloc(void *old, size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    void *p = __real_realloc(old, n);
    if (p != NULL && old == NULL) {
        live_allocs++;
    }
    return p;
}

void __wrap_free(void *p)
{
    if (p != NULL) {
        live_allocs--;
    }
    __real_free(p);
}

/* ---- helpers ---- */
static sqllexer_config_t config_for(const sqllexer_vector_t *v)
{
    sqllexer_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.dbms = sqllexer_dbms_from_name(v->dbms);
    cfg.replace_digits = v->flags & F_DIGITS;
    cfg.dollar_quoted_func = v->flags & F_DQF;
    cfg.keep_positional_parameter = v->flags & F_KPP;
    cfg.keep_null = v->flags & F_KNULL;
    cfg.keep_boolean = v->flags & F_KBOOL;
    cfg.keep_trailing_semicolon = v->flags & F_KTS;
    cfg.keep_identifier_quotation = v->flags & F_KIQ;
    cfg.remove_space_between_parentheses = v->flags & F_RSBP;
    cfg.keep_json_path = v->flags & F_KJP;
    cfg.collect_procedures = v->flags & F_PROCS;
    cfg.collect_tables = cfg.collect_commands = cfg.collect_comments = !(v->flags & F_NOCOLLECT);
    return cfg;
}

static void print_escaped(const char *label, const char *s)
{
    fprintf(stderr, "    %s: \"", label);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n') {
            fputs("\\n", stderr);
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(stderr, "\\x%02x", c);
        } else {
            fputc(c, stderr);
        }
    }
    fputs("\"\n", stderr);
}

/* Returns the size the expected list contributes, or -1 (and prints) on a mismatch. */
static long check_list(const char *id, const char *what, const sqllexer_list_t *got,
                       const char *const *want)
{
    size_t n = 0;
    long bytes = 0;
    while (want[n] != NULL) {
        bytes += (long)strlen(want[n]);
        n++;
    }
    bool same = got->count == n;
    for (size_t i = 0; same && i < n; i++) {
        same = strcmp(got->items[i], want[i]) == 0;
    }
    if (!same) {
        fprintf(stderr, "[%s] %s differ: got", id, what);
        for (size_t i = 0; i < got->count; i++) {
            fprintf(stderr, " \"%s\"", got->items[i]);
        }
        fprintf(stderr, "; want");
        for (size_t i = 0; i < n; i++) {
            fprintf(stderr, " \"%s\"", want[i]);
        }
        fputc('\n', stderr);
        return -1;
    }
    return bytes;
}

/* Runs one row; prints what differs; returns true when it passes. */
static bool run_vector(const sqllexer_vector_t *v)
{
    sqllexer_config_t cfg = config_for(v);
    sqllexer_result_t r;
    char *error = NULL;
    long before = live_allocs;
    if (sqllexer_run(v->input, strlen(v->input), v->mode, &cfg, &r, &error) != 0) {
        fprintf(stderr, "[%s] failed: %s\n", v->id, error ? error : "(no error)");
        free(error);
        return false;
    }
    bool ok = true;
    if (strcmp(r.query, v->output) != 0) {
        fprintf(stderr, "[%s] output differs\n", v->id);
        print_escaped("input", v->input);
        print_escaped("got  ", r.query);
        print_escaped("want ", v->output);
        ok = false;
    }
    if (!(v->flags & F_ANYMETA)) {
        long t = check_list(v->id, "tables", &r.tables, v->tables);
        long c = check_list(v->id, "commands", &r.commands, v->commands);
        long k = check_list(v->id, "comments", &r.comments, v->comments);
        long p = check_list(v->id, "procedures", &r.procedures, v->procedures);
        if (t < 0 || c < 0 || k < 0 || p < 0) {
            ok = false;
        } else if ((long)r.size != t + c + k + p) {
            fprintf(stderr, "[%s] Size %zu, want %ld\n", v->id, r.size, t + c + k + p);
            ok = false;
        }
    }
    /* §3.6 / fuzz bound: obfuscate_only never grows the text, the others at most double it. */
    size_t bound = v->mode == SQLLEXER_OBFUSCATE_ONLY ? strlen(v->input) : 2 * strlen(v->input);
    if (strlen(r.query) > bound) {
        fprintf(stderr, "[%s] output of %zu bytes over the bound %zu\n", v->id, strlen(r.query),
                bound);
        ok = false;
    }
    sqllexer_result_free(&r);
    if (check_row_allocs && live_allocs != before) {
        fprintf(stderr, "[%s] %ld allocations not freed\n", v->id, live_allocs - before);
        ok = false;
    }
    return ok;
}

static void run_table(const sqllexer_vector_t *rows, size_t n)
{
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!run_vector(&rows[i])) {
            failed++;
        }
    }
    if (failed) {
        fprintf(stderr, "%zu of %zu rows failed\n", failed, n);
    }
    assert_int_equal(failed, 0);
}

static void spec_vectors(void **state)
{
    (void)state;
    assert_int_equal(sqllexer_spec_vector_count, 50);
    run_table(sqllexer_spec_vectors, sqllexer_spec_vector_count);
}

static void own_vectors(void **state)
{
    (void)state;
    run_table(sqllexer_own_vectors, sqllexer_own_vector_count);
}

/* ---- lexer token streams (§3.2) ---- */
static const char *kind_name(sqltok_type_t t)
{
    static const char *const names[] = {
        "EOF",  "WS",  "STR",  "ISTR", "NUM", "ID",   "QID",  "OP",   "WILD", "CMT",
        "MCMT", "PUN", "DQF",  "DQS",  "POS", "BIND", "FUNC", "SYS",  "UNK",  "CMD",
        "KW",   "JSON", "BOOL", "NULL", "PROC", "CTE", "AS",  "ERR",
    };
    return names[t];
}

typedef struct {
    const char *dbms;
    const char *input;
    const char *tokens; /* KIND:text joined by '|'; WS tokens are shown as WS; '*' marks a
                         * table indicator */
} lex_row_t;

static const lex_row_t lex_rows[] = {
    {NULL, "SELECT*FROM t", "ID:SELECT|WILD:*|KW*:FROM|WS|ID:t"},
    {NULL, "select a.b, v$sql, vs?.host, t.\"Col\", SYSDATE@!, x/y from z",
     "CMD:select|WS|ID:a.b|PUN:,|WS|ID:v$sql|PUN:,|WS|ID:vs?.host|PUN:,|WS|ID:t.\"Col\"|PUN:,|WS|"
     "ID:SYSDATE@!|PUN:,|WS|ID:x/y|WS|KW*:from|WS|ID:z"},
    {NULL, "count(*) IN(1) END; FROM.x IS:", "FUNC:count|PUN:(|WILD:*|PUN:)|WS|KW:IN|PUN:(|NUM:1|"
     "PUN:)|WS|KW:END|PUN:;|WS|KW*:FROM|PUN:.|ID:x|WS|KW:IS|OP::"},
    {NULL, "SELECT/*c*/1 FROM\"t\" fromage", "CMD:SELECT|MCMT:/*c*/|NUM:1|WS|ID:FROM\"t\"|WS|ID:fromage"},
    {NULL, "WITH x AS PROC PROCEDURE TRUE false NULL vacuum",
     "CTE:WITH|WS|ID:x|WS|AS:AS|WS|PROC:PROC|WS|PROC:PROCEDURE|WS|BOOL:TRUE|WS|BOOL:false|WS|"
     "NULL:NULL|WS|CMD:vacuum"},
    {NULL, "INTO TABLE EXISTS ONLY JOIN UPDATE STRAIGHT_JOIN CLONE",
     "KW*:INTO|WS|KW*:TABLE|WS|KW*:EXISTS|WS|KW*:ONLY|WS|CMD*:JOIN|WS|CMD*:UPDATE|WS|"
     "CMD*:STRAIGHT_JOIN|WS|CMD*:CLONE"},
    {NULL, "caf\xc3\xa9 \xc3\xa9t\xc3\xa9(", "ID:caf\xc3\xa9|WS|FUNC:\xc3\xa9t\xc3\xa9|PUN:("},
    {NULL, "\"a\".\"b\" \"c\"\"d\" \"open", "QID:\"a\".\"b\"|WS|QID:\"c\"|QID:\"d\"|WS|ERR:\"open"},
    {"mysql", "\"x\" `a`.`b` # c\nd", "STR:\"x\"|WS|QID:`a`.`b`|WS|CMT:# c|WS|ID:d"},
    {NULL, "'a\\'b' 'a''b' 'abc", "STR:'a\\'b'|WS|STR:'a'|STR:'b'|WS|ISTR:'abc"},
    {"mssql", "'a\\' [a].[b] #tmp $action", "STR:'a\\'|WS|QID:[a].[b]|WS|ID:#tmp|WS|ID:$action"},
    {"oracle", "'a\\' :name :1 a::b", "STR:'a\\'|WS|BIND::name|WS|BIND::1|WS|ID:a|OP:::|ID:b"},
    {NULL, ":name ` [x] \x01\f", "OP::|ID:name|WS|UNK:`|WS|PUN:[|ID:x|PUN:]|WS|UNK:\x01|UNK:\f"},
    {NULL, "-- x\ny /* a\n b */ /* open", "CMT:-- x|WS|ID:y|WS|MCMT:/* a\n b */|WS|ERR:/* open"},
    {NULL, "-3 +4.5 -.5 a-1 - 1", "NUM:-3|WS|NUM:+4.5|WS|NUM:-.5|WS|ID:a|NUM:-1|WS|OP:-|WS|NUM:1"},
    {NULL, "0x1F 0755 089 1.5e-3 .5 1E+10", "NUM:0x1F|WS|NUM:0755|WS|NUM:089|WS|NUM:1.5e-3|WS|"
     "PUN:.|NUM:5|WS|NUM:1E+10"},
    {NULL, "$1 $$x$$ $tag$y$tag$ $func$z$func$ $open", "POS:$1|WS|DQS:$$x$$|WS|DQS:$tag$y$tag$|WS|"
     "DQF:$func$z$func$|WS|ERR:$open"},
    {NULL, "a #> b #>> c #- d # e", "ID:a|WS|JSON:#>|WS|ID:b|WS|JSON:#>>|WS|ID:c|WS|JSON:#-|WS|"
     "ID:d|WS|OP:#|WS|ID:e"},
    {NULL, "@@version @x @@ @> @? @", "SYS:@@version|WS|BIND:@x|WS|JSON:@@|WS|JSON:@>|WS|JSON:@?|"
     "WS|OP:@"},
    {"snowflake", "@stage/f", "ID:@stage/f"},
    {NULL, "a->'k' b->>'k' c ?| d ?& e <@ f :: != <> !~* =? =@x",
     "ID:a|JSON:->|STR:'k'|WS|ID:b|JSON:->>|STR:'k'|WS|ID:c|WS|JSON:?\\||WS|ID:d|WS|JSON:?&|WS|"
     "ID:e|WS|JSON:<@|WS|ID:f|WS|OP:::|WS|OP:!=|WS|OP:<>|WS|OP:!~*|WS|OP:=|OP:?|WS|OP:=|BIND:@x"},
    {NULL, "( ) , ; . [ ] { }", "PUN:(|WS|PUN:)|WS|PUN:,|WS|PUN:;|WS|PUN:.|WS|PUN:[|WS|PUN:]|WS|"
     "PUN:{|WS|PUN:}"},
};

static void render(sqlbuf_t *b, const char *src, const sqltok_t *t)
{
    if (b->len) {
        sqlbuf_putc(b, '|');
    }
    const char *k = kind_name(t->type);
    sqlbuf_append(b, k, strlen(k));
    if (t->table_indicator) {
        sqlbuf_putc(b, '*');
    }
    if (t->type == SQLTOK_WS) {
        return;
    }
    sqlbuf_putc(b, ':');
    for (size_t i = 0; i < t->len; i++) {
        if (src[t->start + i] == '|') {
            sqlbuf_putc(b, '\\');
        }
        sqlbuf_putc(b, src[t->start + i]);
    }
}

static void lexer_tokens(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < sizeof lex_rows / sizeof lex_rows[0]; i++) {
        const lex_row_t *row = &lex_rows[i];
        sqllexer_lexer_t lx;
        sqltok_t tok;
        sqlbuf_t b = {0};
        size_t len = strlen(row->input), covered = 0;
        sqllexer_lexer_init(&lx, row->input, len, sqllexer_dbms_from_name(row->dbms));
        for (sqllexer_next(&lx, &tok); tok.type != SQLTOK_EOF; sqllexer_next(&lx, &tok)) {
            /* tokens tile the input exactly */
            assert_int_equal(tok.start, covered);
            assert_true(tok.len >= 1);
            covered += tok.len;
            render(&b, row->input, &tok);
        }
        assert_int_equal(covered, len);
        sqllexer_next(&lx, &tok);
        assert_int_equal(tok.type, SQLTOK_EOF); /* EOF again after EOF */
        sqlbuf_putc(&b, '\0');
        if (strcmp(b.data, row->tokens) != 0) {
            fprintf(stderr, "lexer row %zu (%s)\n", i, row->dbms ? row->dbms : "generic");
            print_escaped("input", row->input);
            print_escaped("got  ", b.data);
            print_escaped("want ", row->tokens);
            failed++;
        }
        sqlbuf_free(&b);
    }
    assert_int_equal(failed, 0);
    assert_int_equal(live_allocs, 0);
}

/* Every keyword of §3.2, in upper and lower case, gets its kind (and table indicators
 * their flag); near misses stay identifiers. */
static void keyword_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *words;
        sqltok_type_t type;
    } groups[] = {
        {"SELECT INSERT DELETE CREATE ALTER DROP GRANT REVOKE COMMIT BEGIN TRUNCATE MERGE EXECUTE "
         "EXEC EXPLAIN USE VACUUM JOIN UPDATE STRAIGHT_JOIN CLONE", SQLTOK_COMMAND},
        {"ADD ALL AND ANY ASC BETWEEN BY CASE CHECK COLUMN CONSTRAINT DATABASE DECLARE DEFAULT "
         "DESC DISTINCT ELSE END ESCAPE FOREIGN GROUP HAVING IN INDEX INNER IS KEY LATERAL LEFT "
         "LIKE LIMIT NOT ON OR ORDER OUT OUTER PRIMARY REPLACE RETURNS RIGHT ROLLBACK ROWNUM SET "
         "SOME TOP UNION UNIQUE VALUES VIEW WHERE CUBE ROLLUP LITERAL WINDOW ANALYZE ILIKE USING "
         "ASSERTION DOMAIN CLUSTER COPY PLPGSQL TRIGGER TEMPORARY UNLOGGED RECURSIVE RETURNING "
         "OFFSET OF SKIP IF FROM INTO TABLE EXISTS ONLY", SQLTOK_KEYWORD},
        {"TRUE FALSE", SQLTOK_BOOLEAN},
        {"NULL", SQLTOK_NULL},
        {"PROCEDURE PROC", SQLTOK_PROC_INDICATOR},
        {"WITH", SQLTOK_CTE_INDICATOR},
        {"AS", SQLTOK_ALIAS_INDICATOR},
        {"SELECTS SELEC AS_ ASX A NULLS PROCS _SELECT WITHX FROMM INTOX", SQLTOK_IDENT},
    };
    static const char *const indicators = " FROM INTO TABLE EXISTS ONLY JOIN UPDATE STRAIGHT_JOIN CLONE ";
    size_t seen = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        const char *w = groups[g].words;
        while (*w) {
            size_t n = strcspn(w, " ");
            char word[32], lower[32];
            assert_true(n < sizeof word);
            for (size_t i = 0; i < n; i++) {
                word[i] = w[i];
                lower[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] - 'A' + 'a' : w[i]);
            }
            word[n] = lower[n] = '\0';
            char padded[40];
            snprintf(padded, sizeof padded, " %s ", word);
            bool indicator = strstr(indicators, padded) != NULL;
            const char *forms[] = {word, lower};
            for (int f = 0; f < 2; f++) {
                sqllexer_lexer_t lx;
                sqltok_t tok;
                sqllexer_lexer_init(&lx, forms[f], n, SQLLEXER_DBMS_GENERIC);
                sqllexer_next(&lx, &tok);
                if (tok.type != groups[g].type || tok.len != n || tok.table_indicator != indicator) {
                    fprintf(stderr, "%s: kind %s, len %zu, indicator %d\n", forms[f],
                            kind_name(tok.type), tok.len, tok.table_indicator);
                    fail();
                }
            }
            if (groups[g].type != SQLTOK_IDENT) {
                seen++;
            }
            w += n;
            while (*w == ' ') {
                w++;
            }
        }
    }
    assert_int_equal(seen, 105); /* the whole keyword set of the spec */
}

/* ---- API and error paths ---- */
static void dbms_names(void **state)
{
    (void)state;
    assert_int_equal(sqllexer_dbms_from_name("postgresql"), SQLLEXER_DBMS_POSTGRESQL);
    assert_int_equal(sqllexer_dbms_from_name("postgres"), SQLLEXER_DBMS_POSTGRESQL);
    assert_int_equal(sqllexer_dbms_from_name("mssql"), SQLLEXER_DBMS_MSSQL);
    assert_int_equal(sqllexer_dbms_from_name("sqlserver"), SQLLEXER_DBMS_MSSQL);
    assert_int_equal(sqllexer_dbms_from_name("sql-server"), SQLLEXER_DBMS_MSSQL);
    assert_int_equal(sqllexer_dbms_from_name("mysql"), SQLLEXER_DBMS_MYSQL);
    assert_int_equal(sqllexer_dbms_from_name("oracle"), SQLLEXER_DBMS_ORACLE);
    assert_int_equal(sqllexer_dbms_from_name("snowflake"), SQLLEXER_DBMS_SNOWFLAKE);
    assert_int_equal(sqllexer_dbms_from_name("PostgreSQL"), SQLLEXER_DBMS_GENERIC);
    assert_int_equal(sqllexer_dbms_from_name("db2"), SQLLEXER_DBMS_GENERIC);
    assert_int_equal(sqllexer_dbms_from_name(""), SQLLEXER_DBMS_GENERIC);
    assert_int_equal(sqllexer_dbms_from_name(NULL), SQLLEXER_DBMS_GENERIC);
}

static void bad_arguments(void **state)
{
    (void)state;
    sqllexer_config_t cfg = {0};
    sqllexer_result_t r;
    char *error = NULL;
    assert_int_equal(sqllexer_run("x", 1, SQLLEXER_OBFUSCATE_ONLY, NULL, &r, &error), -1);
    assert_non_null(error);
    assert_string_equal(error, "sqllexer: invalid arguments");
    free(error);
    error = NULL;
    assert_int_equal(sqllexer_run(NULL, 3, SQLLEXER_OBFUSCATE_ONLY, &cfg, &r, &error), -1);
    assert_non_null(error);
    free(error);
    assert_int_equal(sqllexer_run("x", 1, (sqllexer_mode_t)7, &cfg, &r, NULL), -1);
    assert_int_equal(sqllexer_run("x", 1, SQLLEXER_OBFUSCATE_ONLY, &cfg, NULL, NULL), -1);
    /* NULL with length 0 is the empty query */
    assert_int_equal(sqllexer_run(NULL, 0, SQLLEXER_NORMALIZE_ONLY, &cfg, &r, NULL), 0);
    assert_string_equal(r.query, "");
    sqllexer_result_free(&r);
    sqllexer_result_free(&r); /* idempotent on a freed result */
    sqllexer_result_free(NULL);
    assert_int_equal(live_allocs, 0);
}

/* NUL bytes are data: the length, not a terminator, ends the query. */
static void embedded_nul(void **state)
{
    (void)state;
    static const char q[] = "SELECT 'a\0b', 1 -- c\0d\n FROM t";
    sqllexer_config_t cfg = {0};
    cfg.collect_comments = true;
    sqllexer_result_t r;
    assert_int_equal(sqllexer_run(q, sizeof q - 1, SQLLEXER_OBFUSCATE_AND_NORMALIZE, &cfg, &r, NULL), 0);
    assert_string_equal(r.query, "SELECT ?, ? FROM t");
    assert_int_equal(r.comments.count, 1);
    assert_int_equal(r.size, 6); /* "-- c\0d" */
    sqllexer_result_free(&r);
    assert_int_equal(live_allocs, 0);
}

/* Every allocation of a run fails in turn: -1 with the error (when it could be allocated),
 * nothing leaked, out zeroed; then the run without failures succeeds. */
static void allocation_failures(void **state)
{
    (void)state;
    static const char q[] =
        "/* c1 */ WITH c AS (SELECT 1) SELECT $func$SELECT 2$func$, a1 FROM t1, t2 JOIN t3 "
        "-- c2\n WHERE x IN (1, 2) AND \"q1\" = 'v'; CREATE PROCEDURE p AS BEGIN END";
    sqllexer_config_t cfg = {0};
    cfg.collect_tables = cfg.collect_commands = cfg.collect_comments = true;
    cfg.collect_procedures = cfg.dollar_quoted_func = cfg.replace_digits = true;
    static const sqllexer_mode_t modes[] = {SQLLEXER_OBFUSCATE_ONLY, SQLLEXER_NORMALIZE_ONLY,
                                            SQLLEXER_OBFUSCATE_AND_NORMALIZE};
    for (size_t m = 0; m < 3; m++) {
        long failures = 0;
        for (long k = 1;; k++) {
            sqllexer_result_t r;
            char *error = NULL;
            alloc_calls = 0;
            fail_at = k;
            int rc = sqllexer_run(q, sizeof q - 1, modes[m], &cfg, &r, &error);
            fail_at = 0;
            if (rc == 0) {
                assert_true(alloc_calls < k); /* no failure was injected */
                sqllexer_result_free(&r);
                assert_int_equal(live_allocs, 0);
                break;
            }
            failures++;
            assert_int_equal(rc, -1);
            assert_null(r.query);
            assert_int_equal(r.tables.count, 0);
            if (error != NULL) {
                assert_string_equal(error, "sqllexer: out of memory");
                free(error);
            }
            assert_int_equal(live_allocs, 0);
        }
        assert_true(failures >= 2);
    }
}

/* Output bound of sqllexer.h on worst cases: one-byte tokens each get a space. */
static void output_bounds(void **state)
{
    (void)state;
    static const char *const inputs[] = {"a,b,c,d", "(((((", "1+2+3", "a . b . c", "x\n;\n;"};
    sqllexer_config_t cfg = {0};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        for (int m = 0; m < 3; m++) {
            sqllexer_result_t r;
            size_t n = strlen(inputs[i]);
            assert_int_equal(sqllexer_run(inputs[i], n, (sqllexer_mode_t)m, &cfg, &r, NULL), 0);
            assert_true(strlen(r.query) <= (m == SQLLEXER_OBFUSCATE_ONLY ? n : 2 * n));
            sqllexer_result_free(&r);
        }
    }
    /* a long list of distinct names and comments: linear, and every one kept once */
    sqlbuf_t b = {0};
    char item[64];
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(item, sizeof item, "%s t%d /* c%d */", i ? "," : "SELECT * FROM", i % 10000,
                         i % 5000);
        sqlbuf_append(&b, item, (size_t)n);
    }
    cfg.collect_tables = cfg.collect_comments = true;
    sqllexer_result_t r;
    assert_int_equal(sqllexer_run(b.data, b.len, SQLLEXER_NORMALIZE_ONLY, &cfg, &r, NULL), 0);
    assert_int_equal(r.tables.count, 10000);
    assert_int_equal(r.comments.count, 5000);
    assert_string_equal(r.tables.items[9999], "t9999");
    sqllexer_result_free(&r);
    sqlbuf_free(&b);
    assert_int_equal(live_allocs, 0);
}

static void *run_spec_rows(void *arg)
{
    atomic_long *failures = arg;
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < sqllexer_spec_vector_count; i++) {
            if (!run_vector(&sqllexer_spec_vectors[i])) {
                atomic_fetch_add(failures, 1);
            }
        }
    }
    return NULL;
}

/* No shared state: concurrent runs give the same results (and ASan/TSan-clean). */
static void threads(void **state)
{
    (void)state;
    pthread_t t[4];
    atomic_long failures = 0;
    check_row_allocs = false;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, run_spec_rows, &failures), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
    }
    check_row_allocs = true;
    assert_int_equal(failures, 0);
    assert_int_equal(live_allocs, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_vectors),   cmocka_unit_test(own_vectors),
        cmocka_unit_test(lexer_tokens),   cmocka_unit_test(keyword_kinds),
        cmocka_unit_test(dbms_names),
        cmocka_unit_test(bad_arguments),  cmocka_unit_test(embedded_nul),
        cmocka_unit_test(allocation_failures), cmocka_unit_test(output_bounds),
        cmocka_unit_test(threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
