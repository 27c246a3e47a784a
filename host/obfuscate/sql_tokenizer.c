/*
 * sql_tokenizer.c - the legacy SQL tokenizer (spec obfuscation.md §2.1-§2.5).
 *
 * The scan loop mirrors the upstream one character at a time because the error positions
 * (§2.9) are part of the contract: `pos` counts like the upstream reader, not like a byte
 * offset. Token texts point into the query, or into `scratch` for unquoted strings, so no
 * token allocates.
 */
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <wctype.h>

#include "sql_tokenizer.h"
#include "utf8.h"

static locale_t utf8_locale;
static pthread_once_t utf8_locale_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

bool sql_is_unicode_letter(uint32_t r)
{
    if (r < 0x80) {
        return (r | 0x20) >= 'a' && (r | 0x20) <= 'z';
    }
    if (r >= LK_END) {
        return false;
    }
    /* glibc's C.UTF-8 classes follow Unicode; without it (never on Debian) every
     * non-ASCII character that is not a space counts as a letter. */
    pthread_once(&utf8_locale_once, utf8_locale_init);
    if (utf8_locale == (locale_t)0) {
        return !sql_is_space(r);
    }
    return iswalpha_l((wint_t)r, utf8_locale) != 0;
}

/* Go's unicode.IsSpace. */
bool sql_is_space(uint32_t r)
{
    switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return r >= 0x2000 && r <= 0x200A;
    }
}

static inline bool is_digit(uint32_t r)
{
    return r >= '0' && r <= '9';
}

/* ASCII is decided inline: the tokenizer asks these for nearly every character. */
static inline bool is_leading_letter(uint32_t r)
{
    if (r < 0x80) {
        return ((r | 0x20) >= 'a' && (r | 0x20) <= 'z') || r == '_' || r == '@';
    }
    return sql_is_unicode_letter(r);
}

static inline bool is_letter(uint32_t r)
{
    return r == '#' || is_leading_letter(r);
}

static int digit_val(uint32_t r)
{
    if (r >= '0' && r <= '9') {
        return (int)(r - '0');
    }
    if ((r | 0x20) >= 'a' && (r | 0x20) <= 'f') {
        return (int)((r | 0x20) - 'a' + 10);
    }
    return 16;
}

/* Strict UTF-8 (as Go's utf8.DecodeRune): returns the length, 0 when invalid. */
static unsigned decode_utf8(const unsigned char *s, size_t n, uint32_t *out)
{
    if (s[0] < 0x80) {
        *out = s[0];
        return 1;
    }
    return obf_utf8_decode(s, n, out);
}

