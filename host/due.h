/*
 * due.h - when an instance runs next: the one scheduling rule of `run`,
 * shared by the thread runner (scheduler.c) and the worker-process runner
 * (supervisor_schedule.c), so both modes keep the same cadence.
 *
 * Fixed cadence, the first run of every instance at start; an instance due
 * while it is still running or waiting for a runner skips that run, with a
 * warning; after a stall the cadence resumes from now instead of bursting.
 * Paused instances (process isolation) are never due.
 *
 * GIL: none. The caller serializes access to the instances' scheduling
 * fields (next_run, busy).
 */
#ifndef RTLOADER_HOST_DUE_H
#define RTLOADER_HOST_DUE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "checks.h"

/* CLOCK_MONOTONIC, in seconds. */
double host_monotonic_s(void);

/* `seconds` (negative: 0) from now on `clock`, for pthread_cond_timedwait. */
struct timespec host_time_after(clockid_t clock, double seconds);

/* Every instance is due at `now` and idle. */
void host_due_start(struct host_check *checks, size_t count, double now);

/*
 * Marks busy, and hands to take(ctx, check), every instance due at `now`
 * that is not busy already; advances each due instance's next run. Returns
 * the seconds until the next instance is due (0 or more).
 */
double host_due_take(struct host_check *checks, size_t count, double now,
                     void (*take)(void *ctx, struct host_check *check), void *ctx);

/*
 * `check --times N --interval S`: round(ctx) N times, S seconds apart,
 * none started once a stop was requested (signals.c); round returns false
 * to end them early. Both runners' rounds.
 */
void host_rounds(int times, double interval_s, bool (*round)(void *ctx), void *ctx);

#endif /* RTLOADER_HOST_DUE_H */
