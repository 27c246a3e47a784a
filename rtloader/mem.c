/*
 * mem.c - the process's single rtloader allocator and its counters.
 *
 * Every buffer that crosses the API comes from _malloc and goes back through
 * _free, whichever library made it (the backend receives this pair from
 * make3), so each is counted exactly once.
 *
 * GIL: none of this touches Python; all of it may run on any thread.
 */
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rtloader_mem.h"

DATADOG_AGENT_RTLOADER_API void *(*_malloc)(size_t sz) = malloc;
DATADOG_AGENT_RTLOADER_API void (*_free)(void *ptr) = free;

static atomic_size_t stat_allocations;
static atomic_size_t stat_allocated_bytes;
static atomic_size_t stat_frees;
static atomic_size_t stat_freed_bytes;
static atomic_long stat_inuse_bytes;

static void *counting_malloc(size_t size)
{
    void *ptr = malloc(size);
    if (ptr != NULL) {
        size_t usable = malloc_usable_size(ptr);
        atomic_fetch_add_explicit(&stat_allocations, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&stat_allocated_bytes, usable, memory_order_relaxed);
        atomic_fetch_add_explicit(&stat_inuse_bytes, (long)usable, memory_order_relaxed);
    }
    return ptr;
}

static void counting_free(void *ptr)
{
    if (ptr != NULL) {
        size_t usable = malloc_usable_size(ptr);
        atomic_fetch_add_explicit(&stat_frees, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&stat_freed_bytes, usable, memory_order_relaxed);
        atomic_fetch_sub_explicit(&stat_inuse_bytes, (long)usable, memory_order_relaxed);
    }
    free(ptr);
}

DATADOG_AGENT_RTLOADER_API void _enable_memory_tracker(void)
{
    /* The variables are plain (not _Atomic) because the contract declares
     * them so; the builtins give the stores atomicity all the same. */
    __atomic_store_n(&_malloc, counting_malloc, __ATOMIC_RELEASE);
    __atomic_store_n(&_free, counting_free, __ATOMIC_RELEASE);
}

DATADOG_AGENT_RTLOADER_API rtloader_malloc_t _get_tracked_malloc(void)
{
    return __atomic_load_n(&_malloc, __ATOMIC_ACQUIRE);
}

DATADOG_AGENT_RTLOADER_API rtloader_free_t _get_tracked_free(void)
{
    return __atomic_load_n(&_free, __ATOMIC_ACQUIRE);
}

DATADOG_AGENT_RTLOADER_API struct memory_stats get_and_reset_memory_stats(void)
{
    struct memory_stats stats;
    stats.allocations = atomic_exchange_explicit(&stat_allocations, 0, memory_order_relaxed);
    stats.allocated_bytes = atomic_exchange_explicit(&stat_allocated_bytes, 0, memory_order_relaxed);
    stats.frees = atomic_exchange_explicit(&stat_frees, 0, memory_order_relaxed);
    stats.freed_bytes = atomic_exchange_explicit(&stat_freed_bytes, 0, memory_order_relaxed);
    stats.inuse_bytes = (ssize_t)atomic_exchange_explicit(&stat_inuse_bytes, 0, memory_order_relaxed);
    return stats;
}

DATADOG_AGENT_RTLOADER_API char *strdupe(const char *s1)
{
    if (s1 == NULL) {
        return NULL;
    }
    size_t len = strlen(s1) + 1;
    char *copy = _get_tracked_malloc()(len);
    if (copy != NULL) {
        memcpy(copy, s1, len);
    }
    return copy;
}
