/*
 * test_json.c - exec-plan (spec obfuscation.md §4) and MongoDB (§5) obfuscation: vectors
 * E1-E5 and M1-M6, plus cases for each rule (keep lists, SQL keys, scalars, whitespace,
 * several top-level values, invalid JSON and the scanner's messages).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_scan.h"
#include "obfuscate.h"

#include "cached_run.h"

static const char *plan_e1 =
    "{\"Plan\": {\"Node Type\": \"Seq Scan\", \"Relation Name\": \"users\", \"Alias\": \"u\", \"Startup Cost\": 0.00, "
    "\"Total Cost\": 35.50, \"Plan Rows\": 10, \"Plan Width\": 36, \"Filter\": \"(email = 'a@b.c'::text)\", "
    "\"Output\": [\"id\", \"email\"]}}";
static const char *plan_e3 =
    "{\"query_block\": {\"select_id\": 1, \"cost_info\": {\"query_cost\": \"1.20\"}, \"table\": {\"table_name\": "
    "\"orders\", \"access_type\": \"ref\", \"possible_keys\": [\"idx_user\"], \"key\": \"idx_user\", "
    "\"rows_examined_per_scan\": 3, \"filtered\": \"100.00\", \"attached_condition\": "
    "\"(`shop`.`orders`.`status` = 'paid')\"}}}";

/* Checks one call: want_error NULL for success. */
static void check_plan(const char *in, bool normalize, const char *want, const char *want_error)
{
    char *error = NULL;
    char *got = t_plan(in, strlen(in), normalize, &error);
    if (want_error == NULL) {
        if (got == NULL || strcmp(got, want) != 0) {
            fail_msg("plan %s (normalize=%d)\n  want %s\n  got  %s (error %s)", in, normalize, want,
                     got ? got : "NULL", error ? error : "-");
        }
    } else if (got != NULL || error == NULL || strcmp(error, want_error) != 0) {
        fail_msg("plan %s: want error %s, got %s / %s", in, want_error, got ? got : "NULL", error ? error : "NULL");
    }
    free(got);
    free(error);
}

static void check_mongo(const char *in, const char *want)
{
    char *error = NULL;
    char *got = t_mongo(in, strlen(in), &error);
    if (got == NULL || strcmp(got, want) != 0) {
        fail_msg("mongo %s\n  want %s\n  got  %s (error %s)", in, want, got ? got : "NULL", error ? error : "-");
    }
    assert_null(error);
    free(got);
}

