/*
 * supervisor_run.c - runs in flight: up to `slots` per worker, every busy
 * worker watched by one poll loop with the stop descriptor of signals.c
 * (batches replayed as they arrive, run timeouts, the stop, workers that
 * die mid-run and whom to blame for it).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "due.h"
#include "log.h"
#include "sender.h"
#include "signals.h"
#include "supervisor_internal.h"

/*
 * Reports a run that is over, and frees its instance for the next one.
 * Takes the result's allocations. `stopped`: the run ended because the
 * host stops, no failure.
 */
static bool report(struct supervisor *s, struct host_check *check, struct host_run_result *result,
                   bool stopped)
{
    check->busy = false;
    check->in_flight = false;
    /* as in process (scheduler.c): a run that raised because it was stopped is no failure */
    bool ok = host_check_report(check, result) || result->cancelled || stopped;
    host_run_result_free(result);
    if (!ok) {
        s->failures++;
    }
    return ok;
}

/* A worker died under one run only: that run's instance crashed it. */
static void count_crash(struct host_check *check)
{
    check->crashes++;
    if (check->crashes < HOST_WORKER_MAX_CRASHES || check->paused) {
        return;
    }
    check->paused = true;
    char *message = NULL;
    if (asprintf(&message, "%s: its worker crashed on %d runs in a row; paused", check->id,
                 check->crashes)
        >= 0) {
        sender_print_note("paused", check->name, message);
    }
    free(message);
}

/*
 * The worker's socket ended (or could not be written): every run in flight
 * on it is over. `how` (taken) says how the worker ended. Blame: a run
 * past its run_timeout is a timeout; when the supervisor killed the worker
 * for another run, the others say why; a crash under one run counts
 * against its instance; a crash under k > 1 runs fails them all and makes
 * each instance a suspect, run alone next (it is not counted: which one
 * crashed is not known).
 */
static void worker_lost(struct supervisor *s, struct worker *w, char *how)
{
    const char *ended = how != NULL ? how : "worker lost";
    /* lost while stopping: a stop, as a run past the grace period in process */
    bool stopping = host_signals_stop_signal() != 0;
    bool crash = w->kill_reason == NULL && !stopping;
    for (int i = 0; i < w->in_flight; i++) {
        crash &= w->flights[i].kill_at == 0;
    }
    for (int i = 0; i < w->in_flight; i++) {
        struct flight *f = &w->flights[i];
        struct host_check *check = f->check;
        struct host_run_result result = {.duration_ms = (host_monotonic_s() - f->started) * 1e3};
        int written;
        if (f->kill_at != 0) {
            written = asprintf(&result.error,
                               "timed out after %g s (run_timeout); the check ignored its "
                               "cancellation: %s",
                               check->run_timeout, ended);
            /* it runs alone next: otherwise every run sharing its worker would be killed
             * with it, cycle after cycle (a check stuck in C code holding the GIL) */
            check->suspect = true;
        } else if (w->kill_reason != NULL) {
            written = asprintf(&result.error, "its worker was killed because %s: %s",
                               w->kill_reason, ended);
        } else if (w->in_flight > 1 && !stopping) {
            written = asprintf(&result.error,
                               "%s with %d runs in flight (each of them runs alone next)", ended,
                               w->in_flight);
            check->suspect = true;
        } else {
            written = asprintf(&result.error, "%s", ended);
        }
        if (written < 0) {
            result.error = NULL;
        }
        report(s, check, &result, stopping);
        if (crash && w->in_flight == 1) {
            count_crash(check); /* after its run's line: the pause note follows it */
        }
    }
    if (crash && w->in_flight > 0) {
        w->crashes++;
    }
    w->restart_at = 0;
    if (w->crashes > 0 && !stopping) {
        /* a deadline, not a sleep: the other workers are served meanwhile */
        double backoff = fmin(0.1 * pow(2, w->crashes - 1), BACKOFF_MAX_S);
        w->restart_at = host_monotonic_s() + backoff;
        host_log(DATADOG_AGENT_INFO, "restarting a worker in %.1f s at the earliest (back-off)",
                 backoff);
    }
    free(how);
    free(w->kill_reason);
    w->kill_reason = NULL;
    w->in_flight = 0;
    w->solo = false;
    w->draining = false;
    w->stop_forwarded = false;
}

