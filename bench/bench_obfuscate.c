/* bench_obfuscate: obfuscate_sql as the callback runs it (options decoding, obfuscation,
 * JSON document) over a mix of 1,000 realistic queries, from point lookups to 10 KB
 * statements, per mode: legacy, and the three go-sqllexer modes. Reports MB/s and
 * microseconds per query, plus the legacy core alone (no options, no document) and a
 * memcpy of the mix as the baseline measured in the same run.
 *
 *   <build>/bin/bench_obfuscate [rounds, default 5]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "obfuscate.h"
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
    return 0;
}
