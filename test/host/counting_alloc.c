/*
 * counting_alloc.c - see counting_alloc.h.
 */
#include <stdlib.h>

#include "counting_alloc.h"
#include "rtloader_mem.h"

atomic_size_t n_mallocs;
atomic_size_t n_frees;

static void *counting_malloc(size_t size)
{
    void *p = malloc(size);
    if (p != NULL) {
        atomic_fetch_add(&n_mallocs, 1);
    }
    return p;
}

static void counting_free(void *p)
{
    if (p != NULL) {
        atomic_fetch_add(&n_frees, 1);
    }
    free(p);
}

void *(*_malloc)(size_t) = counting_malloc;
void (*_free)(void *) = counting_free;
