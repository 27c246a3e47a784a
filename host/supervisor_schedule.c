/*
 * supervisor_schedule.c - which run starts when, with worker processes:
 * `check`'s rounds (one instance at a time per worker, in configuration
 * order, as in process) and `run` (due.h's cadence, up to `slots` runs at
 * once per worker), and the stop: no new run, the runs in flight waited
 * for until shortly before the watchdog's deadline.
 */
#include <stdlib.h>

#include "due.h"
#include "log.h"
#include "signals.h"
#include "supervisor_internal.h"

/* Runs still in flight this long before the watchdog's deadline are left behind. */
#define EXIT_MARGIN_S 0.2

/* After a stop: waits for the runs in flight (cancelled by their workers). */
static void drain(struct supervisor *s, int in_flight)
{
    while (in_flight > 0) {
        double left = host_signals_time_left() - EXIT_MARGIN_S;
        if (left <= 0) {
            host_log(DATADOG_AGENT_WARNING,
                     "%d check(s) still running after being cancelled: exiting without them",
                     in_flight);
            return;
        }
        in_flight = poll_busy(s, left);
    }
}

int supervisor_run_all(struct supervisor *s, struct host_check *checks, size_t count)
{
    s->failures = 0;
    size_t *next = calloc((size_t)s->count, sizeof(size_t)); /* per worker: next instance to try */
    if (next == NULL) {
        return (int)count;
    }
    int in_flight = 0;
    for (;;) {
        bool stopping = host_signals_stop_signal() != 0;
        double now = host_monotonic_s();
        double wake = 0; /* the earliest end of a back-off that holds an instance back */
        /* every idle worker takes its next instance, in configuration order */
        for (int k = 0; k < s->count && !stopping; k++) {
            struct worker *w = &s->workers[k];
            while (w->in_flight == 0 && next[k] < count) {
                struct host_check *c = &checks[next[k]];
                if (c->worker == k && !c->paused && backing_off(w, now)) {
                    wake = wake == 0 || w->restart_at < wake ? w->restart_at : wake;
                    break; /* it waits; the other workers go on */
                }
                next[k]++;
                if (c->worker != k) {
                    continue;
                }
                if (!runnable(c)) {
                    s->failures++;
                    continue;
                }
                in_flight += start_run(s, w, c, true) ? 1 : 0;
            }
        }
        if (stopping || (in_flight == 0 && wake == 0)) {
            break;
        }
        double timeout = wake > now && wake - now < 0.05 ? wake - now : 0.05;
        in_flight = poll_busy(s, timeout);
    }
    drain(s, in_flight);
    free(next);
    return s->failures;
}

static void mark_queued(void *ctx, struct host_check *check)
{
    check->queued_at = *(const double *)ctx;
}

/*
 * Each worker takes the instances of its own that waited longest, while it
 * may. *wake: the earliest end of a back-off that holds a run back, when
 * earlier than *wake.
 */
static int start_due(struct supervisor *s, struct host_check *checks, size_t count, double now,
                     double *wake)
{
    int started = 0;
    for (int k = 0; k < s->count; k++) {
        struct worker *w = &s->workers[k];
        for (;;) {
            struct host_check *oldest = NULL;
            for (size_t i = 0; i < count; i++) {
                struct host_check *c = &checks[i];
                if (c->worker == k && c->busy && !c->in_flight
                    && (oldest == NULL || c->queued_at < oldest->queued_at)) {
                    oldest = c;
                }
            }
            if (oldest != NULL && !runnable(oldest)) {
                oldest->busy = false;
                continue;
            }
            if (oldest != NULL && backing_off(w, now) && w->restart_at < *wake) {
                *wake = w->restart_at; /* its runs wait, queued, and are started then */
            }
            /* a suspect waits for its worker to drain: nothing else starts before it */
            if (oldest == NULL || !can_start(s, w, oldest)) {
                break;
            }
            started += start_run(s, w, oldest, false) ? 1 : 0;
        }
    }
    return started;
}

int supervisor_schedule(struct supervisor *s, struct host_check *checks, size_t count,
                        double telemetry_s)
{
    double now = host_monotonic_s();
    host_due_start(checks, count, now);
    double next_telemetry = now + telemetry_s;
    host_log(DATADOG_AGENT_INFO,
             "running %zu check instance(s) on %d worker process(es), %d run(s) at once each",
             count, s->count, s->slots);
    int in_flight = 0;
    while (host_signals_stop_signal() == 0) {
        now = host_monotonic_s();
        double wait = host_due_take(checks, count, now, mark_queued, &now);
        double wake = now + wait;
        in_flight += start_due(s, checks, count, now, &wake);
        wait = wake > now ? wake - now : 0;
        if (telemetry_s > 0) {
            if (now >= next_telemetry) {
                supervisor_report_stats(s, checks, count);
                next_telemetry += telemetry_s;
                if (next_telemetry <= now) {
                    next_telemetry = now + telemetry_s;
                }
            }
            wait = wait < next_telemetry - now ? wait : next_telemetry - now;
        }
        in_flight = poll_busy(s, wait);
    }
    drain(s, in_flight);
    return host_signals_stop_signal();
}
