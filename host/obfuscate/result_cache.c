/*
 * result_cache.c - the obfuscation result cache (result_cache.h, docs/obfuscation.md).
 *
 * Sharding: 16 shards picked by the key's hash, each behind its own mutex, so check threads
 * obfuscating different queries rarely wait on each other; a lock is held only to look up,
 * link or unlink, and to copy one value.
 *
 * Eviction is CLOCK, kept as a FIFO with second chance: an entry enters at the tail with its
 * reference bit clear, a hit only sets the bit (no list surgery, unlike LRU), and eviction
 * pops the head: a referenced entry loses its bit and goes back to the tail, an unreferenced
 * one is freed. Queries seen once (a burst of distinct statements) thus leave at the first
 * pass while the queries each collection repeats keep their place.
 *
 * Admission: while a shard has room, every outcome is stored. Once it is full, a key is
 * stored only the second time it misses: the first miss only writes its hash into a small
 * direct-mapped "doorkeeper" array. One-off queries then cost a hash and a lookup, not an
 * allocation, a copy and an eviction, and cannot push out entries that are used.
 *
 * The hash is our own 64-bit multiply-mix over 8-byte words, seeded at random per cache so
 * that crafted query texts cannot aim at one bucket chain; keys are compared in full.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "result_cache.h"

#define SHARDS 16
#define MIN_BUCKETS 16
/* An entry costing more than this part of a shard's budget is not stored: one entry alone
 * would otherwise push out a large part of a shard. */
#define ENTRY_LIMIT_DIVISOR 8
/* One doorkeeper slot (8 bytes) per this many bytes of a shard's budget: several slots per
 * entry, so that a remembered hash usually survives until the key's next miss. */
#define DOORKEEPER_BYTES_PER_SLOT 128

typedef struct entry {
    struct entry *chain; /* bucket chain */
    struct entry *next;  /* the CLOCK queue */
    uint64_t hash;
    size_t a_len, b_len, value_len, cost;
    unsigned char tag;
    bool is_error, referenced;
    char data[]; /* a, b, value, NUL */
} entry_t;

typedef struct {
    _Alignas(64) pthread_mutex_t lock; /* own cache line: shards do not share one */
    entry_t **buckets;
    size_t bucket_count, count;
    entry_t *head, *tail;
    uint64_t *doorkeeper; /* hashes of keys refused once while full; NULL: none */
    size_t doorkeeper_mask;
    size_t bytes; /* entries + bucket array + doorkeeper */
    uint64_t hits, misses, inserts, evictions, rejected, declined;
} shard_t;

struct obf_result_cache {
    shard_t shards[SHARDS];
    int initialized; /* shards whose lock exists */
    size_t max_bytes, shard_budget, entry_limit;
    uint64_t seed;
};

static uint64_t mix(uint64_t a, uint64_t b)
{
    __extension__ unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

#define K1 0x9E3779B97F4A7C15ULL
#define K2 0xC2B2AE3D27D4EB4FULL

static uint64_t hash_part(uint64_t h, const char *p, size_t len)
{
    size_t n = len;
    /* 16 bytes per multiply: the options text alone is hundreds of bytes on every call */
    while (n >= 16) {
        uint64_t w0, w1;
        memcpy(&w0, p, 8);
        memcpy(&w1, p + 8, 8);
        h = mix(w0 ^ h ^ K1, w1 ^ K2);
        p += 16;
        n -= 16;
    }
    uint64_t w0 = 0, w1 = 0;
    memcpy(&w0, p, n < 8 ? n : 8);
    if (n > 8) {
        memcpy(&w1, p + 8, n - 8);
    }
    /* the length ends the part, so ("ab", "c") and ("a", "bc") hash apart */
    return mix(w0 ^ h ^ K1, w1 ^ K2 ^ (uint64_t)len);
}

/* Checks send the same options text with every query: each thread keeps the hash state after
 * the last (tag, a) it saw, so that a repeated options text costs a memcmp, not a hash. */
static _Thread_local struct {
    bool valid;
    unsigned char tag;
    uint64_t seed, state;
    size_t len;
    char text[1024]; /* longer texts are hashed every time */
} prefix_memo;

void obf_cache_key_init(obf_cache_key_t *key, const obf_result_cache_t *cache, unsigned char tag,
                        const char *a, size_t a_len, const char *b, size_t b_len)
{
    key->tag = tag;
    key->a = a != NULL ? a : "";
    key->a_len = a != NULL ? a_len : 0;
    key->b = b != NULL ? b : "";
    key->b_len = b != NULL ? b_len : 0;
    uint64_t h;
    if (prefix_memo.valid && prefix_memo.seed == cache->seed && prefix_memo.tag == tag &&
        prefix_memo.len == key->a_len && memcmp(prefix_memo.text, key->a, key->a_len) == 0) {
        h = prefix_memo.state;
    } else {
        h = hash_part(mix(cache->seed ^ tag, K1), key->a, key->a_len);
        if (key->a_len <= sizeof(prefix_memo.text)) {
            prefix_memo.valid = true;
            prefix_memo.tag = tag;
            prefix_memo.seed = cache->seed;
            prefix_memo.state = h;
            prefix_memo.len = key->a_len;
            memcpy(prefix_memo.text, key->a, key->a_len);
        }
    }
    key->hash = hash_part(h, key->b, key->b_len);
}

static uint64_t random_seed(void)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        seed = (uint64_t)ts.tv_nsec * K1 ^ (uint64_t)ts.tv_sec;
    }
    return seed;
}

