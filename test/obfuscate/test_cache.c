/*
 * test_cache.c - the obfuscation result cache (host/obfuscate/result_cache.c, its use in
 * obfuscate.c; docs/obfuscation.md): results identical with and without it for the legacy and
 * sqllexer spec vectors and every fuzz seed (first pass misses, second hits), errors cached
 * exactly, results that depend on the escape flag never served from it, the byte bound under
 * eviction, the entry limit, CLOCK keeping re-used entries through a scan, and 8 threads
 * sharing one cache. test_obf_sql_cached and test_obf_json_cached run the other files'
 * vectors through the cache as well (cached_run.h).
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "obfuscate.h"
#include "result_cache.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "legacy_vectors.h"
#include "sqllexer_vectors.h"

/* One call of an entry point: kind 'S' (SQL), 'P'/'p' (plan, plain/normalised), 'M'. */
typedef struct {
    char kind;
    char *text;
    size_t len;
    char *options; /* SQL only; NULL: none */
    char *want;    /* the uncached outcome: "R:" + result or "E:" + error */
} call_t;

typedef struct {
    call_t *items;
    size_t count, cap;
} calls_t;

static char *dup_bytes(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    assert_non_null(copy);
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

static void add_call(calls_t *calls, char kind, const char *text, size_t len, const char *options)
{
    if (calls->count == calls->cap) {
        calls->cap = calls->cap ? calls->cap * 2 : 256;
        calls->items = realloc(calls->items, calls->cap * sizeof(call_t));
        assert_non_null(calls->items);
    }
    call_t *c = &calls->items[calls->count++];
    c->kind = kind;
    c->text = dup_bytes(text, len);
    c->len = len;
    c->options = options != NULL ? strdup(options) : NULL;
    c->want = NULL;
}

static void free_calls(calls_t *calls)
{
    for (size_t i = 0; i < calls->count; i++) {
        free(calls->items[i].text);
        free(calls->items[i].options);
        free(calls->items[i].want);
    }
    free(calls->items);
    memset(calls, 0, sizeof(*calls));
}

/* The outcome of one call from the initial escape flag, as "R:..." or "E:...". */
static char *run(const call_t *c)
{
    obfuscate_set_literal_escapes(false);
    char *error = NULL, *out;
    switch (c->kind) {
    case 'S':
        out = obfuscate_sql_text(c->text, c->len, c->options, c->options ? strlen(c->options) : 0, &error);
        break;
    case 'P':
    case 'p': out = obfuscate_exec_plan_text(c->text, c->len, c->kind == 'p', &error); break;
    default: out = obfuscate_mongodb_text(c->text, c->len, &error); break;
    }
    assert_true((out == NULL) != (error == NULL));
    const char *text = out != NULL ? out : error;
    size_t n = strlen(text);
    char *outcome = malloc(n + 3);
    assert_non_null(outcome);
    memcpy(outcome, out != NULL ? "R:" : "E:", 2);
    memcpy(outcome + 2, text, n + 1);
    free(out);
    free(error);
    return outcome;
}

/* Stored by the cache: everything but legacy-path input with a backslash (docs). */
static bool cacheable(const call_t *c, bool legacy)
{
    return c->kind == 'M' || (!legacy && c->kind == 'S') || memchr(c->text, '\\', c->len) == NULL;
}

static void stats(obf_result_cache_stats_t *s)
{
    assert_true(obfuscate_cache_stats(s));
    assert_true(s->bytes <= s->max_bytes);
}

/* Uncached outcomes first, then two passes through a fresh cache of max_bytes: both must give
 * them byte for byte; the second pass hits every cacheable call (when nothing was evicted). */
static void check_calls(calls_t *calls, size_t max_bytes, bool (*is_legacy)(const call_t *))
{
    assert_int_equal(obfuscate_cache_configure(false, 0), 0);
    for (size_t i = 0; i < calls->count; i++) {
        calls->items[i].want = run(&calls->items[i]);
    }
    assert_int_equal(obfuscate_cache_configure(true, max_bytes), 0);
    for (int pass = 0; pass < 2; pass++) {
        size_t expected_hits = 0;
        obf_result_cache_stats_t before, after;
        stats(&before);
        for (size_t i = 0; i < calls->count; i++) {
            call_t *c = &calls->items[i];
            obf_result_cache_stats_t s0, s1;
            stats(&s0);
            char *got = run(c);
            stats(&s1);
            if (strcmp(got, c->want) != 0) {
                fail_msg("pass %d, %c %.200s with %s\n  uncached %.300s\n  cached   %.300s", pass, c->kind, c->text,
                         c->options ? c->options : "NULL", c->want, got);
            }
            free(got);
            bool hit = s1.hits == s0.hits + 1;
            if (!cacheable(c, is_legacy(c))) {
                assert_false(hit); /* flag-dependent: recomputed every time */
            }
            expected_hits += cacheable(c, is_legacy(c));
        }
        stats(&after);
        if (pass == 1 && after.evictions == 0 && after.rejected == 0) {
            assert_int_equal(after.hits - before.hits, expected_hits);
        }
    }
    assert_int_equal(obfuscate_cache_configure(false, 0), 0);
}

static bool options_are_legacy(const call_t *c)
{
    return c->kind == 'S' && (c->options == NULL || strstr(c->options, "obfuscation_mode") == NULL);
}

static void legacy_options(const char *spec, bool metadata, char *buf, size_t size)
{
    snprintf(buf, size,
             "{\"dbms\": \"%s\", \"keep_sql_alias\": %s, \"replace_digits\": %s, \"dollar_quoted_func\": %s, "
             "\"table_names\": %s, \"collect_commands\": %s, \"collect_comments\": %s, \"return_json_metadata\": %s}",
             strstr(spec, "pg") ? "postgresql" : strstr(spec, "ms") ? "mssql" : "",
             strstr(spec, "alias") ? "true" : "false", strstr(spec, "digits") ? "true" : "false",
             strstr(spec, "dqf") ? "true" : "false",
             strstr(spec, "tables") || strstr(spec, "meta") ? "true" : "false",
             strstr(spec, "meta") ? "true" : "false", strstr(spec, "meta") ? "true" : "false",
             metadata ? "true" : "false");
}

static void test_legacy_vectors(void **state)
{
    (void)state;
    calls_t calls = {0};
    char options[512];
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        for (int metadata = 0; metadata < 2; metadata++) {
            legacy_options(vectors[i].opts, metadata, options, sizeof(options));
            add_call(&calls, 'S', vectors[i].input, strlen(vectors[i].input), options);
        }
    }
    for (size_t i = 0; i < sizeof(error_vectors) / sizeof(error_vectors[0]); i++) {
        add_call(&calls, 'S', error_vectors[i].input, strlen(error_vectors[i].input), NULL);
    }
    check_calls(&calls, 4000000, options_are_legacy);
    /* the vectors' own expectations hold through the cache too */
    for (size_t i = 0, k = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++, k += 2) {
        if (strcmp(calls.items[k].want + 2, vectors[i].output) != 0) {
            fail_msg("%s: %s", vectors[i].id, calls.items[k].want);
        }
    }
    free_calls(&calls);
}

