/*
 * test_sql.c - obfuscate_sql as the callback sees it (spec obfuscation.md §1): options
 * decoding with Go's rules, dispatch, the JSON document and its escaping, error texts, the
 * sqllexer modes' document shape, and concurrent callers sharing the escape flag.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_text.h"
#include "obfuscate.h"

#include "cached_run.h"

/* The result, or "ERR:" + the error. */
static char *sql(const char *query, const char *options)
{
    static __thread char out[2048];
    char *error = NULL;
    char *got = t_sql(query, strlen(query), options, options ? strlen(options) : 0, &error);
    assert_true((got == NULL) != (error == NULL));
    snprintf(out, sizeof(out), "%s%s", got ? "" : "ERR:", got ? got : error);
    free(got);
    free(error);
    return out;
}

#define EXPECT(query, options, want)                                                               \
    do {                                                                                           \
        obfuscate_set_literal_escapes(false);                                                      \
        const char *got_ = sql((query), (options));                                                \
        if (strcmp(got_, (want)) != 0) {                                                           \
            fail_msg("%s with %s\n  want %s\n  got  %s", (query), (options) ? (options) : "NULL", (want), got_); \
        }                                                                                          \
    } while (0)

static void test_document(void **state)
{
    (void)state;
    /* The §1.4 example, byte for byte. */
    EXPECT("SELECT * FROM t1 JOIN t2 ON t1.id = t2.id WHERE t1.x = 5",
           "{\"table_names\":true,\"collect_commands\":true,\"return_json_metadata\":true}",
           "{\"query\":\"SELECT * FROM t1 JOIN t2 ON t1.id = t2.id WHERE t1.x = ?\",\"metadata\":{\"Size\":15,"
           "\"tables_csv\":\"t1,t2\",\"commands\":[\"SELECT\",\"JOIN\"],\"comments\":null,\"procedures\":null}}");
    /* Nothing collected: null lists, "" tables, Size 0. */
    EXPECT("SELECT 1", "{\"return_json_metadata\":true}",
           "{\"query\":\"SELECT ?\",\"metadata\":{\"Size\":0,\"tables_csv\":\"\",\"commands\":null,\"comments\":null,"
           "\"procedures\":null}}");
    /* Size counts every comment and command occurrence, and distinct tables plus commas. */
    EXPECT("SELECT a FROM t /* c1 */ JOIN u JOIN t -- c2\n", "{\"table_names\":true,\"collect_commands\":true,"
           "\"collect_comments\":true,\"return_json_metadata\":true}",
           "{\"query\":\"SELECT a FROM t JOIN u JOIN t\",\"metadata\":{\"Size\":30,\"tables_csv\":\"t,u\","
           "\"commands\":[\"SELECT\",\"JOIN\",\"JOIN\"],\"comments\":[\"/* c1 */\",\"-- c2\"],\"procedures\":null}}");
    /* Go's escaping of HTML characters, controls and U+2028/9 (a backtick name keeps them). */
    EXPECT("SELECT a FROM `x<y>&z\"\\\\\t\x01\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9` WHERE b = 'x'",
           "{\"table_names\":true,\"return_json_metadata\":true}",
           "{\"query\":\"SELECT a FROM x\\u003cy\\u003e\\u0026z\\\"\\\\\\t\\u0001\\u2028\\u2029\xc3\xa9 WHERE b = ?\","
           "\"metadata\":{\"Size\":18,\"tables_csv\":\"x\\u003cy\\u003e\\u0026z\\\"\\\\\\t\\u0001\\u2028\\u2029\xc3\xa9\","
           "\"commands\":null,\"comments\":null,\"procedures\":null}}");
    /* Without return_json_metadata: the bare query. */
    EXPECT("SELECT * FROM t WHERE a = 'b'", NULL, "SELECT * FROM t WHERE a = ?");
    EXPECT("SELECT * FROM t WHERE a = 'b'", "", "SELECT * FROM t WHERE a = ?");
}

/* Invalid UTF-8 cannot come out of the tokenizer (it is an error there), so the writer is
 * checked directly: each bad byte is \ufffd, as Go writes it. */
