/*
 * value.h - a configuration value tree (what YAML documents load into) and
 * its JSON serialisation, the form in which values reach Python.
 *
 * Nodes are libc-allocated and owned by their parent; value_free releases a
 * whole tree. GIL: none (no Python here).
 */
#ifndef RTLOADER_HOST_VALUE_H
#define RTLOADER_HOST_VALUE_H

#include <stdbool.h>
#include <stddef.h>

enum value_type { VALUE_NULL, VALUE_BOOL, VALUE_INT, VALUE_FLOAT, VALUE_STRING, VALUE_LIST, VALUE_MAP };

struct value {
    enum value_type type;
    int line; /* 1-based line in the source file, 0 when built in code */
    union {
        bool boolean;
        long long integer;
        double number;
        char *string;
        struct {
            struct value **items;
            char **keys; /* VALUE_MAP only: keys[i] names items[i] */
            size_t count;
        } children;
    } u;
};

struct value *value_new(enum value_type type, int line);
struct value *value_new_string(const char *s, int line);
void value_free(struct value *v);

/* Appends an item (and for maps its key, copied). Returns false when out of memory. */
bool value_append(struct value *container, const char *key, struct value *item);

/* The item of a map named `key`, or NULL. Dotted paths ("a.b") walk nested maps. */
const struct value *value_get(const struct value *map, const char *key);
const struct value *value_get_path(const struct value *map, const char *dotted);

/* Accessors with a default for missing (NULL) values; false when the type is wrong. */
bool value_as_bool(const struct value *v, bool fallback, bool *out);
bool value_as_double(const struct value *v, double fallback, double *out);
const char *value_type_name(enum value_type type);

/* Compact JSON of the tree (malloc'd), or NULL when out of memory. */
char *value_to_json(const struct value *v);

/* Appends JSON of a string to a growing buffer; exposed for the sender's output. */
struct strbuf {
    char *data;
    size_t len, cap;
    bool failed;
};
void strbuf_append(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_json_string(struct strbuf *b, const char *s);
/* The buffer's string (ownership moves to the caller), NULL if anything failed. */
char *strbuf_take(struct strbuf *b);

#endif /* RTLOADER_HOST_VALUE_H */
