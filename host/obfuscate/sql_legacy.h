/* The legacy SQL obfuscator (spec obfuscation.md §2): tokenizer + metadata, discard, replace
 * and grouping filters, with the retry on the process-wide literal-escape flag (§2.3).
 * Thread-safety: callable from any thread at once, without the GIL; the only shared state is
 * the escape flag, an atomic. */
#ifndef RTLOADER_HOST_OBFUSCATE_SQL_LEGACY_H
#define RTLOADER_HOST_OBFUSCATE_SQL_LEGACY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "sql_tokenizer.h"

typedef struct {
    sql_dialect_t dialect;
    bool table_names, collect_commands, collect_comments, replace_digits, keep_sql_alias,
        dollar_quoted_func;
} sql_legacy_opts_t;

/* A list of byte strings stored back to back: item i is data[off[i], off[i] + len[i]). */
typedef struct {
    obf_buf_t data;
    size_t *off, *len;
    size_t count, cap;
} obf_strlist_t;

typedef struct {
    char *query; /* malloc'd, NUL-terminated */
    size_t query_len;
    obf_strlist_t tables, commands, comments;
    size_t size; /* §1.4 Size */
} sql_legacy_result_t;

/* Obfuscates query[0, len). Returns 0 and fills *res (free with sql_legacy_result_free), or
 * -1 with *error malloc'd. */
int sql_legacy_obfuscate(const char *query, size_t len, const sql_legacy_opts_t *opts,
                         sql_legacy_result_t *res, char **error);
void sql_legacy_result_free(sql_legacy_result_t *res);

/* The process-wide literal-escape flag (false = backslash escapes, the initial state). */
bool sql_legacy_literal_escapes(void);
void sql_legacy_set_literal_escapes(bool literal);

bool obf_strlist_add(obf_strlist_t *l, const char *s, size_t n);
bool obf_strlist_contains(const obf_strlist_t *l, const char *s, size_t n);
void obf_strlist_free(obf_strlist_t *l);

#endif
