/*
 * bench_stubs.c - the few backend symbols aggregator.c needs, without the
 * rest of the backend: the callback table, the allocator (libc) and
 * cgo_free (unused by the aggregator, present for the linker).
 */
#include <stdlib.h>
#include <string.h>

#include "callbacks.h"

struct rtl_callbacks three_callbacks;

void *three_malloc(size_t size)
{
    return malloc(size);
}

void three_free(void *ptr)
{
    free(ptr);
}

void cgo_free(void *ptr)
{
    free(ptr);
}
