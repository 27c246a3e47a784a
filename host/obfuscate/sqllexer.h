/* The go-sqllexer modes of the SQL obfuscator (spec obfuscation.md §3): a lexer, a per-token
 * obfuscator and a normaliser with metadata collection, behaving like go-sqllexer v0.2.4 as
 * the Agent drives it (§3.1).
 *
 * Thread-safety: every function here is reentrant and touches no global state, so it may be
 * called from any thread, concurrently, WITHOUT holding the GIL (it never calls Python).
 * Ownership: the caller owns everything placed in a sqllexer_result_t and releases it with
 * sqllexer_result_free(); the input query is only read, never retained.
 * Units: every length and size is in bytes (the input is raw bytes, UTF-8 expected but not
 * required). */
#ifndef RTLOADER_HOST_OBFUSCATE_SQLLEXER_H
#define RTLOADER_HOST_OBFUSCATE_SQLLEXER_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SQLLEXER_OBFUSCATE_ONLY,
    SQLLEXER_NORMALIZE_ONLY,
    SQLLEXER_OBFUSCATE_AND_NORMALIZE
} sqllexer_mode_t;

typedef enum {
    SQLLEXER_DBMS_GENERIC,
    SQLLEXER_DBMS_POSTGRESQL,
    SQLLEXER_DBMS_MSSQL,
    SQLLEXER_DBMS_MYSQL,
    SQLLEXER_DBMS_ORACLE,
    SQLLEXER_DBMS_SNOWFLAKE
} sqllexer_dbms_t;

/* Maps the `dbms` option to a dialect with the aliases of spec §1.2 (`postgres`, `sqlserver`,
 * `sql-server`); exact, case-sensitive names; NULL or anything unknown gives GENERIC. */
sqllexer_dbms_t sqllexer_dbms_from_name(const char *dbms);

/* Settings of one run (§3.1). Keep-alias is always on in the Agent, so it is not a setting.
 * The obfuscating flags (replace_digits … keep_json_path) only matter in the obfuscating modes,
 * the collect/normalising flags only in the normalising modes. */
typedef struct {
    sqllexer_dbms_t dbms;
    bool replace_digits, dollar_quoted_func, keep_positional_parameter, keep_boolean, keep_null,
         keep_json_path, collect_tables, collect_commands, collect_comments, collect_procedures,
         remove_space_between_parentheses, keep_trailing_semicolon, keep_identifier_quotation;
} sqllexer_config_t;

/* A list of distinct items in first-seen order; items and each string are malloc'd. */
typedef struct {
    char **items;
    size_t count;
} sqllexer_list_t;

typedef struct {
    char *query;                                   /* malloc'd, NUL-terminated */
    sqllexer_list_t tables, commands, comments, procedures;
    size_t size;                                   /* spec §3.5 Size: bytes of distinct items */
} sqllexer_result_t;

/* Runs one mode over query[0, len) (NUL bytes are data, not terminators).
 * Thread-safe, no GIL needed. Returns 0 and fills *out (which the caller frees with
 * sqllexer_result_free); -1 with *error (malloc'd, caller frees) on failure, which only
 * happens on allocation failure or bad arguments: malformed SQL never fails (§3.6).
 * In SQLLEXER_OBFUSCATE_ONLY mode the lists are empty and size is 0 (§3.1). */
int sqllexer_run(const char *query, size_t len, sqllexer_mode_t mode, const sqllexer_config_t *cfg,
                 sqllexer_result_t *out, char **error);

/* Frees what sqllexer_run put in *r and zeroes it; safe on a zeroed or already freed result. */
void sqllexer_result_free(sqllexer_result_t *r);

#endif
