/*
 * yaml_load.c - libyaml's event stream turned into value trees.
 *
 * Events rather than libyaml's document model: the document model gives an
 * untagged plain scalar the same tag as an explicit `!!str`, so `!!str 12`
 * could not stay a string.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "yaml_load.h"

/* Aliases may share nodes; expanding them is bounded (a "billion laughs"
 * document must not exhaust memory). */
#define MAX_NODES 1000000
#define MAX_DEPTH 200
/* Text (strings and keys) that alias copies may add: the node budget alone
 * lets a few KB of YAML expand a long string a million times. */
#define MAX_COPIED_BYTES (64 * 1024 * 1024)

struct anchor {
    struct anchor *next;
    char *name;
    const struct value *node; /* owned by the tree being built */
};

struct loader {
    yaml_parser_t *parser;
    const char *name;
    char *error;
    size_t nodes;
    size_t copied_bytes;
    struct anchor *anchors;
    struct value *merged; /* merge sources: anchors may still point into them */
};

static void set_error(struct loader *l, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(struct loader *l, int line, const char *fmt, ...)
{
    if (l->error != NULL) {
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t len = strlen(l->name) + strlen(msg) + 32;
    l->error = malloc(len);
    if (l->error != NULL) {
        snprintf(l->error, len, "%s:%d: %s", l->name, line, msg);
    }
}

static bool is_one_of(const char *s, const char *const *words)
{
    for (; *words != NULL; words++) {
        if (strcmp(s, *words) == 0) {
            return true;
        }
    }
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                         "on",   "On",   "ON",   NULL};
static const char *const false_words[] = {"false", "False", "FALSE", "no", "No", "NO",
                                          "off",   "Off",   "OFF",   NULL};

/* Integer per YAML 1.1: decimal, 0x hex, 0b binary, 0o or leading-0 octal; '_' separators. */
static bool parse_int(const char *s, long long *out)
{
    char digits[64];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '_') {
            continue;
        }
        if (n + 1 >= sizeof(digits)) {
            return false;
        }
        digits[n++] = *p;
    }
    digits[n] = '\0';
    const char *d = digits;
    int base = 10;
    bool negative = false;
    if (*d == '-' || *d == '+') {
        negative = *d == '-';
        d++;
    }
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
        base = 16;
        d += 2;
    } else if (d[0] == '0' && d[1] == 'b') {
        base = 2;
        d += 2;
    } else if (d[0] == '0' && d[1] == 'o') {
        base = 8;
        d += 2;
    } else if (d[0] == '0' && d[1] != '\0') {
        base = 8; /* YAML 1.1, as PyYAML: 017 is 15; 019 is no integer */
        d += 1;
    }
    if (*d == '\0') {
        return false;
    }
    for (const char *p = d; *p; p++) {
        bool ok = base == 16 ? strchr("0123456789abcdefABCDEF", *p) != NULL
                             : (*p >= '0' && *p < '0' + base);
        if (!ok) {
            return false;
        }
    }
    errno = 0;
    char *end = NULL;
    unsigned long long magnitude = strtoull(d, &end, base);
    if (errno != 0 || *end != '\0' || magnitude > (unsigned long long)LLONG_MAX + negative) {
        return false;
    }
    *out = negative ? (long long)(0ULL - magnitude) : (long long)magnitude;
    return true;
}