static struct flight *find_flight(struct worker *w, const char *id)
{
    for (int i = 0; id != NULL && i < w->in_flight; i++) {
        if (strcmp(w->flights[i].check->id, id) == 0) {
            return &w->flights[i];
        }
    }
    return NULL;
}

/* A worker over worker_rss_limit after a run: restarted once its runs ended. */
static void check_rss(struct supervisor *s, struct worker *w, const struct host_check *check,
                      long long rss)
{
    if (s->rss_limit_bytes <= 0 || rss <= s->rss_limit_bytes || w->draining) {
        return;
    }
    char *message = NULL;
    if (asprintf(&message,
                 "worker %d uses %lld MiB after a run of %s, over worker_rss_limit (%lld MiB): "
                 "restarted",
                 (int)w->pid, rss / (1024 * 1024), check->id, s->rss_limit_bytes / (1024 * 1024))
        >= 0) {
        host_log(DATADOG_AGENT_WARNING, "%s", message);
        sender_print_note("worker_restart", check->name, message);
    }
    free(message);
    w->draining = true;
}

/* DONE: id, error, cancelled, duration_ms, warnings, cpu_s, rss_bytes. */
static void finish_done(struct supervisor *s, struct worker *w, struct wire_in *in)
{
    char *id = wire_strdup(wire_next(in));
    struct flight *f = find_flight(w, id);
    free(id);
    if (f == NULL) {
        host_log(DATADOG_AGENT_ERROR, "worker %d reported a run it was not given", (int)w->pid);
        return;
    }
    struct host_check *check = f->check;
    bool timed_out = f->kill_at != 0;
    *f = w->flights[--w->in_flight];
    struct host_run_result result = {0};
    long long cancelled = 0;
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
    if (timed_out) {
        /* cancelled in time, still a timeout; the instance stays cancelled: a new worker */
        free(result.error);
        result.cancelled = false;
        if (asprintf(&result.error, "timed out after %g s (run_timeout); cancelled",
                     check->run_timeout)
            < 0) {
            result.error = NULL;
        }
        w->draining = true;
    }
    if (check->suspect) {
        w->solo = false; /* it ran alone and returned: no longer suspected */
        check->suspect = false;
    }
    check->crashes = 0;
    w->crashes = 0;
    report(s, check, &result, false);
    check_rss(s, w, check, rss);
    if (w->draining && w->in_flight == 0) {
        free(reap(w)); /* end of stream: it exits, and starts again before its next run */
        w->draining = false;
        w->stop_forwarded = false;
    }
}

bool can_start(const struct supervisor *s, const struct worker *w, const struct host_check *c)
{
    if (w->draining || w->solo || w->stop_forwarded || host_signals_stop_signal() != 0
        || (w->pid == 0 && backing_off(w, host_monotonic_s()))) {
        return false;
    }
    return c->suspect ? w->in_flight == 0 : w->in_flight < s->slots;
}

bool start_run(struct supervisor *s, struct worker *w, struct host_check *check, bool alone)
{
    struct flight *f = &w->flights[w->in_flight++];
    *f = (struct flight){.check = check, .started = host_monotonic_s(), .alone = alone};
    check->in_flight = true;
    w->solo = check->suspect;
    if (w->pid == 0) {
        char *why = restart(s, w);
        if (why != NULL && host_signals_stop_signal() != 0) {
            /* the stop came during the restart: dropped, as a queued run in process */
            free(why);
            w->in_flight--;
            check->in_flight = false;
            check->busy = false;
            w->solo = false;
            return false;
        }
        if (why != NULL) {
            worker_lost(s, w, why);
            return false;
        }
        f->started = host_monotonic_s();
    }
    wire_begin(&s->out, WIRE_RUN);
    wire_pack_str(&s->out.pk, check->id);
    msgpack_pack_int(&s->out.pk, alone ? 1 : 0);
    if (wire_send(w->fd, &s->out) != 0) {
        worker_lost(s, w, reap(w));
        return false;
    }
    return true;
}