static void test_string_writer(void **state)
{
    (void)state;
    obf_buf_t b = {0};
    obf_json_write_string(&b, "a\xff\xc3(\xed\xa0\x80\x7f\b\f\r\n\xf0\x9f\xa5\x92", 16);
    assert_string_equal(b.data, "\"a\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\x7f\\u0008\\u000c\\r\\n\xf0\x9f\xa5\x92\"");
    obf_buf_free(&b);
    obf_json_write_string(&b, "", 0);
    assert_string_equal(b.data, "\"\"");
    obf_buf_free(&b);
}

static void test_options(void **state)
{
    (void)state;
    const char *q = "SELECT a AS b FROM t2";
    /* Keys match case-insensitively (Go folding, KELVIN SIGN for k), unknown keys and nulls
     * are ignored, the last duplicate wins. */
    EXPECT(q, "{\"KEEP_SQL_ALIAS\": true}", "SELECT a AS b FROM t2");
    EXPECT(q, "{\"\xe2\x84\xaa\x65\x65p_sql_alias\": true}", "SELECT a AS b FROM t2");
    EXPECT(q, "{\"keep_sql_aliasx\": true, \"unknown\": [1, {\"a\": null}]}", "SELECT a FROM t2");
    EXPECT(q, "{\"keep_sql_alias\": null}", "SELECT a FROM t2");
    EXPECT(q, "{\"keep_sql_alias\": true, \"keep_sql_alias\": false}", "SELECT a FROM t2");
    EXPECT(q, "{\"keep_sql_alias\": false, \"Keep_Sql_Alias\": true}", "SELECT a AS b FROM t2");
    EXPECT(q, "{\"replace_digits\": true, \"dbms\": \"postgresql\"}", "SELECT a FROM t?");
    EXPECT(q, "null", "SELECT a FROM t2");
    /* dbms is exact for the legacy path: "postgres" is generic, so '#' is a comment. */
    EXPECT("SELECT a #> b FROM t", "{\"dbms\": \"postgresql\"}", "SELECT a #> b FROM t");
    EXPECT("SELECT a #> b FROM t", "{\"dbms\": \"postgres\"}", "SELECT a");
    EXPECT("SELECT a #> b FROM t", "{\"DBMS\": \"postgresql\"}", "SELECT a #> b FROM t");
    /* Type mismatches and syntax errors fail with Go's messages. */
    EXPECT(q, "{\"table_names\": \"yes\"}",
           "ERR:json: cannot unmarshal string into Go struct field sqlConfig.table_names of type bool");
    EXPECT(q, "{\"dbms\": 1}", "ERR:json: cannot unmarshal number into Go struct field sqlConfig.dbms of type string");
    EXPECT(q, "{\"dbms\": true}", "ERR:json: cannot unmarshal bool into Go struct field sqlConfig.dbms of type string");
    EXPECT(q, "{\"keep_null\": [true]}", "ERR:json: cannot unmarshal array into Go struct field sqlConfig.keep_null of type bool");
    EXPECT(q, "[]", "ERR:json: cannot unmarshal array into Go value of type python.sqlConfig");
    EXPECT(q, "x", "ERR:invalid character 'x' looking for beginning of value");
    EXPECT(q, "{\"a\":", "ERR:unexpected end of JSON input");
    EXPECT(q, " ", "ERR:unexpected end of JSON input");
    /* A mismatch does not stop decoding, but it is the error. */
    EXPECT(q, "{\"keep_sql_alias\": 1, \"obfuscation_mode\": \"bogus\"}",
           "ERR:json: cannot unmarshal number into Go struct field sqlConfig.keep_sql_alias of type bool");
}

/* The per-thread options memo: alternating texts, and an error after a success, decode as
 * if each call were the first. */
static void test_options_memo(void **state)
{
    (void)state;
    const char *a = "{\"keep_sql_alias\": true}", *b = "{\"keep_sql_alias\": false}";
    for (int i = 0; i < 3; i++) {
        EXPECT("SELECT x AS y", a, "SELECT x AS y");
        EXPECT("SELECT x AS y", a, "SELECT x AS y");
        EXPECT("SELECT x AS y", b, "SELECT x");
        EXPECT("SELECT x AS y", "{\"keep_sql_alias\": 1}",
               "ERR:json: cannot unmarshal number into Go struct field sqlConfig.keep_sql_alias of type bool");
        EXPECT("SELECT x AS y", NULL, "SELECT x");
    }
}

