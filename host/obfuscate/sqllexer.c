/* Entry point of the go-sqllexer modes (sqllexer.h) and the small containers they share:
 * the growable buffer, the distinct-string set and Go's TrimSpace. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sqllexer_internal.h"

sqllexer_dbms_t sqllexer_dbms_from_name(const char *dbms)
{
    static const struct {
        const char *name;
        sqllexer_dbms_t dbms;
    } names[] = {
        {"postgresql", SQLLEXER_DBMS_POSTGRESQL}, {"postgres", SQLLEXER_DBMS_POSTGRESQL},
        {"mssql", SQLLEXER_DBMS_MSSQL},           {"sqlserver", SQLLEXER_DBMS_MSSQL},
        {"sql-server", SQLLEXER_DBMS_MSSQL},      {"mysql", SQLLEXER_DBMS_MYSQL},
        {"oracle", SQLLEXER_DBMS_ORACLE},         {"snowflake", SQLLEXER_DBMS_SNOWFLAKE},
    };
    if (dbms == NULL) {
        return SQLLEXER_DBMS_GENERIC;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(dbms, names[i].name) == 0) {
            return names[i].dbms;
        }
    }
    return SQLLEXER_DBMS_GENERIC;
}

bool sqlbuf_reserve(sqlbuf_t *b, size_t extra)
{
    if (b->oom) {
        return false;
    }
    if (extra <= b->cap - b->len) {
        return true;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void sqlbuf_append(sqlbuf_t *b, const char *p, size_t n)
{
    if (n && sqlbuf_reserve(b, n)) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    }
}

void sqlbuf_putc(sqlbuf_t *b, char c)
{
    if (sqlbuf_reserve(b, 1)) {
        b->data[b->len++] = c;
    }
}

void sqlbuf_free(sqlbuf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static size_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    }
    return (size_t)(h ^ (h >> 29));
}

/* The slot of p[0, n): where it is, or the empty slot where it would go. */
static size_t set_slot(const sqlset_t *s, const char *p, size_t n)
{
    size_t mask = s->nslots - 1;
    size_t i = hash_bytes(p, n) & mask;
    while (s->slots[i] != 0) {
        size_t k = s->slots[i] - 1;
        if (s->lens[k] == n && memcmp(s->items[k], p, n) == 0) {
            break;
        }
        i = (i + 1) & mask;
    }
    return i;
}

static bool set_grow(sqlset_t *s)
{
    size_t nslots = s->nslots ? s->nslots * 2 : 16;
    size_t *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL) {
        return false;
    }
    free(s->slots);
    s->slots = slots;
    s->nslots = nslots;
    for (size_t k = 0; k < s->count; k++) {
        size_t i = set_slot(s, s->items[k], s->lens[k]);
        s->slots[i] = k + 1;
    }
    return true;
}

bool sqlset_contains(const sqlset_t *s, const char *p, size_t n)
{
    return s->nslots != 0 && s->slots[set_slot(s, p, n)] != 0;
}

bool sqlset_add(sqlset_t *s, const char *p, size_t n)
{
    if (s->oom) {
        return false;
    }
    if (sqlset_contains(s, p, n)) {
        return true;
    }
    /* Load factor at most 1/2 keeps probes short. */
    if ((s->count + 1) * 2 > s->nslots && !set_grow(s)) {
        s->oom = true;
        return false;
    }
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **items = realloc(s->items, cap * sizeof *items);
        if (items == NULL) {
            s->oom = true;
            return false;
        }
        s->items = items;
        size_t *lens = realloc(s->lens, cap * sizeof *lens);
        if (lens == NULL) {
            s->oom = true;
            return false;
        }
        s->lens = lens;
        s->cap = cap;
    }
    char *copy = malloc(n + 1);
    if (copy == NULL) {
        s->oom = true;
        return false;
    }
    memcpy(copy, p, n);
    copy[n] = '\0';
    s->items[s->count] = copy;
    s->lens[s->count++] = n;
    s->slots[set_slot(s, p, n)] = s->count;
    s->bytes += n;
    return true;
}

void sqlset_free(sqlset_t *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->items[i]);
    }
    free(s->items);
    free(s->lens);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

