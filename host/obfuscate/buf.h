/* A growable byte buffer for the obfuscators' output: one allocation that doubles, so the
 * per-token work never allocates. Failure is sticky: after an allocation failure every
 * append is a no-op and `failed` stays set, so callers check once at the end.
 * Thread-safety: a buffer belongs to one call; the functions touch no global state. */
#ifndef RTLOADER_HOST_OBFUSCATE_BUF_H
#define RTLOADER_HOST_OBFUSCATE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    char *data; /* malloc'd, always NUL-terminated when non-NULL */
    size_t len, cap;
    bool failed;
} obf_buf_t;

bool obf_buf_reserve(obf_buf_t *b, size_t extra);
void obf_buf_free(obf_buf_t *b);
/* Hands the NUL-terminated text over to the caller (NULL if an allocation failed). */
char *obf_buf_take(obf_buf_t *b);

static inline void obf_buf_append(obf_buf_t *b, const char *s, size_t n)
{
    if (n == 0 || !obf_buf_reserve(b, n)) {
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void obf_buf_putc(obf_buf_t *b, char c)
{
    if (!obf_buf_reserve(b, 1)) {
        return;
    }
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

static inline void obf_buf_puts(obf_buf_t *b, const char *s)
{
    obf_buf_append(b, s, strlen(s));
}

#endif