/* The stop and run timeouts of a busy worker: SIGTERM, `cancel <id>`, SIGKILL. */
static void watch(struct supervisor *s, struct worker *w, double now)
{
    if (host_signals_stop_signal() != 0 && !w->stop_forwarded) {
        w->stop_forwarded = true;
        kill(w->pid, SIGTERM); /* the worker cancels every run it has */
    }
    for (int i = 0; i < w->in_flight; i++) {
        struct flight *f = &w->flights[i];
        double timeout = f->check->run_timeout;
        if (timeout > 0 && f->kill_at == 0 && now - f->started > timeout) {
            host_log(DATADOG_AGENT_WARNING, "check %s: run past its run_timeout of %g s: cancelling",
                     f->check->id, timeout);
            f->kill_at = now + HOST_TIMEOUT_CANCEL_GRACE_S;
            w->draining = true; /* its instance stays cancelled: a new worker once drained */
            if (f->alone) {
                kill(w->pid, SIGUSR1); /* its request loop runs it: no one reads a cancel */
            } else {
                wire_begin(&s->out, WIRE_CANCEL);
                wire_pack_str(&s->out.pk, f->check->id);
                wire_send(w->fd, &s->out); /* a dead worker: its socket's end says so */
            }
        }
        if (f->kill_at != 0 && now > f->kill_at && w->kill_reason == NULL) {
            if (asprintf(&w->kill_reason,
                         "check %s ignored its cancellation after its run_timeout of %g s",
                         f->check->id, timeout)
                < 0) {
                w->kill_reason = NULL;
            }
            host_log(DATADOG_AGENT_WARNING, "worker %d: check %s did not return once cancelled: killed",
                     (int)w->pid, f->check->id);
            kill(w->pid, SIGKILL); /* the socket's end finishes its runs */
        }
    }
}

/* Reads one frame of a busy worker. */
static void on_readable(struct supervisor *s, struct worker *w)
{
    char *data = NULL;
    size_t len = 0;
    if (wire_recv(w->fd, &data, &len) != 0) {
        worker_lost(s, w, reap(w));
        return;
    }
    struct wire_in in;
    wire_in_init(&in, data, len);
    long long kind = 0;
    if (!wire_int(wire_next(&in), &kind)) {
        worker_lost(s, w, reap(w));
    } else if (kind == WIRE_BATCH) {
        const msgpack_object *o;
        while ((o = wire_next(&in)) != NULL) {
            replay_record(s, o);
        }
    } else if (kind == WIRE_DONE) {
        finish_done(s, w, &in);
    }
    wire_in_free(&in);
    free(data);
}

int poll_busy(struct supervisor *s, double timeout_s)
{
    nfds_t n = 0;
    int stop_fd = host_signals_stop_fd();
    if (stop_fd >= 0 && host_signals_stop_signal() == 0) {
        s->fds[n] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
        s->owner[n++] = -1;
    }
    bool busy = false;
    for (int k = 0; k < s->count; k++) {
        if (s->workers[k].in_flight > 0) {
            s->fds[n] = (struct pollfd){.fd = s->workers[k].fd, .events = POLLIN};
            s->owner[n++] = k;
            busy = true;
        }
    }
    if (busy && timeout_s > 0.05) {
        timeout_s = 0.05; /* run timeouts are watched at this pace */
    }
    int ready = poll(s->fds, n, (int)(timeout_s * 1000) + (timeout_s > 0 ? 1 : 0));
    if (ready < 0 && errno != EINTR) {
        host_log(DATADOG_AGENT_ERROR, "poll failed: %s", strerror(errno));
        ready = 0;
    }
    double now = host_monotonic_s();
    int in_flight = 0;
    for (nfds_t i = 0; i < n; i++) {
        if (s->owner[i] < 0) {
            continue;
        }
        struct worker *w = &s->workers[s->owner[i]];
        if (ready > 0 && (s->fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            on_readable(s, w);
        }
        if (w->in_flight > 0) {
            watch(s, w, now);
        }
        in_flight += w->in_flight;
    }
    return in_flight;
}

bool runnable(const struct host_check *c)
{
    if (c->paused) {
        host_log(DATADOG_AGENT_WARNING, "check %s is paused after %d crashes in a row: not run",
                 c->id, c->crashes);
        return false;
    }
    return true;
}
