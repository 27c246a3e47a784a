/*
 * fuzz_sqllexer.c - libFuzzer target: the go-sqllexer modes of the SQL obfuscator
 * (host/obfuscate, spec obfuscation.md §3) on arbitrary bytes.
 *
 * Input: byte 0 picks the dialect (value % 6) and five settings (bits 3-7), byte 1 eight
 * more settings; the rest is the query, handed over with its exact length (NUL bytes are
 * data). An input under 2 bytes is a query with everything off. Each input runs all three
 * modes.
 *
 * Oracles, besides the sanitizers (crash, leak, undefined behaviour, and any read past the
 * query: libFuzzer's buffer is exactly the input's size):
 *   - sqllexer_run never fails (malformed SQL is not an error, §3.6);
 *   - the output is NUL-terminated and at most n bytes for obfuscate_only, 2n for the
 *     normalising modes (n = query length; the bound documented in sqllexer.h);
 *   - obfuscate_only collects nothing (empty lists, Size 0); a list whose collection is off
 *     is empty;
 *   - each list holds distinct strings (checked when short), and Size is at least the
 *     sum of the items' lengths and at most n.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "sqllexer.h"

/* Distinctness is checked with strcmp, so only when the query holds no NUL byte (a quoted
 * name or a comment may hold one, and then two distinct items can look equal). */
static void check_list(const sqllexer_list_t *l, bool collected, bool check_distinct, size_t *sum,
                       const char *what)
{
    FUZZ_CHECK(collected || l->count == 0, "%s collected while off (%zu items)", what, l->count);
    for (size_t i = 0; i < l->count; i++) {
        FUZZ_CHECK(l->items[i] != NULL, "%s[%zu] is NULL", what, i);
        *sum += strlen(l->items[i]);
    }
    if (check_distinct && l->count <= 64) {
        for (size_t i = 0; i < l->count; i++) {
            for (size_t j = i + 1; j < l->count; j++) {
                FUZZ_CHECK(strcmp(l->items[i], l->items[j]) != 0, "%s holds \"%s\" twice", what, l->items[i]);
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sqllexer_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *query = (const char *)data;
    size_t n = size;
    if (size >= 2) {
        unsigned a = data[0], b = data[1];
        cfg.dbms = (sqllexer_dbms_t)(a % 6);
        cfg.replace_digits = a & 0x08;
        cfg.dollar_quoted_func = a & 0x10;
        cfg.keep_positional_parameter = a & 0x20;
        cfg.keep_boolean = a & 0x40;
        cfg.keep_null = a & 0x80;
        cfg.keep_json_path = b & 0x01;
        cfg.collect_tables = b & 0x02;
        cfg.collect_commands = b & 0x04;
        cfg.collect_comments = b & 0x08;
        cfg.collect_procedures = b & 0x10;
        cfg.remove_space_between_parentheses = b & 0x20;
        cfg.keep_trailing_semicolon = b & 0x40;
        cfg.keep_identifier_quotation = b & 0x80;
        query += 2;
        n -= 2;
    }
    bool no_nul = n == 0 || memchr(query, '\0', n) == NULL;
    static const sqllexer_mode_t modes[] = {SQLLEXER_OBFUSCATE_ONLY, SQLLEXER_NORMALIZE_ONLY,
                                            SQLLEXER_OBFUSCATE_AND_NORMALIZE};
    for (size_t m = 0; m < 3; m++) {
        sqllexer_result_t r;
        char *error = NULL;
        int rc = sqllexer_run(query, n, modes[m], &cfg, &r, &error);
        FUZZ_CHECK(rc == 0, "mode %zu failed: %s", m, error ? error : "(no error)");
        FUZZ_CHECK(r.query != NULL, "mode %zu: no query", m);
        size_t out = strlen(r.query);
        size_t bound = modes[m] == SQLLEXER_OBFUSCATE_ONLY ? n : 2 * n;
        FUZZ_CHECK(out <= bound, "mode %zu: output of %zu bytes over the bound %zu", m, out,
                   bound);
        bool normalising = modes[m] != SQLLEXER_OBFUSCATE_ONLY;
        size_t sum = 0;
        check_list(&r.tables, normalising && cfg.collect_tables, no_nul, &sum, "tables");
        check_list(&r.commands, normalising && cfg.collect_commands, no_nul, &sum, "commands");
        check_list(&r.comments, normalising && cfg.collect_comments, no_nul, &sum, "comments");
        check_list(&r.procedures, normalising && cfg.collect_procedures, no_nul, &sum, "procedures");
        FUZZ_CHECK(r.size >= sum && r.size <= n, "mode %zu: Size %zu, items %zu, query %zu", m,
                   r.size, sum, n);
        sqllexer_result_free(&r);
    }
    return 0;
}
