/*
 * test_legacy.c - the legacy SQL obfuscator (spec obfuscation.md §2): every vector of §2.10
 * (L1-L75) table-driven, then cases of our own for each rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "obfuscate.h"
#include "sql_legacy.h"

#include "legacy_vectors.h"

static sql_legacy_opts_t parse_opts(const char *spec)
{
    sql_legacy_opts_t o = {0};
    o.dialect = strstr(spec, "pg") ? SQL_DIALECT_POSTGRES : strstr(spec, "ms") ? SQL_DIALECT_MSSQL : SQL_DIALECT_GENERIC;
    o.keep_sql_alias = strstr(spec, "alias") != NULL;
    o.replace_digits = strstr(spec, "digits") != NULL;
    o.dollar_quoted_func = strstr(spec, "dqf") != NULL;
    o.table_names = strstr(spec, "tables") != NULL || strstr(spec, "meta") != NULL;
    o.collect_commands = o.collect_comments = strstr(spec, "meta") != NULL;
    return o;
}

/* The list joined with ¦, as the vector tables write it. */
static char *join(const obf_strlist_t *l)
{
    static char out[512];
    out[0] = '\0';
    for (size_t i = 0; i < l->count; i++) {
        if (i > 0) {
            strcat(out, "¦");
        }
        strncat(out, l->data.data + l->off[i], l->len[i]);
    }
    return out;
}

/* Obfuscates with the escape flag reset first; returns the query or "ERR:<text>". */
static char *run(const char *input, const char *spec, sql_legacy_result_t *res)
{
    static char out[1024];
    sql_legacy_opts_t o = parse_opts(spec);
    char *error = NULL;
    sql_legacy_set_literal_escapes(false);
    if (sql_legacy_obfuscate(input, strlen(input), &o, res, &error) != 0) {
        snprintf(out, sizeof(out), "ERR:%s", error);
        free(error);
        memset(res, 0, sizeof(*res));
        return out;
    }
    assert_int_equal(strlen(res->query), res->query_len);
    snprintf(out, sizeof(out), "%s", res->query);
    return out;
}

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const legacy_vector_t *v = &vectors[i];
        sql_legacy_result_t res;
        char *got = run(v->input, v->opts, &res);
        if (strcmp(got, v->output) != 0) {
            fail_msg("%s: %s\n  want %s\n  got  %s", v->id, v->input, v->output, got);
        }
        if (v->tables != NULL && strcmp(join(&res.tables), v->tables) != 0) {
            fail_msg("%s tables: want %s got %s", v->id, v->tables, join(&res.tables));
        }
        if (v->commands != NULL && strcmp(join(&res.commands), v->commands) != 0) {
            fail_msg("%s commands: want %s got %s", v->id, v->commands, join(&res.commands));
        }
        if (v->comments != NULL && strcmp(join(&res.comments), v->comments) != 0) {
            fail_msg("%s comments: want %s got %s", v->id, v->comments, join(&res.comments));
        }
        sql_legacy_result_free(&res);
    }
}

static void test_error_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(error_vectors) / sizeof(error_vectors[0]); i++) {
        sql_legacy_result_t res;
        char *got = run(error_vectors[i].input, "", &res);
        if (strncmp(got, "ERR:", 4) != 0 || strcmp(got + 4, error_vectors[i].error) != 0) {
            fail_msg("%s: %s\n  want error %s\n  got %s", error_vectors[i].id, error_vectors[i].input,
                     error_vectors[i].error, got);
        }
        /* A failed call leaves the escape flag as it was. */
        assert_false(sql_legacy_literal_escapes());
    }
}

int legacy_rules_tests(void);

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_error_vectors),
    };
    int failed = cmocka_run_group_tests_name("legacy vectors", tests, NULL, NULL);
    return failed + legacy_rules_tests();
}
