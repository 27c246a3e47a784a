/* bench_obfuscate: obfuscate_sql as the callback runs it (options decoding, obfuscation,
 * JSON document) over a mix of 1,000 realistic queries, from point lookups to 10 KB
 * statements, per mode: legacy, and the three go-sqllexer modes. Reports MB/s and
 * microseconds per query, plus the legacy core alone (no options, no document) and a
 * memcpy of the mix as the baseline measured in the same run.
 *
 * Then the result cache (docs/obfuscation.md) on a Postgres-like workload: 2,000 queries
 * obfuscated again and again with the Postgres check's options, uncached vs served from the
 * cache, and a miss-heavy one (every query distinct) showing what a miss adds.
 *
 *   <build>/bin/bench_obfuscate [rounds, default 5]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "obfuscate.h"
#include "result_cache.h"
#include "sql_legacy.h"

#define QUERIES 1000

static volatile unsigned char sink;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long rng = 42;

static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)((rng >> 33) % n);
}

static void add(char **q, size_t *len, size_t *cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static void add(char **q, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(*q + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if ((size_t)n < *cap - *len) {
            *len += (size_t)n;
            return;
        }
        *cap *= 2;
        *q = realloc(*q, *cap);
        if (*q == NULL) {
            abort();
        }
    }
}

/* One query of the mix: 60% point lookups and small updates, 30% joins and inserts of a few
 * hundred bytes, 9% statements of 1-4 KB, 1% of about 10 KB. */
static char *make_query(size_t *len)
{
    size_t cap = 256;
    char *q = malloc(cap);
    *len = 0;
    unsigned kind = rnd(100);
    if (kind < 40) {
        add(&q, len, &cap, "SELECT id, name, email, created_at FROM users WHERE id = %u", rnd(100000));
    } else if (kind < 60) {
        add(&q, len, &cap, "UPDATE sessions SET last_seen = '2024-05-%02u 10:%02u:00', hits = hits + 1 WHERE token = 'tok%u'",
            rnd(28) + 1, rnd(60), rnd(1000000));
    } else if (kind < 75) {
        add(&q, len, &cap,
            "SELECT o.id, o.total, c.name AS customer FROM orders o JOIN customers c ON c.id = o.customer_id "
            "WHERE o.status IN ('paid', 'shipped', 'refunded') AND o.created_at > '2024-01-01' /* report:%u */ "
            "ORDER BY o.created_at DESC LIMIT %u",
            rnd(50), rnd(100) + 1);
    } else if (kind < 90) {
        add(&q, len, &cap, "INSERT INTO events (kind, payload, created_at) VALUES ");
        for (unsigned i = 0, rows = rnd(4) + 2; i < rows; i++) {
            add(&q, len, &cap, "%s('click', '{\"x\": %u, \"y\": %u}', NOW())", i ? ", " : "", rnd(1000), rnd(1000));
        }
    } else {
        size_t target = kind < 99 ? 1000 + rnd(3000) : 9500 + rnd(1000);
        add(&q, len, &cap, "SELECT t.id, t.label, SUM(v.amount) AS total FROM items t JOIN values_2024 v ON v.item_id = t.id "
                           "WHERE t.category = 'books' AND t.id IN (");
        for (unsigned i = 0; *len < target - 120; i++) {
            add(&q, len, &cap, "%s%u", i ? ", " : "", rnd(1000000));
        }
        add(&q, len, &cap, ") AND v.note NOT LIKE '%%test%%' GROUP BY t.id, t.label HAVING SUM(v.amount) > 10.5");
    }
    return q;
}

static const char *const legacy_options =
    "{\"dbms\": \"postgresql\", \"replace_digits\": false, \"dollar_quoted_func\": true, \"keep_sql_alias\": true, "
    "\"return_json_metadata\": true, \"table_names\": true, \"collect_commands\": true, \"collect_comments\": true}";

/* §1.2: the options the Postgres check sends. */
static const char *const postgres_options =
    "{\"dbms\": \"postgresql\", \"obfuscation_mode\": \"obfuscate_and_normalize\", \"dollar_quoted_func\": true, "
    "\"keep_sql_alias\": true, \"return_json_metadata\": true, \"table_names\": true, \"collect_commands\": true, "
    "\"collect_comments\": true, \"replace_digits\": false, \"keep_null\": false, \"keep_boolean\": false, "
    "\"keep_positional_parameter\": false, \"keep_trailing_semicolon\": false, \"keep_identifier_quotation\": false, "
    "\"remove_space_between_parentheses\": false, \"keep_json_path\": false}";

