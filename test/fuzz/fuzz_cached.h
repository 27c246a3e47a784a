/*
 * fuzz_cached.h - the result cache's oracle, shared by the obfuscation targets: an input's
 * call, already answered without the cache, is made again twice through one small cache kept
 * across inputs (so that entries are stored, hit and evicted as inputs go by): both answers
 * must be the uncached one byte for byte, and the accounted bytes stay within the budget.
 */
#ifndef RTLOADER_FUZZ_CACHED_H
#define RTLOADER_FUZZ_CACHED_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "obfuscate.h"
#include "result_cache.h"

typedef enum { FUZZ_SQL, FUZZ_PLAN, FUZZ_PLAN_NORMALIZED, FUZZ_MONGO } fuzz_call_t;

static inline bool fuzz_same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The cache lives to the process's end (reachable: no leak). */
static inline void fuzz_check_cached(fuzz_call_t call, const char *text, size_t n, const char *options,
                                     size_t options_len, const char *want, const char *want_error)
{
    static obf_result_cache_t *cache;
    if (cache == NULL && (cache = obf_result_cache_new(64 * 1024)) == NULL) {
        return;
    }
    obf_result_cache_t *previous = obfuscate_cache_swap(cache);
    for (int i = 0; i < 2; i++) {
        obfuscate_set_literal_escapes(false);
        char *error = NULL, *out;
        switch (call) {
        case FUZZ_SQL: out = obfuscate_sql_text(text, n, options, options_len, &error); break;
        case FUZZ_PLAN: out = obfuscate_exec_plan_text(text, n, false, &error); break;
        case FUZZ_PLAN_NORMALIZED: out = obfuscate_exec_plan_text(text, n, true, &error); break;
        default: out = obfuscate_mongodb_text(text, n, &error); break;
        }
        FUZZ_CHECK(fuzz_same(out, want) && fuzz_same(error, want_error),
                   "cached answer %d differs: %s / %s, uncached %s / %s", i, out ? out : "NULL",
                   error ? error : "NULL", want ? want : "NULL", want_error ? want_error : "NULL");
        free(out);
        free(error);
    }
    obf_result_cache_stats_t stats;
    obf_result_cache_stats(cache, &stats);
    FUZZ_CHECK(stats.bytes <= stats.max_bytes, "cache holds %zu bytes over its %zu", stats.bytes, stats.max_bytes);
    obfuscate_cache_swap(previous);
}

#endif
