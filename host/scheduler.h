/*
 * scheduler.h - running check instances on their intervals with a pool of
 * worker threads, until SIGINT or SIGTERM, or a number of rounds.
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
    bool memstats;         /* report memory telemetry every HOST_MEMSTATS_INTERVAL_S */
};

/*
 * Both need host_signals_start() first. On a stop, queued runs are
 * dropped, running ones cancelled (their processes killed, cancel_check
 * called on a thread of its own) and waited for until shortly before the
 * grace period ends. *threads_left is then set when a run or a cancel()
 * has not returned: those threads still use the checks, which must not be
 * freed, and the caller should end the process at once.
 */

/*
 * Runs until SIGINT/SIGTERM (GIL: must NOT be held). Returns the signal
 * number that stopped it, or -1 when workers could not start.
 */
int scheduler_run(rtloader_t *rt, struct host_check *checks, size_t count,
                  const struct scheduler_options *options, bool *threads_left);

/*
 * `times` rounds over every instance, `interval_s` apart, on one worker
 * thread while the calling thread waits for the end or a stop (GIL: must
 * NOT be held). Returns the failed runs, cancelled ones not counted.
 */
int scheduler_run_times(rtloader_t *rt, struct host_check *checks, size_t count, int times,
                        double interval_s, bool *threads_left);

#endif /* RTLOADER_HOST_SCHEDULER_H */
