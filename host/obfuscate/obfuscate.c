/*
 * obfuscate.c - obfuscate_sql dispatch and JSON result (spec obfuscation.md §1.3-§1.5), the
 * exec-plan and MongoDB entry points (§4, §5), and their use of the result cache.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json_obfuscate.h"
#include "json_text.h"
#include "obfuscate.h"
#include "options.h"
#include "result_cache.h"
#include "sql_legacy.h"
#include "sqllexer.h"

void obfuscate_set_literal_escapes(bool literal)
{
    sql_legacy_set_literal_escapes(literal);
}

bool obfuscate_literal_escapes(void)
{
    return sql_legacy_literal_escapes();
}

static bool equals(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static char *fail(char **error, const char *msg)
{
    *error = strdup(msg != NULL ? msg : "out of memory");
    return NULL;
}

/* `[...]` of a list, or null when `null_if_empty` and there is nothing. */
static void write_list(obf_buf_t *out, const obf_strlist_t *l, bool null_if_empty)
{
    if (l->count == 0 && null_if_empty) {
        obf_buf_puts(out, "null");
        return;
    }
    obf_buf_putc(out, '[');
    for (size_t i = 0; i < l->count; i++) {
        if (i > 0) {
            obf_buf_putc(out, ',');
        }
        obf_json_write_string(out, l->data.data + l->off[i], l->len[i]);
    }
    obf_buf_putc(out, ']');
}

static void write_csv(obf_buf_t *out, const obf_strlist_t *tables)
{
    obf_buf_t csv = {0};
    for (size_t i = 0; i < tables->count; i++) {
        if (i > 0) {
            obf_buf_putc(&csv, ',');
        }
        obf_buf_append(&csv, tables->data.data + tables->off[i], tables->len[i]);
    }
    obf_json_write_string(out, csv.data != NULL ? csv.data : "", csv.len);
    if (csv.failed) {
        out->failed = true;
    }
    obf_buf_free(&csv);
}

/* §1.4: key order, no whitespace. procedures == NULL writes null. */
static char *write_document(const char *query, size_t query_len, size_t size, const obf_strlist_t *tables,
                            const obf_strlist_t *commands, const obf_strlist_t *comments,
                            const obf_strlist_t *procedures, bool null_if_empty, char **error)
{
    obf_buf_t out = {0};
    obf_buf_reserve(&out, query_len + 128);
    obf_buf_puts(&out, "{\"query\":");
    obf_json_write_string(&out, query, query_len);
    char num[32];
    snprintf(num, sizeof(num), "%zu", size);
    obf_buf_puts(&out, ",\"metadata\":{\"Size\":");
    obf_buf_puts(&out, num);
    obf_buf_puts(&out, ",\"tables_csv\":");
    write_csv(&out, tables);
    obf_buf_puts(&out, ",\"commands\":");
    write_list(&out, commands, null_if_empty);
    obf_buf_puts(&out, ",\"comments\":");
    write_list(&out, comments, null_if_empty);
    obf_buf_puts(&out, ",\"procedures\":");
    if (procedures == NULL) {
        obf_buf_puts(&out, "null");
    } else {
        write_list(&out, procedures, null_if_empty);
    }
    obf_buf_puts(&out, "}}");
    char *doc = obf_buf_take(&out);
    return doc != NULL ? doc : fail(error, NULL);
}

static char *legacy(const char *query, size_t len, const obf_sql_options_t *o, char **error)
{
    sql_legacy_opts_t lo = {
        /* Exact, case-sensitive names: "postgres" and "sqlserver" are generic here (§1.2). */
        .dialect = equals(o->dbms, o->dbms_len, "postgresql") ? SQL_DIALECT_POSTGRES
                   : equals(o->dbms, o->dbms_len, "mssql")    ? SQL_DIALECT_MSSQL
                                                              : SQL_DIALECT_GENERIC,
        .table_names = o->table_names,
        .collect_commands = o->collect_commands,
        .collect_comments = o->collect_comments,
        .replace_digits = o->replace_digits,
        .keep_sql_alias = o->keep_sql_alias,
        .dollar_quoted_func = o->dollar_quoted_func,
    };
    sql_legacy_result_t res;
    if (sql_legacy_obfuscate(query, len, &lo, &res, error) != 0) {
        return NULL;
    }
    char *out;
    if (o->return_json_metadata) {
        out = write_document(res.query, res.query_len, res.size, &res.tables, &res.commands, &res.comments,
                             NULL, true, error);
    } else {
        out = res.query;
        res.query = NULL;
    }
    sql_legacy_result_free(&res);
    return out;
}

