/*
 * memstats.h - the memory tracker's telemetry: rtloader's allocator counters
 * (get_and_reset_memory_stats) and Python's allocator (get_pymem_stats),
 * reported as metrics rtloader.* and pymem.* and in an exit summary.
 * GIL: none (both sources are atomics).
 */
#ifndef RTLOADER_HOST_MEMSTATS_H
#define RTLOADER_HOST_MEMSTATS_H

#include <stddef.h>
#include <sys/types.h>

#include "datadog_agent_rtloader.h"

#define HOST_MEMSTATS_INTERVAL_S 15.0
#define HOST_MEMSTATS_CHECK "rtloader.memory"

struct memstats_totals {
    size_t allocations, allocated_bytes, frees, freed_bytes;
    ssize_t inuse_bytes;
    size_t pymem_inuse, pymem_alloc;
    int reports;
};

/* Reads both sources, submits the metrics and flushes them as one run. */
void memstats_report(rtloader_t *rt);
struct memstats_totals memstats_totals(void);
/* Prints the totals (table or JSON through the sender's format). */
void memstats_print_summary(rtloader_t *rt);

#endif /* RTLOADER_HOST_MEMSTATS_H */
