/* The JSON value obfuscator behind exec plans (spec obfuscation.md §4) and MongoDB commands
 * (§5): streams the text through the Go-grammar scanner, keeps the values of "keep" keys,
 * passes the scalar values of "SQL" keys through the legacy SQL obfuscator and replaces every
 * other scalar with "?".
 * Thread-safety: no global state of its own (the SQL path shares the legacy escape flag, an
 * atomic); callable from any thread, without the GIL. */
#ifndef RTLOADER_HOST_OBFUSCATE_JSON_OBFUSCATE_H
#define RTLOADER_HOST_OBFUSCATE_JSON_OBFUSCATE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

typedef struct {
    const char *const *keep; /* NULL-terminated */
    const char *const *sql;  /* NULL-terminated, or NULL */
} obf_json_keys_t;

/* Appends the obfuscated text to *out. Returns 0, or -1 on invalid JSON: then *out holds the
 * output so far followed by "..." and err Go's scanner message. */
int obf_json_obfuscate(const char *in, size_t len, const obf_json_keys_t *keys, obf_buf_t *out,
                       char *err, size_t errlen);

/* The Agent's default key lists (§4, §5). */
extern const obf_json_keys_t obf_exec_plan_keys, obf_exec_plan_normalize_keys, obf_mongodb_keys;

/* Written in place of an SQL value that cannot be obfuscated. */
#define OBF_SQL_FAILED_TEXT "Datadog-agent failed to obfuscate SQL string. Enable agent debug logs for more info."

#endif
