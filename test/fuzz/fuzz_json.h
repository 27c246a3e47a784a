/*
 * fuzz_json.h - a cheap oracle for the JSON that value_to_json writes.
 *
 * Not a JSON parser: a tokenizer that checks what can be checked token by
 * token, plus a digest that lets the caller compare the text with the tree
 * it came from.
 *
 * Checked:
 *   - the whole text is valid UTF-8 (no overlong forms, no surrogates,
 *     nothing above U+10FFFF);
 *   - brackets balance and match ({ with }, [ with ]), and every string is
 *     closed;
 *   - inside strings: no raw byte below 0x20, only the escapes \" \\ \/ \b
 *     \f \n \r \t \uXXXX (4 hex digits, and no surrogate: the writer never
 *     needs one);
 *   - outside strings: only { } [ ] : , space, and tokens that are exactly
 *     true, false, null, NaN, Infinity, -Infinity (Python's json accepts the
 *     last three, which is where the text goes) or a JSON number
 *     (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?).
 *
 * Digest: FNV-1a 64 over a canonical stream of the values in document order:
 * '{' '}' '[' ']' for containers, 's' + the DECODED string bytes + 0xFF for
 * strings (keys included), 'i' + the 8 bytes of a long long for tokens with
 * no '.', 'e', 'E' (the writer's integers), 'f' + the 8 bytes of the double
 * for the others (NaN canonicalised), 't', 'F', 'n' for the literals. The
 * caller computes the same stream from the value tree: equal digests mean
 * every string survived escaping byte for byte and every number reads back
 * as the same integer or double.
 */
#ifndef RTLOADER_FUZZ_JSON_H
#define RTLOADER_FUZZ_JSON_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_FNV_OFFSET 0xcbf29ce484222325ULL
#define FUZZ_FNV_PRIME  0x100000001b3ULL

static inline void fuzz_hash_bytes(uint64_t *h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        *h = (*h ^ p[i]) * FUZZ_FNV_PRIME;
    }
}

static inline void fuzz_hash_byte(uint64_t *h, unsigned char b)
{
    fuzz_hash_bytes(h, &b, 1);
}

static inline void fuzz_hash_int(uint64_t *h, long long v)
{
    fuzz_hash_byte(h, 'i');
    fuzz_hash_bytes(h, &v, sizeof(v));
}

static inline void fuzz_hash_double(uint64_t *h, double d)
{
    if (isnan(d)) {
        d = NAN; /* one NaN, whatever its sign or payload */
    }
    fuzz_hash_byte(h, 'f');
    fuzz_hash_bytes(h, &d, sizeof(d));
}

/* Strict UTF-8: returns NULL when valid, else a description. */
static inline const char *fuzz_utf8_problem(const unsigned char *s, size_t n, size_t *at)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        uint32_t cp, min;
        *at = i;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return "invalid UTF-8 lead byte";
        }
        if (i + len > n) {
            return "truncated UTF-8 sequence";
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return "invalid UTF-8 continuation byte";
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min) {
            return "overlong UTF-8 sequence";
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return "UTF-8 encoded surrogate or code point above U+10FFFF";
        }
        i += len;
    }
    return NULL;
}

static inline int fuzz_hexval(unsigned char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static inline int fuzz_is_json_number(const char *t, size_t n)
{
    size_t i = 0;
    if (i < n && t[i] == '-') {
        i++;
    }
    if (i >= n || t[i] < '0' || t[i] > '9') {
        return 0;
    }
    if (t[i] == '0') {
        i++;
    } else {
        while (i < n && t[i] >= '0' && t[i] <= '9') {
            i++;
        }
    }
    if (i < n && t[i] == '.') {
        i++;
        if (i >= n || t[i] < '0' || t[i] > '9') {
            return 0;
        }
        while (i < n && t[i] >= '0' && t[i] <= '9') {
            i++;
        }
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-')) {
            i++;
        }
        if (i >= n || t[i] < '0' || t[i] > '9') {
            return 0;
        }
        while (i < n && t[i] >= '0' && t[i] <= '9') {
            i++;
        }
    }
    return i == n;
}

static inline int fuzz_token_is(const char *t, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(t, word, n) == 0;
}

/*
 * Checks `json` as described above and computes its digest. Returns NULL
 * when it passes, else what is wrong (*at: the byte offset).
 */
