/* The legacy SQL tokenizer (spec obfuscation.md §2.1-§2.5, §2.9): splits a query into
 * (kind, text) tokens the way the Agent's pkg/obfuscate tokenizer does, including its error
 * texts and its position counter.
 * Thread-safety: a tokenizer belongs to one call; the functions touch no global state (the
 * process-wide escape flag is read by the caller and passed in), so they run on any thread
 * without the GIL. */
#ifndef RTLOADER_HOST_OBFUSCATE_SQL_TOKENIZER_H
#define RTLOADER_HOST_OBFUSCATE_SQL_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Token kinds. Single-character tokens use their character code; the named kinds keep the
 * upstream numbering (it shows in one error text, §1.5). */
enum {
    LK_LEX_ERROR = 57346,
    LK_ID,
    LK_LIMIT,
    LK_NULL,
    LK_STRING,
    LK_DQ_STRING,
    LK_DOLLAR_STRING,
    LK_DOLLAR_FUNC,
    LK_NUMBER,
    LK_BOOLEAN,
    LK_VALUE_ARG,
    LK_LIST_ARG,
    LK_COMMENT,
    LK_VARIABLE,
    LK_SAVEPOINT,
    LK_PREPARED,
    LK_ESCAPE_SEQ,
    LK_NULL_SAFE_EQUAL,
    LK_LE,
    LK_GE,
    LK_NE,
    LK_NOT,
    LK_AS,
    LK_ALTER,
    LK_DROP,
    LK_CREATE,
    LK_GRANT,
    LK_REVOKE,
    LK_COMMIT,
    LK_BEGIN,
    LK_TRUNCATE,
    LK_SELECT,
    LK_FROM,
    LK_UPDATE,
    LK_DELETE,
    LK_INSERT,
    LK_INTO,
    LK_JOIN,
    LK_TABLE_NAME,
    LK_COLON_CAST,
    LK_JSON_SELECT,
    LK_JSON_SELECT_TEXT,
    LK_JSON_SELECT_PATH,
    LK_JSON_SELECT_PATH_TEXT,
    LK_JSON_DELETE_PATH,
    LK_JSON_CONTAINS,
    LK_JSON_CONTAINS_LEFT,
    LK_JSON_KEY_EXISTS,
    LK_JSON_ANY_KEYS_EXIST,
    LK_JSON_ALL_KEYS_EXIST,
    LK_REGEX_CI,
    LK_NOT_REGEX,
    LK_NOT_REGEX_CI,
    LK_FILTERED_GROUPABLE,
    LK_FILTERED_GROUPABLE_PAREN,
    LK_FILTERED,
    LK_FILTERED_BRACKETED,
    LK_END = 0x110000 /* end of input; also the "character" read past the end */
};

typedef enum { SQL_DIALECT_GENERIC, SQL_DIALECT_POSTGRES, SQL_DIALECT_MSSQL } sql_dialect_t;

typedef struct {
    const unsigned char *buf;
    size_t len;
    size_t off;       /* byte index just after the last character read */
    size_t start;     /* where the token being scanned starts */
    uint32_t last;    /* last character read, LK_END past the end or on bad UTF-8 */
    unsigned lastlen; /* its byte length (0 for LK_END) */
    long pos;         /* the upstream position counter of §2.9 */
    bool started;
    unsigned curlys; /* open top-level { of an ODBC escape */
    sql_dialect_t dialect;
    bool literal_escapes, seen_escape;
    bool has_err;
    char err[128];
    obf_buf_t scratch; /* unquoted string contents; reused for every token */
} sql_tokenizer_t;

void sql_tokenizer_init(sql_tokenizer_t *t, const char *query, size_t len, sql_dialect_t dialect,
                        bool literal_escapes);
void sql_tokenizer_free(sql_tokenizer_t *t);

/* The next token: its kind (LK_END when done, LK_LEX_ERROR with t->err set on error) and its
 * text, valid until the next call. */
int sql_tokenizer_scan(sql_tokenizer_t *t, const char **text, size_t *len);

/* Unicode classes the tokenizer uses (Go's unicode package semantics). */
bool sql_is_space(uint32_t r);
bool sql_is_unicode_letter(uint32_t r);

#endif
