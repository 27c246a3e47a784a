/*
 * options.c - decoding the obfuscate_sql options (spec obfuscation.md §1.2) with jansson.
 *
 * jansson parses; Go's decoder rules are applied on top: the text is first run through the
 * Go-grammar scanner so syntax errors carry Go's messages (jansson's differ), then each
 * member of the object is matched to a field exactly or by Go's case folding, in document
 * order, so the last matching member wins.
 *
 * Checks send the same options text with every query, so each thread keeps the last text
 * it decoded successfully with its result (a memo that cannot change results: same text,
 * same decoding); parsing would otherwise cost more than obfuscating a short query.
 */
#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "options.h"

typedef enum { FIELD_BOOL, FIELD_STRING } field_kind_t;

typedef struct {
    const char *name;
    field_kind_t kind;
    size_t offset;      /* of the bool, or of the char * */
    size_t len_offset;  /* strings: of the length */
} field_t;

#define BOOL_FIELD(f) {#f, FIELD_BOOL, offsetof(obf_sql_options_t, f), 0}
#define STRING_FIELD(f) {#f, FIELD_STRING, offsetof(obf_sql_options_t, f), offsetof(obf_sql_options_t, f##_len)}

static const field_t fields[] = {
    STRING_FIELD(dbms),
    BOOL_FIELD(table_names),
    BOOL_FIELD(collect_commands),
    BOOL_FIELD(collect_comments),
    BOOL_FIELD(collect_procedures),
    BOOL_FIELD(replace_digits),
    BOOL_FIELD(keep_sql_alias),
    BOOL_FIELD(dollar_quoted_func),
    BOOL_FIELD(return_json_metadata),
    STRING_FIELD(obfuscation_mode),
    BOOL_FIELD(remove_space_between_parentheses),
    BOOL_FIELD(keep_null),
    BOOL_FIELD(keep_boolean),
    BOOL_FIELD(keep_positional_parameter),
    BOOL_FIELD(keep_trailing_semicolon),
    BOOL_FIELD(keep_identifier_quotation),
    BOOL_FIELD(keep_json_path),
};

/* Go's case folding for these ASCII names: letters match either case, and 'k' / 's' also
 * match the KELVIN SIGN (E2 84 AA) and LATIN SMALL LETTER LONG S (C5 BF). */
static bool fold_equal(const char *name, const char *key, size_t n)
{
    size_t i = 0;
    for (; *name != '\0'; name++) {
        char c = *name;
        if (i < n && (key[i] == c || (c >= 'a' && c <= 'z' && key[i] == c - 32))) {
            i++;
        } else if (c == 'k' && n - i >= 3 && memcmp(key + i, "\xE2\x84\xAA", 3) == 0) {
            i += 3;
        } else if (c == 's' && n - i >= 2 && memcmp(key + i, "\xC5\xBF", 2) == 0) {
            i += 2;
        } else {
            return false;
        }
    }
    return i == n;
}

static const field_t *find_field(const char *key, size_t n)
{
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (strlen(fields[i].name) == n && memcmp(fields[i].name, key, n) == 0) {
            return &fields[i];
        }
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (fold_equal(fields[i].name, key, n)) {
            return &fields[i];
        }
    }
    return NULL;
}

/* Go's name for a JSON value in "cannot unmarshal X". */
static const char *go_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER:
    case JSON_REAL: return "number";
    default: return "bool";
    }
}

static char *dup_error(const char *fmt, const char *a, const char *b, const char *c)
{
    char msg[256];
    snprintf(msg, sizeof(msg), fmt, a, b, c);
    return strdup(msg);
}

