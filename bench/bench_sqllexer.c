/* bench_sqllexer: the go-sqllexer modes (host/obfuscate) on queries of the shapes the
 * database checks send, each mode timed against a plain lexer pass over the same text
 * (the baseline, measured in the same run): the ratio is the cost of obfuscating and
 * normalising on top of tokenising.
 *
 *   <build>/bin/bench_sqllexer [iterations scale, default 1]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqllexer.h"
#include "sqllexer_internal.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile size_t sink;

static double time_lex(const char *q, size_t n, long iters)
{
    double t0 = now();
    for (long i = 0; i < iters; i++) {
        sqllexer_lexer_t lx;
        sqltok_t tok;
        size_t count = 0;
        sqllexer_lexer_init(&lx, q, n, SQLLEXER_DBMS_POSTGRESQL);
        for (sqllexer_next(&lx, &tok); tok.type != SQLTOK_EOF; sqllexer_next(&lx, &tok)) {
            count++;
        }
        sink += count;
    }
    return (now() - t0) / (double)iters;
}

static double time_mode(const char *q, size_t n, sqllexer_mode_t mode,
                        const sqllexer_config_t *cfg, long iters)
{
    double t0 = now();
    for (long i = 0; i < iters; i++) {
        sqllexer_result_t r;
        if (sqllexer_run(q, n, mode, cfg, &r, NULL) != 0) {
            fprintf(stderr, "sqllexer_run failed\n");
            exit(1);
        }
        sink += strlen(r.query);
        sqllexer_result_free(&r);
    }
    return (now() - t0) / (double)iters;
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1) {
        scale = 1;
    }
    /* In-list of 1000 values, built once. */
    static char in_list[16384];
    size_t off = (size_t)snprintf(in_list, sizeof in_list, "SELECT * FROM t WHERE id IN (");
    for (int i = 0; i < 1000; i++) {
        off += (size_t)snprintf(in_list + off, sizeof in_list - off, "%s%d", i ? ", " : "", i * 7);
    }
    snprintf(in_list + off, sizeof in_list - off, ")");
    const struct {
        const char *name;
        const char *q;
    } queries[] = {
        {"short (S1)", "SELECT * FROM orders WHERE id = 42 AND status = 'open'"},
        {"pg activity",
         "/* service='web',host='h1' */ SELECT psa.datname, psa.usename, psa.state, "
         "psa.query, EXTRACT(EPOCH FROM now() - psa.query_start) AS duration, "
         "COALESCE(psa.wait_event_type, 'none') AS wait FROM pg_stat_activity AS psa "
         "JOIN pg_database d ON d.oid = psa.datid LEFT JOIN pg_roles r ON r.oid = psa.usesysid "
         "WHERE psa.state != 'idle' AND psa.backend_type = 'client backend' AND "
         "psa.query_start < now() - interval '5 seconds' AND d.datname IN ('a', 'b', 'c') "
         "ORDER BY duration DESC LIMIT 200 -- activity\n"},
        {"in-list 1000", in_list},
    };
    sqllexer_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.dbms = SQLLEXER_DBMS_POSTGRESQL;
    cfg.dollar_quoted_func = cfg.collect_tables = cfg.collect_commands = cfg.collect_comments = true;
    static const struct {
        const char *name;
        sqllexer_mode_t mode;
    } modes[] = {{"obfuscate_only", SQLLEXER_OBFUSCATE_ONLY},
                 {"normalize_only", SQLLEXER_NORMALIZE_ONLY},
                 {"obfuscate_and_normalize", SQLLEXER_OBFUSCATE_AND_NORMALIZE}};
    printf("%-14s %-24s %10s %9s %12s\n", "query", "mode", "us/query", "MB/s", "x lexer");
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        size_t n = strlen(queries[i].q);
        long iters = (long)(2000000 / (n + 50)) * scale;
        double lex = time_lex(queries[i].q, n, iters);
        printf("%-14s %-24s %10.2f %9.1f %12s\n", queries[i].name, "lexer only (baseline)",
               lex * 1e6, (double)n / lex / 1e6, "1.00");
        for (size_t m = 0; m < 3; m++) {
            double t = time_mode(queries[i].q, n, modes[m].mode, &cfg, iters);
            printf("%-14s %-24s %10.2f %9.1f %12.2f\n", "", modes[m].name, t * 1e6,
                   (double)n / t / 1e6, t / lex);
        }
    }
    return sink == 0;
}
