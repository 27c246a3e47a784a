/*
 * scheduler.c - a due-time loop on the main thread feeding a job queue that
 * worker threads drain, for `run` (every instance on its interval) and
 * `check` (rounds of every instance on one worker). Checks never run on the
 * main thread: it only waits for the stop (signals.h) or the end of the
 * work, so a signal is acted upon whatever the checks do.
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE /* pipe2 */
#endif

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "due.h"
#include "log.h"
#include "memstats.h"
#include "scheduler.h"
#include "signals.h"

/* The main thread gives up on running checks this long before the watchdog's deadline, to exit itself. */
#define EXIT_MARGIN_S 0.2
/* How long a cancel_check may take to return once the run it cancelled has ended. */
#define CANCEL_RETURN_WAIT_S 0.25

struct scheduler {
    rtloader_t *rt;
    pthread_mutex_t lock;
    pthread_cond_t work;  /* a job was queued, or stop */
    pthread_cond_t idle;  /* a worker finished a job (CLOCK_MONOTONIC) */
    int wake[2];          /* a byte per finished job: wakes the main thread's poll */
    struct host_check **queue;
    size_t head, tail, cap; /* ring of cap slots; one per instance is enough */
    int active;             /* jobs being run */
    int cancellers;         /* cancel_check calls not returned yet */
    /*
     * Joined with the workers once every run and cancel() ended: a thread
     * still exiting (its Python thread state deleted at exit, on the GIL)
     * must not overlap the process's exit and LeakSanitizer's scan there.
     * One per running instance at most, main thread only.
     */
    pthread_t *canceller_threads;
    size_t canceller_count;
    int failures;           /* failed runs, cancelled ones aside */
    bool stop;
};

struct canceller {
    struct scheduler *s;
    struct host_check *check;
};

static void wake_main(struct scheduler *s)
{
    ssize_t ignored = write(s->wake[1], "w", 1); /* non-blocking: a full pipe already wakes */
    (void)ignored;
}

static void drain_wake(struct scheduler *s)
{
    char buf[64];
    while (read(s->wake[0], buf, sizeof(buf)) > 0) {
    }
}

static void *worker_main(void *arg)
{
    struct scheduler *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->stop && s->head == s->tail) {
            pthread_cond_wait(&s->work, &s->lock);
        }
        if (s->stop) {
            break;
        }
        struct host_check *check = s->queue[s->head];
        s->head = (s->head + 1) % s->cap;
        s->active++;
        pthread_mutex_unlock(&s->lock);

        /* the processes this run starts are the check's: cancelling it kills them */
        host_children_set_owner(check);
        bool ok = host_check_run(s->rt, check);
        host_children_set_owner(NULL);

        pthread_mutex_lock(&s->lock);
        if (!ok && !atomic_load(&check->cancelled)) {
            s->failures++;
        }
        check->busy = false;
        s->active--;
        pthread_cond_broadcast(&s->idle);
        wake_main(s);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* cancel_check needs the GIL, which a check may hold for long: never on the main thread. */
static void *canceller_main(void *arg)
{
    struct canceller *c = arg;
    struct scheduler *s = c->s;
    host_check_cancel(s->rt, c->check);
    pthread_mutex_lock(&s->lock);
    s->cancellers--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
    free(c);
    return NULL;
}

static void queue_check(struct scheduler *s, struct host_check *c)
{
    c->busy = true;
    s->queue[s->tail] = c;
    s->tail = (s->tail + 1) % s->cap;
    pthread_cond_signal(&s->work);
}

/* host_due_take's hand-over: caller holds s->lock. */
static void take_due(void *ctx, struct host_check *c)
{
    queue_check(ctx, c);
}

/* Queues the due instances; returns seconds until the next one is due. */
static double schedule_due(struct scheduler *s, struct host_check *checks, size_t count,
                           double now)
{
    pthread_mutex_lock(&s->lock);
    double wait = host_due_take(checks, count, now, take_due, s);
    pthread_mutex_unlock(&s->lock);
    return wait;
}

