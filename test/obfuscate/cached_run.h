/* The entry points as test_sql.c and test_json.c call them. Built plainly, a call is direct.
 * Built with -DOBF_CACHED_RUN (ctest test_obf_sql_cached, test_obf_json_cached), the result
 * cache is on and every call runs twice from the same escape flag: a miss, then a hit. Both
 * must give the same outcome (result or error text, byte for byte) and leave the same flag,
 * the second must be a hit whenever the input is cacheable, and the test then checks the
 * outcome against its expected value as usual: every vector of those files is thus checked
 * with and without the cache. */
#ifndef RTLOADER_TEST_OBFUSCATE_CACHED_RUN_H
#define RTLOADER_TEST_OBFUSCATE_CACHED_RUN_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "obfuscate.h"

enum { CALL_SQL, CALL_PLAN, CALL_MONGO };

typedef struct {
    int kind;
    const char *text, *options;
    size_t len, options_len;
    bool normalize;
} obf_call_t;

static char *obf_call_once(const obf_call_t *c, char **error)
{
    switch (c->kind) {
    case CALL_SQL: return obfuscate_sql_text(c->text, c->len, c->options, c->options_len, error);
    case CALL_PLAN: return obfuscate_exec_plan_text(c->text, c->len, c->normalize, error);
    default: return obfuscate_mongodb_text(c->text, c->len, error);
    }
}

#ifdef OBF_CACHED_RUN
static bool same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static char *obf_call(const obf_call_t *c, char **error)
{
    obf_result_cache_stats_t before, mid, after;
    assert_true(obfuscate_cache_stats(&before));
    bool flag = obfuscate_literal_escapes();
    char *error1 = NULL, *error2 = NULL;
    char *out1 = obf_call_once(c, &error1);
    bool flag1 = obfuscate_literal_escapes();
    obfuscate_cache_stats(&mid);
    obfuscate_set_literal_escapes(flag);
    char *out2 = obf_call_once(c, &error2);
    obfuscate_cache_stats(&after);
    if (!same_text(out1, out2) || !same_text(error1, error2)) {
        fail_msg("cached call of %.200s: first %s / %s, second %s / %s", c->text, out1 ? out1 : "NULL",
                 error1 ? error1 : "NULL", out2 ? out2 : "NULL", error2 ? error2 : "NULL");
    }
    assert_int_equal(obfuscate_literal_escapes(), flag1);
    /* without a backslash, nothing can depend on the escape flag: always stored */
    if (c->kind == CALL_MONGO || memchr(c->text, '\\', c->len) == NULL) {
        assert_int_equal(after.hits, mid.hits + 1);
    }
    assert_true(after.bytes <= after.max_bytes);
    (void)before;
    free(out2);
    free(error2);
    *error = error1;
    return out1;
}

#define OBF_CACHE_SETUP() assert_int_equal(obfuscate_cache_configure(true, 4000000), 0)
#else
#define obf_call obf_call_once
#define OBF_CACHE_SETUP() ((void)0)
#endif

static inline char *t_sql(const char *query, size_t len, const char *options, size_t options_len, char **error)
{
    obf_call_t c = {CALL_SQL, query, options, len, options_len, false};
    return obf_call(&c, error);
}

static inline char *t_plan(const char *plan, size_t len, bool normalize, char **error)
{
    obf_call_t c = {CALL_PLAN, plan, NULL, len, 0, normalize};
    return obf_call(&c, error);
}

static inline char *t_mongo(const char *command, size_t len, char **error)
{
    obf_call_t c = {CALL_MONGO, command, NULL, len, 0, false};
    return obf_call(&c, error);
}

#endif