static int set_string(char **dst, size_t *dst_len, const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (copy == NULL) {
        return -1;
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    free(*dst);
    *dst = copy;
    *dst_len = n;
    return 0;
}

static int apply_member(obf_sql_options_t *o, const field_t *f, json_t *v, char **first_error)
{
    char *base = (char *)o;
    if (json_is_null(v)) {
        return 0;
    }
    bool ok = f->kind == FIELD_BOOL ? json_is_boolean(v) : json_is_string(v);
    if (!ok) {
        /* Go keeps decoding and reports the first mismatch at the end. */
        if (*first_error == NULL) {
            *first_error = dup_error("json: cannot unmarshal %s into Go struct field sqlConfig.%s of type %s",
                                     go_kind(v), f->name, f->kind == FIELD_BOOL ? "bool" : "string");
        }
        return 0;
    }
    if (f->kind == FIELD_BOOL) {
        *(bool *)(base + f->offset) = json_is_true(v);
        return 0;
    }
    return set_string((char **)(base + f->offset), (size_t *)(base + f->len_offset), json_string_value(v),
                      json_string_length(v));
}

typedef struct {
    char *text;
    size_t len;
    obf_sql_options_t opts;
} options_memo_t;

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;
static bool memo_ok;

static void memo_free(void *p)
{
    options_memo_t *m = p;
    free(m->text);
    obf_sql_options_free(&m->opts);
    free(m);
}

static void memo_init(void)
{
    memo_ok = pthread_key_create(&memo_key, memo_free) == 0;
}

static int copy_options(obf_sql_options_t *dst, const obf_sql_options_t *src)
{
    *dst = *src;
    dst->dbms = dst->obfuscation_mode = NULL;
    return set_string(&dst->dbms, &dst->dbms_len, src->dbms, src->dbms_len) != 0 ||
                   set_string(&dst->obfuscation_mode, &dst->obfuscation_mode_len, src->obfuscation_mode,
                              src->obfuscation_mode_len) != 0
               ? -1
               : 0;
}

static int decode(const char *text, size_t len, obf_sql_options_t *o, char **error);

int obf_sql_options_decode(const char *text, size_t len, obf_sql_options_t *o, char **error)
{
    pthread_once(&memo_once, memo_init);
    options_memo_t *m = memo_ok ? pthread_getspecific(memo_key) : NULL;
    if (m != NULL && text != NULL && m->len == len && memcmp(m->text, text, len) == 0) {
        *error = NULL;
        if (copy_options(o, &m->opts) != 0) {
            *error = strdup("out of memory");
            return -1;
        }
        return 0;
    }
    int rc = decode(text, len, o, error);
    if (rc != 0 || !memo_ok || text == NULL || len == 0) {
        return rc;
    }
    /* Remember this text; failing to is harmless. */
    if (m == NULL && (m = calloc(1, sizeof(*m))) != NULL && pthread_setspecific(memo_key, m) != 0) {
        free(m);
        m = NULL;
    }
    if (m != NULL) {
        char *copy = malloc(len);
        obf_sql_options_t opts;
        if (copy != NULL && copy_options(&opts, o) == 0) {
            memcpy(copy, text, len);
            free(m->text);
            obf_sql_options_free(&m->opts);
            m->text = copy;
            m->len = len;
            m->opts = opts;
        } else {
            if (copy != NULL) {
                obf_sql_options_free(&opts);
            }
            free(copy);
        }
    }
    return 0;
}

static int decode(const char *text, size_t len, obf_sql_options_t *o, char **error)
{
    memset(o, 0, sizeof(*o));
    *error = NULL;
    if (set_string(&o->dbms, &o->dbms_len, "", 0) != 0 ||
        set_string(&o->obfuscation_mode, &o->obfuscation_mode_len, "", 0) != 0) {
        *error = strdup("out of memory");
        return -1;
    }
    if (text == NULL || len == 0) {
        return 0;
    }
    char msg[128];
    if (!json_scan_valid(text, len, msg, sizeof(msg))) {
        *error = strdup(msg);
        return -1;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (root == NULL) {
        /* Valid for Go but not for jansson: invalid UTF-8, a number out of range, or nesting
         * deeper than jansson's limit. */
        *error = dup_error("json: %s%s%s", jerr.text, "", "");
        return -1;
    }
    int rc = 0;
    if (json_is_object(root)) {
        const char *key;
        size_t key_len;
        json_t *v;
        json_object_keylen_foreach(root, key, key_len, v) {
            const field_t *f = find_field(key, key_len);
            if (f != NULL && apply_member(o, f, v, error) != 0) {
                free(*error);
                *error = strdup("out of memory");
                rc = -1;
                break;
            }
        }
        if (*error != NULL) {
            rc = -1;
        }
    } else if (!json_is_null(root)) {
        *error = dup_error("json: cannot unmarshal %s into Go value of type python.sqlConfig%s%s", go_kind(root),
                           "", "");
        rc = -1;
    }
    json_decref(root);
    return rc;
}

void obf_sql_options_free(obf_sql_options_t *o)
{
    free(o->dbms);
    free(o->obfuscation_mode);
    memset(o, 0, sizeof(*o));
}
