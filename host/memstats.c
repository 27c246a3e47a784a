/*
 * memstats.c - periodic memory telemetry, as the Agent's TrackedCString /
 * MemoryTracker pair reports it.
 */
#include <pthread.h>
#include <stdio.h>

#include "memstats.h"
#include "rtloader_mem.h"
#include "sender.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct memstats_totals totals;
static size_t last_pymem_alloc;

void memstats_report(rtloader_t *rt)
{
    struct memory_stats delta = get_and_reset_memory_stats();
    pymem_stats_t pymem = {0, 0};
    get_pymem_stats(rt, &pymem);

    pthread_mutex_lock(&lock);
    totals.allocations += delta.allocations;
    totals.allocated_bytes += delta.allocated_bytes;
    totals.frees += delta.frees;
    totals.freed_bytes += delta.freed_bytes;
    totals.inuse_bytes += delta.inuse_bytes;
    totals.pymem_inuse = pymem.inuse;
    size_t pymem_alloc_delta = pymem.alloc - last_pymem_alloc;
    last_pymem_alloc = pymem.alloc;
    totals.pymem_alloc = pymem.alloc;
    totals.reports++;
    struct memstats_totals now = totals;
    pthread_mutex_unlock(&lock);

    const char *id = HOST_MEMSTATS_CHECK;
    sender_submit_metric(id, DATADOG_AGENT_RTLOADER_COUNT, "rtloader.allocations",
                         (double)delta.allocations, NULL);
    sender_submit_metric(id, DATADOG_AGENT_RTLOADER_COUNT, "rtloader.allocated_bytes",
                         (double)delta.allocated_bytes, NULL);
    sender_submit_metric(id, DATADOG_AGENT_RTLOADER_COUNT, "rtloader.frees",
                         (double)delta.frees, NULL);
    sender_submit_metric(id, DATADOG_AGENT_RTLOADER_COUNT, "rtloader.freed_bytes",
                         (double)delta.freed_bytes, NULL);
    sender_submit_metric(id, DATADOG_AGENT_RTLOADER_GAUGE, "rtloader.inuse_bytes",
                         (double)now.inuse_bytes, NULL);
    sender_submit_metric(id, DATADOG_AGENT_RTLOADER_GAUGE, "pymem.inuse", (double)pymem.inuse,
                         NULL);
    sender_submit_metric(id, DATADOG_AGENT_RTLOADER_COUNT, "pymem.alloc",
                         (double)pymem_alloc_delta, NULL);
    struct sender_run run = {
        .check_name = HOST_MEMSTATS_CHECK,
        .check_id = id,
        .version = "",
        .source = "memory tracker",
        .run = now.reports,
        .status = "ok",
        .telemetry = true,
    };
    sender_flush(&run);
}

struct memstats_totals memstats_totals(void)
{
    pthread_mutex_lock(&lock);
    struct memstats_totals t = totals;
    pthread_mutex_unlock(&lock);
    return t;
}

void memstats_print_summary(rtloader_t *rt)
{
    memstats_report(rt);
    struct memstats_totals t = memstats_totals();
    struct sender_totals s = sender_totals();
    char text[512];
    snprintf(text, sizeof(text),
             "%zu runs (%zu failed); rtloader memory: %zu allocations (%zu bytes), %zu frees "
             "(%zu bytes), %zd bytes in use; python memory: %zu bytes in use, %zu bytes "
             "allocated",
             s.runs, s.failed_runs, t.allocations, t.allocated_bytes, t.frees, t.freed_bytes,
             t.inuse_bytes, t.pymem_inuse, t.pymem_alloc);
    sender_print_note("summary", NULL, text);
}
