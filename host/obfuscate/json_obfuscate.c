/*
 * json_obfuscate.c - the streaming JSON value obfuscator (spec obfuscation.md §4, §5).
 *
 * The state follows the upstream design so that its corner cases carry over: a stack of
 * "is object" closures (the outermost entry is never popped), whether the next literal is a
 * key, whether the current value was already replaced, and the depth at which keeping
 * started.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_obfuscate.h"
#include "json_scan.h"
#include "json_text.h"
#include "sql_legacy.h"

static bool in_list(const char *const *list, const char *k, size_t n)
{
    if (list == NULL) {
        return false;
    }
    for (; *list != NULL; list++) {
        if (strncmp(*list, k, n) == 0 && (*list)[n] == '\0') {
            return true;
        }
    }
    return false;
}

/* The scalar after an SQL key: unquoted, legacy-obfuscated, written quoted as is. */
static void write_sql_value(obf_buf_t *out, const obf_buf_t *raw, obf_buf_t *tmp)
{
    const char *sql = raw->data != NULL ? raw->data : "";
    size_t len = raw->len;
    if (obf_json_unquote(sql, len, tmp)) {
        sql = tmp->data != NULL ? tmp->data : "";
        len = tmp->len;
    }
    static const sql_legacy_opts_t defaults = {0};
    sql_legacy_result_t res;
    char *error = NULL;
    obf_buf_putc(out, '"');
    if (sql_legacy_obfuscate(sql, len, &defaults, &res, &error) == 0) {
        obf_buf_append(out, res.query, res.query_len);
        sql_legacy_result_free(&res);
    } else {
        obf_buf_puts(out, OBF_SQL_FAILED_TEXT);
        free(error);
    }
    obf_buf_putc(out, '"');
}

int obf_json_obfuscate(const char *in, size_t len, const obf_json_keys_t *keys, obf_buf_t *out,
                       char *err, size_t errlen)
{
    json_scanner_t sc;
    json_scanner_init(&sc, true);
    obf_buf_t closures = {0}, buf = {0}, tmp = {0};
    bool key = false, wiped = false, keeping = false, transforming = false;
    size_t keep_depth = 0;
    int rc = 0;
    obf_buf_reserve(out, len + 8);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        int op = json_scanner_step(&sc, c);
        size_t depth = closures.len;
        switch (op) {
        case JSON_SCAN_BEGIN_OBJECT:
        case JSON_SCAN_BEGIN_ARRAY:
            obf_buf_putc(&closures, op == JSON_SCAN_BEGIN_OBJECT);
            key = op == JSON_SCAN_BEGIN_OBJECT;
            wiped = false;
            transforming = false;
            break;
        case JSON_SCAN_END_ARRAY:
        case JSON_SCAN_END_OBJECT:
            if (closures.len > 1) {
                closures.len--;
            }
            /* fall through */
        case JSON_SCAN_OBJECT_VALUE:
        case JSON_SCAN_ARRAY_VALUE:
            key = closures.len == 0 || closures.data[closures.len - 1];
            wiped = false;
            if (transforming) {
                write_sql_value(out, &buf, &tmp);
                transforming = false;
                buf.len = 0;
            } else if (keeping && depth < keep_depth) {
                keeping = false;
            }
            break;
        case JSON_SCAN_BEGIN_LITERAL:
        case JSON_SCAN_CONTINUE:
            if (transforming) {
                obf_buf_putc(&buf, (char)c);
                continue;
            }
            if (key) {
                obf_buf_putc(&buf, (char)c);
            } else if (!keeping) {
                if (!wiped) {
                    obf_buf_append(out, "\"?\"", 3);
                    wiped = true;
                }
                continue;
            }
            break;
        case JSON_SCAN_OBJECT_KEY: {
            /* The raw key text, surrounding quotes trimmed, no escape decoding. */
            const char *k = buf.data != NULL ? buf.data : "";
            size_t n = buf.len;
            while (n > 0 && *k == '"') {
                k++, n--;
            }
            while (n > 0 && k[n - 1] == '"') {
                n--;
            }
            if (!keeping && in_list(keys->keep, k, n)) {
                keeping = true;
                keep_depth = depth + 1;
            } else if (!transforming && in_list(keys->sql, k, n)) {
                transforming = true;
            }
            buf.len = 0;
            key = false;
            break;
        }
        case JSON_SCAN_SKIP_SPACE:
            continue;
        case JSON_SCAN_ERROR:
            rc = -1;
            break;
        default:
            break;
        }
        if (rc != 0) {
            break;
        }
        obf_buf_putc(out, (char)c);
    }
    if (rc == 0 && json_scanner_eof(&sc) == JSON_SCAN_ERROR) {
        rc = -1;
    }
    if (rc != 0) {
        obf_buf_append(out, "...", 3);
        snprintf(err, errlen, "%s", sc.err);
    }
    if (closures.failed || buf.failed || tmp.failed) {
        out->failed = true;
    }
    obf_buf_free(&closures);
    obf_buf_free(&buf);
    obf_buf_free(&tmp);
    json_scanner_free(&sc);
    return rc;
}