static const char *mode_name(sqllexer_mode_t m)
{
    return m == SQLLEXER_OBFUSCATE_ONLY ? "obfuscate_only"
           : m == SQLLEXER_NORMALIZE_ONLY ? "normalize_only"
                                          : "obfuscate_and_normalize";
}

static void add_sqllexer_vectors(calls_t *calls, const sqllexer_vector_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++, v++) {
        unsigned f = v->flags;
        bool collect = !(f & F_NOCOLLECT);
        char options[768];
        snprintf(options, sizeof(options),
                 "{\"obfuscation_mode\": \"%s\", \"dbms\": \"%s\", \"replace_digits\": %d, \"dollar_quoted_func\": %d, "
                 "\"keep_positional_parameter\": %d, \"keep_null\": %d, \"keep_boolean\": %d, "
                 "\"keep_trailing_semicolon\": %d, \"keep_identifier_quotation\": %d, "
                 "\"remove_space_between_parentheses\": %d, \"keep_json_path\": %d, \"collect_procedures\": %d, "
                 "\"table_names\": %d, \"collect_commands\": %d, \"collect_comments\": %d, \"return_json_metadata\": 1}",
                 mode_name(v->mode), v->dbms ? v->dbms : "", !!(f & F_DIGITS), !!(f & F_DQF), !!(f & F_KPP),
                 !!(f & F_KNULL), !!(f & F_KBOOL), !!(f & F_KTS), !!(f & F_KIQ), !!(f & F_RSBP), !!(f & F_KJP),
                 !!(f & F_PROCS), collect, collect, collect);
        /* booleans as JSON */
        for (char *p = options; (p = strstr(p, ": 1")) != NULL; p += 3) {
            memmove(p + 6, p + 3, strlen(p + 3) + 1);
            memcpy(p, ": true", 6);
        }
        for (char *p = options; (p = strstr(p, ": 0")) != NULL; p += 3) {
            memmove(p + 7, p + 3, strlen(p + 3) + 1);
            memcpy(p, ": false", 7);
        }
        add_call(calls, 'S', v->input, strlen(v->input), options);
    }
}