/* Float per YAML 1.1: a dot is required, or one of .inf/.nan. */
static bool parse_float(const char *s, double *out)
{
    const char *body = (*s == '-' || *s == '+') ? s + 1 : s;
    if (strcasecmp(body, ".inf") == 0) {
        *out = *s == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (strcasecmp(s, ".nan") == 0) {
        *out = NAN;
        return true;
    }
    if (strchr(s, '.') == NULL || strpbrk(s, "0123456789") == NULL) {
        return false;
    }
    for (const char *p = s; *p; p++) {
        if (strchr("0123456789.eE+-_", *p) == NULL) {
            return false;
        }
    }
    errno = 0;
    char *end = NULL;
    double d = strtod(s, &end);
    if (errno != 0 || *end != '\0') {
        return false;
    }
    *out = d;
    return true;
}

/* A plain, untagged scalar resolved as PyYAML's safe loader does. */
static struct value *resolve_plain(const char *text, int line)
{
    struct value *v = NULL;
    long long integer;
    double number;
    if (is_one_of(text, null_words)) {
        v = value_new(VALUE_NULL, line);
    } else if (is_one_of(text, true_words) || is_one_of(text, false_words)) {
        if ((v = value_new(VALUE_BOOL, line)) != NULL) {
            v->u.boolean = is_one_of(text, true_words);
        }
    } else if (parse_int(text, &integer)) {
        if ((v = value_new(VALUE_INT, line)) != NULL) {
            v->u.integer = integer;
        }
    } else if (parse_float(text, &number)) {
        if ((v = value_new(VALUE_FLOAT, line)) != NULL) {
            v->u.number = number;
        }
    } else {
        v = value_new_string(text, line);
    }
    return v;
}

static struct value *load_scalar(struct loader *l, yaml_event_t *ev, int line)
{
    const char *text = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    struct value *v = NULL;
    if (tag == NULL || strcmp(tag, "!") == 0) {
        /* "!" is the non-specific tag: a string, as are all quoted and block scalars */
        bool plain = tag == NULL && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        v = plain ? resolve_plain(text, line) : value_new_string(text, line);
    } else if (strcmp(tag, YAML_STR_TAG) == 0) {
        v = value_new_string(text, line);
    } else if (strcmp(tag, YAML_INT_TAG) == 0 || strcmp(tag, YAML_FLOAT_TAG) == 0
               || strcmp(tag, YAML_BOOL_TAG) == 0 || strcmp(tag, YAML_NULL_TAG) == 0) {
        v = resolve_plain(text, line);
        enum value_type want = strcmp(tag, YAML_INT_TAG) == 0     ? VALUE_INT
                               : strcmp(tag, YAML_FLOAT_TAG) == 0 ? VALUE_FLOAT
                               : strcmp(tag, YAML_BOOL_TAG) == 0  ? VALUE_BOOL
                                                                  : VALUE_NULL;
        if (v != NULL && v->type == VALUE_INT && want == VALUE_FLOAT) {
            double d = (double)v->u.integer;
            v->type = VALUE_FLOAT;
            v->u.number = d;
        } else if (v != NULL && v->type != want) {
            set_error(l, line, "'%s' is not a valid %s", text, tag);
            value_free(v);
            return NULL;
        }
    } else {
        set_error(l, line, "unsupported tag %s (only the standard ones of a safe loader)", tag);
        return NULL;
    }
    if (v == NULL) {
        set_error(l, line, "out of memory");
    }
    return v;
}

static bool next_event(struct loader *l, yaml_event_t *ev)
{
    if (yaml_parser_parse(l->parser, ev)) {
        return true;
    }
    set_error(l, (int)l->parser->problem_mark.line + 1, "%s%s%s",
              l->parser->problem != NULL ? l->parser->problem : "invalid YAML",
              l->parser->context != NULL ? " " : "",
              l->parser->context != NULL ? l->parser->context : "");
    return false;
}

/* Charges n bytes of copied text to the budget; false (with the error) past it. */
static bool charge_bytes(struct loader *l, size_t n, int line)
{
    l->copied_bytes += n;
    if (l->copied_bytes > MAX_COPIED_BYTES) {
        set_error(l, line, "document too large (more than %d bytes of text once aliases are "
                           "expanded)",
                  MAX_COPIED_BYTES);
        return false;
    }
    return true;
}

/*
 * A deep copy for an alias, landing at `depth`: counted against the node
 * budget, the text budget and the depth limit (an alias of a deep node, used
 * deep, nests deeper than either part alone).
 */
static struct value *copy_node(struct loader *l, const struct value *src, int line, int depth)
{
    if (++l->nodes > MAX_NODES) {
        set_error(l, line, "document too large (more than %d nodes once aliases are expanded)",
                  MAX_NODES);
        return NULL;
    }
    if (depth > MAX_DEPTH) {
        set_error(l, line, "document nested deeper than %d levels once aliases are expanded",
                  MAX_DEPTH);
        return NULL;
    }
    struct value *v = NULL;
    switch (src->type) {
    case VALUE_STRING:
        if (!charge_bytes(l, strlen(src->u.string), line)) {
            return NULL;
        }
        v = value_new_string(src->u.string, src->line);
        break;
    case VALUE_LIST:
    case VALUE_MAP:
        v = value_new(src->type, src->line);
        for (size_t i = 0; v != NULL && i < src->u.children.count; i++) {
            if (src->type == VALUE_MAP && !charge_bytes(l, strlen(src->u.children.keys[i]), line)) {
                value_free(v);
                return NULL;
            }
            struct value *item = copy_node(l, src->u.children.items[i], line, depth + 1);
            if (item == NULL || !value_append(v, src->type == VALUE_MAP ? src->u.children.keys[i]
                                                                        : NULL,
                                              item)) {
                value_free(item);
                value_free(v);
                return NULL;
            }
        }
        break;
    default:
        if ((v = value_new(src->type, src->line)) != NULL) {
            v->u = src->u;
        }
    }
    if (v == NULL) {
        set_error(l, line, "out of memory");
    }
    return v;
}

static bool remember_anchor(struct loader *l, const yaml_char_t *name, const struct value *node)
{
    if (name == NULL) {
        return true;
    }
    struct anchor *a = malloc(sizeof(*a));
    if (a == NULL || (a->name = strdup((const char *)name)) == NULL) {
        free(a);
        return false;
    }
    a->node = node;
    a->next = l->anchors;
    l->anchors = a;
    return true;
}

static struct value *load_node(struct loader *l, yaml_event_t *ev, int depth);

/*
 * The keys of a map while merges are applied (open addressing), so that
 * merging n keys costs O(n) rather than O(n * keys of the map). Holds
 * pointers to the map's own key strings.
 */
struct keyset {
    const char **slots;
    size_t cap, count; /* cap: 0 or a power of two */
};

static size_t key_hash(const char *s)
{
    size_t h = (size_t)14695981039346656037ULL;
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
    }
    return h;
}