static void test_exec_plan_vectors(void **state)
{
    (void)state;
    obfuscate_set_literal_escapes(false);
    check_plan(plan_e1, false,
               "{\"Plan\":{\"Node Type\":\"Seq Scan\",\"Relation Name\":\"users\",\"Alias\":\"u\",\"Startup Cost\":0.00,"
               "\"Total Cost\":35.50,\"Plan Rows\":10,\"Plan Width\":36,\"Filter\":\"( email = ? :: text )\","
               "\"Output\":[\"?\",\"?\"]}}",
               NULL);
    check_plan(plan_e1, true,
               "{\"Plan\":{\"Node Type\":\"Seq Scan\",\"Relation Name\":\"users\",\"Alias\":\"u\",\"Startup Cost\":\"?\","
               "\"Total Cost\":\"?\",\"Plan Rows\":\"?\",\"Plan Width\":\"?\",\"Filter\":\"( email = ? :: text )\","
               "\"Output\":[\"?\",\"?\"]}}",
               NULL);
    check_plan(plan_e3, false,
               "{\"query_block\":{\"select_id\":1,\"cost_info\":{\"query_cost\":\"1.20\"},\"table\":{\"table_name\":"
               "\"orders\",\"access_type\":\"ref\",\"possible_keys\":[\"idx_user\"],\"key\":\"idx_user\","
               "\"rows_examined_per_scan\":3,\"filtered\":\"100.00\",\"attached_condition\":"
               "\"( shop . orders . status = ? )\"}}}",
               NULL);
    check_plan(plan_e3, true,
               "{\"query_block\":{\"select_id\":1,\"cost_info\":{\"query_cost\":\"?\"},\"table\":{\"table_name\":"
               "\"orders\",\"access_type\":\"ref\",\"possible_keys\":[\"idx_user\"],\"key\":\"idx_user\","
               "\"rows_examined_per_scan\":\"?\",\"filtered\":\"?\",\"attached_condition\":"
               "\"( shop . orders . status = ? )\"}}}",
               NULL);
    /* E5: the upstream SQL values. */
    check_plan("{\"Filter\": \"(query <> 'dogfood'::text)\"}", false, "{\"Filter\":\"( query <> ? :: text )\"}", NULL);
    check_plan("{\"Filter\": \"((datadog.org.id >= 10) AND (datadog.org.id < 15))\"}", false,
               "{\"Filter\":\"( ( datadog.org.id >= ? ) AND ( datadog.org.id < ? ) )\"}", NULL);
    check_plan("{\"Filter\": \"'60'::double precision\"}", false, "{\"Filter\":\"? :: double precision\"}", NULL);
    check_plan("{\"Filter\": \"((datadog.tid > '15531'::tid) AND (datadog.tid <= '(44247,178)'::tid))\"}", false,
               "{\"Filter\":\"( ( datadog.tid > ? :: tid ) AND ( datadog.tid <= ? :: tid ) )\"}", NULL);
    check_plan("{\"Output\": [\"'fakename'::text\", \"25\", \"x\"]}", false, "{\"Output\":[\"?\",\"?\",\"?\"]}", NULL);
    /* The two facts after the table. */
    check_plan("{\"Function Call\": \"generate_series(1, 10)\", \"Index Cond\": 42}", true,
               "{\"Function Call\":\"generate_series ( ? )\",\"Index Cond\":\"?\"}", NULL);
}

static void test_exec_plan_rules(void **state)
{
    (void)state;
    obfuscate_set_literal_escapes(false);
    /* Empty input is an empty success; whitespace alone is not JSON. */
    check_plan("", false, "", NULL);
    check_plan("  ", false, NULL, "unexpected end of JSON input");
    /* Every scalar kind off the lists becomes a quoted ?; structure stays, empties too. */
    check_plan("{\"a\": [1, -2.5e3, true, false, null, \"s\", {}, []], \"b\": {}}", false,
               "{\"a\":[\"?\",\"?\",\"?\",\"?\",\"?\",\"?\",{},[]],\"b\":{}}", NULL);
    /* A kept key keeps its whole subtree, at any depth; SQL keys still apply inside it. */
    check_plan("{\"x\": {\"Sort Key\": [\"a\", {\"b\": 1}], \"y\": 2}}", false,
               "{\"x\":{\"Sort Key\":[\"a\",{\"b\":1}],\"y\":\"?\"}}", NULL);
    check_plan("{\"Node Type\": {\"Filter\": \"a = 1\", \"n\": 5}}", false,
               "{\"Node Type\":{\"Filter\":\"a = ?\",\"n\":5}}", NULL);
    /* Keys compare raw and case-sensitively. */
    check_plan("{\"node type\": \"x\", \"Node\\u0020Type\": \"y\"}", false, "{\"node type\":\"?\",\"Node\\u0020Type\":\"?\"}",
               NULL);
    /* An SQL key with a structured value is an ordinary value; a failing SQL gets the notice. */
    check_plan("{\"Filter\": {\"a\": \"b\"}}", false, "{\"Filter\":{\"a\":\"?\"}}", NULL);
    check_plan("{\"Filter\": \"x = 'open\"}", false, "{\"Filter\":\"Datadog-agent failed to obfuscate SQL string. Enable agent debug logs for more info.\"}", NULL);
    /* The SQL text is JSON-unquoted first, and written back without re-escaping. */
    check_plan("{\"Filter\": \"(\\\"Bob\\\" = name AND x = '\\u00e9')\"}", false, "{\"Filter\":\"( Bob = name AND x = ? )\"}",
               NULL);
    /* Whitespace after a top-level value is copied; several values are each processed. */
    check_plan("{\"a\": 1} \n", false, "{\"a\":\"?\"} \n", NULL);
    check_plan("{\"a\": 1}{\"Alias\": 2}", false, "{\"a\":\"?\"}{\"Alias\":2}", NULL);
    /* Invalid JSON: the call fails with the scanner message. */
    check_plan("{\"a\" 1}", false, NULL, "invalid character '1' after object key");
    check_plan("{\"a\": 1", false, NULL, "unexpected end of JSON input");
    check_plan("x", false, NULL, "invalid character 'x' looking for beginning of value");
    check_plan("{\"a\": 1 }}", false, NULL, "invalid character '}' looking for beginning of value");
    check_plan("{\"a\": tru}", false, NULL, "invalid character '}' in literal true (expecting 'e')");
}

