/* The options JSON of obfuscate_sql (spec obfuscation.md §1.2), decoded with Go
 * encoding/json's rules: case-insensitive keys, unknown keys and nulls ignored, the last
 * duplicate wins, a type mismatch is an error (Go's message).
 * Thread-safety: no global state; callable without the GIL. */
#ifndef RTLOADER_HOST_OBFUSCATE_OPTIONS_H
#define RTLOADER_HOST_OBFUSCATE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *dbms;             /* malloc'd, "" by default */
    size_t dbms_len;
    char *obfuscation_mode; /* malloc'd, "" by default */
    size_t obfuscation_mode_len;
    bool table_names, collect_commands, collect_comments, collect_procedures, replace_digits,
        keep_sql_alias, dollar_quoted_func, return_json_metadata, remove_space_between_parentheses,
        keep_null, keep_boolean, keep_positional_parameter, keep_trailing_semicolon,
        keep_identifier_quotation, keep_json_path;
} obf_sql_options_t;

/* NULL or "" decode as {}. Returns 0, or -1 with *error malloc'd; *opts is always to be freed
 * with obf_sql_options_free. */
int obf_sql_options_decode(const char *text, size_t len, obf_sql_options_t *opts, char **error);
void obf_sql_options_free(obf_sql_options_t *opts);

#endif
