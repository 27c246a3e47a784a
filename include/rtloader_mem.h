/*
 * rtloader_mem.h - the allocator every buffer crossing the rtloader API
 * comes from, and its counters.
 *
 * Rule: a buffer rtloader returns to the host (strings, warning arrays,
 * py_info_t, error messages of make3/handle_crashes) is allocated with
 * `_malloc` and must be released with `_free` (or rtloader_free, which
 * calls it). A buffer the host hands to rtloader for rtloader to free (what
 * callbacks return) is released through the cgo_free callback instead.
 *
 * GIL: nothing in this header touches Python; everything may be called from
 * any thread without the GIL.
 */
#ifndef DATADOG_AGENT_RTLOADER_MEM_H
#define DATADOG_AGENT_RTLOADER_MEM_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "rtloader_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The allocator in force: libc malloc/free until _enable_memory_tracker()
 * swaps both (atomically) for counting variants. Function-pointer variables,
 * as in the contract: cgo code wraps them in a static inline helper.
 */
DATADOG_AGENT_RTLOADER_API extern void *(*_malloc)(size_t sz);
DATADOG_AGENT_RTLOADER_API extern void (*_free)(void *ptr);

/*
 * Switches _malloc/_free to the counting variants. Call before make3():
 * the backend captures the allocator pair when it is created.
 */
DATADOG_AGENT_RTLOADER_API void _enable_memory_tracker(void);

/* The allocator pair currently in force (what make3 hands the backend). */
DATADOG_AGENT_RTLOADER_API rtloader_malloc_t _get_tracked_malloc(void);
DATADOG_AGENT_RTLOADER_API rtloader_free_t _get_tracked_free(void);

/*
 * Counters of the counting allocator, since the previous call. Sizes are the
 * usable sizes of the blocks (malloc_usable_size), not the requested ones.
 * `inuse_bytes` is a delta and may be negative.
 */
struct memory_stats {
    size_t allocations;
    size_t allocated_bytes;
    size_t frees;
    size_t freed_bytes;
    ssize_t inuse_bytes;
};

/* Returns the counters and resets each to zero (one atomic exchange each). */
DATADOG_AGENT_RTLOADER_API struct memory_stats get_and_reset_memory_stats(void);

/*
 * Duplicates a NUL-terminated string with _malloc.
 * Returns: the copy, or NULL if s1 is NULL or allocation failed.
 * Owns: the caller frees it with _free / rtloader_free.
 */
DATADOG_AGENT_RTLOADER_API char *strdupe(const char *s1);

#ifdef __cplusplus
}
#endif

#endif /* DATADOG_AGENT_RTLOADER_MEM_H */
