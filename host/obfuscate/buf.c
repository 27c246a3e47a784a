/* buf.c - the growable output buffer of the obfuscators. */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"

bool obf_buf_reserve(obf_buf_t *b, size_t extra)
{
    if (b->failed) {
        return false;
    }
    if (b->data != NULL && b->cap - b->len > extra) {
        return true;
    }
    if (extra > SIZE_MAX / 2 - b->len - 1) {
        b->failed = true;
        return false;
    }
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap - b->len <= extra) {
        cap *= 2;
    }
    char *data = realloc(b->data, cap);
    if (data == NULL) {
        b->failed = true;
        return false;
    }
    if (b->data == NULL) {
        data[0] = '\0';
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void obf_buf_free(obf_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

char *obf_buf_take(obf_buf_t *b)
{
    if (b->failed || !obf_buf_reserve(b, 0)) {
        obf_buf_free(b);
        return NULL;
    }
    char *s = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}