#define CACHE_QUERIES 2000

/* CPU seconds for `passes` passes of obfuscate_sql over qs[first + pass * stride ...]. */
static double run_pass(char **qs, const size_t *lens, int count, int passes, int stride)
{
    size_t olen = strlen(postgres_options);
    double t0 = now();
    for (int p = 0; p < passes; p++) {
        for (int i = 0; i < count; i++) {
            int k = p * stride + i;
            char *error = NULL;
            char *out = obfuscate_sql_text(qs[k], lens[k], postgres_options, olen, &error);
            if (out == NULL) {
                fprintf(stderr, "cache bench: %s\n", error);
                exit(1);
            }
            free(out);
        }
    }
    return now() - t0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), compare_doubles);
    return v[n / 2];
}

#define REPEATS 7

/* The four paths are measured in turn, REPEATS times, and each figure is the median: the
 * machine is shared, so a path measured in one block would carry that moment's load. Two
 * caches are kept side by side (obfuscate_cache_swap): one holding the repeated set, one
 * churning through distinct queries. */
static int bench_cache(int rounds)
{
    int passes = rounds;
    int distinct = CACHE_QUERIES * passes * REPEATS;
    char **qs = malloc((size_t)(CACHE_QUERIES + distinct) * sizeof(char *));
    size_t *lens = malloc((size_t)(CACHE_QUERIES + distinct) * sizeof(size_t));
    size_t total = 0;
    for (int i = 0; i < CACHE_QUERIES + distinct; i++) {
        size_t len;
        char *q = make_query(&len);
        if (i >= CACHE_QUERIES) {
            /* a leading comment makes each text unique, as sqlcommenter tags do */
            size_t cap = len + 32;
            char *tagged = malloc(cap);
            lens[i] = (size_t)snprintf(tagged, cap, "/* r%d */ %s", i, q);
            free(q);
            q = tagged;
        } else {
            lens[i] = len;
            total += len;
        }
        qs[i] = q;
    }
    printf("\nresult cache (5,000,000 bytes): %d queries (%zu bytes) x %d passes, Postgres options "
           "(obfuscate_and_normalize), median of %d interleaved repeats\n",
           CACHE_QUERIES, total, passes, REPEATS);
    printf("%-34s %10s %9s\n", "path", "us/query", "ratio");

    obf_result_cache_t *hot = obf_result_cache_new(5000000), *churn = obf_result_cache_new(5000000);
    obfuscate_cache_swap(hot);
    run_pass(qs, lens, CACHE_QUERIES, 1, 0); /* fill */
    obfuscate_cache_swap(NULL);
    obf_result_cache_stats_t filled;
    obf_result_cache_stats(hot, &filled);
    double t[4][REPEATS], hit_ratio[REPEATS], miss_ratio[REPEATS];
    for (int r = 0; r < REPEATS; r++) {
        char **set = qs + CACHE_QUERIES + r * CACHE_QUERIES * passes;
        size_t *set_lens = lens + CACHE_QUERIES + r * CACHE_QUERIES * passes;
        obfuscate_cache_swap(NULL);
        t[0][r] = run_pass(qs, lens, CACHE_QUERIES, passes, 0);
        obfuscate_cache_swap(hot);
        t[1][r] = run_pass(qs, lens, CACHE_QUERIES, passes, 0);
        obfuscate_cache_swap(NULL);
        t[2][r] = run_pass(set, set_lens, CACHE_QUERIES, passes, CACHE_QUERIES);
        obfuscate_cache_swap(churn);
        t[3][r] = run_pass(set, set_lens, CACHE_QUERIES, passes, CACHE_QUERIES);
        obfuscate_cache_swap(NULL);
        hit_ratio[r] = t[0][r] / t[1][r];
        miss_ratio[r] = t[3][r] / t[2][r];
    }
    obf_result_cache_stats_t hs, cs;
    obf_result_cache_stats(hot, &hs);
    obf_result_cache_stats(churn, &cs);
    double per = 1e6 / ((double)passes * CACHE_QUERIES);
    printf("%-34s %10.2f %9s\n", "repeated set, uncached", median(t[0], REPEATS) * per, "1.00x");
    printf("%-34s %10.2f %8.1fx  faster (%.1f%% hits, %zu entries, %zu bytes)\n", "repeated set, cached (hits)",
           median(t[1], REPEATS) * per, median(hit_ratio, REPEATS),
           100.0 * (double)(hs.hits - filled.hits) / (double)(hs.hits + hs.misses - filled.hits - filled.misses),
           hs.entries, hs.bytes);
    printf("%-34s %10.2f %9s\n", "all distinct, uncached", median(t[2], REPEATS) * per, "1.00x");
    printf("%-34s %10.2f %8.2fx  the time (miss cost; %llu stored, %llu declined)\n",
           "all distinct, cached (misses)", median(t[3], REPEATS) * per, median(miss_ratio, REPEATS),
           (unsigned long long)cs.inserts, (unsigned long long)cs.declined);
    obf_result_cache_free(hot);
    obf_result_cache_free(churn);
    for (int i = 0; i < CACHE_QUERIES + distinct; i++) {
        free(qs[i]);
    }
    free(qs);
    free(lens);
    return 0;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (rounds < 1) {
        rounds = 1;
    }
    static char *queries[QUERIES];
    static size_t lens[QUERIES];
    size_t total = 0, longest = 0;
    for (int i = 0; i < QUERIES; i++) {
        queries[i] = make_query(&lens[i]);
        total += lens[i];
        longest = lens[i] > longest ? lens[i] : longest;
    }
    printf("%d queries, %zu bytes (longest %zu), %d rounds; CPU time\n", QUERIES, total, longest, rounds);
    printf("%-34s %10s %9s\n", "path", "us/query", "MB/s");

    char *copy = malloc(longest + 1);
    double t0 = now();
    for (int r = 0; r < rounds * 20; r++) {
        for (int i = 0; i < QUERIES; i++) {
            memcpy(copy, queries[i], lens[i]);
            sink ^= (unsigned char)copy[lens[i] / 2];
        }
    }
    double base = (now() - t0) / 20;
    free(copy);
    printf("%-34s %10.3f %9.0f\n", "memcpy (baseline)", base / rounds / QUERIES * 1e6, total * rounds / base / 1e6);

    obfuscate_set_literal_escapes(false);
    sql_legacy_opts_t lo = {.dialect = SQL_DIALECT_POSTGRES, .table_names = true, .collect_commands = true,
                            .collect_comments = true, .keep_sql_alias = true, .dollar_quoted_func = true};
    t0 = now();
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < QUERIES; i++) {
            sql_legacy_result_t res;
            char *error = NULL;
            if (sql_legacy_obfuscate(queries[i], lens[i], &lo, &res, &error) != 0) {
                fprintf(stderr, "legacy failed on %s: %s\n", queries[i], error);
                return 1;
            }
            sql_legacy_result_free(&res);
        }
    }
    double t = now() - t0;
    printf("%-34s %10.2f %9.1f\n", "legacy core (sql_legacy_obfuscate)", t / rounds / QUERIES * 1e6, total * rounds / t / 1e6);

    static const struct {
        const char *name, *mode;
    } modes[] = {{"legacy", NULL},
                 {"obfuscate_only", "obfuscate_only"},
                 {"normalize_only", "normalize_only"},
                 {"obfuscate_and_normalize", "obfuscate_and_normalize"}};
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        char options[512];
        if (modes[m].mode == NULL) {
            snprintf(options, sizeof(options), "%s", legacy_options);
        } else {
            snprintf(options, sizeof(options), "%.*s, \"obfuscation_mode\": \"%s\"}", (int)strlen(legacy_options) - 1,
                     legacy_options, modes[m].mode);
        }
        t0 = now();
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < QUERIES; i++) {
                char *error = NULL;
                char *out = obfuscate_sql_text(queries[i], lens[i], options, strlen(options), &error);
                if (out == NULL) {
                    fprintf(stderr, "%s failed: %s\n", modes[m].name, error);
                    return 1;
                }
                free(out);
            }
        }
        t = now() - t0;
        char label[64];
        snprintf(label, sizeof(label), "obfuscate_sql %s", modes[m].name);
        printf("%-34s %10.2f %9.1f\n", label, t / rounds / QUERIES * 1e6, total * rounds / t / 1e6);
    }
    for (int i = 0; i < QUERIES; i++) {
        free(queries[i]);
    }
    return bench_cache(rounds);
}