obf_result_cache_t *obf_result_cache_new(size_t max_bytes)
{
    obf_result_cache_t *c = aligned_alloc(64, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    memset(c, 0, sizeof(*c));
    c->max_bytes = max_bytes;
    c->shard_budget = max_bytes / SHARDS;
    c->entry_limit = c->shard_budget / ENTRY_LIMIT_DIVISOR;
    c->seed = random_seed();
    size_t slots = 0;
    while ((slots == 0 ? 1 : slots * 2) <= c->shard_budget / DOORKEEPER_BYTES_PER_SLOT) {
        slots = slots == 0 ? 1 : slots * 2;
    }
    for (int i = 0; i < SHARDS; i++) {
        shard_t *s = &c->shards[i];
        if (slots >= 16 && (s->doorkeeper = calloc(slots, sizeof(uint64_t))) == NULL) {
            obf_result_cache_free(c);
            return NULL;
        }
        s->doorkeeper_mask = s->doorkeeper != NULL ? slots - 1 : 0;
        s->bytes = s->doorkeeper != NULL ? slots * sizeof(uint64_t) : 0;
        if (pthread_mutex_init(&s->lock, NULL) != 0) {
            free(s->doorkeeper);
            s->doorkeeper = NULL;
            obf_result_cache_free(c);
            return NULL;
        }
        c->initialized = i + 1;
    }
    return c;
}

void obf_result_cache_free(obf_result_cache_t *c)
{
    if (c == NULL) {
        return;
    }
    for (int i = 0; i < SHARDS; i++) {
        shard_t *s = &c->shards[i];
        for (entry_t *e = s->head, *next; e != NULL; e = next) {
            next = e->next;
            free(e);
        }
        free(s->buckets);
        free(s->doorkeeper);
        if (i < c->initialized) {
            pthread_mutex_destroy(&s->lock);
        }
    }
    free(c);
}

static shard_t *shard_of(obf_result_cache_t *c, uint64_t hash)
{
    return &c->shards[hash >> 60]; /* the top bits: the bucket index uses the low ones */
}

static bool matches(const entry_t *e, const obf_cache_key_t *k)
{
    return e->hash == k->hash && e->tag == k->tag && e->a_len == k->a_len && e->b_len == k->b_len &&
           memcmp(e->data, k->a, k->a_len) == 0 && memcmp(e->data + k->a_len, k->b, k->b_len) == 0;
}

/* Under the shard's lock. */
static entry_t **find(shard_t *s, const obf_cache_key_t *k)
{
    if (s->bucket_count == 0) {
        return NULL;
    }
    entry_t **slot = &s->buckets[k->hash & (s->bucket_count - 1)];
    while (*slot != NULL && !matches(*slot, k)) {
        slot = &(*slot)->chain;
    }
    return slot;
}

bool obf_result_cache_get(obf_result_cache_t *c, const obf_cache_key_t *key, char **out, char **error)
{
    *out = *error = NULL;
    shard_t *s = shard_of(c, key->hash);
    pthread_mutex_lock(&s->lock);
    entry_t **slot = find(s, key);
    entry_t *e = slot != NULL ? *slot : NULL;
    char *copy = NULL;
    if (e != NULL && (copy = malloc(e->value_len + 1)) != NULL) {
        memcpy(copy, e->data + e->a_len + e->b_len, e->value_len + 1);
        e->referenced = true;
        *(e->is_error ? error : out) = copy;
        s->hits++;
    } else {
        s->misses++;
    }
    pthread_mutex_unlock(&s->lock);
    return copy != NULL;
}

/* Under the lock: unlinks the queue's head from its bucket chain and frees it. */
static void evict_head(shard_t *s)
{
    entry_t *e = s->head;
    s->head = e->next;
    if (s->head == NULL) {
        s->tail = NULL;
    }
    entry_t **slot = &s->buckets[e->hash & (s->bucket_count - 1)];
    while (*slot != e) {
        slot = &(*slot)->chain;
    }
    *slot = e->chain;
    s->bytes -= e->cost;
    s->count--;
    s->evictions++;
    free(e);
}

/* Under the lock: frees entries until `cost` more bytes fit in `budget`. */
static void make_room(shard_t *s, size_t budget, size_t cost)
{
    while (s->head != NULL && s->bytes + cost > budget) {
        entry_t *e = s->head;
        if (!e->referenced) {
            evict_head(s);
            continue;
        }
        /* second chance: to the tail, bit cleared (each entry at most once per pass) */
        e->referenced = false;
        s->head = e->next;
        e->next = NULL;
        if (s->head == NULL) {
            s->head = e;
        } else {
            s->tail->next = e;
            s->tail = e;
        }
    }
}

/* Under the lock: doubles the bucket array when the load passes 1 and the budget allows it;
 * a table that cannot grow only makes chains longer. */
static void maybe_grow(shard_t *s, size_t budget, size_t cost)
{
    size_t n = s->bucket_count == 0 ? MIN_BUCKETS : s->bucket_count * 2;
    if (s->bucket_count != 0 && s->count < s->bucket_count) {
        return;
    }
    size_t extra = (n - s->bucket_count) * sizeof(entry_t *);
    if (s->bytes + extra + cost > budget) {
        return;
    }
    entry_t **grown = calloc(n, sizeof(entry_t *));
    if (grown == NULL) {
        return;
    }
    for (size_t i = 0; i < s->bucket_count; i++) {
        for (entry_t *e = s->buckets[i], *next; e != NULL; e = next) {
            next = e->chain;
            entry_t **slot = &grown[e->hash & (n - 1)];
            e->chain = *slot;
            *slot = e;
        }
    }
    free(s->buckets);
    s->buckets = grown;
    s->bucket_count = n;
    s->bytes += extra;
}

void obf_result_cache_put(obf_result_cache_t *c, const obf_cache_key_t *key, const char *out, const char *error)
{
    const char *value = out != NULL ? out : error;
    if (value == NULL) {
        return;
    }
    size_t value_len = strlen(value);
    shard_t *s = shard_of(c, key->hash);
    size_t cost = sizeof(entry_t) + key->a_len + key->b_len + value_len + 1;
    pthread_mutex_lock(&s->lock);
    if (cost > c->entry_limit) {
        s->rejected++;
        pthread_mutex_unlock(&s->lock);
        return;
    }
    if (s->doorkeeper != NULL && s->bytes + cost > c->shard_budget) {
        /* full: admitted on the second miss only (the slot index uses bits the shard and
         * bucket indexes do not) */
        uint64_t *slot = &s->doorkeeper[(key->hash >> 24) & s->doorkeeper_mask];
        if (*slot != key->hash) {
            *slot = key->hash;
            s->declined++;
            pthread_mutex_unlock(&s->lock);
            return;
        }
        *slot = 0;
    }
    pthread_mutex_unlock(&s->lock);
    /* built outside the lock: copying is the slow part */
    entry_t *e = malloc(cost);
    if (e == NULL) {
        return;
    }
    e->chain = e->next = NULL;
    e->hash = key->hash;
    e->a_len = key->a_len;
    e->b_len = key->b_len;
    e->value_len = value_len;
    e->cost = cost;
    e->tag = key->tag;
    e->is_error = out == NULL;
    e->referenced = false;
    memcpy(e->data, key->a, key->a_len);
    memcpy(e->data + key->a_len, key->b, key->b_len);
    memcpy(e->data + key->a_len + key->b_len, value, value_len + 1);

    pthread_mutex_lock(&s->lock);
    entry_t **slot = find(s, key);
    if (slot != NULL && *slot != NULL) {
        pthread_mutex_unlock(&s->lock);
        free(e);
        return;
    }
    make_room(s, c->shard_budget, cost);
    maybe_grow(s, c->shard_budget, cost);
    if (s->bucket_count == 0 || s->bytes + cost > c->shard_budget) {
        /* not even the bucket array fits: a budget this small stores nothing */
        s->rejected++;
        pthread_mutex_unlock(&s->lock);
        free(e);
        return;
    }
    slot = &s->buckets[e->hash & (s->bucket_count - 1)];
    e->chain = *slot;
    *slot = e;
    if (s->tail == NULL) {
        s->head = e;
    } else {
        s->tail->next = e;
    }
    s->tail = e;
    s->bytes += cost;
    s->count++;
    s->inserts++;
    pthread_mutex_unlock(&s->lock);
}

void obf_result_cache_stats(obf_result_cache_t *c, obf_result_cache_stats_t *st)
{
    memset(st, 0, sizeof(*st));
    st->max_bytes = c->max_bytes;
    st->entry_limit = c->entry_limit;
    for (int i = 0; i < SHARDS; i++) {
        shard_t *s = &c->shards[i];
        pthread_mutex_lock(&s->lock);
        st->hits += s->hits;
        st->misses += s->misses;
        st->inserts += s->inserts;
        st->evictions += s->evictions;
        st->rejected += s->rejected;
        st->declined += s->declined;
        st->bytes += s->bytes;
        st->entries += s->count;
        pthread_mutex_unlock(&s->lock);
    }
}