/* Encodes r (U+FFFD when it is not a valid character, as Go's %c and WriteRune do). */
static unsigned encode_utf8(uint32_t r, char *out)
{
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
        r = 0xFFFD;
    }
    if (r < 0x80) {
        out[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (char)(0xC0 | (r >> 6));
        out[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (char)(0xE0 | (r >> 12));
        out[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        out[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (r >> 18));
    out[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    out[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

static void set_err(sql_tokenizer_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(sql_tokenizer_t *t, const char *fmt, ...)
{
    if (t->has_err) {
        return;
    }
    char detail[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    snprintf(t->err, sizeof(t->err), "at position %ld: %s", t->pos, detail);
    t->has_err = true;
}

/* Error texts quote a character as Go's %c does; `buf` must hold 5 bytes. */
static const char *char_text(uint32_t r, char *buf)
{
    buf[encode_utf8(r, buf)] = '\0';
    return buf;
}

static void advance_slow(sql_tokenizer_t *t)
{
    if (t->off >= t->len) {
        t->last = LK_END;
        t->lastlen = 0;
        if (t->started) {
            t->pos++;
        }
        t->started = true;
        return;
    }
    uint32_t r;
    unsigned n = decode_utf8(t->buf + t->off, t->len - t->off, &r);
    if (n == 0) {
        set_err(t, "invalid UTF-8 encoding beginning with 0x%x", t->buf[t->off]);
        t->last = LK_END;
        t->lastlen = 0;
        return;
    }
    if (t->started) {
        t->pos += n;
    }
    t->started = true;
    t->off += n;
    t->last = r;
    t->lastlen = n;
}

static inline void advance(sql_tokenizer_t *t)
{
    if (t->off < t->len && t->buf[t->off] < 0x80 && t->started) {
        t->pos++;
        t->last = t->buf[t->off++];
        t->lastlen = 1;
        return;
    }
    advance_slow(t);
}

/* The token is what was read before the current character. */
static int token(sql_tokenizer_t *t, int kind, const char **text, size_t *len)
{
    size_t end = t->off - t->lastlen;
    *text = (const char *)t->buf + t->start;
    *len = end - t->start;
    t->start = end;
    return kind;
}

static int keyword_kind(const char *s, size_t n)
{
    static const struct {
        const char *word;
        int kind;
    } words[] = {
        {"NULL", LK_NULL},         {"TRUE", LK_BOOLEAN},       {"FALSE", LK_BOOLEAN},
        {"SAVEPOINT", LK_SAVEPOINT}, {"LIMIT", LK_LIMIT},      {"AS", LK_AS},
        {"ALTER", LK_ALTER},       {"CREATE", LK_CREATE},      {"GRANT", LK_GRANT},
        {"REVOKE", LK_REVOKE},     {"COMMIT", LK_COMMIT},      {"BEGIN", LK_BEGIN},
        {"TRUNCATE", LK_TRUNCATE}, {"DROP", LK_DROP},          {"SELECT", LK_SELECT},
        {"FROM", LK_FROM},         {"UPDATE", LK_UPDATE},      {"DELETE", LK_DELETE},
        {"INSERT", LK_INSERT},     {"INTO", LK_INTO},          {"JOIN", LK_JOIN},
    };
    if (n < 2 || n > 9) {
        return LK_ID;
    }
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        const char *w = words[i].word;
        if (strlen(w) != n) {
            continue;
        }
        size_t j = 0;
        while (j < n && (s[j] == w[j] || (s[j] >= 'a' && s[j] <= 'z' && s[j] - 32 == w[j]))) {
            j++;
        }
        if (j == n) {
            return words[i].kind;
        }
    }
    return LK_ID;
}

static int scan_identifier(sql_tokenizer_t *t, const char **text, size_t *len)
{
    advance(t);
    while (is_letter(t->last) || is_digit(t->last) || t->last == '.' || t->last == '*' ||
           t->last == '$') {
        advance(t);
    }
    token(t, LK_ID, text, len);
    return keyword_kind(*text, *len);
}

static void scan_mantissa(sql_tokenizer_t *t, int base)
{
    while (digit_val(t->last) < base) {
        advance(t);
    }
}

static int scan_number(sql_tokenizer_t *t, bool seen_decimal_point, const char **text, size_t *len)
{
    if (seen_decimal_point) {
        scan_mantissa(t, 10);
        goto exponent;
    }
    if (t->last == '0') {
        advance(t);
        if (t->last == 'x' || t->last == 'X') {
            advance(t);
            scan_mantissa(t, 16);
        } else {
            scan_mantissa(t, 8);
            if (t->last == '8' || t->last == '9') {
                scan_mantissa(t, 10);
            }
            if (t->last == '.' || t->last == 'e' || t->last == 'E') {
                goto fraction;
            }
        }
        goto done;
    }
    scan_mantissa(t, 10);
fraction:
    if (t->last == '.') {
        advance(t);
        scan_mantissa(t, 10);
    }
exponent:
    if (t->last == 'e' || t->last == 'E') {
        advance(t);
        if (t->last == '-' || t->last == '+') {
            advance(t);
        }
        scan_mantissa(t, 10);
    }
done:
    return token(t, LK_NUMBER, text, len);
}

static void scratch_rune(sql_tokenizer_t *t, uint32_t r)
{
    char enc[4];
    obf_buf_append(&t->scratch, enc, encode_utf8(r, enc));
}

static bool scratch_is_blank(const sql_tokenizer_t *t)
{
    const unsigned char *s = (const unsigned char *)t->scratch.data;
    size_t i = 0, n = t->scratch.len;
    while (i < n) {
        uint32_t r;
        unsigned k = decode_utf8(s + i, n - i, &r);
        if (k == 0 || !sql_is_space(r)) {
            return false;
        }
        i += k;
    }
    return true;
}

/* The scan starts on the first character after the opening delimiter. */
static int scan_string(sql_tokenizer_t *t, uint32_t delim, int kind, const char **text, size_t *len)
{
    t->scratch.len = 0;
    for (;;) {
        uint32_t ch = t->last;
        advance(t);
        if (ch == delim) {
            if (t->last != delim) {
                break;
            }
            advance(t); /* a doubled delimiter stands for one */
        } else if (ch == '\\') {
            t->seen_escape = true;
            if (!t->literal_escapes) {
                ch = t->last;
                advance(t);
            }
        }
        if (ch == LK_END) {
            set_err(t, "unexpected EOF in string");
            return LK_LEX_ERROR;
        }
        scratch_rune(t, ch);
    }
    t->start = t->off - t->lastlen;
    if (t->scratch.failed) {
        set_err(t, "out of memory");
        return LK_LEX_ERROR;
    }
    if (t->scratch.len == 0 || scratch_is_blank(t)) {
        /* Keeps the delimiters, so an empty identifier does not vanish. */
        t->scratch.len = 0;
        obf_buf_putc(&t->scratch, (char)delim);
        obf_buf_putc(&t->scratch, (char)delim);
    }
    *text = t->scratch.data;
    *len = t->scratch.len;
    return kind;
}

static int scan_dollar_quoted(sql_tokenizer_t *t, const char **text, size_t *len)
{
    const char *tag;
    size_t taglen;
    if (scan_string(t, '$', LK_STRING, &tag, &taglen) == LK_LEX_ERROR) {
        return LK_LEX_ERROR;
    }
    /* The tag sits in scratch, which the body reuses: copy the delimiter aside. */
    char small[64];
    char *delim = small;
    size_t dlen = taglen == 2 && tag[0] == '$' && tag[1] == '$' ? 2 : taglen + 2;
    if (dlen > sizeof(small) && (delim = malloc(dlen)) == NULL) {
        set_err(t, "out of memory");
        return LK_LEX_ERROR;
    }
    if (dlen == 2) {
        memcpy(delim, "$$", 2);
    } else {
        delim[0] = '$';
        memcpy(delim + 1, tag, taglen);
        delim[dlen - 1] = '$';
    }
    t->scratch.len = 0;
    size_t got = 0;
    int kind = LK_DOLLAR_STRING;
    for (;;) {
        uint32_t ch = t->last;
        advance(t);
        if (ch == LK_END) {
            set_err(t, "unexpected EOF in dollar-quoted string");
            kind = LK_LEX_ERROR;
            break;
        }
        /* Upstream compares the character truncated to a byte, and does not re-examine the
         * character that breaks a partial match. */
        if ((unsigned char)(ch & 0xFF) == (unsigned char)delim[got]) {
            if (++got == dlen) {
                break;
            }
            continue;
        }
        if (got > 0) {
            obf_buf_append(&t->scratch, delim, got);
            got = 0;
        }
        scratch_rune(t, ch);
    }
    if (kind != LK_LEX_ERROR && dlen == 6 && memcmp(delim, "$func$", 6) == 0) {
        kind = LK_DOLLAR_FUNC;
    }
    if (delim != small) {
        free(delim);
    }
    if (kind == LK_LEX_ERROR) {
        return kind;
    }
    if (t->scratch.failed) {
        set_err(t, "out of memory");
        return LK_LEX_ERROR;
    }
    t->start = t->off - t->lastlen;
    *text = t->scratch.data != NULL ? t->scratch.data : "";
    *len = t->scratch.len;
    return kind;
}

static int scan_comment_line(sql_tokenizer_t *t, const char **text, size_t *len)
{
    while (t->last != LK_END) {
        if (t->last == '\n') {
            advance(t);
            break;
        }
        advance(t);
    }
    return token(t, LK_COMMENT, text, len);
}

static int scan_comment_block(sql_tokenizer_t *t, const char **text, size_t *len)
{
    for (;;) {
        if (t->last == '*') {
            advance(t);
            if (t->last == '/') {
                advance(t);
                break;
            }
            continue;
        }
        if (t->last == LK_END) {
            set_err(t, "unexpected EOF in comment");
            return LK_LEX_ERROR;
        }
        advance(t);
    }
    return token(t, LK_COMMENT, text, len);
}

static int scan_bind_var(sql_tokenizer_t *t, const char **text, size_t *len)
{
    if (!is_letter(t->last) && !is_digit(t->last)) {
        char c[5];
        set_err(t, "bind variables should start with letters or digits, got \"%s\" (%u)",
                char_text(t->last, c), (unsigned)t->last);
        return LK_LEX_ERROR;
    }
    while (is_letter(t->last) || is_digit(t->last) || t->last == '.') {
        advance(t);
    }
    return token(t, LK_VALUE_ARG, text, len);
}

static int scan_variable(sql_tokenizer_t *t, const char **text, size_t *len)
{
    for (advance(t); t->last != ')' && t->last != LK_END; advance(t)) {
    }
    advance(t);
    if (!is_letter(t->last)) {
        char c[5];
        set_err(t, "invalid character after variable identifier: \"%s\" (%u)",
                char_text(t->last, c), (unsigned)t->last);
        return LK_LEX_ERROR;
    }
    advance(t);
    return token(t, LK_VARIABLE, text, len);
}

static int scan_escape_sequence(sql_tokenizer_t *t, const char **text, size_t *len)
{
    while (t->last != '}') {
        if (t->last == LK_END) {
            set_err(t, "unexpected EOF in escape sequence");
            return LK_LEX_ERROR;
        }
        advance(t);
    }
    advance(t);
    return token(t, LK_ESCAPE_SEQ, text, len);
}

/* Consumes the current character as the second (third) of an operator. */
static int op(sql_tokenizer_t *t, int kind, const char **text, size_t *len)
{
    advance(t);
    return token(t, kind, text, len);
}

static bool valid_after_not(uint32_t r)
{
    return r == '(' || r == '`' || r == '\'' || r == '"' || r == '+' || r == '-' ||
           sql_is_space(r) || is_letter(r) || is_digit(r);
}

static int scan_operator(sql_tokenizer_t *t, uint32_t ch, const char **text, size_t *len)
{
    bool pg = t->dialect == SQL_DIALECT_POSTGRES, ms = t->dialect == SQL_DIALECT_MSSQL;
    char c[5];
    switch (ch) {
    case ':':
        if (t->last == ':') {
            return op(t, LK_COLON_CAST, text, len);
        }
        if (sql_is_space(t->last) || t->last == '=') {
            return token(t, ':', text, len);
        }
        return scan_bind_var(t, text, len);
    case '~':
        return t->last == '*' ? op(t, LK_REGEX_CI, text, len) : token(t, '~', text, len);
    case '?':
        if (pg) {
            if (t->last == '|') {
                return op(t, LK_JSON_ANY_KEYS_EXIST, text, len);
            }
            if (t->last == '&') {
                return op(t, LK_JSON_ALL_KEYS_EXIST, text, len);
            }
            return token(t, LK_JSON_KEY_EXISTS, text, len);
        }
        return token(t, '?', text, len);
    case '=': case ',': case ';': case '(': case ')': case '+': case '*': case '&': case '|':
    case '^': case ']':
        return token(t, (int)ch, text, len);
    case '[':
        return ms ? scan_string(t, ']', LK_DQ_STRING, text, len) : token(t, '[', text, len);
    case '.':
        return is_digit(t->last) ? scan_number(t, true, text, len) : token(t, '.', text, len);
    case '/':
        if (t->last == '/') {
            advance(t);
            return scan_comment_line(t, text, len);
        }
        if (t->last == '*') {
            advance(t);
            return scan_comment_block(t, text, len);
        }
        return token(t, '/', text, len);
    case '-':
        if (t->last == '-') {
            advance(t);
            return scan_comment_line(t, text, len);
        }
        if (t->last == '>' && pg) {
            advance(t);
            return t->last == '>' ? op(t, LK_JSON_SELECT_TEXT, text, len)
                                  : token(t, LK_JSON_SELECT, text, len);
        }
        if (t->last == '>' || is_digit(t->last)) {
            /* Upstream quirk kept: outside postgres, the `-` of `->` is a "number". */
            return scan_number(t, false, text, len);
        }
        if (t->last == '.') {
            advance(t);
            if (is_digit(t->last)) {
                return scan_number(t, true, text, len);
            }
            /* Not a number: step back onto the '.', which starts the next token. */
            t->off -= t->lastlen;
            t->pos -= t->lastlen != 0 ? t->lastlen : 1;
            t->last = '.';
            t->lastlen = 1;
        }
        return token(t, '-', text, len);
    case '#':
        if (ms) {
            return scan_identifier(t, text, len);
        }
        if (pg) {
            if (t->last == '>') {
                advance(t);
                return t->last == '>' ? op(t, LK_JSON_SELECT_PATH_TEXT, text, len)
                                      : token(t, LK_JSON_SELECT_PATH, text, len);
            }
            if (t->last == '-') {
                return op(t, LK_JSON_DELETE_PATH, text, len);
            }
            return token(t, '#', text, len);
        }
        /* Upstream skips the character after '#' before looking for the newline. */
        advance(t);
        return scan_comment_line(t, text, len);
    case '<':
        if (t->last == '>') {
            return op(t, LK_NE, text, len);
        }
        if (t->last == '=') {
            advance(t);
            return t->last == '>' ? op(t, LK_NULL_SAFE_EQUAL, text, len) : token(t, LK_LE, text, len);
        }
        if (t->last == '@' && pg) {
            return op(t, LK_JSON_CONTAINS_LEFT, text, len);
        }
        return token(t, '<', text, len);
    case '>':
        return t->last == '=' ? op(t, LK_GE, text, len) : token(t, '>', text, len);
    case '!':
        if (t->last == '=') {
            return op(t, LK_NE, text, len);
        }
        if (t->last == '~') {
            advance(t);
            return t->last == '*' ? op(t, LK_NOT_REGEX_CI, text, len) : token(t, LK_NOT_REGEX, text, len);
        }
        if (valid_after_not(t->last)) {
            return token(t, LK_NOT, text, len);
        }
        set_err(t, "unexpected char \"%s\" (%u) after \"!\"", char_text(t->last, c), (unsigned)t->last);
        return LK_LEX_ERROR;
    case '\'':
        return scan_string(t, '\'', LK_STRING, text, len);
    case '"':
        return scan_string(t, '"', LK_DQ_STRING, text, len);
    case '`':
        return scan_string(t, '`', LK_ID, text, len);
    case '%':
        if (t->last == '(') {
            return scan_variable(t, text, len);
        }
        if (is_letter(t->last)) {
            return op(t, LK_VARIABLE, text, len); /* a format parameter like %s */
        }
        return token(t, '%', text, len);
    case '$':
        if (is_digit(t->last)) {
            scan_number(t, false, text, len);
            return LK_PREPARED;
        }
        if (ms && is_letter(t->last)) {
            return scan_identifier(t, text, len);
        }
        return scan_dollar_quoted(t, text, len);
    case '@': /* only reached in postgres, where '@' is an operator */
        return t->last == '>' ? op(t, LK_JSON_CONTAINS, text, len) : token(t, '@', text, len);
    case '{':
        if (t->pos == 1 || t->curlys > 0) {
            /* The first brace of the query opens an ODBC escape like {call ...}. */
            t->curlys++;
            return token(t, '{', text, len);
        }
        return scan_escape_sequence(t, text, len);
    case '}':
        if (t->curlys == 0) {
            set_err(t, "unexpected byte %u", (unsigned)ch);
            return LK_LEX_ERROR;
        }
        t->curlys--;
        return token(t, '}', text, len);
    default:
        set_err(t, "unexpected byte %u", (unsigned)ch);
        return LK_LEX_ERROR;
    }
}

int sql_tokenizer_scan(sql_tokenizer_t *t, const char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    if (!t->started) {
        advance(t);
    }
    while (sql_is_space(t->last)) {
        advance(t);
    }
    t->start = t->off - t->lastlen;
    uint32_t ch = t->last;
    if (ch == LK_END) {
        if (!t->has_err) {
            return LK_END;
        }
    } else if (is_leading_letter(ch) && !(t->dialect == SQL_DIALECT_POSTGRES && ch == '@')) {
        return scan_identifier(t, text, len);
    } else if (is_digit(ch)) {
        return scan_number(t, false, text, len);
    }
    if (t->has_err) {
        return LK_LEX_ERROR;
    }
    advance(t);
    if (t->last == LK_END && t->has_err) {
        return LK_LEX_ERROR;
    }
    return scan_operator(t, ch, text, len);
}

void sql_tokenizer_init(sql_tokenizer_t *t, const char *query, size_t len, sql_dialect_t dialect,
                        bool literal_escapes)
{
    memset(t, 0, sizeof(*t));
    t->buf = (const unsigned char *)query;
    t->len = len;
    t->dialect = dialect;
    t->literal_escapes = literal_escapes;
}

void sql_tokenizer_free(sql_tokenizer_t *t)
{
    obf_buf_free(&t->scratch);
}
