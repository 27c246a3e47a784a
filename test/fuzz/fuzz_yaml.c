/*
 * fuzz_yaml.c - libFuzzer target: arbitrary bytes through yaml_load_string
 * (host/yaml_load.c) and, when a tree comes back, value_to_json
 * (host/value.c) and value_free.
 *
 * Oracles, besides the sanitizers (crash, leak, undefined behaviour) and
 * libFuzzer's -timeout:
 *   - exactly one of (tree, error) comes back, and an error reads
 *     "fuzz.yaml:<line>: ..." (the name given, a line number);
 *   - the tree holds at most YAML_MAX_NODES nodes and is at most
 *     YAML_MAX_TREE_DEPTH levels deep (see below);
 *   - value_to_json returns text that passes fuzz_json_check (structure,
 *     UTF-8, escapes, number syntax) and whose digest equals the digest of
 *     the tree: every string byte and every number survives the trip.
 *
 * The input is NUL-terminated in a copy (a C string: bytes after a NUL are
 * not seen).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_json.h"
#include "fuzz_util.h"
#include "value.h"
#include "yaml_load.h"

/* host/yaml_load.c's MAX_NODES: aliases included, a tree never holds more. */
#define YAML_MAX_NODES 1000000
/*
 * host/yaml_load.c refuses a node nested deeper than MAX_DEPTH (200) below
 * the root, so a tree has at most 201 levels. Aliases are expanded by
 * copying, which could stack depth beyond that: the oracle holds the loader
 * to the limit on the tree it returns, since that is what recursive
 * consumers (value_free, value_to_json, Python's json) walk. Skipped when
 * RTLOADER_FUZZ_ALLOW lists "alias-depth".
 */
#ifndef YAML_MAX_TREE_DEPTH
#    define YAML_MAX_TREE_DEPTH 201
#endif

#define NAME "fuzz.yaml"

struct tree_stats {
    size_t nodes;
    size_t max_depth;
    uint64_t digest;
};

/* The digest stream of fuzz_json.h, computed from the tree. */
static void walk(const struct value *v, size_t depth, struct tree_stats *st)
{
    st->nodes++;
    if (depth > st->max_depth) {
        st->max_depth = depth;
    }
    switch (v->type) {
    case VALUE_NULL:
        fuzz_hash_byte(&st->digest, 'n');
        break;
    case VALUE_BOOL:
        fuzz_hash_byte(&st->digest, v->u.boolean ? 't' : 'F');
        break;
    case VALUE_INT:
        fuzz_hash_int(&st->digest, v->u.integer);
        break;
    case VALUE_FLOAT:
        fuzz_hash_double(&st->digest, v->u.number);
        break;
    case VALUE_STRING:
        FUZZ_CHECK(v->u.string != NULL, "string node with a NULL string");
        fuzz_hash_byte(&st->digest, 's');
        fuzz_hash_bytes(&st->digest, v->u.string, strlen(v->u.string));
        fuzz_hash_byte(&st->digest, 0xFF);
        break;
    case VALUE_LIST:
    case VALUE_MAP: {
        bool map = v->type == VALUE_MAP;
        fuzz_hash_byte(&st->digest, map ? '{' : '[');
        FUZZ_CHECK(v->u.children.count == 0 || v->u.children.items != NULL,
                   "container with %zu children and no item array", v->u.children.count);
        FUZZ_CHECK(!map || v->u.children.count == 0 || v->u.children.keys != NULL,
                   "map with %zu children and no key array", v->u.children.count);
        for (size_t i = 0; i < v->u.children.count; i++) {
            if (map) {
                FUZZ_CHECK(v->u.children.keys[i] != NULL, "map key %zu is NULL", i);
                fuzz_hash_byte(&st->digest, 's');
                fuzz_hash_bytes(&st->digest, v->u.children.keys[i], strlen(v->u.children.keys[i]));
                fuzz_hash_byte(&st->digest, 0xFF);
            }
            FUZZ_CHECK(v->u.children.items[i] != NULL, "child %zu is NULL", i);
            walk(v->u.children.items[i], depth + 1, st);
        }
        fuzz_hash_byte(&st->digest, map ? '}' : ']');
        break;
    }
    default:
        fuzz_fail("node of unknown type %d", (int)v->type);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    if (size > 0) {
        memcpy(text, data, size);
    }
    text[size] = '\0';

    char *error = NULL;
    struct value *tree = yaml_load_string(text, NAME, &error);
    if (tree == NULL) {
        FUZZ_CHECK(error != NULL, "yaml_load_string returned neither a tree nor an error");
        FUZZ_CHECK(fuzz_has_file_line_prefix(error, NAME),
                   "error does not start with \"" NAME ":<line>:\": %s", error);
        free(error);
        free(text);
        return 0;
    }
    FUZZ_CHECK(error == NULL, "yaml_load_string returned a tree and an error: %s", error);

    struct tree_stats st = {0, 0, FUZZ_FNV_OFFSET};
    walk(tree, 1, &st);
    FUZZ_CHECK(st.nodes <= YAML_MAX_NODES, "tree of %zu nodes, over the budget of %d", st.nodes,
               YAML_MAX_NODES);
    FUZZ_CHECK(st.max_depth <= YAML_MAX_TREE_DEPTH || fuzz_allowed("alias-depth"),
               "tree %zu levels deep, over the limit of %d", st.max_depth, YAML_MAX_TREE_DEPTH);

    char *json = value_to_json(tree);
    FUZZ_CHECK(json != NULL, "value_to_json returned NULL (out of memory?)");
    uint64_t digest = 0;
    size_t at = 0;
    const char *why = fuzz_json_check(json, &digest, &at);
    if (why != NULL) {
        size_t len = strlen(json);
        size_t from = at > 40 ? at - 40 : 0;
        fuzz_fail("value_to_json: %s at byte %zu of %zu: ...%.80s...", why, at, len, json + from);
    }
    FUZZ_CHECK(digest == st.digest,
               "value_to_json text does not match the tree (a string or a number changed "
               "on the way): %.200s",
               json);

    free(json);
    value_free(tree);
    free(text);
    return 0;
}