/* Byte length of the Unicode white space character at p[0, n) (Go's unicode.IsSpace), or 0. */
static size_t space_at(const unsigned char *p, size_t n)
{
    if (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')) {
        return 1;
    }
    if (n >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0)) {
        return 2;
    }
    if (n >= 3 && p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) { /* U+1680 */
        return 3;
    }
    if (n >= 3 && p[0] == 0xE2 && p[1] == 0x80 &&
        (p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF) && p[2] >= 0x80) {
        return 3; /* U+2000..200A, U+2028, U+2029, U+202F */
    }
    if (n >= 3 && p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) { /* U+205F */
        return 3;
    }
    if (n >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
        return 3;
    }
    return 0;
}

/* Byte length of the white space character ending at p[n), or 0. */
static size_t space_before(const unsigned char *p, size_t n)
{
    for (size_t k = 1; k <= 3 && k <= n; k++) {
        if (space_at(p + n - k, k) == k) {
            return k;
        }
    }
    return 0;
}

const char *sqllexer_trim_space(const char *p, size_t *n)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t len = *n, k;
    while (len && (k = space_at(u, len)) != 0) {
        u += k;
        len -= k;
    }
    while (len && (k = space_before(u, len)) != 0) {
        len -= k;
    }
    *n = len;
    return (const char *)u;
}

static bool set_error(char **error, const char *text)
{
    /* malloc, not strdup: the tests count this allocation through a malloc wrapper. */
    if (error != NULL) {
        size_t n = strlen(text) + 1;
        *error = malloc(n);
        if (*error != NULL) {
            memcpy(*error, text, n);
        }
    }
    return false;
}

static void take_list(sqlset_t *s, sqllexer_list_t *list)
{
    list->items = s->items;
    list->count = s->count;
    s->items = NULL;
    s->count = 0;
    sqlset_free(s);
}

int sqllexer_run(const char *query, size_t len, sqllexer_mode_t mode, const sqllexer_config_t *cfg,
                 sqllexer_result_t *out, char **error)
{
    if (error != NULL) {
        *error = NULL;
    }
    if (out == NULL || cfg == NULL || (query == NULL && len != 0) ||
        (mode != SQLLEXER_OBFUSCATE_ONLY && mode != SQLLEXER_NORMALIZE_ONLY &&
         mode != SQLLEXER_OBFUSCATE_AND_NORMALIZE)) {
        set_error(error, "sqllexer: invalid arguments");
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (query == NULL) {
        query = "";
    }
    sqlbuf_t buf = {0};
    sqlmeta_t meta = {0};
    bool ok;
    if (mode == SQLLEXER_OBFUSCATE_ONLY) {
        ok = sqlobf_run(cfg, query, len, &buf);
    } else {
        ok = sqlnorm_run(cfg, query, len, mode == SQLLEXER_OBFUSCATE_AND_NORMALIZE, &buf, &meta);
    }
    sqlbuf_putc(&buf, '\0');
    ok = ok && !buf.oom && !meta.tables.oom && !meta.commands.oom && !meta.comments.oom &&
         !meta.procedures.oom && !meta.ctes.oom;
    if (!ok) {
        sqlbuf_free(&buf);
        sqlset_free(&meta.tables);
        sqlset_free(&meta.commands);
        sqlset_free(&meta.comments);
        sqlset_free(&meta.procedures);
        sqlset_free(&meta.ctes);
        set_error(error, "sqllexer: out of memory");
        return -1;
    }
    out->query = buf.data;
    out->size = meta.tables.bytes + meta.commands.bytes + meta.comments.bytes +
                meta.procedures.bytes;
    take_list(&meta.tables, &out->tables);
    take_list(&meta.commands, &out->commands);
    take_list(&meta.comments, &out->comments);
    take_list(&meta.procedures, &out->procedures);
    sqlset_free(&meta.ctes);
    return 0;
}

static void free_list(sqllexer_list_t *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i]);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

void sqllexer_result_free(sqllexer_result_t *r)
{
    if (r == NULL) {
        return;
    }
    free(r->query);
    free_list(&r->tables);
    free_list(&r->commands);
    free_list(&r->comments);
    free_list(&r->procedures);
    memset(r, 0, sizeof *r);
}
