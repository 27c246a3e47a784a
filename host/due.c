/*
 * due.c - the due-time rule of `run`. See due.h.
 */
#include <math.h>
#include <time.h>

#include "due.h"
#include "log.h"
#include "signals.h"

/* Nothing due for this long: the caller wakes up anyway (and finds nothing). */
#define IDLE_WAIT_S 3600.0

double host_monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timespec host_time_after(clockid_t clock, double seconds)
{
    struct timespec at;
    clock_gettime(clock, &at);
    seconds = seconds > 0 ? seconds : 0;
    double whole = floor(seconds);
    at.tv_sec += (time_t)whole;
    at.tv_nsec += (long)((seconds - whole) * 1e9);
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return at;
}

void host_due_start(struct host_check *checks, size_t count, double now)
{
    for (size_t i = 0; i < count; i++) {
        checks[i].next_run = now;
        checks[i].busy = false;
    }
}

double host_due_take(struct host_check *checks, size_t count, double now,
                     void (*take)(void *ctx, struct host_check *check), void *ctx)
{
    double wait = IDLE_WAIT_S;
    for (size_t i = 0; i < count; i++) {
        struct host_check *c = &checks[i];
        if (c->paused) {
            continue;
        }
        if (now >= c->next_run) {
            if (c->busy) {
                host_log(DATADOG_AGENT_WARNING,
                         "check %s is still running or waiting after %.0f s: skipping this run",
                         c->id, c->interval);
            } else {
                c->busy = true;
                take(ctx, c);
            }
            c->next_run += c->interval;
            if (c->next_run <= now) {
                c->next_run = now + c->interval;
            }
        }
        if (c->next_run - now < wait) {
            wait = c->next_run - now;
        }
    }
    return wait > 0 ? wait : 0;
}

void host_rounds(int times, double interval_s, bool (*round)(void *ctx), void *ctx)
{
    for (int i = 0; i < times; i++) {
        if (i > 0 && interval_s > 0 && host_signals_wait(interval_s, -1)) {
            return;
        }
        if (host_signals_stop_signal() != 0 || !round(ctx)) {
            return;
        }
    }
}
