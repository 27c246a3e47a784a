/* The go-sqllexer v0.2.4 lexer (spec obfuscation.md §3.2): splits raw bytes into tokens that
 * are offsets into the input; never allocates, never fails, never reads past src[len). */
#include <pthread.h>
#include <string.h>

#include "sqllexer_internal.h"
#include "utf8.h"

/* Keywords, upper case (sorted only for the reader). */
typedef struct {
    const char *word;
    sqltok_type_t type;
    bool table_indicator;
} keyword_t;

#define CMD(w) {w, SQLTOK_COMMAND, false}
#define KW(w) {w, SQLTOK_KEYWORD, false}
static const keyword_t keywords[] = {
    KW("ADD"), KW("ALL"), CMD("ALTER"), KW("ANALYZE"), KW("AND"), KW("ANY"),
    {"AS", SQLTOK_ALIAS_INDICATOR, false}, KW("ASC"), KW("ASSERTION"), CMD("BEGIN"), KW("BETWEEN"),
    KW("BY"), KW("CASE"), KW("CHECK"), {"CLONE", SQLTOK_COMMAND, true}, KW("CLUSTER"), KW("COLUMN"),
    CMD("COMMIT"), KW("CONSTRAINT"), KW("COPY"), CMD("CREATE"), KW("CUBE"), KW("DATABASE"),
    KW("DECLARE"), KW("DEFAULT"), CMD("DELETE"), KW("DESC"), KW("DISTINCT"), KW("DOMAIN"),
    CMD("DROP"), KW("ELSE"), KW("END"), KW("ESCAPE"), CMD("EXEC"), CMD("EXECUTE"),
    {"EXISTS", SQLTOK_KEYWORD, true}, CMD("EXPLAIN"), {"FALSE", SQLTOK_BOOLEAN, false},
    KW("FOREIGN"), {"FROM", SQLTOK_KEYWORD, true}, CMD("GRANT"), KW("GROUP"), KW("HAVING"),
    KW("IF"), KW("ILIKE"), KW("IN"), KW("INDEX"), KW("INNER"), CMD("INSERT"),
    {"INTO", SQLTOK_KEYWORD, true}, KW("IS"), {"JOIN", SQLTOK_COMMAND, true}, KW("KEY"),
    KW("LATERAL"), KW("LEFT"), KW("LIKE"), KW("LIMIT"), KW("LITERAL"), CMD("MERGE"), KW("NOT"),
    {"NULL", SQLTOK_NULL, false}, KW("OF"), KW("OFFSET"), KW("ON"), {"ONLY", SQLTOK_KEYWORD, true},
    KW("OR"), KW("ORDER"), KW("OUT"), KW("OUTER"), KW("PLPGSQL"), KW("PRIMARY"),
    {"PROC", SQLTOK_PROC_INDICATOR, false}, {"PROCEDURE", SQLTOK_PROC_INDICATOR, false},
    KW("RECURSIVE"), KW("REPLACE"), KW("RETURNING"), KW("RETURNS"), CMD("REVOKE"), KW("RIGHT"),
    KW("ROLLBACK"), KW("ROLLUP"), KW("ROWNUM"), CMD("SELECT"), KW("SET"), KW("SKIP"), KW("SOME"),
    {"STRAIGHT_JOIN", SQLTOK_COMMAND, true}, {"TABLE", SQLTOK_KEYWORD, true}, KW("TEMPORARY"),
    KW("TOP"), KW("TRIGGER"), {"TRUE", SQLTOK_BOOLEAN, false}, CMD("TRUNCATE"), KW("UNION"),
    KW("UNIQUE"), KW("UNLOGGED"), {"UPDATE", SQLTOK_COMMAND, true}, CMD("USE"), KW("USING"),
    CMD("VACUUM"), KW("VALUES"), KW("VIEW"), KW("WHERE"), KW("WINDOW"),
    {"WITH", SQLTOK_CTE_INDICATOR, false},
};
#undef CMD
#undef KW
#define MAX_KEYWORD_LEN 13 /* STRAIGHT_JOIN */

/* Keyword lookup is on the hot path (every word of every query): an open-addressing hash
 * table over the upper-cased word, built once (pthread_once: immutable afterwards, so
 * lock-free readers on any thread), instead of a binary search of string compares. */