static void test_sqllexer_vectors(void **state)
{
    (void)state;
    calls_t calls = {0};
    add_sqllexer_vectors(&calls, sqllexer_spec_vectors, sqllexer_spec_vector_count);
    add_sqllexer_vectors(&calls, sqllexer_own_vectors, sqllexer_own_vector_count);
    check_calls(&calls, 4000000, options_are_legacy);
    /* S1's expected query, through the cache */
    assert_non_null(strstr(calls.items[0].want, sqllexer_spec_vectors[0].output));
    free_calls(&calls);
}

/* The Postgres check's options (spec §1.2), legacy and the three modes. */
static const char *const option_sets[] = {
    NULL,
    "{\"dbms\": \"postgresql\", \"table_names\": true, \"collect_commands\": true, \"collect_comments\": true, "
    "\"return_json_metadata\": true, \"keep_sql_alias\": true, \"dollar_quoted_func\": true}",
    "{\"dbms\": \"postgresql\", \"obfuscation_mode\": \"obfuscate_and_normalize\", \"table_names\": true, "
    "\"collect_commands\": true, \"collect_comments\": true, \"return_json_metadata\": true, \"keep_sql_alias\": true, "
    "\"dollar_quoted_func\": true, \"replace_digits\": false, \"keep_null\": false, \"keep_boolean\": false, "
    "\"keep_positional_parameter\": false, \"keep_trailing_semicolon\": false, \"keep_identifier_quotation\": false, "
    "\"remove_space_between_parentheses\": false, \"keep_json_path\": false}",
    "{\"dbms\": \"mysql\", \"obfuscation_mode\": \"obfuscate_only\", \"return_json_metadata\": true}",
    "{\"obfuscation_mode\": \"normalize_only\", \"table_names\": true}",
};

static void add_seeds(calls_t *calls, const char *corpus)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/%s", FUZZ_CORPUS_DIR, corpus);
    DIR *d = opendir(dir);
    if (d == NULL) {
        fail_msg("cannot read the fuzz seeds in %s", dir);
    }
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char buf[65536];
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        /* the control byte(s) the targets read first are left out: the rest is the text */
        const char *text = n > 0 ? buf + 1 : buf;
        size_t len = n > 0 ? n - 1 : 0;
        for (size_t i = 0; i < sizeof(option_sets) / sizeof(option_sets[0]); i++) {
            add_call(calls, 'S', text, len, option_sets[i]);
        }
        add_call(calls, 'P', text, len, NULL);
        add_call(calls, 'p', text, len, NULL);
        add_call(calls, 'M', text, len, NULL);
        files++;
    }
    closedir(d);
    assert_true(files > 0);
}

static void test_fuzz_seeds(void **state)
{
    (void)state;
    calls_t calls = {0};
    add_seeds(&calls, "fuzz_legacy_sql");
    add_seeds(&calls, "fuzz_json_obfuscate");
    add_seeds(&calls, "fuzz_sqllexer");
    check_calls(&calls, 4000000, options_are_legacy);
    free_calls(&calls);
}

