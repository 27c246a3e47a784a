/*
 * scheduler.h - running check instances on their intervals with a pool of
 * worker threads, until SIGINT or SIGTERM.
 *
 * Each worker is one OS thread for its whole life, so the Python thread
 * state rtloader's ensure_gil gives it is that thread's own on every run.
 * An instance never runs twice at once: if it is still running when it is
 * due again, that run is skipped (and logged).
 */
#ifndef RTLOADER_HOST_SCHEDULER_H
#define RTLOADER_HOST_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>

#include "checks.h"

struct scheduler_options {
    int workers;
    double cancel_grace_s; /* how long to wait for running checks after cancelling them */
    bool memstats;         /* report memory telemetry every HOST_MEMSTATS_INTERVAL_S */
};

/*
 * Runs until SIGINT/SIGTERM (GIL: must NOT be held). Returns the signal
 * number that stopped it, or -1 when workers could not start.
 * *workers_left is set when a check ignored its cancellation past the grace
 * period: its worker still runs and the checks must not be freed.
 */
int scheduler_run(rtloader_t *rt, struct host_check *checks, size_t count,
                  const struct scheduler_options *options, bool *workers_left);

/* `times` rounds over every instance on the calling thread, `interval_s` apart. Returns the failures. */
int scheduler_run_times(rtloader_t *rt, struct host_check *checks, size_t count, int times,
                        double interval_s);

#endif /* RTLOADER_HOST_SCHEDULER_H */