static void test_dispatch_and_errors(void **state)
{
    (void)state;
    EXPECT("SELECT 1", "{\"obfuscation_mode\": \"legacy\"}", "ERR:invalid obfuscation mode: legacy");
    EXPECT("SELECT 1", "{\"obfuscation_mode\": \"OBFUSCATE_ONLY\"}", "ERR:invalid obfuscation mode: OBFUSCATE_ONLY");
    EXPECT("SELECT 1", "{\"obfuscation_mode\": \"\"}", "SELECT ?");
    EXPECT("", NULL, "ERR:result is empty");
    EXPECT("/* only */", "{\"return_json_metadata\": true}", "ERR:result is empty");
    EXPECT("SELECT 'a", NULL, "ERR:at position 10: unexpected EOF in string");
    /* keep_sql_alias AS [x]: the bracketed alias must hold identifiers only. */
    EXPECT("SELECT a AS [b c] FROM t", NULL, "SELECT a FROM t");
    EXPECT("SELECT a AS [1] FROM t", NULL, "ERR:expected identifier in bracketed filter, got 57354");
}

/* The §2.3 flag is process-wide: a call that needs the other meaning flips it for later
 * calls; a failing call leaves it. */
static void test_escape_flag(void **state)
{
    (void)state;
    obfuscate_set_literal_escapes(false);
    assert_string_equal(sql("SELECT * FROM t WHERE p = 'C:\\dir\\'", NULL), "SELECT * FROM t WHERE p = ?");
    assert_true(obfuscate_literal_escapes());
    /* With literal backslashes, this query would differ: \' no longer escapes. */
    assert_string_equal(sql("SELECT 'a\\' , b", NULL), "SELECT ? b");
    assert_true(obfuscate_literal_escapes());
    assert_string_equal(sql("SELECT * FROM t WHERE n = 'O\\'Brien'", NULL), "SELECT * FROM t WHERE n = ?");
    assert_false(obfuscate_literal_escapes());
    assert_string_equal(sql("SELECT 'x\\", NULL), "ERR:at position 11: unexpected EOF in string");
    assert_false(obfuscate_literal_escapes());
    /* Exec plans share the flag. */
    obfuscate_set_literal_escapes(false);
    char *error = NULL;
    const char *plan = "{\"Filter\": \"p = 'C:\\\\dir\\\\'\"}";
    char *got = t_plan(plan, strlen(plan), false, &error);
    assert_string_equal(got, "{\"Filter\":\"p = ?\"}");
    free(got);
    assert_true(obfuscate_literal_escapes());
    obfuscate_set_literal_escapes(false);
}

#define THREADS 4
#define ROUNDS 400