/* An error is stored and served like a result, text for text; memory exhaustion is not. */
static void test_errors_cached(void **state)
{
    (void)state;
    static const struct {
        char kind;
        const char *text, *options, *error;
    } cases[] = {
        {'S', "SELECT 1", "{\"table_names\": \"yes\"}",
         "json: cannot unmarshal string into Go struct field sqlConfig.table_names of type bool"},
        {'S', "SELECT 1", "{\"obfuscation_mode\": \"legacy\"}", "invalid obfuscation mode: legacy"},
        {'S', "SELECT 1", "{\"a\":", "unexpected end of JSON input"},
        {'S', "SELECT a FROM b WHERE a.x !* 2", NULL, "at position 27: unexpected char \"*\" (42) after \"!\""},
        {'S', "-- just a comment", NULL, "result is empty"},
        {'P', "{\"a\" 1}", NULL, "invalid character '1' after object key"},
        {'M', "", NULL, "Empty MongoDB command"},
    };
    assert_int_equal(obfuscate_cache_configure(true, 1000000), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        call_t c = {cases[i].kind, (char *)cases[i].text, strlen(cases[i].text), (char *)cases[i].options, NULL};
        obf_result_cache_stats_t s0, s1, s2;
        stats(&s0);
        char *first = run(&c);
        stats(&s1);
        char *second = run(&c);
        stats(&s2);
        assert_string_equal(first + 2, cases[i].error);
        assert_string_equal(first, second);
        assert_int_equal(first[0], 'E');
        assert_int_equal(s1.misses, s0.misses + 1);
        assert_int_equal(s1.inserts, s0.inserts + 1);
        assert_int_equal(s2.hits, s1.hits + 1);
        free(first);
        free(second);
    }
    assert_int_equal(obfuscate_cache_configure(false, 0), 0);
}

/* §2.3: a legacy result may depend on the process-wide escape flag and flip it; such calls
 * are never answered from the cache, so the flag's history is the uncached one. The sqllexer
 * modes do not read the flag: their backslash queries are cached. */
static void test_escape_flag(void **state)
{
    (void)state;
    /* 'C:\dir\' needs literal backslashes, 'O\'Brien' escaping ones: each flips the flag */
    static const char *const seq[] = {
        "SELECT * FROM t WHERE p = 'C:\\dir\\'", "SELECT * FROM t WHERE n = 'O\\'Brien'",
        "SELECT * FROM t WHERE p = 'C:\\dir\\'", "SELECT 'a\\' , b", "SELECT * FROM t WHERE n = 'O\\'Brien'",
        "SELECT 'a\\' , b", "SELECT 'x\\",
    };
    enum { N = sizeof(seq) / sizeof(seq[0]) };
    char *want[N];
    bool want_flag[N];
    for (int cached = 0; cached < 2; cached++) {
        assert_int_equal(obfuscate_cache_configure(cached, 1000000), 0);
        for (int round = 0; round < (cached ? 3 : 1); round++) {
            obfuscate_set_literal_escapes(false);
            for (int i = 0; i < N; i++) {
                obf_result_cache_stats_t s0, s1;
                if (cached) {
                    stats(&s0);
                }
                char *error = NULL;
                char *out = obfuscate_sql_text(seq[i], strlen(seq[i]), NULL, 0, &error);
                char *got = out != NULL ? out : error;
                if (!cached) {
                    want[i] = got;
                    want_flag[i] = obfuscate_literal_escapes();
                    continue;
                }
                stats(&s1);
                assert_string_equal(got, want[i]);
                assert_int_equal(obfuscate_literal_escapes(), want_flag[i]);
                assert_int_equal(s1.hits, s0.hits); /* never from the cache */
                assert_int_equal(s1.inserts, s0.inserts);
                free(got);
            }
        }
    }
    assert_true(want_flag[0] && !want_flag[1]); /* the sequence did flip the flag both ways */
    for (int i = 0; i < N; i++) {
        free(want[i]);
    }
    /* The sqllexer modes do not read the flag: the same backslash query is cached there. */
    const char *q = seq[0];
    const char *mode = "{\"obfuscation_mode\": \"obfuscate_only\"}";
    for (int i = 0; i < 2; i++) {
        obf_result_cache_stats_t s0, s1;
        stats(&s0);
        char *error = NULL;
        char *out = obfuscate_sql_text(q, strlen(q), mode, strlen(mode), &error);
        stats(&s1);
        assert_string_equal(out, "SELECT * FROM t WHERE p = ?");
        assert_int_equal(s1.hits, s0.hits + (unsigned)i);
        free(out);
    }
    obfuscate_set_literal_escapes(false);
    assert_int_equal(obfuscate_cache_configure(false, 0), 0);
}