/* Copies a sqllexer list into the shape the document writer takes. */
static bool to_strlist(const sqllexer_list_t *in, obf_strlist_t *out)
{
    for (size_t i = 0; i < in->count; i++) {
        if (!obf_strlist_add(out, in->items[i], strlen(in->items[i]))) {
            return false;
        }
    }
    return true;
}

static char *lexer(const char *query, size_t len, sqllexer_mode_t mode, const obf_sql_options_t *o,
                   char **error)
{
    sqllexer_config_t cfg = {
        .dbms = sqllexer_dbms_from_name(o->dbms),
        .replace_digits = o->replace_digits,
        .dollar_quoted_func = o->dollar_quoted_func,
        .keep_positional_parameter = o->keep_positional_parameter,
        .keep_boolean = o->keep_boolean,
        .keep_null = o->keep_null,
        .keep_json_path = o->keep_json_path,
        .collect_tables = o->table_names,
        .collect_commands = o->collect_commands,
        .collect_comments = o->collect_comments,
        .collect_procedures = o->collect_procedures,
        .remove_space_between_parentheses = o->remove_space_between_parentheses,
        .keep_trailing_semicolon = o->keep_trailing_semicolon,
        .keep_identifier_quotation = o->keep_identifier_quotation,
    };
    sqllexer_result_t res;
    memset(&res, 0, sizeof(res));
    if (sqllexer_run(query, len, mode, &cfg, &res, error) != 0) {
        return NULL;
    }
    char *out;
    if (!o->return_json_metadata) {
        out = res.query;
        res.query = NULL;
    } else {
        obf_strlist_t lists[4];
        memset(lists, 0, sizeof(lists));
        bool ok = to_strlist(&res.tables, &lists[0]) && to_strlist(&res.commands, &lists[1]) &&
                  to_strlist(&res.comments, &lists[2]) && to_strlist(&res.procedures, &lists[3]);
        if (!ok) {
            out = fail(error, NULL);
        } else if (mode == SQLLEXER_OBFUSCATE_ONLY) {
            /* §1.4: no metadata at all, whatever the flags. */
            out = write_document(res.query, strlen(res.query), 0, &lists[0], &lists[1], &lists[2], NULL, true,
                                 error);
        } else {
            out = write_document(res.query, strlen(res.query), res.size, &lists[0], &lists[1], &lists[2],
                                 &lists[3], false, error);
        }
        for (int i = 0; i < 4; i++) {
            obf_strlist_free(&lists[i]);
        }
    }
    sqllexer_result_free(&res);
    return out;
}

/* *uses_flag: the legacy obfuscator ran, so the result may depend on the escape flag. */
static char *sql_compute(const char *query, size_t len, const char *options, size_t options_len, char **error,
                         bool *uses_flag)
{
    *error = NULL;
    obf_sql_options_t o;
    if (obf_sql_options_decode(options, options_len, &o, error) != 0) {
        obf_sql_options_free(&o);
        return NULL;
    }
    char *out = NULL;
    const char *mode = o.obfuscation_mode;
    size_t mode_len = o.obfuscation_mode_len;
    if (mode_len == 0) {
        *uses_flag = true;
        out = legacy(query, len, &o, error);
    } else if (equals(mode, mode_len, "obfuscate_only") || equals(mode, mode_len, "normalize_only") ||
               equals(mode, mode_len, "obfuscate_and_normalize")) {
        sqllexer_mode_t m = mode[0] == 'n'                  ? SQLLEXER_NORMALIZE_ONLY
                            : equals(mode, mode_len, "obfuscate_only") ? SQLLEXER_OBFUSCATE_ONLY
                                                                       : SQLLEXER_OBFUSCATE_AND_NORMALIZE;
        out = lexer(query, len, m, &o, error);
    } else {
        obf_buf_t msg = {0};
        obf_buf_puts(&msg, "invalid obfuscation mode: ");
        obf_buf_append(&msg, mode, mode_len);
        *error = obf_buf_take(&msg);
        if (*error == NULL) {
            fail(error, NULL);
        }
    }
    obf_sql_options_free(&o);
    return out;
}

/* The process-wide result cache; NULL: off. */
static _Atomic(obf_result_cache_t *) result_cache;

int obfuscate_cache_configure(bool enabled, size_t max_bytes)
{
    obf_result_cache_t *fresh = NULL;
    if (enabled && max_bytes > 0 && (fresh = obf_result_cache_new(max_bytes)) == NULL) {
        return -1;
    }
    obf_result_cache_free(atomic_exchange(&result_cache, fresh));
    return 0;
}

