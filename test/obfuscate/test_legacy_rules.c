/* test_legacy_rules.c - cases of our own for each legacy rule (spec obfuscation.md §2.1-§2.7),
 * beyond the vectors: every token kind, dialect switch, filter and join rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "obfuscate.h"
#include "sql_legacy.h"

typedef struct {
    const char *input;
    sql_legacy_opts_t opts;
    const char *want;   /* output, or "ERR:" + error */
    const char *tables; /* NULL: not checked; else comma-joined */
} rule_case_t;

#define PG {.dialect = SQL_DIALECT_POSTGRES}
#define MS {.dialect = SQL_DIALECT_MSSQL}
#define NONE {.dialect = SQL_DIALECT_GENERIC}

static const rule_case_t cases[] = {
    /* §2.1 identifiers: continuation characters, keywords in any case, '@' per dialect. */
    {"select A.b$c#d, t.*, @@v, @1 FROM x", NONE, "select A.b$c#d, t.*, @@v, @1 FROM x", NULL},
    {"SeLeCt a fRoM b", NONE, "SeLeCt a fRoM b", NULL},
    {"SELECT a @ b", PG, "SELECT a @ b", NULL},
    {"SELECT caf\xc3\xa9 FROM \xc3\xa9t\xc3\xa9", NONE, "SELECT caf\xc3\xa9 FROM \xc3\xa9t\xc3\xa9", NULL},
    {"SELECT\xc2\xa0" "a\xe2\x80\x83" "FROM\tt\n", NONE, "SELECT a FROM t", NULL},
    {"SELECT null, True, false", NONE, "SELECT ?", NULL},
    /* §2.4 numbers: every form is one token and becomes ?, the number stops at a non-fit. */
    {"SELECT 0XaF, 0778, 019.5, 1e+5, 2E-1, .5e3, 7.", NONE, "SELECT ?", NULL},
    {"SELECT 123abc", NONE, "SELECT ? abc", NULL},
    {"SELECT a-1, a - -1.5", NONE, "SELECT a ? a - ?", NULL},
    {"SELECT -.5, -.x", NONE, "SELECT ? - . x", NULL},
    /* §2.3 strings: doubled delimiters, empty and blank strings, backticks, brackets. */
    {"SELECT 'it''s', \"a\"\"b\" FROM t", NONE, "SELECT ? a\"b FROM t", NULL},
    {"SELECT \"\", ``, \"  \" FROM t", NONE, "SELECT \"\", ``, \"\" FROM t", NULL},
    {"SELECT [a]]b], [] FROM t", MS, "SELECT a]b, ]] FROM t", NULL},
    {"SELECT x FROM [my table]", MS, "SELECT x FROM my table", NULL},
    {"SELECT * FROM t WHERE a = \"v\" AND \"c\" = 1", NONE, "SELECT * FROM t WHERE a = ? AND c = ?", NULL},
    /* §2.5 dollar quotes: tags, partial closing matches, $func$ with and without the option. */
    {"SELECT $a$ $a $a$, $$x$$, $b$x$bb$b$", PG, "SELECT ?", NULL},
    /* "$$$$" is not an empty body: the tag is "$" (a doubled delimiter), so it never closes. */
    {"SELECT $$$$ x", PG, "ERR:at position 14: unexpected EOF in dollar-quoted string", NULL},
    {"SELECT $func$SELECT 1$func$", PG, "SELECT ?", NULL},
    {"SELECT $func$SELECT 'x$func$ FROM t", {.dialect = SQL_DIALECT_POSTGRES, .dollar_quoted_func = true}, "SELECT ? FROM t", NULL},
    {"SELECT $func$ /* c */ UPDATE u SET a = 1 $func$", {.dollar_quoted_func = true, .table_names = true},
     "SELECT $func$UPDATE u SET a = ?$func$", ""},
    {"SELECT $x", PG, "ERR:at position 10: unexpected EOF in string", NULL},
    {"SELECT $x$ab", PG, "ERR:at position 13: unexpected EOF in dollar-quoted string", NULL},
    {"SELECT $1, $09", NONE, "SELECT ?", NULL},
    {"SELECT $action, $1 FROM t", MS, "SELECT $action, ? FROM t", NULL},
    /* ':' forms: cast, operator before space or '=', bind variables with dots and digits. */
    {"SELECT a::int, b : c, d := 1, :x.y, :0_USER", NONE, "SELECT a :: int, b : c, d := ? :x.y, :0_USER", NULL},
    {"SELECT :", NONE, "ERR:at position 8: bind variables should start with letters or digits, got \"\xef\xbf\xbd\" (1114112)", NULL},
    /* '%' forms. */
    {"SELECT %s, %(name)s, a % 2, %d", NONE, "SELECT ? a % ?", NULL},
    {"SELECT %(name", NONE, "ERR:at position 14: invalid character after variable identifier: \"\xef\xbf\xbd\" (1114112)", NULL},
    /* §2.2 comments of every kind vanish; '#' only outside postgres/mssql. */
    {"SELECT a // c\n, b -- d\n/* e\n f */ FROM t # g", NONE, "SELECT a, b FROM t", NULL},
    {"SELECT a # b\nFROM t", PG, "SELECT a # b FROM t", NULL},
    {"SELECT a #- '{x}', b #>> '{y}' FROM t", PG, "SELECT a #- ? b #>> ? FROM t", NULL},
    /* Upstream reads the character after '#' before looking for the newline. */
    {"SELECT a #\nFROM t", NONE, "SELECT a", NULL},
    {"SELECT * FROM # x", MS, "SELECT * FROM # x", NULL},
    /* Operators. */
    {"SELECT a <= 1, b >= 2, c < 3, d > 4, e !~* 'x', f !~ 'y', g ~* 'z', h ~ 'w' FROM t", NONE,
     "SELECT a <= ? b >= ? c < ? d > ? e !~* ? f !~ ? g ~* ? h ~ ? FROM t", NULL},
    {"SELECT a & b | c ^ d / e * f + g FROM t", NONE, "SELECT a & b | c ^ d / e * f + g FROM t", NULL},
    {"SELECT a <@ b, c ? 'k', d ?& e FROM t", PG, "SELECT a <@ b, c ? ? d ?& e FROM t", NULL},
    {"SELECT a FROM t WHERE b = ? AND c IN (?, ?)", NONE, "SELECT a FROM t WHERE b = ? AND c IN ( ? )", NULL},
    {"SELECT !a, !(b), !'c'", NONE, "SELECT ! a, ! ( b ), ! ?", NULL},
    {"SELECT a !", NONE, "ERR:at position 10: unexpected char \"\xef\xbf\xbd\" (1114112) after \"!\"", NULL},
    /* ODBC escapes: a first brace nests, a later one is an escape sequence. */
    {"{call p({d '2020-01-01'})}", NONE, "{ call p ( { d ? } ) }", NULL},
    {" {call p(1)}", NONE, "?", NULL},
    {"SELECT 1 }", NONE, "ERR:at position 10: unexpected byte 125", NULL},
    {"SELECT \\", NONE, "ERR:at position 8: unexpected byte 92", NULL},
    {"SELECT a\xff", NONE, "ERR:at position 7: invalid UTF-8 encoding beginning with 0xff", NULL},
    /* §2.6 tables: after FROM/JOIN only names starting with a letter; after UPDATE/INTO
     * anything; a comment after FROM hides the table; digits replaced in the stored copy. */
    {"SELECT * FROM (SELECT 1) x JOIN _t ON 1 JOIN y1", {.table_names = true}, "SELECT * FROM ( SELECT ? ) x JOIN _t ON ? JOIN y1", "y1"},
    {"SELECT * FROM /* c */ t", {.table_names = true}, "SELECT * FROM t", ""},
    {"INSERT INTO `t 1` VALUES (1)", {.table_names = true, .replace_digits = true}, "INSERT INTO t ? VALUES ( ? )", "t ?"},
    {"DELETE FROM a; DELETE FROM a; UPDATE b SET x = 1", {.table_names = true}, "DELETE FROM a DELETE FROM a UPDATE b SET x = ?", "a,b"},
    {"SELECT * FROM 'lit'", {.table_names = true}, "SELECT * FROM lit", "lit"},
    /* §2.6 discard: aliases, CAST, bracketed aliases, ';'. */
    {"SELECT a AS [b c] FROM t", {.keep_sql_alias = true}, "SELECT a AS ] FROM t", NULL},
    {"SELECT a as 'x', b AS /* c */ y FROM t", NONE, "SELECT a, b y FROM t", NULL},
    {"SELECT 1;;", NONE, "SELECT ?", NULL},
    /* §2.6 replace: SAVEPOINT names, replace_digits on identifiers only. */
    {"SAVEPOINT sp1; RELEASE SAVEPOINT sp2", NONE, "SAVEPOINT ? RELEASE SAVEPOINT ?", NULL},
    {"SELECT a1b22, 'x1' FROM t333 WHERE c = 44", {.replace_digits = true}, "SELECT a?b?, ? FROM t? WHERE c = ?", NULL},
    /* §2.6 grouping. */
    /* Upstream quirk kept: a second value group drops every token until a sub-query. */
    {"SELECT * FROM t WHERE a IN ((1, 2), (3, 4)) AND b IN (SELECT c FROM d)", NONE,
     "SELECT * FROM t WHERE a IN ( ( ? ) ( SELECT c FROM d )", NULL},
    {"INSERT INTO t VALUES (1, NULL, 'a', TRUE, $1, %s)", PG, "INSERT INTO t VALUES ( ? )", NULL},
    {"SELECT ARRAY[1, 2, 3]", NONE, "SELECT ARRAY [ ? ]", NULL},
    {"SELECT f(1, 2), g(a, 3, 4)", NONE, "SELECT f ( ? ) g ( a, ? )", NULL},
};