static void test_mongodb_vectors(void **state)
{
    (void)state;
    check_mongo("{\"find\": \"customers\", \"filter\": {\"age\": {\"$gt\": 30}, \"name\": \"Bob\"}, \"sort\": {\"name\": 1}, "
                "\"limit\": 5, \"$db\": \"shop\"}",
                "{\"find\":\"customers\",\"filter\":{\"age\":{\"$gt\":\"?\"},\"name\":\"?\"},\"sort\":{\"name\":1},"
                "\"limit\":\"?\",\"$db\":\"shop\"}");
    check_mongo("{\"insert\": \"orders\", \"ordered\": true, \"documents\": [{\"_id\": {\"$oid\": \"5f1d\"}, \"total\": 12.5, "
                "\"tags\": [\"a\", \"b\"]}], \"$db\": \"shop\"}",
                "{\"insert\":\"orders\",\"ordered\":true,\"documents\":[{\"_id\":{\"$oid\":\"?\"},\"total\":\"?\","
                "\"tags\":[\"?\",\"?\"]}],\"$db\":\"shop\"}");
    check_mongo("{\"aggregate\": \"orders\", \"pipeline\": [{\"$match\": {\"status\": \"A\"}}, {\"$group\": {\"_id\": "
                "\"$cust\", \"n\": {\"$sum\": 1}}}], \"cursor\": {}, \"$db\": \"shop\"}",
                "{\"aggregate\":\"orders\",\"pipeline\":[{\"$match\":{\"status\":\"?\"}},{\"$group\":{\"_id\":\"?\","
                "\"n\":{\"$sum\":\"?\"}}}],\"cursor\":{},\"$db\":\"shop\"}");
    check_mongo("{\"update\": \"users\", \"updates\": [{\"q\": {\"_id\": 7}, \"u\": {\"$set\": {\"email\": \"x@y.z\"}}, "
                "\"multi\": false}], \"$db\": \"app\"}",
                "{\"update\":\"users\",\"updates\":[{\"q\":{\"_id\":\"?\"},\"u\":{\"$set\":{\"email\":\"?\"}},"
                "\"multi\":\"?\"}],\"$db\":\"app\"}");
    check_mongo("{\"getMore\": 7788, \"collection\": \"events\", \"batchSize\": 100, \"$db\": \"logs\"}",
                "{\"getMore\":7788,\"collection\":\"events\",\"batchSize\":100,\"$db\":\"logs\"}");
    check_mongo("{\"delete\": \"sessions\", \"deletes\": [{\"q\": {\"expires\": {\"$lt\": {\"$date\": "
                "\"2024-01-01T00:00:00Z\"}}}, \"limit\": 0}], \"$db\": \"app\"}",
                "{\"delete\":\"sessions\",\"deletes\":[{\"q\":{\"expires\":{\"$lt\":{\"$date\":\"?\"}}},"
                "\"limit\":\"?\"}],\"$db\":\"app\"}");
    /* Upstream log lines. */
    check_mongo("{\"insert\":\"customers\",\"documents\":[{\"name\":\"x\",\"age\":3}],\"$db\":\"customersdb\"}",
                "{\"insert\":\"customers\",\"documents\":[{\"name\":\"?\",\"age\":\"?\"}],\"$db\":\"customersdb\"}");
}