obf_result_cache_t *obfuscate_cache_swap(obf_result_cache_t *cache)
{
    return atomic_exchange(&result_cache, cache);
}

bool obfuscate_cache_stats(obf_result_cache_stats_t *stats)
{
    obf_result_cache_t *c = atomic_load(&result_cache);
    if (c == NULL) {
        memset(stats, 0, sizeof(*stats));
        return false;
    }
    obf_result_cache_stats(c, stats);
    return true;
}

/* Stores an outcome unless it is a transient one (memory exhaustion), or depends on the
 * legacy escape flag (§2.3): the flag only matters for a backslash inside a string, and in an
 * exec plan such a backslash is itself written with a backslash, so input without any '\' is
 * safe. Results that may depend on the flag, or flip it, are recomputed on every call. */
static void remember(obf_result_cache_t *c, const obf_cache_key_t *k, const char *text, size_t len, bool uses_flag,
                     const char *out, const char *error)
{
    if (out == NULL && (error == NULL || strcmp(error, "out of memory") == 0)) {
        return;
    }
    if (uses_flag && memchr(text, '\\', len) != NULL) {
        return;
    }
    obf_result_cache_put(c, k, out, error);
}

char *obfuscate_sql_text(const char *query, size_t len, const char *options, size_t options_len, char **error)
{
    bool uses_flag = false;
    obf_result_cache_t *c = atomic_load_explicit(&result_cache, memory_order_acquire);
    if (c == NULL) {
        return sql_compute(query, len, options, options_len, error, &uses_flag);
    }
    obf_cache_key_t k;
    obf_cache_key_init(&k, c, 'S', options, options_len, query, len);
    char *out;
    if (obf_result_cache_get(c, &k, &out, error)) {
        return out;
    }
    out = sql_compute(query, len, options, options_len, error, &uses_flag);
    remember(c, &k, query, len, uses_flag, out, *error);
    return out;
}

static char *json_entry(const char *text, size_t len, const obf_json_keys_t *keys, bool fail_on_error,
                        char **error)
{
    *error = NULL;
    obf_buf_t out = {0};
    char err[96];
    int rc = obf_json_obfuscate(text, len, keys, &out, err, sizeof(err));
    if (rc != 0 && fail_on_error) {
        obf_buf_free(&out);
        return fail(error, err);
    }
    obf_buf_reserve(&out, 0); /* "" for empty input */
    char *s = obf_buf_take(&out);
    return s != NULL ? s : fail(error, NULL);
}

static char *exec_plan_compute(const char *plan, size_t len, bool normalize, char **error)
{
    if (len == 0) {
        *error = NULL;
        return strdup(""); /* §4: empty input is an empty success, not a scanner error */
    }
    return json_entry(plan, len, normalize ? &obf_exec_plan_normalize_keys : &obf_exec_plan_keys, true, error);
}

/* Plans hold SQL obfuscated by the legacy obfuscator: flag-dependent like legacy SQL. */
char *obfuscate_exec_plan_text(const char *plan, size_t len, bool normalize, char **error)
{
    obf_result_cache_t *c = atomic_load_explicit(&result_cache, memory_order_acquire);
    if (c == NULL) {
        return exec_plan_compute(plan, len, normalize, error);
    }
    obf_cache_key_t k;
    obf_cache_key_init(&k, c, normalize ? 'p' : 'P', NULL, 0, plan, len);
    char *out;
    if (obf_result_cache_get(c, &k, &out, error)) {
        return out;
    }
    out = exec_plan_compute(plan, len, normalize, error);
    remember(c, &k, plan, len, true, out, *error);
    return out;
}

static char *mongodb_compute(const char *command, size_t len, char **error)
{
    if (len == 0) {
        *error = strdup("Empty MongoDB command");
        return NULL;
    }
    /* Invalid JSON is not an error here: the partial output plus "..." is returned (§5). */
    return json_entry(command, len, &obf_mongodb_keys, false, error);
}

char *obfuscate_mongodb_text(const char *command, size_t len, char **error)
{
    obf_result_cache_t *c = atomic_load_explicit(&result_cache, memory_order_acquire);
    if (c == NULL) {
        return mongodb_compute(command, len, error);
    }
    obf_cache_key_t k;
    obf_cache_key_init(&k, c, 'M', NULL, 0, command, len);
    char *out;
    if (obf_result_cache_get(c, &k, &out, error)) {
        return out;
    }
    out = mongodb_compute(command, len, error);
    remember(c, &k, command, len, false, out, *error);
    return out;
}
