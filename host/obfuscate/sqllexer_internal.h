/* Internals shared by the files of the go-sqllexer modes (sqllexer.h): token kinds, the
 * lexer, the growable byte buffer, the distinct-string lists of the metadata, and the
 * obfuscator and normaliser entry points. Nothing here is thread-shared: each run owns its
 * state, so all of it may be used without the GIL. */
#ifndef RTLOADER_HOST_OBFUSCATE_SQLLEXER_INTERNAL_H
#define RTLOADER_HOST_OBFUSCATE_SQLLEXER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "sqllexer.h"

typedef enum {
    SQLTOK_EOF,
    SQLTOK_WS,
    SQLTOK_STRING,
    SQLTOK_INCOMPLETE_STRING,
    SQLTOK_NUMBER,
    SQLTOK_IDENT,
    SQLTOK_QUOTED_IDENT,
    SQLTOK_OPERATOR,
    SQLTOK_WILDCARD,
    SQLTOK_COMMENT,
    SQLTOK_MULTILINE_COMMENT,
    SQLTOK_PUNCTUATION,
    SQLTOK_DOLLAR_QUOTED_FUNCTION,
    SQLTOK_DOLLAR_QUOTED_STRING,
    SQLTOK_POSITIONAL_PARAMETER,
    SQLTOK_BIND_PARAMETER,
    SQLTOK_FUNCTION,
    SQLTOK_SYSTEM_VARIABLE,
    SQLTOK_UNKNOWN,
    SQLTOK_COMMAND,
    SQLTOK_KEYWORD,
    SQLTOK_JSON_OP,
    SQLTOK_BOOLEAN,
    SQLTOK_NULL,
    SQLTOK_PROC_INDICATOR,
    SQLTOK_CTE_INDICATOR,
    SQLTOK_ALIAS_INDICATOR,
    SQLTOK_ERROR
} sqltok_type_t;

/* A token is a slice of the input: no copy is made while lexing. */
typedef struct {
    sqltok_type_t type;
    size_t start, len;
    bool table_indicator; /* FROM INTO TABLE EXISTS ONLY JOIN UPDATE STRAIGHT_JOIN CLONE */
} sqltok_t;

typedef struct {
    const char *src;
    size_t len, pos;
    sqllexer_dbms_t dbms;
} sqllexer_lexer_t;

void sqllexer_lexer_init(sqllexer_lexer_t *lx, const char *src, size_t len, sqllexer_dbms_t dbms);
/* The next token; SQLTOK_EOF (len 0) at the end, and again on every later call.
 * Every other token has len >= 1, so a run over n bytes yields at most n tokens. */
void sqllexer_next(sqllexer_lexer_t *lx, sqltok_t *tok);

static inline bool sqltok_is_value(sqltok_type_t t)
{
    return t != SQLTOK_WS && t != SQLTOK_COMMENT && t != SQLTOK_MULTILINE_COMMENT &&
           t != SQLTOK_EOF;
}

/* Growable output: doubles its capacity, so appends are amortised O(1). On allocation
 * failure `oom` is set and later appends are ignored; the run then reports the failure. */
typedef struct {
    char *data;
    size_t len, cap;
    bool oom;
} sqlbuf_t;

bool sqlbuf_reserve(sqlbuf_t *b, size_t extra);
void sqlbuf_append(sqlbuf_t *b, const char *p, size_t n);
void sqlbuf_putc(sqlbuf_t *b, char c);
void sqlbuf_free(sqlbuf_t *b);

/* Distinct strings in first-seen order with a hash index, so that adding n items costs
 * O(n) whatever their number (fuzzed inputs hold millions of names). */
typedef struct {
    char **items;
    size_t *lens;  /* byte length of each item (a comment may hold a NUL byte) */
    size_t count, cap;
    size_t *slots; /* index + 1 of an item, 0 = empty; nslots is a power of two */
    size_t nslots;
    size_t bytes;  /* total length of the items */
    bool oom;
} sqlset_t;

/* Adds a copy of p[0, n) unless present; returns false only on allocation failure. */
bool sqlset_add(sqlset_t *s, const char *p, size_t n);
bool sqlset_contains(const sqlset_t *s, const char *p, size_t n);
void sqlset_free(sqlset_t *s);

/* Go's strings.TrimSpace: trims ASCII and Unicode white space at both ends of p[0, *n). */
const char *sqllexer_trim_space(const char *p, size_t *n);

/* Obfuscator state carried from one token to the next. */
typedef struct {
    sqltok_type_t last_type; /* last value token (neither space nor comment) */
    int extract;             /* 1: the last value token was EXTRACT(...); 2: then its "(" */
} sqlobf_state_t;

/* The obfuscated text of one token: a slice of the input, a static "?", or text built in
 * *scratch (reset first). Updates *st. Returns false on allocation failure. */
bool sqlobf_token(const sqllexer_config_t *cfg, sqlobf_state_t *st, const char *src,
                  const sqltok_t *tok, sqlbuf_t *scratch, const char **text, size_t *len);

/* obfuscate_only over src[0, len): appends the (trimmed) result to *out. */
bool sqlobf_run(const sqllexer_config_t *cfg, const char *src, size_t len, sqlbuf_t *out);

/* Metadata being collected by a normalising run. */
typedef struct {
    sqlset_t tables, commands, comments, procedures, ctes;
} sqlmeta_t;

/* normalize_only (obfuscate = false) or obfuscate_and_normalize over src[0, len): appends
 * the result to *out and collects into *meta (NULL: collect nothing). */
bool sqlnorm_run(const sqllexer_config_t *cfg, const char *src, size_t len, bool obfuscate,
                 sqlbuf_t *out, sqlmeta_t *meta);

#endif
