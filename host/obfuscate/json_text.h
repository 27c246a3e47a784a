/* JSON string text both ways: writing a string the way Go's encoding/json does (so the
 * results of spec obfuscation.md §1.4 are byte-identical to the Agent's) and decoding one
 * scanned string literal (the SQL values of exec plans, §4).
 * jansson is not used for the writing because it cannot produce Go's escaping (\u003c, \u003e,
 * \u0026, \u2028, \u2029) nor encode invalid UTF-8 as \ufffd; it is used for all parsing.
 * Thread-safety: no global state; no GIL needed. */
#ifndef RTLOADER_HOST_OBFUSCATE_JSON_TEXT_H
#define RTLOADER_HOST_OBFUSCATE_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Appends s[0, n) as a quoted JSON string with Go's HTML-safe escaping. */
void obf_json_write_string(obf_buf_t *out, const char *s, size_t n);

/* Decodes a string literal (with its quotes) that the scanner accepted; false if `lit` is not
 * a string literal. Lone surrogates decode to U+FFFD, like Go. */
bool obf_json_unquote(const char *lit, size_t n, obf_buf_t *out);

#endif
