/*
 * supervisor_run.c - runs in flight: one per worker at a time, every busy
 * worker watched by one poll loop (batches replayed as they arrive, run
 * timeouts, stop signals, workers that die mid-run).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sender.h"
#include "supervisor_internal.h"

/* The run is not coming back: the worker died, or was killed. */
static bool finish_lost(struct supervisor *s, struct worker *w, char *why)
{
    (void)s;
    struct host_check *check = w->running;
    w->running = NULL;
    check->busy = false;
    struct host_run_result result = {.duration_ms = (monotonic_s() - w->started) * 1e3};
    if (w->timed_out) {
        if (asprintf(&result.error,
                     "timed out after %g s (run_timeout); the check ignored its cancellation: %s",
                     check->run_timeout, why != NULL ? why : "worker killed")
            < 0) {
            result.error = NULL;
        }
        free(why);
        host_check_report(check, &result);
        host_run_result_free(&result);
        return false; /* a timeout is not a crash: no back-off, no pause */
    }
    result.error = why != NULL ? why : strdup("worker lost");
    host_check_report(check, &result);
    host_run_result_free(&result);
    if (supervisor_stop_signal != 0) {
        return true; /* lost while stopping: a stop, as a run past the grace period in process */
    }
    w->crashes++;
    check->crashes++;
    if (check->crashes >= HOST_WORKER_MAX_CRASHES) {
        check->paused = true;
        char *message = NULL;
        if (asprintf(&message, "%s: its worker crashed on %d runs in a row; paused", check->id,
                     check->crashes)
            >= 0) {
            sender_print_note("paused", check->name, message);
        }
        free(message);
    }
    return false;
}

/* DONE: slot, error, cancelled, duration_ms, warnings, cpu_s, rss_bytes. */
static bool finish_done(struct supervisor *s, struct worker *w, struct wire_in *in)
{
    struct host_check *check = w->running;
    w->running = NULL;
    check->busy = false;
    struct host_run_result result = {0};
    long long cancelled = 0;
    wire_next(in); /* the id: one run at a time per worker */
    result.error = wire_strdup(wire_next(in));
    wire_int(wire_next(in), &cancelled);
    result.cancelled = cancelled != 0;
    wire_double(wire_next(in), &result.duration_ms);
    char **warnings = wire_strings(wire_next(in));
    size_t n = 0; /* host_run_result owns each warning separately */
    while (warnings != NULL && warnings[n] != NULL) {
        n++;
    }
    result.warnings = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n && result.warnings != NULL; i++) {
        result.warnings[i] = strdup(warnings[i]);
    }
    free(warnings);
    double cpu = 0;
    long long rss = 0;
    wire_double(wire_next(in), &cpu);
    wire_int(wire_next(in), &rss);
    check->cpu_s += cpu;
    check->rss_bytes = rss;
    w->rss_bytes = rss;
    if (w->timed_out) {
        /* cancelled in time, still a timeout */
        free(result.error);
        result.cancelled = false;
        if (asprintf(&result.error, "timed out after %g s (run_timeout); cancelled",
                     check->run_timeout)
            < 0) {
            result.error = NULL;
        }
    }
    /* as in process (scheduler.c): a run that raised because it was stopped is no failure */
    bool ok = (host_check_report(check, &result) || result.cancelled) && !w->timed_out;
    host_run_result_free(&result);
    check->crashes = 0;
    w->crashes = 0;
    if (w->kill_at != 0) {
        free(reap(w)); /* a worker exits after a cancel */
    } else if (s->rss_limit_bytes > 0 && rss > s->rss_limit_bytes) {
        char *message = NULL;
        if (asprintf(&message,
                     "worker %d uses %lld MiB after a run of %s, over worker_rss_limit (%lld MiB): "
                     "restarted",
                     (int)w->pid, rss / (1024 * 1024), check->id,
                     s->rss_limit_bytes / (1024 * 1024))
            >= 0) {
            host_log(DATADOG_AGENT_WARNING, "%s", message);
            sender_print_note("worker_restart", check->name, message);
        }
        free(message);
        free(reap(w)); /* end of stream: it exits, and starts again before its next run */
    }
    return ok;
}