/* Many distinct queries through a small cache: the bound holds after every call, entries
 * are evicted (each query is asked twice in a row: a full cache stores a key on its second
 * miss), and every answer is still the uncached one. */
static void test_eviction_bound(void **state)
{
    (void)state;
    calls_t calls = {0};
    char q[256];
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(q, sizeof(q), "SELECT c%d, name FROM table_%d WHERE id = %d AND label = 'x%d'", i % 17, i, i * 7, i);
        add_call(&calls, 'S', q, (size_t)n, option_sets[i % 3 == 0 ? 1 : 2]);
    }
    check_calls(&calls, 64 * 1024, options_are_legacy);
    obf_result_cache_stats_t s;
    assert_int_equal(obfuscate_cache_configure(true, 64 * 1024), 0);
    for (size_t i = 0; i < calls.count * 2; i++) {
        char *got = run(&calls.items[i / 2]);
        assert_string_equal(got, calls.items[i / 2].want);
        free(got);
        stats(&s); /* asserts the bound */
    }
    assert_true(s.evictions > 0);
    assert_true(s.declined > 0);
    assert_true(s.entries > 0 && s.entries < 3000);
    assert_int_equal(obfuscate_cache_configure(false, 0), 0);
    free_calls(&calls);
}

/* An entry over 1/8 of a shard's budget is answered but not stored. */
static void test_entry_limit(void **state)
{
    (void)state;
    assert_int_equal(obfuscate_cache_configure(true, 160000), 0); /* shards of 10,000 B */
    obf_result_cache_stats_t s0, s1;
    stats(&s0);
    assert_int_equal(s0.entry_limit, 1250);
    char q[2100];
    memset(q, ' ', sizeof(q) - 1);
    memcpy(q, "SELECT 1", 8);
    q[sizeof(q) - 1] = '\0';
    for (int i = 0; i < 2; i++) {
        char *error = NULL;
        char *out = obfuscate_sql_text(q, strlen(q), NULL, 0, &error);
        assert_string_equal(out, "SELECT ?");
        free(out);
    }
    stats(&s1);
    assert_int_equal(s1.rejected, s0.rejected + 2);
    assert_int_equal(s1.hits, s0.hits);
    assert_int_equal(s1.entries, 0);
    assert_int_equal(obfuscate_cache_configure(false, 0), 0);
}

static void key(obf_cache_key_t *k, obf_result_cache_t *c, unsigned char tag, const char *a, const char *b)
{
    obf_cache_key_init(k, c, tag, a, strlen(a), b, strlen(b));
}

/* The cache itself: keys are (tag, a, b) exactly, a second store of a key keeps the first,
 * values come back byte for byte. */