#define KEYWORD_SLOTS 512 /* a power of two, over 4x the keywords: probes stay short */
static unsigned char keyword_slots[KEYWORD_SLOTS]; /* index + 1 into keywords; 0 = empty */
static pthread_once_t keyword_once = PTHREAD_ONCE_INIT;

static unsigned keyword_hash(const char *up, size_t n)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)up[i]) * 16777619u;
    }
    return h & (KEYWORD_SLOTS - 1);
}

static void build_keyword_slots(void)
{
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
        unsigned i = keyword_hash(keywords[k].word, strlen(keywords[k].word));
        while (keyword_slots[i] != 0) {
            i = (i + 1) & (KEYWORD_SLOTS - 1);
        }
        keyword_slots[i] = (unsigned char)(k + 1);
    }
}

static const keyword_t *find_keyword(const char *p, size_t n)
{
    char up[MAX_KEYWORD_LEN];
    if (n < 2 || n > MAX_KEYWORD_LEN) {
        return NULL;
    }
    pthread_once(&keyword_once, build_keyword_slots);
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        up[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    for (unsigned i = keyword_hash(up, n); keyword_slots[i] != 0; i = (i + 1) & (KEYWORD_SLOTS - 1)) {
        const keyword_t *kw = &keywords[keyword_slots[i] - 1];
        if (strncmp(kw->word, up, n) == 0 && kw->word[n] == '\0') {
            return kw;
        }
    }
    return NULL;
}

/* Length of the valid UTF-8 multi-byte sequence at p[0, n), or 0 when it is not one.
 * Every non-ASCII character counts as a letter: the library asks unicode.IsLetter, which
 * would need Unicode tables; the difference only shows for non-ASCII symbols and spaces,
 * which then stay inside identifiers instead of being UNKNOWN (docs/sqllexer.md). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    uint32_t cp;
    return obf_utf8_decode(p, n, &cp);
}

static bool is_ascii_letter(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

static bool is_space(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_punct(unsigned c)
{
    return c == '(' || c == ')' || c == ',' || c == ';' || c == '.' || c == '[' || c == ']' ||
           c == '{' || c == '}';
}

static bool is_operator(unsigned c)
{
    return c == '+' || c == '-' || c == '*' || c == '/' || c == '=' || c == '<' || c == '>' ||
           c == '!' || c == '&' || c == '|' || c == '^' || c == '%' || c == '~' || c == '?' ||
           c == '@' || c == ':' || c == '#';
}

/* Byte length of the letter at pos (ASCII letter, '_' or a non-ASCII character), else 0. */
static size_t letter_at(const sqllexer_lexer_t *lx, size_t pos)
{
    if (pos >= lx->len) {
        return 0;
    }
    unsigned c = (unsigned char)lx->src[pos];
    if (c < 0x80) {
        return is_ascii_letter(c) ? 1 : 0;
    }
    return utf8_len((const unsigned char *)lx->src + pos, lx->len - pos);
}

static size_t alnum_at(const sqllexer_lexer_t *lx, size_t pos)
{
    if (pos < lx->len && is_digit((unsigned char)lx->src[pos])) {
        return 1;
    }
    return letter_at(lx, pos);
}

/* The byte at pos, or -1 past the end. */
static int at(const sqllexer_lexer_t *lx, size_t pos)
{
    return pos < lx->len ? (unsigned char)lx->src[pos] : -1;
}

static void emit(sqllexer_lexer_t *lx, sqltok_t *tok, sqltok_type_t type, size_t start)
{
    tok->type = type;
    tok->start = start;
    tok->len = lx->pos - start;
    tok->table_indicator = false;
}

/* The rest of the input as one token (unterminated constructs, §3.6). */
static void emit_rest(sqllexer_lexer_t *lx, sqltok_t *tok, sqltok_type_t type, size_t start)
{
    lx->pos = lx->len;
    emit(lx, tok, type, start);
}

static bool keyword_terminator(const sqllexer_lexer_t *lx, size_t pos)
{
    int c = at(lx, pos);
    if (c < 0) {
        return true;
    }
    if (is_space((unsigned)c) || is_punct((unsigned)c) || c == ':') {
        return true;
    }
    return c == '/' && at(lx, pos + 1) == '*';
}

static void scan_identifier(sqllexer_lexer_t *lx, sqltok_t *tok)
{
    size_t start = lx->pos;
    /* Only a word of ASCII letters can be a keyword. */
    size_t end = start;
    while (end < lx->len && is_ascii_letter((unsigned char)lx->src[end])) {
        end++;
    }
    if (end > start && keyword_terminator(lx, end)) {
        const keyword_t *kw = find_keyword(lx->src + start, end - start);
        if (kw != NULL) {
            lx->pos = end;
            emit(lx, tok, kw->type, start);
            tok->table_indicator = kw->table_indicator;
            return;
        }
    }
    /* The first character is consumed whatever it is ('#', '$', '@' start some dialects'
     * identifiers), then the identifier characters. */
    size_t first = letter_at(lx, lx->pos);
    lx->pos += first ? first : 1;
    while (lx->pos < lx->len) {
        unsigned c = (unsigned char)lx->src[lx->pos];
        size_t n = c < 0x80 ? (is_ascii_letter(c) || is_digit(c) || c == '"' || c == '.' ||
                               c == '?' || c == '$' || c == '#' || c == '/' || c == '@' ||
                               c == '!')
                            : letter_at(lx, lx->pos);
        if (n == 0) {
            break;
        }
        lx->pos += n;
    }
    emit(lx, tok, at(lx, lx->pos) == '(' ? SQLTOK_FUNCTION : SQLTOK_IDENT, start);
}

/* "x", `x` (mysql) or [x] (mssql); "a"."b" continues the same token. */
static void scan_quoted_identifier(sqllexer_lexer_t *lx, sqltok_t *tok, char open)
{
    size_t start = lx->pos;
    char close = open == '[' ? ']' : open;
    lx->pos++;
    for (;;) {
        const char *q = lx->pos < lx->len ? memchr(lx->src + lx->pos, close, lx->len - lx->pos)
                                          : NULL;
        if (q == NULL) {
            emit_rest(lx, tok, SQLTOK_ERROR, start);
            return;
        }
        lx->pos = (size_t)(q - lx->src) + 1;
        if (at(lx, lx->pos) == '.' && at(lx, lx->pos + 1) == open) {
            lx->pos += 2;
            continue;
        }
        break;
    }
    emit(lx, tok, SQLTOK_QUOTED_IDENT, start);
}

/* 'x' (and "x" in mysql). A backslash escapes the next byte except in mssql and oracle. */
static void scan_string(sqllexer_lexer_t *lx, sqltok_t *tok, char quote)
{
    size_t start = lx->pos;
    bool backslash = lx->dbms != SQLLEXER_DBMS_MSSQL && lx->dbms != SQLLEXER_DBMS_ORACLE;
    lx->pos++;
    while (lx->pos < lx->len) {
        char c = lx->src[lx->pos];
        if (c == '\\' && backslash) {
            lx->pos += 2;
            continue;
        }
        lx->pos++;
        if (c == quote) {
            emit(lx, tok, SQLTOK_STRING, start);
            return;
        }
    }
    emit_rest(lx, tok, SQLTOK_INCOMPLETE_STRING, start);
}

static void scan_line_comment(sqllexer_lexer_t *lx, sqltok_t *tok)
{
    size_t start = lx->pos;
    const char *nl = memchr(lx->src + lx->pos, '\n', lx->len - lx->pos);
    lx->pos = nl ? (size_t)(nl - lx->src) : lx->len;
    emit(lx, tok, SQLTOK_COMMENT, start);
}

static void scan_block_comment(sqllexer_lexer_t *lx, sqltok_t *tok)
{
    size_t start = lx->pos;
    const char *end = NULL;
    if (lx->len - lx->pos > 2) {
        end = memmem(lx->src + lx->pos + 2, lx->len - lx->pos - 2, "*/", 2);
    }
    if (end == NULL) {
        emit_rest(lx, tok, SQLTOK_ERROR, start);
        return;
    }
    lx->pos = (size_t)(end - lx->src) + 2;
    emit(lx, tok, SQLTOK_MULTILINE_COMMENT, start);
}

static bool is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* From lx->pos (a digit, or the '.' after a sign): hex 0x..., octal 0[0-7]..., else digits,
 * dots and exponents. The caller set `start` (before any sign). */
static void scan_number(sqllexer_lexer_t *lx, sqltok_t *tok, size_t start)
{
    int c = at(lx, lx->pos);
    if (c == '0' && (at(lx, lx->pos + 1) == 'x' || at(lx, lx->pos + 1) == 'X')) {
        lx->pos += 2;
        while (is_hex(at(lx, lx->pos))) {
            lx->pos++;
        }
    } else if (c == '0' && at(lx, lx->pos + 1) >= '0' && at(lx, lx->pos + 1) <= '7') {
        lx->pos++;
        while (at(lx, lx->pos) >= '0' && at(lx, lx->pos) <= '7') {
            lx->pos++;
        }
    } else {
        lx->pos++;
        for (;;) {
            c = at(lx, lx->pos);
            if (c == 'e' || c == 'E') {
                lx->pos++;
                if (at(lx, lx->pos) == '+' || at(lx, lx->pos) == '-') {
                    lx->pos++;
                }
            } else if (c >= 0 && (is_digit((unsigned)c) || c == '.')) {
                lx->pos++;
            } else {
                break;
            }
        }
    }
    emit(lx, tok, SQLTOK_NUMBER, start);
}

/* $tag$ ... $tag$ where the tag is everything up to the next '$'. */
static void scan_dollar_quoted(sqllexer_lexer_t *lx, sqltok_t *tok)
{
    size_t start = lx->pos;
    const char *tag_end = lx->pos + 1 < lx->len
                              ? memchr(lx->src + lx->pos + 1, '$', lx->len - lx->pos - 1)
                              : NULL;
    if (tag_end == NULL) {
        emit_rest(lx, tok, SQLTOK_ERROR, start);
        return;
    }
    size_t body = (size_t)(tag_end - lx->src) + 1;
    size_t tag_len = body - start;
    const char *close = body < lx->len
                            ? memmem(lx->src + body, lx->len - body, lx->src + start, tag_len)
                            : NULL;
    if (close == NULL) {
        emit_rest(lx, tok, SQLTOK_ERROR, start);
        return;
    }
    lx->pos = (size_t)(close - lx->src) + tag_len;
    bool func = tag_len == 6 && memcmp(lx->src + start, "$func$", 6) == 0;
    emit(lx, tok, func ? SQLTOK_DOLLAR_QUOTED_FUNCTION : SQLTOK_DOLLAR_QUOTED_STRING, start);
}

/* `skip` leading bytes (':', '@', '@@'), then letters and digits. */
static void scan_word_after(sqllexer_lexer_t *lx, sqltok_t *tok, size_t skip, sqltok_type_t type)
{
    size_t start = lx->pos;
    lx->pos += skip;
    size_t n;
    while ((n = alnum_at(lx, lx->pos)) != 0) {
        lx->pos += n;
    }
    emit(lx, tok, type, start);
}

static void scan_operator(sqllexer_lexer_t *lx, sqltok_t *tok)
{
    size_t start = lx->pos;
    int first = at(lx, lx->pos);
    int next = at(lx, lx->pos + 1);
    size_t json = 0;
    if (first == '-' && next == '>') {
        json = at(lx, lx->pos + 2) == '>' ? 3 : 2;
    } else if (first == '#' && next == '>') {
        json = at(lx, lx->pos + 2) == '>' ? 3 : 2;
    } else if ((first == '#' && next == '-') || (first == '?' && (next == '|' || next == '&')) ||
               (first == '<' && next == '@')) {
        json = 2;
    }
    if (json) {
        lx->pos += json;
        emit(lx, tok, SQLTOK_JSON_OP, start);
        return;
    }
    int last = first;
    lx->pos++;
    for (;;) {
        int c = at(lx, lx->pos);
        if (c < 0 || !is_operator((unsigned)c) || (last == '=' && (c == '?' || c == '@'))) {
            break;
        }
        last = c;
        lx->pos++;
    }
    emit(lx, tok, SQLTOK_OPERATOR, start);
}

static void scan_at(sqllexer_lexer_t *lx, sqltok_t *tok)
{
    int next = at(lx, lx->pos + 1);
    if (next == '@') {
        if (alnum_at(lx, lx->pos + 2)) {
            scan_word_after(lx, tok, 2, SQLTOK_SYSTEM_VARIABLE);
        } else {
            size_t start = lx->pos;
            lx->pos += 2;
            emit(lx, tok, SQLTOK_JSON_OP, start);
        }
    } else if (alnum_at(lx, lx->pos + 1)) {
        if (lx->dbms == SQLLEXER_DBMS_SNOWFLAKE) {
            scan_identifier(lx, tok);
        } else {
            scan_word_after(lx, tok, 1, SQLTOK_BIND_PARAMETER);
        }
    } else if (next == '?' || next == '>') {
        size_t start = lx->pos;
        lx->pos += 2;
        emit(lx, tok, SQLTOK_JSON_OP, start);
    } else {
        scan_operator(lx, tok);
    }
}

static void scan_dollar(sqllexer_lexer_t *lx, sqltok_t *tok)
{
    int next = at(lx, lx->pos + 1);
    if (next >= '0' && next <= '9') {
        size_t start = lx->pos;
        lx->pos++;
        while (at(lx, lx->pos) >= '0' && at(lx, lx->pos) <= '9') {
            lx->pos++;
        }
        emit(lx, tok, SQLTOK_POSITIONAL_PARAMETER, start);
    } else if (lx->dbms == SQLLEXER_DBMS_MSSQL && letter_at(lx, lx->pos + 1)) {
        scan_identifier(lx, tok);
    } else {
        scan_dollar_quoted(lx, tok);
    }
}

void sqllexer_lexer_init(sqllexer_lexer_t *lx, const char *src, size_t len, sqllexer_dbms_t dbms)
{
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
    lx->dbms = dbms;
}

void sqllexer_next(sqllexer_lexer_t *lx, sqltok_t *tok)
{
    size_t start = lx->pos;
    if (start >= lx->len) {
        emit(lx, tok, SQLTOK_EOF, lx->len);
        return;
    }
    unsigned c = (unsigned char)lx->src[start];
    int next = at(lx, start + 1);
    if (is_space(c)) {
        while (lx->pos < lx->len && is_space((unsigned char)lx->src[lx->pos])) {
            lx->pos++;
        }
        emit(lx, tok, SQLTOK_WS, start);
    } else if (letter_at(lx, start)) {
        scan_identifier(lx, tok);
    } else if (c == '"') {
        if (lx->dbms == SQLLEXER_DBMS_MYSQL) {
            scan_string(lx, tok, '"');
        } else {
            scan_quoted_identifier(lx, tok, '"');
        }
    } else if (c == '\'') {
        scan_string(lx, tok, '\'');
    } else if (c == '-' && next == '-') {
        scan_line_comment(lx, tok);
    } else if (c == '/' && next == '*') {
        scan_block_comment(lx, tok);
    } else if ((c == '+' || c == '-') && (next == '.' || (next >= '0' && next <= '9'))) {
        lx->pos++;
        scan_number(lx, tok, start);
    } else if (is_digit(c)) {
        scan_number(lx, tok, start);
    } else if (c == '*') {
        lx->pos++;
        emit(lx, tok, SQLTOK_WILDCARD, start);
    } else if (c == '$') {
        scan_dollar(lx, tok);
    } else if (c == ':' && lx->dbms == SQLLEXER_DBMS_ORACLE && alnum_at(lx, start + 1)) {
        scan_word_after(lx, tok, 1, SQLTOK_BIND_PARAMETER);
    } else if (c == '`') {
        if (lx->dbms == SQLLEXER_DBMS_MYSQL) {
            scan_quoted_identifier(lx, tok, '`');
        } else {
            lx->pos++;
            emit(lx, tok, SQLTOK_UNKNOWN, start);
        }
    } else if (c == '#' && lx->dbms == SQLLEXER_DBMS_MSSQL) {
        scan_identifier(lx, tok);
    } else if (c == '#' && lx->dbms == SQLLEXER_DBMS_MYSQL) {
        scan_line_comment(lx, tok);
    } else if (c == '@') {
        scan_at(lx, tok);
    } else if (is_operator(c)) {
        scan_operator(lx, tok);
    } else if (c == '[' && lx->dbms == SQLLEXER_DBMS_MSSQL) {
        scan_quoted_identifier(lx, tok, '[');
    } else if (is_punct(c)) {
        lx->pos++;
        emit(lx, tok, SQLTOK_PUNCTUATION, start);
    } else {
        lx->pos++;
        emit(lx, tok, SQLTOK_UNKNOWN, start);
    }
}