/* Sends RUN to the instance's worker (started first when needed). False when reported already. */
static bool start_run(struct supervisor *s, struct worker *w, struct host_check *check,
                      int *failures)
{
    w->running = check;
    w->started = monotonic_s();
    w->kill_at = 0;
    w->timed_out = false;
    w->stop_forwarded = false;
    if (w->pid == 0) {
        char *why = restart(s, w);
        if (why != NULL) {
            *failures += finish_lost(s, w, why) ? 0 : 1;
            return false;
        }
        w->started = monotonic_s();
    }
    wire_begin(&s->out, WIRE_RUN);
    wire_pack_str(&s->out.pk, check->id);
    if (wire_send(w->fd, &s->out) != 0) {
        *failures += finish_lost(s, w, reap(w)) ? 0 : 1;
        return false;
    }
    return true;
}

/* Stop signals and run timeouts of a busy worker: SIGTERM (cancel), then SIGKILL. */
static void watch(struct supervisor *s, struct worker *w, double now)
{
    if (supervisor_stop_signal != 0 && !w->stop_forwarded) {
        w->stop_forwarded = true;
        kill(w->pid, SIGTERM);
        if (w->kill_at == 0) {
            w->kill_at = now + s->grace_s;
        }
    }
    double timeout = w->running->run_timeout;
    if (timeout > 0 && !w->timed_out && now - w->started > timeout) {
        w->timed_out = true;
        host_log(DATADOG_AGENT_WARNING, "check %s: run past its run_timeout of %g s: cancelling",
                 w->running->id, timeout);
        kill(w->pid, SIGTERM);
        double at = now + HOST_TIMEOUT_CANCEL_GRACE_S;
        w->kill_at = w->kill_at == 0 || at < w->kill_at ? at : w->kill_at;
    }
    if (w->kill_at != 0 && now > w->kill_at) {
        host_log(DATADOG_AGENT_WARNING, "worker %d did not finish its cancelled check: killed",
                 (int)w->pid);
        kill(w->pid, SIGKILL);
        w->kill_at = now + 3600; /* once; the socket's end finishes the run */
    }
}

/* Reads one frame of a busy worker. Returns 1 when its run ended, 0 otherwise. */
static int on_readable(struct supervisor *s, struct worker *w, int *failures)
{
    char *data = NULL;
    size_t len = 0;
    if (wire_recv(w->fd, &data, &len) != 0) {
        *failures += finish_lost(s, w, reap(w)) ? 0 : 1;
        return 1;
    }
    struct wire_in in;
    wire_in_init(&in, data, len);
    long long kind = 0;
    int ended = 0;
    if (!wire_int(wire_next(&in), &kind)) {
        *failures += finish_lost(s, w, reap(w)) ? 0 : 1;
        ended = 1;
    } else if (kind == WIRE_BATCH) {
        const msgpack_object *o;
        while ((o = wire_next(&in)) != NULL) {
            replay_record(s, o);
        }
    } else if (kind == WIRE_DONE) {
        *failures += finish_done(s, w, &in) ? 0 : 1;
        ended = 1;
    }
    wire_in_free(&in);
    free(data);
    return ended;
}

/* Per-call buffers of the poll loop: one slot per worker. */
struct busy_set {
    struct pollfd *fds;
    int *owner;
};

static bool busy_set_init(struct busy_set *b, int workers)
{
    b->fds = calloc((size_t)workers, sizeof(struct pollfd));
    b->owner = calloc((size_t)workers, sizeof(int));
    return b->fds != NULL && b->owner != NULL;
}

static void busy_set_free(struct busy_set *b)
{
    free(b->fds);
    free(b->owner);
}

/*
 * Waits up to timeout_ms for the busy workers (sleeps when none is busy),
 * handles what arrived, then watches timeouts and stop signals. Returns how
 * many workers were busy.
 */
