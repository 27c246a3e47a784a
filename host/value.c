/*
 * value.c - the configuration tree and its JSON writer.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"

struct value *value_new(enum value_type type, int line)
{
    struct value *v = calloc(1, sizeof(*v));
    if (v != NULL) {
        v->type = type;
        v->line = line;
    }
    return v;
}

struct value *value_new_string(const char *s, int line)
{
    struct value *v = value_new(VALUE_STRING, line);
    if (v != NULL && (v->u.string = strdup(s)) == NULL) {
        free(v);
        v = NULL;
    }
    return v;
}

void value_free(struct value *v)
{
    if (v == NULL) {
        return;
    }
    if (v->type == VALUE_STRING) {
        free(v->u.string);
    } else if (v->type == VALUE_LIST || v->type == VALUE_MAP) {
        for (size_t i = 0; i < v->u.children.count; i++) {
            value_free(v->u.children.items[i]);
            if (v->u.children.keys != NULL) {
                free(v->u.children.keys[i]);
            }
        }
        free(v->u.children.items);
        free(v->u.children.keys);
    }
    free(v);
}

bool value_append(struct value *container, const char *key, struct value *item)
{
    size_t n = container->u.children.count;
    /* The arrays hold the smallest power of two >= count entries: they grow
     * (double) only when count is 0 or a power of two, so n appends copy O(n)
     * entries in all, whether or not realloc can grow in place. */
    bool full = (n & (n - 1)) == 0;
    size_t cap = n == 0 ? 1 : 2 * n;
    struct value **items = container->u.children.items;
    if (full && (items = realloc(items, cap * sizeof(*items))) == NULL) {
        return false;
    }
    container->u.children.items = items;
    if (container->type == VALUE_MAP) {
        char **keys = container->u.children.keys;
        if (full && (keys = realloc(keys, cap * sizeof(*keys))) == NULL) {
            return false;
        }
        container->u.children.keys = keys;
        if ((keys[n] = strdup(key)) == NULL) {
            return false;
        }
    }
    items[n] = item;
    container->u.children.count = n + 1;
    return true;
}

const struct value *value_get(const struct value *map, const char *key)
{
    if (map == NULL || map->type != VALUE_MAP) {
        return NULL;
    }
    /* last one wins, as with a YAML mapping that repeats a key */
    for (size_t i = map->u.children.count; i > 0; i--) {
        if (strcmp(map->u.children.keys[i - 1], key) == 0) {
            return map->u.children.items[i - 1];
        }
    }
    return NULL;
}

const struct value *value_get_path(const struct value *map, const char *dotted)
{
    const struct value *direct = value_get(map, dotted);
    if (direct != NULL || strchr(dotted, '.') == NULL) {
        return direct;
    }
    char *copy = strdup(dotted);
    if (copy == NULL) {
        return NULL;
    }
    const struct value *cur = map;
    char *save = NULL;
    for (char *part = strtok_r(copy, ".", &save); part != NULL && cur != NULL;
         part = strtok_r(NULL, ".", &save)) {
        cur = value_get(cur, part);
    }
    free(copy);
    return cur;
}

bool value_as_bool(const struct value *v, bool fallback, bool *out)
{
    if (v == NULL || v->type == VALUE_NULL) {
        *out = fallback;
        return true;
    }
    if (v->type != VALUE_BOOL) {
        return false;
    }
    *out = v->u.boolean;
    return true;
}

bool value_as_double(const struct value *v, double fallback, double *out)
{
    if (v == NULL || v->type == VALUE_NULL) {
        *out = fallback;
        return true;
    }
    if (v->type == VALUE_INT) {
        *out = (double)v->u.integer;
        return true;
    }
    if (v->type == VALUE_FLOAT) {
        *out = v->u.number;
        return true;
    }
    return false;
}

const char *value_type_name(enum value_type type)
{
    static const char *names[] = {"null", "boolean", "integer", "number", "string", "list", "map"};
    return (unsigned)type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

void strbuf_append(struct strbuf *b, const char *s, size_t n)
{
    if (b->failed) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 64;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *data = realloc(b->data, cap);
        if (data == NULL) {
            b->failed = true;
            return;
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s)
{
    strbuf_append(b, s, strlen(s));
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        strbuf_append(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    strbuf_append(b, big, (size_t)n);
    free(big);
}

void strbuf_json_string(struct strbuf *b, const char *s)
{
    strbuf_append(b, "\"", 1);
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        char hex[8];
        switch (*p) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (*p < 0x20) {
                snprintf(hex, sizeof(hex), "\\u%04x", *p);
                esc = hex;
            }
        }
        if (esc != NULL) {
            strbuf_append(b, run, (size_t)((const char *)p - run));
            strbuf_puts(b, esc);
            run = (const char *)p + 1;
        }
    }
    strbuf_puts(b, run);
    strbuf_append(b, "\"", 1);
}

char *strbuf_take(struct strbuf *b)
{
    if (b->failed) {
        free(b->data);
        b->data = NULL;
        return NULL;
    }
    char *data = b->data != NULL ? b->data : strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return data;
}

static void write_json(struct strbuf *b, const struct value *v)
{
    switch (v->type) {
    case VALUE_NULL: strbuf_puts(b, "null"); break;
    case VALUE_BOOL: strbuf_puts(b, v->u.boolean ? "true" : "false"); break;
    case VALUE_INT: strbuf_printf(b, "%lld", v->u.integer); break;
    case VALUE_FLOAT:
        /* JSON has no NaN/Infinity; Python's json accepts these spellings */
        if (isnan(v->u.number)) {
            strbuf_puts(b, "NaN");
        } else if (isinf(v->u.number)) {
            strbuf_puts(b, v->u.number > 0 ? "Infinity" : "-Infinity");
        } else {
            /* shortest text that reads back as the same double, and still a float */
            char text[40];
            for (int precision = 15; precision <= 17; precision++) {
                snprintf(text, sizeof(text), "%.*g", precision, v->u.number);
                if (strtod(text, NULL) == v->u.number) {
                    break;
                }
            }
            strbuf_puts(b, text);
            if (strpbrk(text, ".eE") == NULL) {
                strbuf_puts(b, ".0");
            }
        }
        break;
    case VALUE_STRING: strbuf_json_string(b, v->u.string); break;
    case VALUE_LIST:
    case VALUE_MAP:
        strbuf_puts(b, v->type == VALUE_LIST ? "[" : "{");
        for (size_t i = 0; i < v->u.children.count; i++) {
            if (i > 0) {
                strbuf_puts(b, ", ");
            }
            if (v->type == VALUE_MAP) {
                strbuf_json_string(b, v->u.children.keys[i]);
                strbuf_puts(b, ": ");
            }
            write_json(b, v->u.children.items[i]);
        }
        strbuf_puts(b, v->type == VALUE_LIST ? "]" : "}");
        break;
    }
}

char *value_to_json(const struct value *v)
{
    struct strbuf b = {0};
    if (v == NULL) {
        strbuf_puts(&b, "null");
    } else {
        write_json(&b, v);
    }
    return strbuf_take(&b);
}