static inline const char *fuzz_json_check(const char *json, uint64_t *digest, size_t *at)
{
    const unsigned char *s = (const unsigned char *)json;
    size_t n = strlen(json);
    uint64_t h = FUZZ_FNV_OFFSET;
    const char *why = fuzz_utf8_problem(s, n, at);
    if (why != NULL) {
        return why;
    }
    /* the bracket stack: at most one entry per byte */
    char *stack = malloc(n + 1);
    size_t depth = 0;
    size_t i = 0;
    if (stack == NULL) {
        abort();
    }
    if (n == 0) {
        why = "empty output";
    }
    while (why == NULL && i < n) {
        unsigned char c = s[i];
        *at = i;
        if (c == '"') {
            fuzz_hash_byte(&h, 's');
            for (i++;; i++) {
                *at = i;
                if (i >= n) {
                    why = "unterminated string";
                    break;
                }
                if (s[i] == '"') {
                    i++;
                    break;
                }
                if (s[i] < 0x20) {
                    why = "raw control character inside a string";
                    break;
                }
                if (s[i] != '\\') {
                    fuzz_hash_byte(&h, s[i]);
                    continue;
                }
                i++;
                const char *simple = i < n ? strchr("\"\\/bfnrt", s[i]) : NULL;
                if (i < n && s[i] != '\0' && simple != NULL) {
                    static const char decoded[] = "\"\\/\b\f\n\r\t";
                    fuzz_hash_byte(&h, (unsigned char)decoded[simple - "\"\\/bfnrt"]);
                    continue;
                }
                if (i >= n || s[i] != 'u' || i + 4 >= n) {
                    why = "invalid escape in a string";
                    break;
                }
                uint32_t cp = 0;
                for (size_t k = 1; k <= 4; k++) {
                    int v = fuzz_hexval(s[i + k]);
                    if (v < 0) {
                        why = "invalid \\u escape";
                        break;
                    }
                    cp = (cp << 4) | (uint32_t)v;
                }
                if (why != NULL) {
                    break;
                }
                if (cp >= 0xD800 && cp <= 0xDFFF) {
                    why = "surrogate \\u escape (the writer copies UTF-8 as it is)";
                    break;
                }
                i += 4;
                unsigned char utf8[3];
                size_t len;
                if (cp < 0x80) {
                    utf8[0] = (unsigned char)cp, len = 1;
                } else if (cp < 0x800) {
                    utf8[0] = (unsigned char)(0xC0 | (cp >> 6));
                    utf8[1] = (unsigned char)(0x80 | (cp & 0x3F)), len = 2;
                } else {
                    utf8[0] = (unsigned char)(0xE0 | (cp >> 12));
                    utf8[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                    utf8[2] = (unsigned char)(0x80 | (cp & 0x3F)), len = 3;
                }
                fuzz_hash_bytes(&h, utf8, len);
            }
            if (why == NULL) {
                fuzz_hash_byte(&h, 0xFF);
            }
            continue;
        }
        if (c == '{' || c == '[') {
            stack[depth++] = (char)c;
            fuzz_hash_byte(&h, c);
            i++;
        } else if (c == '}' || c == ']') {
            if (depth == 0 || stack[depth - 1] != (c == '}' ? '{' : '[')) {
                why = "unbalanced or mismatched bracket";
                break;
            }
            depth--;
            fuzz_hash_byte(&h, c);
            i++;
        } else if (c == ':' || c == ',' || c == ' ') {
            i++;
        } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                   || c == '-' || c == '+' || c == '.') {
            size_t start = i;
            while (i < n
                   && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')
                       || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '+'
                       || s[i] == '.')) {
                i++;
            }
            const char *t = json + start;
            size_t len = i - start;
            if (fuzz_token_is(t, len, "true")) {
                fuzz_hash_byte(&h, 't');
            } else if (fuzz_token_is(t, len, "false")) {
                fuzz_hash_byte(&h, 'F');
            } else if (fuzz_token_is(t, len, "null")) {
                fuzz_hash_byte(&h, 'n');
            } else if (fuzz_token_is(t, len, "NaN")) {
                fuzz_hash_double(&h, NAN);
            } else if (fuzz_token_is(t, len, "Infinity")) {
                fuzz_hash_double(&h, INFINITY);
            } else if (fuzz_token_is(t, len, "-Infinity")) {
                fuzz_hash_double(&h, -INFINITY);
            } else if (fuzz_is_json_number(t, len)) {
                char buf[64];
                if (len >= sizeof(buf)) {
                    why = "number token longer than 63 bytes";
                    break;
                }
                memcpy(buf, t, len);
                buf[len] = '\0';
                errno = 0;
                if (strpbrk(buf, ".eE") == NULL) {
                    long long v = strtoll(buf, NULL, 10);
                    if (errno != 0) {
                        why = "integer token out of range";
                        break;
                    }
                    fuzz_hash_int(&h, v);
                } else {
                    fuzz_hash_double(&h, strtod(buf, NULL));
                }
            } else {
                why = "token that is neither a literal nor a JSON number";
                break;
            }
        } else {
            why = "unexpected byte outside strings";
        }
    }
    if (why == NULL && depth != 0) {
        *at = n;
        why = "unclosed bracket at the end";
    }
    free(stack);
    *digest = h;
    return why;
}

#endif /* RTLOADER_FUZZ_JSON_H */