static void start_canceller(struct scheduler *s, struct host_check *check)
{
    if (s->canceller_count == s->cap) {
        return; /* not reached: one stop, one canceller per running instance */
    }
    struct canceller *c = malloc(sizeof(*c));
    if (c == NULL) {
        return;
    }
    c->s = s;
    c->check = check;
    pthread_mutex_lock(&s->lock);
    s->cancellers++;
    pthread_mutex_unlock(&s->lock);
    if (pthread_create(&s->canceller_threads[s->canceller_count], NULL, canceller_main, c) != 0) {
        pthread_mutex_lock(&s->lock);
        s->cancellers--;
        pthread_mutex_unlock(&s->lock);
        free(c);
        return;
    }
    s->canceller_count++;
}

/*
 * Drops queued runs, kills the running ones' processes, cancels them (each
 * on a thread of its own) and waits for the runs to end, until shortly
 * before the watchdog's deadline. Returns whether every thread is done.
 */
static bool cancel_and_drain(struct scheduler *s, struct host_check *checks, size_t count)
{
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    s->head = s->tail; /* drop what has not started */
    pthread_cond_broadcast(&s->work);
    pthread_mutex_unlock(&s->lock);

    for (size_t i = 0; i < count; i++) {
        pthread_mutex_lock(&s->lock);
        bool running = checks[i].busy;
        pthread_mutex_unlock(&s->lock);
        if (running) {
            host_log(DATADOG_AGENT_INFO, "cancelling check %s", checks[i].id);
            atomic_store(&checks[i].cancelled, true);
            host_children_kill(&checks[i]);
            start_canceller(s, &checks[i]);
        }
    }

    struct timespec deadline
        = host_time_after(CLOCK_MONOTONIC, host_signals_time_left() - EXIT_MARGIN_S);
    pthread_mutex_lock(&s->lock);
    while (s->active > 0) {
        if (pthread_cond_timedwait(&s->idle, &s->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    int left = s->active;
    if (left == 0 && s->cancellers > 0) {
        /* once the runs ended, a cancel() still busy (sleeping, say) gets a moment, not more */
        struct timespec moment = host_time_after(CLOCK_MONOTONIC, CANCEL_RETURN_WAIT_S);
        bool sooner = moment.tv_sec < deadline.tv_sec
                      || (moment.tv_sec == deadline.tv_sec && moment.tv_nsec < deadline.tv_nsec);
        while (s->cancellers > 0) {
            if (pthread_cond_timedwait(&s->idle, &s->lock, sooner ? &moment : &deadline)
                == ETIMEDOUT) {
                break;
            }
        }
    }
    bool all_done = left == 0 && s->cancellers == 0;
    pthread_mutex_unlock(&s->lock);
    if (left > 0) {
        host_log(DATADOG_AGENT_WARNING,
                 "%d check(s) still running after being cancelled: exiting without them", left);
    } else if (!all_done) {
        host_log(DATADOG_AGENT_WARNING,
                 "a check's cancel() has not returned although its run ended: exiting without it");
    }
    return all_done;
}

static struct scheduler *scheduler_new(rtloader_t *rt, size_t count)
{
    struct scheduler *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->rt = rt;
    s->cap = count + 1;
    s->queue = calloc(s->cap, sizeof(*s->queue));
    s->canceller_threads = calloc(s->cap, sizeof(*s->canceller_threads));
    if (s->queue == NULL || s->canceller_threads == NULL
        || pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(s->canceller_threads);
        free(s->queue);
        free(s);
        return NULL;
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->idle, &attr);
    pthread_condattr_destroy(&attr);
    return s;
}

/* Joins and frees when every thread is done; else leaves it all to the process's end. */
static void scheduler_finish(struct scheduler *s, pthread_t *threads, int started, bool all_done)
{
    if (all_done) {
        for (int i = 0; i < started; i++) {
            pthread_join(threads[i], NULL);
        }
        for (size_t i = 0; i < s->canceller_count; i++) {
            pthread_join(s->canceller_threads[i], NULL);
        }
        pthread_cond_destroy(&s->work);
        pthread_cond_destroy(&s->idle);
        pthread_mutex_destroy(&s->lock);
        close(s->wake[0]);
        close(s->wake[1]);
        free(s->canceller_threads);
        free(s->queue);
        free(s);
    } else {
        /* stuck threads still use the scheduler: leave it allocated */
        for (int i = 0; i < started; i++) {
            pthread_detach(threads[i]);
        }
        for (size_t i = 0; i < s->canceller_count; i++) {
            pthread_detach(s->canceller_threads[i]);
        }
    }
    free(threads);
}

static int start_workers(struct scheduler *s, pthread_t *threads, int workers)
{
    int started = 0;
    for (; started < workers; started++) {
        if (pthread_create(&threads[started], NULL, worker_main, s) != 0) {
            break;
        }
    }
    return started;
}

int scheduler_run(rtloader_t *rt, struct host_check *checks, size_t count,
                  const struct scheduler_options *options, bool *threads_left)
{
    *threads_left = false;
    /* on the heap: threads stuck in a check past the grace period keep using it */
    struct scheduler *s = scheduler_new(rt, count);
    int workers = options->workers > 0 ? options->workers : 1;
    pthread_t *threads = calloc((size_t)workers, sizeof(pthread_t));
    if (s == NULL || threads == NULL) {
        free(threads);
        if (s != NULL) {
            scheduler_finish(s, NULL, 0, true);
        }
        return -1;
    }
    int started = start_workers(s, threads, workers);
    int stopped_by = started > 0 ? 0 : -1;
    double start = host_monotonic_s();
    host_due_start(checks, count, start);
    double next_memstats = start + HOST_MEMSTATS_INTERVAL_S;
    host_log(DATADOG_AGENT_INFO, "running %zu check instance(s) on %d worker(s)", count, started);

    while (stopped_by == 0) {
        double now = host_monotonic_s();
        double wait = schedule_due(s, checks, count, now);
        if (options->memstats) {
            if (now >= next_memstats) {
                memstats_report(rt);
                next_memstats += HOST_MEMSTATS_INTERVAL_S;
            }
            wait = fmin(wait, fmax(next_memstats - now, 0));
        }
        if (host_signals_wait(wait, -1)) {
            stopped_by = host_signals_stop_signal();
        }
    }

    bool all_done = cancel_and_drain(s, checks, count);
    *threads_left = !all_done;
    scheduler_finish(s, threads, started, all_done);
    return stopped_by;
}

/* Waits for the queued round to end; false when a stop came first. */
static bool wait_round(struct scheduler *s)
{
    for (;;) {
        pthread_mutex_lock(&s->lock);
        bool done = s->head == s->tail && s->active == 0;
        pthread_mutex_unlock(&s->lock);
        if (done) {
            return true;
        }
        if (host_signals_wait(-1, s->wake[0])) {
            return false;
        }
        drain_wake(s);
    }
}

struct round {
    struct scheduler *s;
    struct host_check *checks;
    size_t count;
};

/* One round of `check`: every instance queued, then waited for. False when a stop came first. */
static bool run_round(void *ctx)
{
    struct round *r = ctx;
    pthread_mutex_lock(&r->s->lock);
    for (size_t i = 0; i < r->count; i++) {
        queue_check(r->s, &r->checks[i]);
    }
    pthread_mutex_unlock(&r->s->lock);
    return wait_round(r->s);
}

int scheduler_run_times(rtloader_t *rt, struct host_check *checks, size_t count, int times,
                        double interval_s, bool *threads_left)
{
    *threads_left = false;
    struct scheduler *s = scheduler_new(rt, count);
    pthread_t *threads = calloc(1, sizeof(pthread_t));
    if (s == NULL || threads == NULL || start_workers(s, threads, 1) != 1) {
        free(threads);
        if (s != NULL) {
            scheduler_finish(s, NULL, 0, true);
        }
        host_log(DATADOG_AGENT_ERROR, "cannot start the thread that runs the checks");
        return (int)count * times;
    }
    struct round r = {s, checks, count};
    host_rounds(times, interval_s, run_round, &r);
    bool all_done = cancel_and_drain(s, checks, count);
    pthread_mutex_lock(&s->lock);
    int failures = s->failures;
    pthread_mutex_unlock(&s->lock);
    *threads_left = !all_done;
    scheduler_finish(s, threads, 1, all_done);
    return failures;
}
