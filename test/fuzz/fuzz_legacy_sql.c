/*
 * fuzz_legacy_sql.c - libFuzzer target: the legacy SQL tokenizer and obfuscator
 * (host/obfuscate, spec obfuscation.md §2) and the JSON document of §1.4 on arbitrary bytes.
 *
 * Input: byte 0 picks the dialect (value % 3) and six settings (bits 2-7); the rest is the
 * query, handed over with its exact length (NUL bytes are data). The escape flag of §2.3 is
 * reset before each input so that a run does not depend on the previous inputs.
 *
 * Oracles, besides the sanitizers (crash, leak, undefined behaviour, and any read past the
 * query: libFuzzer's buffer is exactly the input's size):
 *   - success and failure are exclusive; a failure is one of the documented texts
 *     ("at position <n>: ...", "result is empty", "expected identifier in bracketed filter");
 *   - the output is non-empty and at most 2n bytes (n = query length: every token writes at
 *     most its own length plus one space, see docs/obfuscation.md);
 *   - Size equals the bytes of the comments and commands plus the distinct tables and their
 *     commas, and nothing is collected when collection is off;
 *   - the same call through obfuscate_sql_text with return_json_metadata gives a document
 *     that passes the Go-grammar JSON scanner;
 *   - that call, and the bare one, answer the same through the result cache (fuzz_cached.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_cached.h"
#include "fuzz_util.h"
#include "json_scan.h"
#include "obfuscate.h"
#include "sql_legacy.h"

static size_t list_bytes(const obf_strlist_t *l)
{
    size_t sum = 0;
    for (size_t i = 0; i < l->count; i++) {
        sum += l->len[i];
    }
    return sum;
}

/* The options of `o` as obfuscate_sql's JSON. */
static void write_options(char *buf, size_t size, const sql_legacy_opts_t *o, bool metadata)
{
    static const char *const dbms[] = {"", "postgresql", "mssql"};
    snprintf(buf, size,
             "{\"dbms\":\"%s\",\"table_names\":%s,\"collect_commands\":%s,\"collect_comments\":%s,"
             "\"replace_digits\":%s,\"keep_sql_alias\":%s,\"dollar_quoted_func\":%s,\"return_json_metadata\":%s}",
             dbms[o->dialect], o->table_names ? "true" : "false", o->collect_commands ? "true" : "false",
             o->collect_comments ? "true" : "false", o->replace_digits ? "true" : "false",
             o->keep_sql_alias ? "true" : "false", o->dollar_quoted_func ? "true" : "false",
             metadata ? "true" : "false");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t flags = size > 0 ? data[0] : 0;
    const char *query = size > 0 ? (const char *)data + 1 : "";
    size_t n = size > 0 ? size - 1 : 0;
    sql_legacy_opts_t o = {
        .dialect = (sql_dialect_t)(flags % 3),
        .table_names = flags & 0x04,
        .collect_commands = flags & 0x08,
        .collect_comments = flags & 0x10,
        .replace_digits = flags & 0x20,
        .keep_sql_alias = flags & 0x40,
        .dollar_quoted_func = flags & 0x80,
    };
    sql_legacy_set_literal_escapes(false);
    sql_legacy_result_t res;
    char *error = NULL;
    int rc = sql_legacy_obfuscate(query, n, &o, &res, &error);
    char options[400];
    write_options(options, sizeof(options), &o, false);
    fuzz_check_cached(FUZZ_SQL, query, n, options, strlen(options), rc == 0 ? res.query : NULL, error);
    if (rc != 0) {
        FUZZ_CHECK(error != NULL, "failure without an error");
        FUZZ_CHECK(strncmp(error, "at position ", 12) == 0 || strcmp(error, "result is empty") == 0 ||
                       strncmp(error, "expected identifier in bracketed filter, got ", 45) == 0,
                   "undocumented error text: %s", error);
        free(error);
        return 0;
    }
    FUZZ_CHECK(error == NULL, "success with an error");
    FUZZ_CHECK(res.query != NULL && res.query_len > 0, "empty success");
    FUZZ_CHECK(res.query_len <= 2 * n, "output of %zu bytes for %zu bytes of input", res.query_len, n);
    FUZZ_CHECK(o.table_names || res.tables.count == 0, "tables collected while off");
    FUZZ_CHECK(o.collect_commands || res.commands.count == 0, "commands collected while off");
    FUZZ_CHECK(o.collect_comments || res.comments.count == 0, "comments collected while off");
    size_t size_want = list_bytes(&res.tables) + list_bytes(&res.commands) + list_bytes(&res.comments) +
                       (res.tables.count > 0 ? res.tables.count - 1 : 0);
    FUZZ_CHECK(res.size == size_want, "Size %zu, want %zu", res.size, size_want);
    for (size_t i = 0; i < res.tables.count && i < 64; i++) {
        for (size_t j = i + 1; j < res.tables.count && j < 64; j++) {
            FUZZ_CHECK(res.tables.len[i] != res.tables.len[j] ||
                           memcmp(res.tables.data.data + res.tables.off[i], res.tables.data.data + res.tables.off[j],
                                  res.tables.len[i]) != 0,
                       "table %zu listed twice", i);
        }
    }
    sql_legacy_result_free(&res);

    /* The document path: same options as JSON. */
    write_options(options, sizeof(options), &o, true);
    sql_legacy_set_literal_escapes(false);
    char *doc = obfuscate_sql_text(query, n, options, strlen(options), &error);
    FUZZ_CHECK(doc != NULL && error == NULL, "the document call failed: %s", error ? error : "?");
    fuzz_check_cached(FUZZ_SQL, query, n, options, strlen(options), doc, NULL);
    char err[96];
    FUZZ_CHECK(json_scan_valid(doc, strlen(doc), err, sizeof(err)), "invalid JSON document (%s): %s", err, doc);
    FUZZ_CHECK(strncmp(doc, "{\"query\":\"", 10) == 0, "document does not start with the query: %s", doc);
    free(doc);
    return 0;
}