static void test_rule_cases(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const rule_case_t *c = &cases[i];
        sql_legacy_result_t res;
        char *error = NULL;
        char got[1024], tables[256] = "";
        sql_legacy_set_literal_escapes(false);
        if (sql_legacy_obfuscate(c->input, strlen(c->input), &c->opts, &res, &error) != 0) {
            snprintf(got, sizeof(got), "ERR:%s", error);
            free(error);
        } else {
            snprintf(got, sizeof(got), "%s", res.query);
            for (size_t j = 0; j < res.tables.count; j++) {
                if (j > 0) {
                    strcat(tables, ",");
                }
                strncat(tables, res.tables.data.data + res.tables.off[j], res.tables.len[j]);
            }
            sql_legacy_result_free(&res);
        }
        if (strcmp(got, c->want) != 0) {
            print_error("case %zu: %s\n  want %s\n  got  %s\n", i, c->input, c->want, got);
            failures++;
        }
        if (c->tables != NULL && strcmp(tables, c->tables) != 0) {
            print_error("case %zu: %s\n  tables want %s got %s\n", i, c->input, c->tables, tables);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* §2.7: output is never longer than twice the input (the bound the fuzz target asserts). */
static void test_output_bound(void **state)
{
    (void)state;
    static const char *inputs[] = {"1+1", "(SELECT", "a,b,c", "$func$1$func$", "[]", "''", "x(1)(2)"};
    sql_legacy_opts_t o = {.dollar_quoted_func = true, .dialect = SQL_DIALECT_MSSQL};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        sql_legacy_result_t res;
        char *error = NULL;
        if (sql_legacy_obfuscate(inputs[i], strlen(inputs[i]), &o, &res, &error) == 0) {
            assert_true(res.query_len <= 2 * strlen(inputs[i]));
            sql_legacy_result_free(&res);
        } else {
            free(error);
        }
    }
}

int legacy_rules_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_cases),
        cmocka_unit_test(test_output_bound),
    };
    return cmocka_run_group_tests_name("legacy rules", tests, NULL, NULL);
}
