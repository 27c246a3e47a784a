/*
 * pymem.c - counting what Python's allocators take from the system.
 *
 * Two hooks, installed before the interpreter starts (a block must be freed
 * by the allocator that made it):
 *   - the object arena allocator (where pymalloc gets its 1 MiB / 256 KiB
 *     arenas) is wrapped, counting the requested sizes;
 *   - the RAW domain is served by libc directly, counting usable sizes.
 * The default RAW allocator of a release build is libc malloc, so blocks
 * made before the hook and freed after it (or the reverse) stay valid; the
 * signed in-use counter absorbs such blocks and is clamped when read.
 *
 * GIL: none anywhere in this file (RAW allocators may run without it).
 */
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "callbacks.h"
#include "three.h"

static atomic_long pymem_inuse;
static atomic_size_t pymem_alloc;
static atomic_bool pymem_installed;
static PyObjectArenaAllocator previous_arena;

static void count_alloc(size_t size)
{
    atomic_fetch_add_explicit(&pymem_inuse, (long)size, memory_order_relaxed);
    atomic_fetch_add_explicit(&pymem_alloc, size, memory_order_relaxed);
}

static void count_free(size_t size)
{
    atomic_fetch_sub_explicit(&pymem_inuse, (long)size, memory_order_relaxed);
}

static void *arena_alloc(void *ctx, size_t size)
{
    (void)ctx;
    void *ptr = previous_arena.alloc(previous_arena.ctx, size);
    if (ptr != NULL) {
        count_alloc(size);
    }
    return ptr;
}

static void arena_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    previous_arena.free(previous_arena.ctx, ptr, size);
    count_free(size);
}

static void *raw_malloc(void *ctx, size_t size)
{
    (void)ctx;
    void *ptr = malloc(size != 0 ? size : 1);
    if (ptr != NULL) {
        count_alloc(malloc_usable_size(ptr));
    }
    return ptr;
}

static void *raw_calloc(void *ctx, size_t nelem, size_t elsize)
{
    (void)ctx;
    if (nelem == 0 || elsize == 0) {
        nelem = 1;
        elsize = 1;
    }
    void *ptr = calloc(nelem, elsize);
    if (ptr != NULL) {
        count_alloc(malloc_usable_size(ptr));
    }
    return ptr;
}

static void *raw_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    size_t old_size = ptr != NULL ? malloc_usable_size(ptr) : 0;
    void *grown = realloc(ptr, size != 0 ? size : 1);
    if (grown != NULL) {
        count_free(old_size);
        count_alloc(malloc_usable_size(grown));
    }
    return grown;
}

static void raw_free(void *ctx, void *ptr)
{
    (void)ctx;
    if (ptr != NULL) {
        count_free(malloc_usable_size(ptr));
        free(ptr);
    }
}

void three_init_pymem_stats(rtloader_t *rt)
{
    if (THREE(rt)->python_started || Py_IsInitialized()) {
        agent_log(DATADOG_AGENT_WARNING,
                  "init_pymem_stats must be called before init(): Python allocator statistics "
                  "are disabled");
        return;
    }
    if (atomic_exchange(&pymem_installed, true)) {
        return;
    }
    PyObject_GetArenaAllocator(&previous_arena);
    PyObjectArenaAllocator arena = {NULL, arena_alloc, arena_free};
    PyObject_SetArenaAllocator(&arena);

    PyMemAllocatorEx raw = {NULL, raw_malloc, raw_calloc, raw_realloc, raw_free};
    PyMem_SetAllocator(PYMEM_DOMAIN_RAW, &raw);
}

void three_get_pymem_stats(rtloader_t *rt, pymem_stats_t *stats)
{
    (void)rt;
    if (stats == NULL) {
        return;
    }
    long inuse = atomic_load_explicit(&pymem_inuse, memory_order_relaxed);
    stats->inuse = inuse > 0 ? (size_t)inuse : 0;
    stats->alloc = atomic_load_explicit(&pymem_alloc, memory_order_relaxed);
}