static int poll_busy(struct supervisor *s, struct busy_set *b, int timeout_ms, int *failures)
{
    nfds_t busy = 0;
    for (int k = 0; k < s->count; k++) {
        if (s->workers[k].running != NULL) {
            b->fds[busy] = (struct pollfd){.fd = s->workers[k].fd, .events = POLLIN};
            b->owner[busy++] = k;
        }
    }
    if (busy > 0 && timeout_ms > 50) {
        timeout_ms = 50; /* run timeouts and stop signals are watched at this pace */
    }
    int ready = poll(b->fds, busy, timeout_ms); /* a stop signal ends it early (EINTR) */
    if (ready < 0 && errno != EINTR) {
        host_log(DATADOG_AGENT_ERROR, "poll failed: %s", strerror(errno));
        ready = 0;
    }
    double now = monotonic_s();
    for (nfds_t i = 0; i < busy; i++) {
        struct worker *w = &s->workers[b->owner[i]];
        if (ready > 0 && (b->fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0
            && on_readable(s, w, failures)) {
            continue;
        }
        watch(s, w, now);
    }
    return (int)busy;
}

static bool runnable(struct host_check *c)
{
    if (c->paused) {
        host_log(DATADOG_AGENT_WARNING, "check %s is paused after %d crashes in a row: not run",
                 c->id, c->crashes);
        return false;
    }
    return true;
}

int supervisor_run_all(struct supervisor *s, struct host_check *checks, size_t count)
{
    int failures = 0;
    size_t *next = calloc((size_t)s->count, sizeof(size_t)); /* per worker: next instance to try */
    struct busy_set b;
    if (next == NULL || !busy_set_init(&b, s->count)) {
        free(next);
        busy_set_free(&b);
        return (int)count;
    }
    for (;;) {
        /* every idle worker takes its next instance, in configuration order */
        bool any = false;
        for (int k = 0; k < s->count; k++) {
            struct worker *w = &s->workers[k];
            while (supervisor_stop_signal == 0 && w->running == NULL && next[k] < count) {
                struct host_check *c = &checks[next[k]++];
                if (c->worker != k) {
                    continue;
                }
                if (!runnable(c)) {
                    failures++;
                    continue;
                }
                start_run(s, w, c, &failures);
            }
            any |= w->running != NULL;
        }
        if (!any) {
            break; /* polling an empty set would only sleep */
        }
        poll_busy(s, &b, 50, &failures);
    }
    free(next);
    busy_set_free(&b);
    return failures;
}

/* Marks the due instances queued; returns seconds until the next one is due. */
static double queue_due(struct host_check *checks, size_t count, double now)
{
    double wait = 3600;
    for (size_t i = 0; i < count; i++) {
        struct host_check *c = &checks[i];
        if (!c->paused && now >= c->next_run) {
            if (c->busy) {
                host_log(DATADOG_AGENT_WARNING,
                         "check %s is still running or waiting after %.0f s: skipping this run",
                         c->id, c->interval);
            } else {
                c->busy = true;
                c->queued_at = now;
            }
            /* fixed cadence; after a long stall, resume from now rather than bursting */
            c->next_run += c->interval;
            if (c->next_run <= now) {
                c->next_run = now + c->interval;
            }
        }
        if (!c->paused && c->next_run - now < wait) {
            wait = c->next_run - now;
        }
    }
    return wait > 0 ? wait : 0;
}

int supervisor_schedule(struct supervisor *s, struct host_check *checks, size_t count,
                        double telemetry_s)
{
    struct busy_set b;
    if (!busy_set_init(&b, s->count)) {
        busy_set_free(&b);
        return -1;
    }
    double start = monotonic_s();
    for (size_t i = 0; i < count; i++) {
        checks[i].next_run = start; /* the first run of every instance is now */
        checks[i].busy = false;
    }
    double next_telemetry = start + telemetry_s;
    host_log(DATADOG_AGENT_INFO, "running %zu check instance(s) on %d worker process(es)", count,
             s->count);
    int failures = 0, busy = 0;
    while (supervisor_stop_signal == 0 || busy > 0) {
        double now = monotonic_s();
        double wait = 0.05;
        if (supervisor_stop_signal == 0) {
            wait = queue_due(checks, count, now);
            /* an idle worker takes the instance of its own that waited longest */
            for (int k = 0; k < s->count; k++) {
                struct worker *w = &s->workers[k];
                struct host_check *oldest = NULL;
                for (size_t i = 0; w->running == NULL && i < count; i++) {
                    struct host_check *c = &checks[i];
                    if (c->worker == k && c->busy && (oldest == NULL || c->queued_at < oldest->queued_at)) {
                        oldest = c;
                    }
                }
                if (oldest != NULL && !start_run(s, w, oldest, &failures)) {
                    oldest->busy = false; /* reported already */
                }
            }
            if (telemetry_s > 0) {
                if (now >= next_telemetry) {
                    supervisor_report_stats(s, checks, count);
                    next_telemetry += telemetry_s;
                }
                wait = wait < next_telemetry - now ? wait : next_telemetry - now;
            }
        }
        busy = poll_busy(s, &b, (int)(wait * 1000) + 1, &failures);
    }
    busy_set_free(&b);
    host_log(DATADOG_AGENT_INFO, "received signal %d: stopped", (int)supervisor_stop_signal);
    return supervisor_stop_signal;
}

bool supervisor_run(struct supervisor *s, struct host_check *check)
{
    return supervisor_run_all(s, check, 1) == 0;
}
