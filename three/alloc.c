/*
 * alloc.c - the rtloader allocator pair, as handed to create().
 *
 * Buffers the backend gives the host (or that the host will free with
 * rtloader_free) come from here, so the front's counters see them. The
 * backend's private bookkeeping (error slot, path list) uses libc directly:
 * it never crosses the API and must not unbalance the host's counters.
 *
 * GIL: none.
 */
#include <stdlib.h>
#include <string.h>

#include "three.h"

static rtloader_malloc_t rtl_malloc = malloc;
static rtloader_free_t rtl_free = free;

void three_set_allocator(rtloader_malloc_t m, rtloader_free_t f)
{
    rtl_malloc = m != NULL ? m : malloc;
    rtl_free = f != NULL ? f : free;
}

void *three_malloc(size_t size)
{
    return rtl_malloc(size);
}

void three_free(void *ptr)
{
    if (ptr != NULL) {
        rtl_free(ptr);
    }
}

char *three_strdup(const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    size_t len = strlen(s) + 1;
    char *copy = rtl_malloc(len);
    if (copy != NULL) {
        memcpy(copy, s, len);
    }
    return copy;
}