static bool keyset_contains(const struct keyset *ks, const char *key)
{
    if (ks->cap == 0) {
        return false;
    }
    for (size_t i = key_hash(key) & (ks->cap - 1); ks->slots[i] != NULL;
         i = (i + 1) & (ks->cap - 1)) {
        if (strcmp(ks->slots[i], key) == 0) {
            return true;
        }
    }
    return false;
}

static void keyset_put(const char **slots, size_t cap, const char *key)
{
    size_t i = key_hash(key) & (cap - 1);
    while (slots[i] != NULL) {
        i = (i + 1) & (cap - 1);
    }
    slots[i] = key;
}

/* Adds a key absent from the set; false when out of memory. */
static bool keyset_add(struct keyset *ks, const char *key)
{
    if (2 * (ks->count + 1) > ks->cap) {
        size_t cap = ks->cap != 0 ? 2 * ks->cap : 16;
        const char **slots = calloc(cap, sizeof(*slots));
        if (slots == NULL) {
            return false;
        }
        for (size_t i = 0; i < ks->cap; i++) {
            if (ks->slots[i] != NULL) {
                keyset_put(slots, cap, ks->slots[i]);
            }
        }
        free(ks->slots);
        ks->slots = slots;
        ks->cap = cap;
    }
    keyset_put(ks->slots, ks->cap, key);
    ks->count++;
    return true;
}

/*
 * `<<: *base` (or a list of maps): copies the keys the map does not set
 * itself; `depth` is the map's, `keys` holds its keys.
 */
static bool merge_into(struct loader *l, struct value *map, struct keyset *keys,
                       const struct value *src, int line, int depth)
{
    if (src->type == VALUE_LIST) {
        for (size_t i = 0; i < src->u.children.count; i++) {
            if (!merge_into(l, map, keys, src->u.children.items[i], line, depth)) {
                return false;
            }
        }
        return true;
    }
    if (src->type != VALUE_MAP) {
        set_error(l, line, "a merge key ('<<') needs a map or a list of maps");
        return false;
    }
    for (size_t i = 0; i < src->u.children.count; i++) {
        const char *key = src->u.children.keys[i];
        if (keyset_contains(keys, key)) {
            continue;
        }
        if (!charge_bytes(l, strlen(key), line)) {
            return false;
        }
        struct value *item = copy_node(l, src->u.children.items[i], line, depth + 1);
        if (item == NULL) {
            return false;
        }
        if (!value_append(map, key, item)
            || !keyset_add(keys, map->u.children.keys[map->u.children.count - 1])) {
            value_free(item);
            set_error(l, line, "out of memory");
            return false;
        }
    }
    return true;
}

