/*
 * yaml_load.c - libyaml's document model turned into value trees.
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

struct loader {
    yaml_document_t *doc;
    const char *name;
    char *error;
    size_t nodes;
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

/* Integer per YAML 1.1 (decimal, 0x hex, 0o octal; '_' separators allowed). */
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
    } else if (d[0] == '0' && d[1] == 'o') {
        base = 8;
        d += 2;
    }
    if (*d == '\0') {
        return false;
    }
    for (const char *p = d; *p; p++) {
        bool ok = base == 16 ? strchr("0123456789abcdefABCDEF", *p) != NULL
                             : (*p >= '0' && *p < (base == 8 ? '8' : ':'));
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

static struct value *load_scalar(struct loader *l, yaml_node_t *node, int line)
{
    const char *text = (const char *)node->data.scalar.value;
    const char *tag = (const char *)node->tag;
    bool plain = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    bool explicit_tag = tag != NULL && strcmp(tag, YAML_DEFAULT_SCALAR_TAG) != 0;
    struct value *v = NULL;
    long long integer;
    double number;

    if (explicit_tag && strcmp(tag, YAML_STR_TAG) == 0) {
        plain = false;
    }
    if (!plain) {
        v = value_new_string(text, line);
    } else if (is_one_of(text, null_words)) {
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
    if (v == NULL) {
        set_error(l, line, "out of memory");
    }
    return v;
}

static struct value *load_node(struct loader *l, int index, int depth)
{
    yaml_node_t *node = yaml_document_get_node(l->doc, index);
    if (node == NULL) {
        set_error(l, 0, "invalid node reference");
        return NULL;
    }
    int line = (int)node->start_mark.line + 1;
    if (++l->nodes > MAX_NODES) {
        set_error(l, line, "document too large (more than %d nodes once aliases are expanded)",
                  MAX_NODES);
        return NULL;
    }
    if (depth > MAX_DEPTH) {
        set_error(l, line, "document nested deeper than %d levels", MAX_DEPTH);
        return NULL;
    }
    if (node->type == YAML_SCALAR_NODE) {
        return load_scalar(l, node, line);
    }
    bool is_map = node->type == YAML_MAPPING_NODE;
    struct value *v = value_new(is_map ? VALUE_MAP : VALUE_LIST, line);
    if (v == NULL) {
        set_error(l, line, "out of memory");
        return NULL;
    }
    if (is_map) {
        for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
             pair < node->data.mapping.pairs.top; pair++) {
            yaml_node_t *key = yaml_document_get_node(l->doc, pair->key);
            if (key == NULL || key->type != YAML_SCALAR_NODE) {
                set_error(l, key != NULL ? (int)key->start_mark.line + 1 : line,
                          "mapping keys must be scalars");
                goto fail;
            }
            struct value *item = load_node(l, pair->value, depth + 1);
            if (item == NULL) {
                goto fail;
            }
            if (!value_append(v, (const char *)key->data.scalar.value, item)) {
                value_free(item);
                set_error(l, line, "out of memory");
                goto fail;
            }
        }
    } else {
        for (yaml_node_item_t *it = node->data.sequence.items.start;
             it < node->data.sequence.items.top; it++) {
            struct value *item = load_node(l, *it, depth + 1);
            if (item == NULL) {
                goto fail;
            }
            if (!value_append(v, NULL, item)) {
                value_free(item);
                set_error(l, line, "out of memory");
                goto fail;
            }
        }
    }
    return v;

fail:
    value_free(v);
    return NULL;
}

static struct value *load_with(yaml_parser_t *parser, const char *name, char **error)
{
    yaml_document_t doc;
    struct loader l = {.doc = &doc, .name = name};
    struct value *result = NULL;
    if (!yaml_parser_load(parser, &doc)) {
        set_error(&l, (int)parser->problem_mark.line + 1, "%s%s%s",
                  parser->problem != NULL ? parser->problem : "invalid YAML",
                  parser->context != NULL ? " " : "",
                  parser->context != NULL ? parser->context : "");
        *error = l.error;
        return NULL;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    result = root == NULL ? value_new(VALUE_NULL, 1) : load_node(&l, 1, 0);
    yaml_document_delete(&doc);
    if (result == NULL && l.error == NULL) {
        set_error(&l, 1, "out of memory");
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