static void test_mongodb_rules(void **state)
{
    (void)state;
    /* Invalid JSON is a success: partial output and "...". */
    check_mongo("{\"find\": \"c\", \"filter\": {\"a\": 1", "{\"find\":\"c\",\"filter\":{\"a\":\"?\"...");
    check_mongo("nope", "\"?\"...");
    /* No SQL keys for Mongo: a Filter is an ordinary value. */
    check_mongo("{\"Filter\": \"a = 1\", \"comment\": \"keep me\"}", "{\"Filter\":\"?\",\"comment\":\"keep me\"}");
    char *error = NULL;
    assert_null(t_mongo("", 0, &error));
    assert_string_equal(error, "Empty MongoDB command");
    free(error);
}

/* Go's scanner messages, which also reach Python for bad options JSON. */
static void test_scanner_messages(void **state)
{
    (void)state;
    static const struct {
        const char *in, *msg;
    } cases[] = {
        {"", "unexpected end of JSON input"},
        {"{", "unexpected end of JSON input"},
        {"{x", "invalid character 'x' looking for beginning of object key string"},
        {"{\"a\":1 2", "invalid character '2' after object key:value pair"},
        {"[1 2", "invalid character '2' after array element"},
        {"\"\x01\"", "invalid character '\\x01' in string literal"},
        {"\"\\q\"", "invalid character 'q' in string escape code"},
        {"\"\\u12g4\"", "invalid character 'g' in \\u hexadecimal character escape"},
        {"-a", "invalid character 'a' in numeric literal"},
        {"1.x", "invalid character 'x' after decimal point in numeric literal"},
        {"1ex", "invalid character 'x' in exponent of numeric literal"},
        {"nul!", "invalid character '!' in literal null (expecting 'l')"},
        {"fals", "invalid character ' ' in literal false (expecting 'e')"}, /* as Go: eof feeds a space */
        {"{} x", "invalid character 'x' after top-level value"},
        {"'", "invalid character '\\'' looking for beginning of value"},
        {"\n", "unexpected end of JSON input"},
        {"\t}", "invalid character '}' looking for beginning of value"},
        {"\x7f", "invalid character '\\x7f' looking for beginning of value"},
        {"\xc3", "invalid character '\xc3\x83' looking for beginning of value"},
        {"\xa0", "invalid character '\\u00a0' looking for beginning of value"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[96] = "";
        bool ok = json_scan_valid(cases[i].in, strlen(cases[i].in), err, sizeof(err));
        if (ok || strcmp(err, cases[i].msg) != 0) {
            fail_msg("scan %s: want %s, got %s", cases[i].in, cases[i].msg, ok ? "valid" : err);
        }
    }
    char err[96];
    assert_true(json_scan_valid(" {\"a\": [1, 2.5e-3, \"\\u00e9\", true, null]} ", 41, err, sizeof(err)));
}

int main(void)
{
    OBF_CACHE_SETUP();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_plan_vectors), cmocka_unit_test(test_exec_plan_rules),
        cmocka_unit_test(test_mongodb_vectors),   cmocka_unit_test(test_mongodb_rules),
        cmocka_unit_test(test_scanner_messages),
    };
    int failed = cmocka_run_group_tests_name("exec plan and MongoDB obfuscation", tests, NULL, NULL);
    obfuscate_cache_configure(false, 0);
    return failed;
}