static struct value *load_collection(struct loader *l, yaml_event_t *start, int depth)
{
    bool is_map = start->type == YAML_MAPPING_START_EVENT;
    int line = (int)start->start_mark.line + 1;
    yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    struct value *v = value_new(is_map ? VALUE_MAP : VALUE_LIST, line);
    /* merge sources ('<<'), applied at the end: the map's own keys win */
    const struct value **merges = NULL;
    size_t merge_count = 0;
    if (v == NULL) {
        set_error(l, line, "out of memory");
        return NULL;
    }
    for (;;) {
        yaml_event_t ev;
        if (!next_event(l, &ev)) {
            goto fail;
        }
        if (ev.type == end) {
            yaml_event_delete(&ev);
            break;
        }
        char *key = NULL;
        bool merge = false;
        if (is_map) {
            if (ev.type != YAML_SCALAR_EVENT) {
                set_error(l, (int)ev.start_mark.line + 1, "mapping keys must be scalars");
                yaml_event_delete(&ev);
                goto fail;
            }
            key = strdup((const char *)ev.data.scalar.value);
            merge = ev.data.scalar.tag == NULL && ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                    && strcmp(key != NULL ? key : "", "<<") == 0;
            yaml_event_delete(&ev);
            if (key == NULL || !next_event(l, &ev)) {
                free(key);
                goto fail;
            }
        }
        int item_line = (int)ev.start_mark.line + 1;
        struct value *item = load_node(l, &ev, depth + 1);
        bool ok = item != NULL;
        if (ok && merge) {
            /* kept alive until the end: anchors may point into it */
            const struct value **grown = realloc(merges, (merge_count + 1) * sizeof(*grown));
            ok = grown != NULL && value_append(l->merged, NULL, item);
            if (grown != NULL) {
                merges = grown;
            }
            if (ok) {
                merges[merge_count++] = item;
            } else {
                value_free(item);
                set_error(l, item_line, "out of memory");
            }
        } else if (ok && !value_append(v, key, item)) {
            value_free(item);
            set_error(l, item_line, "out of memory");
            ok = false;
        }
        free(key);
        if (!ok) {
            goto fail;
        }
    }
    if (merge_count > 0) {
        /* the map's own keys, a repeated one once */
        struct keyset keys = {NULL, 0, 0};
        bool ok = true;
        for (size_t i = 0; ok && i < v->u.children.count; i++) {
            const char *key = v->u.children.keys[i];
            ok = keyset_contains(&keys, key) || keyset_add(&keys, key);
        }
        if (!ok) {
            set_error(l, line, "out of memory");
        }
        for (size_t i = 0; ok && i < merge_count; i++) {
            ok = merge_into(l, v, &keys, merges[i], line, depth);
        }
        free(keys.slots);
        if (!ok) {
            goto fail;
        }
    }
    free(merges);
    return v;

fail:
    free(merges);
    value_free(v);
    return NULL;
}

/* Builds the node that starts with `ev` (consumed). */
static struct value *load_node(struct loader *l, yaml_event_t *ev, int depth)
{
    int line = (int)ev->start_mark.line + 1;
    struct value *v = NULL;
    const yaml_char_t *anchor = NULL;
    if (++l->nodes > MAX_NODES) {
        set_error(l, line, "document too large (more than %d nodes once aliases are expanded)",
                  MAX_NODES);
    } else if (depth > MAX_DEPTH) {
        set_error(l, line, "document nested deeper than %d levels", MAX_DEPTH);
    } else if (ev->type == YAML_SCALAR_EVENT) {
        anchor = ev->data.scalar.anchor;
        v = load_scalar(l, ev, line);
    } else if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
        anchor = ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor
                                                       : ev->data.mapping_start.anchor;
        v = load_collection(l, ev, depth);
    } else if (ev->type == YAML_ALIAS_EVENT) {
        const struct anchor *a = l->anchors;
        while (a != NULL && strcmp(a->name, (const char *)ev->data.alias.anchor) != 0) {
            a = a->next;
        }
        if (a == NULL) {
            set_error(l, line, "unknown alias *%s", (const char *)ev->data.alias.anchor);
        } else {
            v = copy_node(l, a->node, line, depth);
        }
    } else {
        set_error(l, line, "unexpected YAML event");
    }
    if (v != NULL && anchor != NULL && !remember_anchor(l, anchor, v)) {
        set_error(l, line, "out of memory");
        value_free(v);
        v = NULL;
    }
    yaml_event_delete(ev);
    return v;
}

static struct value *load_with(yaml_parser_t *parser, const char *name, char **error)
{
    struct loader l = {.parser = parser, .name = name, .merged = value_new(VALUE_LIST, 0)};
    struct value *result = NULL;
    if (l.merged == NULL) {
        *error = strdup("out of memory");
        return NULL;
    }
    yaml_event_t ev;
    /* stream start, then the first document's start, or the end of an empty stream */
    while (result == NULL && l.error == NULL && next_event(&l, &ev)) {
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            result = value_new(VALUE_NULL, 1);
            break;
        }
        if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        result = load_node(&l, &ev, 0);
    }
    while (l.anchors != NULL) {
        struct anchor *next = l.anchors->next;
        free(l.anchors->name);
        free(l.anchors);
        l.anchors = next;
    }
    value_free(l.merged);
    if (result == NULL && l.error == NULL) {
        set_error(&l, 1, "out of memory");
    }
    if (l.error != NULL) {
        value_free(result);
        result = NULL;
    }
    *error = l.error;
    return result;
}

struct value *yaml_load_file(const char *path, char **error)
{
    *error = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        size_t len = strlen(path) + 128;
        if ((*error = malloc(len)) != NULL) {
            snprintf(*error, len, "%s: cannot open: %s", path, strerror(errno));
        }
        return NULL;
    }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    struct value *v = load_with(&parser, path, error);
    yaml_parser_delete(&parser);
    fclose(f);
    return v;
}

struct value *yaml_load_string(const char *text, const char *name, char **error)
{
    *error = NULL;
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    struct value *v = load_with(&parser, name, error);
    yaml_parser_delete(&parser);
    return v;
}
