/*
 * scheduler.c - a due-time loop on the main thread feeding a job queue that
 * worker threads drain. Signals are taken synchronously (sigtimedwait) by
 * the main thread only: workers block them, so a signal never lands inside
 * Python code on a worker.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "memstats.h"
#include "scheduler.h"

struct scheduler {
    rtloader_t *rt;
    pthread_mutex_t lock;
    pthread_cond_t work;   /* a job was queued, or stop */
    pthread_cond_t idle;   /* a worker finished a job */
    struct host_check **queue;
    size_t head, tail, cap; /* ring of cap slots; one per instance is enough */
    int active;             /* jobs being run */
    bool stop;
};

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

        host_check_run(s->rt, check);

        pthread_mutex_lock(&s->lock);
        check->busy = false;
        s->active--;
        pthread_cond_broadcast(&s->idle);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Queues the due instances; returns seconds until the next one is due. */
static double schedule_due(struct scheduler *s, struct host_check *checks, size_t count,
                           double now)
{
    double wait = 3600;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < count; i++) {
        struct host_check *c = &checks[i];
        if (now >= c->next_run) {
            if (c->busy) {
                host_log(DATADOG_AGENT_WARNING,
                         "check %s is still running after %.0f s: skipping this run", c->id,
                         c->interval);
            } else {
                c->busy = true;
                s->queue[s->tail] = c;
                s->tail = (s->tail + 1) % s->cap;
                pthread_cond_signal(&s->work);
            }
            /* fixed cadence; after a long stall, resume from now rather than bursting */
            c->next_run += c->interval;
            if (c->next_run <= now) {
                c->next_run = now + c->interval;
            }
        }
        if (c->next_run - now < wait) {
            wait = c->next_run - now;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return wait > 0 ? wait : 0;
}

static void cancel_and_drain(struct scheduler *s, struct host_check *checks, size_t count,
                             double grace_s)
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
            host_check_cancel(s->rt, &checks[i]);
        }
    }

    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    double whole = floor(grace_s);
    deadline.tv_sec += (time_t)whole;
    deadline.tv_nsec += (long)((grace_s - whole) * 1e9);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    while (s->active > 0) {
        if (pthread_cond_timedwait(&s->idle, &s->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    int left = s->active;
    pthread_mutex_unlock(&s->lock);
    if (left > 0) {
        host_log(DATADOG_AGENT_WARNING,
                 "%d check(s) still running %.1f s after being cancelled: exiting without them",
                 left, grace_s);
    }
}

int scheduler_run(rtloader_t *rt, struct host_check *checks, size_t count,
                  const struct scheduler_options *options, bool *workers_left)
{
    *workers_left = false;
    /* on the heap: workers stuck in a check past the grace period keep using it */
    struct scheduler *s = calloc(1, sizeof(*s));
    int workers = options->workers > 0 ? options->workers : 1;
    pthread_t *threads = calloc((size_t)workers, sizeof(pthread_t));
    if (s != NULL) {
        s->rt = rt;
        s->cap = count + 1;
        s->queue = calloc(s->cap, sizeof(*s->queue));
    }
    if (s == NULL || s->queue == NULL || threads == NULL) {
        if (s != NULL) {
            free(s->queue);
        }
        free(s);
        free(threads);
        return -1;
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->idle, NULL);

    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);

    int started = 0;
    for (; started < workers; started++) {
        if (pthread_create(&threads[started], NULL, worker_main, s) != 0) {
            break;
        }
    }
    int stopped_by = started > 0 ? 0 : -1;
    double start = monotonic_s();
    for (size_t i = 0; i < count; i++) {
        checks[i].next_run = start; /* the first run of every instance is now */
    }
    double next_memstats = start + HOST_MEMSTATS_INTERVAL_S;
    host_log(DATADOG_AGENT_INFO, "running %zu check instance(s) on %d worker(s)", count, started);

    while (stopped_by == 0) {
        double now = monotonic_s();
        double wait = schedule_due(s, checks, count, now);
        if (options->memstats) {
            if (now >= next_memstats) {
                memstats_report(rt);
                next_memstats += HOST_MEMSTATS_INTERVAL_S;
            }
            wait = fmin(wait, fmax(next_memstats - now, 0));
        }
        double whole = floor(wait);
        struct timespec timeout = {(time_t)whole, (long)((wait - whole) * 1e9)};
        int sig = sigtimedwait(&stop_signals, NULL, &timeout);
        if (sig > 0) {
            host_log(DATADOG_AGENT_INFO, "received signal %d: stopping", sig);
            stopped_by = sig;
        } else if (sig < 0 && errno != EAGAIN && errno != EINTR) {
            host_log(DATADOG_AGENT_ERROR, "sigtimedwait failed: stopping");
            stopped_by = -1;
        }
    }

    cancel_and_drain(s, checks, count, options->cancel_grace_s);
    pthread_mutex_lock(&s->lock);
    bool all_idle = s->active == 0;
    pthread_mutex_unlock(&s->lock);
    if (all_idle) {
        for (int i = 0; i < started; i++) {
            pthread_join(threads[i], NULL);
        }
        pthread_cond_destroy(&s->work);
        pthread_cond_destroy(&s->idle);
        pthread_mutex_destroy(&s->lock);
        free(s->queue);
        free(s);
    } else {
        /* stuck workers still use the scheduler: leave it allocated for the process's end */
        *workers_left = true;
        for (int i = 0; i < started; i++) {
            pthread_detach(threads[i]);
        }
    }
    free(threads);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return stopped_by;
}

int scheduler_run_times(rtloader_t *rt, struct host_check *checks, size_t count, int times,
                        double interval_s)
{
    int failures = 0;
    for (int round = 0; round < times; round++) {
        if (round > 0 && interval_s > 0) {
            double whole = floor(interval_s);
            struct timespec pause = {(time_t)whole, (long)((interval_s - whole) * 1e9)};
            while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
            }
        }
        for (size_t i = 0; i < count; i++) {
            failures += host_check_run(rt, &checks[i]) ? 0 : 1;
        }
    }
    return failures;
}