static void *worker(void *arg)
{
    intptr_t id = (intptr_t)arg;
    for (int i = 0; i < ROUNDS; i++) {
        char *error = NULL;
        const char *q = id % 2 ? "SELECT * FROM users WHERE id IN (1, 2, 3) AND name = 'x'" : "UPDATE t SET a = 1";
        char *got = obfuscate_sql_text(q, strlen(q), "{\"table_names\": true, \"return_json_metadata\": true}", 51, &error);
        const char *want = id % 2 ? "{\"query\":\"SELECT * FROM users WHERE id IN ( ? ) AND name = ?\",\"metadata\":"
                                    "{\"Size\":5,\"tables_csv\":\"users\",\"commands\":null,\"comments\":null,\"procedures\":null}}"
                                  : "{\"query\":\"UPDATE t SET a = ?\",\"metadata\":{\"Size\":1,\"tables_csv\":\"t\","
                                    "\"commands\":null,\"comments\":null,\"procedures\":null}}";
        if (got == NULL || strcmp(got, want) != 0) {
            free(got);
            free(error);
            return (void *)1;
        }
        free(got);
        const char *m = "{\"find\": \"c\", \"filter\": {\"a\": 1}}";
        got = obfuscate_mongodb_text(m, strlen(m), &error);
        bool ok = got != NULL && strcmp(got, "{\"find\":\"c\",\"filter\":{\"a\":\"?\"}}") == 0;
        free(got);
        if (!ok) {
            return (void *)1;
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    for (intptr_t i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        assert_null(rc);
    }
}

static void test_sqllexer_modes(void **state)
{
    (void)state;
    /* §1.4 shapes; the modes' own vectors are tested with the module (test/sqllexer). */
    EXPECT("SELECT * FROM users WHERE id = 1 -- c", "{\"obfuscation_mode\": \"obfuscate_only\", \"table_names\": true, "
           "\"collect_commands\": true, \"collect_comments\": true, \"return_json_metadata\": true}",
           "{\"query\":\"SELECT * FROM users WHERE id = ? -- c\",\"metadata\":{\"Size\":0,\"tables_csv\":\"\","
           "\"commands\":null,\"comments\":null,\"procedures\":null}}");
    EXPECT("SELECT * FROM users WHERE id = 1 -- c", "{\"obfuscation_mode\": \"obfuscate_and_normalize\", \"table_names\": true, "
           "\"collect_commands\": true, \"collect_comments\": true, \"return_json_metadata\": true}",
           "{\"query\":\"SELECT * FROM users WHERE id = ?\",\"metadata\":{\"Size\":15,\"tables_csv\":\"users\","
           "\"commands\":[\"SELECT\"],\"comments\":[\"-- c\"],\"procedures\":[]}}");
    EXPECT("SELECT 1", "{\"obfuscation_mode\": \"normalize_only\", \"return_json_metadata\": true}",
           "{\"query\":\"SELECT 1\",\"metadata\":{\"Size\":0,\"tables_csv\":\"\",\"commands\":[],\"comments\":[],"
           "\"procedures\":[]}}");
    /* The upstream agent-level facts of §3 (U). */
    EXPECT("SELECT * FROM users WHERE id = 1 AND address = $1 and id = $2 AND deleted IS NULL AND active is TRUE",
           "{\"obfuscation_mode\": \"obfuscate_and_normalize\"}",
           "SELECT * FROM users WHERE id = ? AND address = ? and id = ? AND deleted IS ? AND active is ?");
    EXPECT("SELECT $func$INSERT INTO table VALUES ('a', 1, 2)$func$ FROM users",
           "{\"obfuscation_mode\": \"obfuscate_and_normalize\", \"dollar_quoted_func\": true}",
           "SELECT $func$INSERT INTO table VALUES ( ? )$func$ FROM users");
    EXPECT("SELECT $func$INSERT INTO table VALUES ('a', 1, 2)$func$ FROM users",
           "{\"obfuscation_mode\": \"obfuscate_only\", \"dollar_quoted_func\": true}",
           "SELECT $func$INSERT INTO table VALUES (?, ?, ?)$func$ FROM users");
    EXPECT("/* comment */ SELECT id as id, name as n FROM users123 WHERE id in (1,2,3) -- comment",
           "{\"obfuscation_mode\": \"normalize_only\", \"table_names\": true, \"collect_commands\": true, "
           "\"collect_comments\": true, \"return_json_metadata\": true}",
           "{\"query\":\"SELECT id as id, name as n FROM users123 WHERE id in ( 1, 2, 3 )\",\"metadata\":{\"Size\":37,"
           "\"tables_csv\":\"users123\",\"commands\":[\"SELECT\"],\"comments\":[\"/* comment */\",\"-- comment\"],"
           "\"procedures\":[]}}");
    /* keep_sql_alias is ignored by the lexer modes: aliases stay. */
    EXPECT("SELECT a AS b FROM t", "{\"obfuscation_mode\": \"obfuscate_and_normalize\", \"keep_sql_alias\": false}",
           "SELECT a AS b FROM t");
    /* Never an error on bad SQL, and "" for an empty query. */
    EXPECT("SELECT 'open", "{\"obfuscation_mode\": \"obfuscate_and_normalize\"}", "SELECT ?");
    EXPECT("", "{\"obfuscation_mode\": \"obfuscate_only\"}", "");
    /* dbms aliases are the sqllexer ones here: postgres is PostgreSQL. */
    EXPECT("SELECT $1", "{\"obfuscation_mode\": \"obfuscate_only\", \"dbms\": \"postgres\", \"keep_positional_parameter\": true}",
           "SELECT $1");
}

int main(void)
{
    OBF_CACHE_SETUP();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document),     cmocka_unit_test(test_string_writer), cmocka_unit_test(test_options),
        cmocka_unit_test(test_options_memo), cmocka_unit_test(test_dispatch_and_errors), cmocka_unit_test(test_escape_flag),
        cmocka_unit_test(test_threads),      cmocka_unit_test(test_sqllexer_modes),
    };
    int failed = cmocka_run_group_tests_name("obfuscate_sql", tests, NULL, NULL);
    obfuscate_cache_configure(false, 0);
    return failed;
}
