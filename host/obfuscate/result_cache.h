/* A bounded, thread-safe memo of obfuscation results (spec obfuscation.md §1.3: "results may be
 * memoised keyed by (options, query)"), as the Agent's apm_config.obfuscation.cache.
 *
 * A key is a tag byte (which entry point, and its flags) and two byte strings (the options text
 * and the query); a value is the exact result or the exact error text. The cache is cut into
 * shards, each with its own lock and an equal part of the byte budget; each shard evicts with
 * CLOCK and, once full, admits a key on its second miss only (docs/obfuscation.md says why).
 * The bytes accounted are the entries (header, key and value), the shards' bucket arrays and
 * their admission arrays; they never exceed the budget.
 *
 * Every function is thread-safe and is called WITHOUT the GIL, from several check threads at
 * once (it never touches Python). Returned strings are malloc'd (libc); the caller frees them. */
#ifndef RTLOADER_HOST_OBFUSCATE_RESULT_CACHE_H
#define RTLOADER_HOST_OBFUSCATE_RESULT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct obf_result_cache obf_result_cache_t;

/* A key and its hash, computed once for the lookup and the insertion after a miss. The parts
 * are borrowed: they must stay valid while the key is used. */
typedef struct {
    unsigned char tag;
    const char *a, *b;
    size_t a_len, b_len;
    uint64_t hash;
} obf_cache_key_t;

typedef struct {
    /* rejected: over the entry limit (or a budget too small for anything); declined: a first
     * miss while the shard was full (remembered, stored on the next miss) */
    uint64_t hits, misses, inserts, evictions, rejected, declined;
    size_t bytes, entries, max_bytes, entry_limit;
} obf_result_cache_stats_t;

/* A cache of at most max_bytes; NULL when out of memory. */
obf_result_cache_t *obf_result_cache_new(size_t max_bytes);
/* Not while another thread uses the cache. */
void obf_result_cache_free(obf_result_cache_t *cache);

void obf_cache_key_init(obf_cache_key_t *key, const obf_result_cache_t *cache, unsigned char tag,
                        const char *a, size_t a_len, const char *b, size_t b_len);

/* A hit copies the stored outcome into *out (a result) or *error (an error text): exactly one
 * is non-NULL. false on a miss, or when the copy cannot be allocated (both left NULL). */
bool obf_result_cache_get(obf_result_cache_t *cache, const obf_cache_key_t *key, char **out,
                          char **error);

/* Stores the outcome of a call: out, or else error (one of them non-NULL). Entries over the
 * limit, keys already present (another thread got there first), and, in a full shard, keys
 * missing for the first time are not stored. */
void obf_result_cache_put(obf_result_cache_t *cache, const obf_cache_key_t *key, const char *out,
                          const char *error);

/* A snapshot (each shard read under its lock). */
void obf_result_cache_stats(obf_result_cache_t *cache, obf_result_cache_stats_t *stats);

#endif