static void test_keys(void **state)
{
    (void)state;
    obf_result_cache_t *c = obf_result_cache_new(1 << 20);
    assert_non_null(c);
    obf_cache_key_t k1, k2, k3;
    key(&k1, c, 'S', "ab", "c");
    key(&k2, c, 'S', "a", "bc");
    key(&k3, c, 'P', "ab", "c");
    obf_result_cache_put(c, &k1, "one", NULL);
    obf_result_cache_put(c, &k2, NULL, "two");
    obf_result_cache_put(c, &k1, "again", NULL);
    char *out, *error;
    assert_true(obf_result_cache_get(c, &k1, &out, &error));
    assert_string_equal(out, "one");
    assert_null(error);
    free(out);
    assert_true(obf_result_cache_get(c, &k2, &out, &error));
    assert_null(out);
    assert_string_equal(error, "two");
    free(error);
    assert_false(obf_result_cache_get(c, &k3, &out, &error));
    assert_null(out);
    assert_null(error);
    obf_result_cache_stats_t s;
    obf_result_cache_stats(c, &s);
    assert_int_equal(s.entries, 2);
    assert_int_equal(s.inserts, 2);
    assert_int_equal(s.hits, 2);
    assert_int_equal(s.misses, 1);
    obf_result_cache_free(c);
    /* a budget this small stores nothing, and says so */
    c = obf_result_cache_new(16 * 100);
    obf_result_cache_put(c, &k1, "x", NULL);
    obf_result_cache_stats(c, &s);
    assert_int_equal(s.entries, 0);
    assert_int_equal(s.rejected, 1);
    obf_result_cache_free(c);
}

/* CLOCK: entries hit between passes keep their place while a long scan of one-off keys goes
 * through; a FIFO would have dropped them. */
static void test_clock_keeps_reused(void **state)
{
    (void)state;
    obf_result_cache_t *c = obf_result_cache_new(16 * 4096);
    char value[100];
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    char name[32];
    obf_cache_key_t k;
    for (int i = 0; i < 32; i++) {
        snprintf(name, sizeof(name), "hot-%d", i);
        key(&k, c, 'S', "", name);
        obf_result_cache_put(c, &k, value, NULL);
    }
    for (int i = 0; i < 5000; i++) {
        if (i % 40 == 0) {
            for (int h = 0; h < 32; h++) {
                snprintf(name, sizeof(name), "hot-%d", h);
                key(&k, c, 'S', "", name);
                char *out, *error;
                if (!obf_result_cache_get(c, &k, &out, &error)) {
                    fail_msg("hot-%d evicted by the scan at %d", h, i);
                }
                free(out);
            }
        }
        snprintf(name, sizeof(name), "scan-%d", i);
        key(&k, c, 'S', "", name);
        obf_result_cache_put(c, &k, value, NULL);
        obf_result_cache_put(c, &k, value, NULL); /* once full, the second miss is stored */
        obf_result_cache_stats_t s;
        obf_result_cache_stats(c, &s);
        assert_true(s.bytes <= s.max_bytes);
    }
    obf_result_cache_stats_t s;
    obf_result_cache_stats(c, &s);
    assert_true(s.evictions > 4000);
    obf_result_cache_free(c);
}

/* Admission: while there is room every key is stored; once full, a key missing for the first
 * time is only remembered, and stored on its next miss. A scan of one-off keys thus evicts
 * nothing. */
static void test_doorkeeper(void **state)
{
    (void)state;
    obf_result_cache_t *c = obf_result_cache_new(16 * 8192);
    char value[200];
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    char name[32];
    obf_cache_key_t k;
    obf_result_cache_stats_t s, full;
    /* room: each key stored at its first miss, until the shards fill */
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "fill-%d", i);
        key(&k, c, 'S', "", name);
        obf_result_cache_put(c, &k, value, NULL);
    }
    obf_result_cache_stats(c, &s);
    assert_int_equal(s.inserts, 100);
    assert_int_equal(s.declined, 0);
    for (int i = 100; i < 4000; i++) {
        snprintf(name, sizeof(name), "fill-%d", i);
        key(&k, c, 'S', "", name);
        obf_result_cache_put(c, &k, value, NULL);
    }
    /* every shard is full now: one-off keys are remembered, never stored, evict nothing */
    obf_result_cache_stats(c, &full);
    assert_true(full.declined > 0);
    assert_int_equal(full.evictions, 0);
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof(name), "once-%d", i);
        key(&k, c, 'S', "", name);
        obf_result_cache_put(c, &k, value, NULL);
    }
    obf_result_cache_stats(c, &s);
    assert_int_equal(s.evictions, 0);
    assert_int_equal(s.entries, full.entries);
    assert_int_equal(s.declined, full.declined + 2000);
    assert_true(s.bytes <= s.max_bytes);
    /* a key that misses again is stored, at the price of an eviction */
    char *out, *error;
    key(&k, c, 'S', "", "twice");
    obf_result_cache_put(c, &k, value, NULL);
    assert_false(obf_result_cache_get(c, &k, &out, &error));
    obf_result_cache_put(c, &k, value, NULL);
    assert_true(obf_result_cache_get(c, &k, &out, &error));
    free(out);
    obf_result_cache_stats(c, &s);
    assert_true(s.evictions >= 1);
    assert_true(s.bytes <= s.max_bytes);
    obf_result_cache_free(c);
}

static void test_configure(void **state)
{
    (void)state;
    obf_result_cache_stats_t s;
    assert_int_equal(obfuscate_cache_configure(false, 5000000), 0);
    assert_false(obfuscate_cache_stats(&s));
    assert_int_equal(obfuscate_cache_configure(true, 0), 0);
    assert_false(obfuscate_cache_stats(&s));
    assert_int_equal(obfuscate_cache_configure(true, 5000000), 0);
    assert_true(obfuscate_cache_stats(&s));
    assert_int_equal(s.max_bytes, 5000000);
    assert_int_equal(s.entries, 0);
    assert_int_equal(obfuscate_cache_configure(false, 0), 0);
}

/* 8 threads, each drawing from a small hot set and a large set (larger than the cache), must
 * all get the uncached answers while entries come and go. */
#define THREADS 8
#define SMALL 40
#define LARGE 3000
#define ITERATIONS 3000

static calls_t shared;

static void *worker(void *arg)
{
    unsigned long rng = (unsigned long)(intptr_t)arg * 2654435761UL + 1;
    for (int i = 0; i < ITERATIONS; i++) {
        rng = rng * 6364136223846793005UL + 1442695040888963407UL;
        unsigned r = (unsigned)(rng >> 33);
        size_t idx = r % 10 < 7 ? r / 10 % SMALL : SMALL + r / 10 % LARGE;
        const call_t *c = &shared.items[idx];
        char *error = NULL;
        char *out = obfuscate_sql_text(c->text, c->len, c->options, strlen(c->options), &error);
        bool ok = out != NULL && strcmp(out, c->want + 2) == 0;
        free(out);
        free(error);
        if (!ok) {
            return (void *)1;
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    char q[256];
    for (int i = 0; i < SMALL + LARGE; i++) {
        int n = snprintf(q, sizeof(q), "SELECT a, b FROM %s_%d WHERE id = %d AND t = 'v%d'", i < SMALL ? "hot" : "cold", i,
                         i, i);
        add_call(&shared, 'S', q, (size_t)n, option_sets[1 + i % 2]);
    }
    assert_int_equal(obfuscate_cache_configure(false, 0), 0);
    for (size_t i = 0; i < shared.count; i++) {
        shared.items[i].want = run(&shared.items[i]);
        assert_int_equal(shared.items[i].want[0], 'R');
    }
    assert_int_equal(obfuscate_cache_configure(true, 256 * 1024), 0);
    pthread_t t[THREADS];
    for (intptr_t i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        failures += rc != NULL;
    }
    assert_int_equal(failures, 0);
    obf_result_cache_stats_t s;
    stats(&s);
    assert_true(s.hits > 0);
    assert_true(s.evictions > 0);
    assert_int_equal(s.hits + s.misses, THREADS * ITERATIONS);
    assert_int_equal(obfuscate_cache_configure(false, 0), 0);
    free_calls(&shared);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_vectors), cmocka_unit_test(test_sqllexer_vectors),
        cmocka_unit_test(test_fuzz_seeds),     cmocka_unit_test(test_errors_cached),
        cmocka_unit_test(test_escape_flag),    cmocka_unit_test(test_eviction_bound),
        cmocka_unit_test(test_entry_limit),    cmocka_unit_test(test_keys),
        cmocka_unit_test(test_clock_keeps_reused), cmocka_unit_test(test_doorkeeper),
        cmocka_unit_test(test_configure),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("obfuscation result cache", tests, NULL, NULL);
}
