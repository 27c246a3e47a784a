/*
 * worker_runs.c - the run threads of a worker process and their
 * cancellation. See worker_runs.h.
 *
 * Each run thread is one OS thread for its whole life, so the Python
 * thread state ensure_gil gives it is its own on every run (as the
 * in-process scheduler's threads). The request loop (worker.c, the main
 * thread) only queues: it keeps reading the socket while runs execute.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "due.h"
#include "log.h"
#include "worker_runs.h"

/* How long a cancel() may take to return once the runs ended, before the worker exits without it. */
#define CANCEL_RETURN_WAIT_S 0.25

static struct {
    rtloader_t *rt;
    int fd;
    pthread_mutex_t lock;
    pthread_cond_t work; /* a run was queued, or closing */
    pthread_cond_t idle; /* a run or a cancel ended */
    struct host_check **pending; /* FIFO */
    size_t pending_count, pending_cap;
    struct host_check **flights; /* the runs in flight, one per thread at most */
    int flight_count, threads;
    pthread_t *ids;
    int cancellers; /* cancel() calls not returned yet */
    bool stopping;  /* a stop signal: every run cancelled, exit once idle */
    bool closing;   /* the request loop ended: threads exit */
} runs = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .work = PTHREAD_COND_INITIALIZER,
          .idle = PTHREAD_COND_INITIALIZER};

/*
 * SIGTERM/SIGINT from the supervisor (the host stops) cancel every run:
 * the handler only writes to a pipe, the canceller thread does the rest.
 * Python's own SIGINT handler would raise KeyboardInterrupt inside a check.
 */
static int signal_pipe[2] = {-1, -1};

static void on_stop_signal(int sig)
{
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    if (write(signal_pipe[1], &byte, 1) < 0) {
        /* nothing to do in a handler */
    }
    errno = saved;
}

/*
 * CPU time of the calling thread: runs share the worker, each on its own
 * thread, so the process's clock would count the others' too (threads a
 * check starts itself are not counted). A clock read, not getrusage: this
 * is on the per-run path.
 */
static double thread_cpu_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
        return 0;
    }
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Caller holds runs.lock. An idle stopping worker ends its request loop. */
static void close_if_stopped_locked(void)
{
    if (runs.stopping && runs.flight_count == 0 && runs.pending_count == 0) {
        shutdown(runs.fd, SHUT_RD);
    }
}

static void *cancel_main(void *arg)
{
    struct host_check *check = arg;
    host_log(DATADOG_AGENT_INFO, "worker %d: cancelling check %s", (int)getpid(), check->id);
    host_check_cancel(runs.rt, check);
    pthread_mutex_lock(&runs.lock);
    runs.cancellers--;
    pthread_cond_broadcast(&runs.idle);
    pthread_mutex_unlock(&runs.lock);
    return NULL;
}

/*
 * Caller holds runs.lock. First, as the in-process scheduler does, the
 * run's get_subprocess_output commands are killed: a run stuck on one ends
 * at once instead of getting its worker killed. cancel_check needs the GIL,
 * which a check may hold for long: on a thread of its own.
 */
static void cancel_locked(struct host_check *check)
{
    /* first: a run whose command is killed below ends as cancelled, not failed */
    atomic_store(&check->cancelled, true);
    host_children_kill(check);
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attr, cancel_main, check) == 0) {
        runs.cancellers++;
    } else {
        host_log(DATADOG_AGENT_ERROR, "worker %d: cannot start a thread to cancel %s",
                 (int)getpid(), check->id);
    }
    pthread_attr_destroy(&attr);
}

/*
 * The signals' thread. SIGTERM/SIGINT: the host stops, every run in flight
 * is cancelled and the worker exits once idle. SIGUSR1: the run on the
 * request loop's thread (worker_runs_inline) is past its run_timeout: the
 * runs in flight are cancelled, the worker goes on. GIL: not held.
 */
static void *signal_main(void *arg)
{
    (void)arg;
    for (;;) {
        unsigned char byte;
        ssize_t n = read(signal_pipe[0], &byte, 1);
        if (n != 1) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return NULL;
        }
        pthread_mutex_lock(&runs.lock);
        if (byte != SIGUSR1) {
            runs.stopping = true;
        }
        for (int i = 0; i < runs.flight_count; i++) {
            cancel_locked(runs.flights[i]);
        }
        close_if_stopped_locked();
        pthread_mutex_unlock(&runs.lock);
    }
}

static void start_signal_thread(void)
{
    if (pipe2(signal_pipe, O_CLOEXEC) != 0) {
        return;
    }
    pthread_t thread;
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGUSR1);
    /* the handler runs on the other threads: this one must never be interrupted */
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    if (pthread_create(&thread, NULL, signal_main, NULL) == 0) {
        pthread_detach(thread);
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* Runs one instance and sends its DONE. Caller does not hold runs.lock. */
static void run_one(struct host_check *check, bool stop_first, struct wire_out *reply)
{
    struct host_run_result result = {0};
    double cpu = thread_cpu_s();
    if (stop_first) {
        result.error = strdup("the worker is stopping");
        result.cancelled = true;
    } else {
        host_children_set_owner(check); /* a cancel kills this run's commands */
        host_check_execute(runs.rt, check, &result);
        host_children_set_owner(NULL);
    }
    cpu = thread_cpu_s() - cpu;
    if (worker_send_done(check->id, &result, cpu, reply) != 0) {
        _exit(0); /* the supervisor is gone: nothing to report to */
    }
    host_run_result_free(&result);
}

static void remove_flight_locked(struct host_check *check)
{
    for (int i = 0; i < runs.flight_count; i++) {
        if (runs.flights[i] == check) {
            runs.flights[i] = runs.flights[--runs.flight_count];
            return;
        }
    }
}

static void *run_thread(void *arg)
{
    (void)arg;
    struct wire_out reply = {0}; /* this thread's DONE frames */
    pthread_mutex_lock(&runs.lock);
    for (;;) {
        while (!runs.closing && runs.pending_count == 0) {
            pthread_cond_wait(&runs.work, &runs.lock);
        }
        if (runs.pending_count == 0) {
            break; /* closing */
        }
        struct host_check *check = runs.pending[0];
        memmove(runs.pending, runs.pending + 1, --runs.pending_count * sizeof(*runs.pending));
        runs.flights[runs.flight_count++] = check;
        bool stop_first = runs.stopping;
        pthread_mutex_unlock(&runs.lock);

        run_one(check, stop_first, &reply);

        pthread_mutex_lock(&runs.lock);
        remove_flight_locked(check);
        close_if_stopped_locked();
        pthread_cond_broadcast(&runs.idle);
    }
    pthread_mutex_unlock(&runs.lock);
    wire_free(&reply);
    return NULL;
}

int worker_runs_start(rtloader_t *rt, int fd, int threads)
{
    runs.rt = rt;
    runs.fd = fd;
    runs.threads = threads > 0 ? threads : 1;
    /* one more: the run of the request loop's own thread (worker_runs_inline) */
    runs.flights = calloc((size_t)runs.threads + 1, sizeof(*runs.flights));
    runs.ids = calloc((size_t)runs.threads, sizeof(*runs.ids));
    if (runs.flights == NULL || runs.ids == NULL) {
        return -1;
    }
    start_signal_thread();
    int started = 0;
    for (; started < runs.threads; started++) {
        if (pthread_create(&runs.ids[started], NULL, run_thread, NULL) != 0) {
            break;
        }
    }
    runs.threads = started; /* flights has room for every thread that runs */
    return started > 0 ? 0 : -1;
}

void worker_runs_request(struct host_check *check)
{
    pthread_mutex_lock(&runs.lock);
    if (runs.pending_count == runs.pending_cap) {
        size_t cap = runs.pending_cap > 0 ? runs.pending_cap * 2 : 16;
        struct host_check **grown = realloc(runs.pending, cap * sizeof(*grown));
        if (grown == NULL) {
            abort(); /* out of memory in a worker: the supervisor reports the crash */
        }
        runs.pending = grown;
        runs.pending_cap = cap;
    }
    runs.pending[runs.pending_count++] = check;
    pthread_mutex_unlock(&runs.lock);
    /* after the unlock: the thread woken does not wait at once for the lock this thread holds */
    pthread_cond_signal(&runs.work);
}

void worker_runs_inline(struct host_check *check, struct wire_out *reply)
{
    pthread_mutex_lock(&runs.lock);
    runs.flights[runs.flight_count++] = check;
    bool stop_first = runs.stopping;
    pthread_mutex_unlock(&runs.lock);

    run_one(check, stop_first, reply);

    pthread_mutex_lock(&runs.lock);
    remove_flight_locked(check);
    close_if_stopped_locked();
    pthread_cond_broadcast(&runs.idle);
    pthread_mutex_unlock(&runs.lock);
}

void worker_runs_cancel(const char *id)
{
    pthread_mutex_lock(&runs.lock);
    for (int i = 0; i < runs.flight_count; i++) {
        if (strcmp(runs.flights[i]->id, id) == 0) {
            cancel_locked(runs.flights[i]);
            break;
        }
    }
    pthread_mutex_unlock(&runs.lock);
}

void worker_runs_wait_idle(void)
{
    pthread_mutex_lock(&runs.lock);
    while (runs.flight_count > 0 || runs.pending_count > 0) {
        pthread_cond_wait(&runs.idle, &runs.lock);
    }
    pthread_mutex_unlock(&runs.lock);
}

bool worker_runs_finish(bool supervisor_gone)
{
    pthread_mutex_lock(&runs.lock);
    if (supervisor_gone && !runs.stopping && (runs.flight_count > 0 || runs.pending_count > 0)) {
        _exit(0); /* runs still use the instances and the socket: nobody to report to */
    }
    runs.closing = true;
    pthread_cond_broadcast(&runs.work);
    pthread_mutex_unlock(&runs.lock);
    for (int i = 0; i < runs.threads; i++) {
        pthread_join(runs.ids[i], NULL);
    }
    /* runs.idle waits on CLOCK_REALTIME (a static initializer's clock) */
    struct timespec moment = host_time_after(CLOCK_REALTIME, CANCEL_RETURN_WAIT_S);
    pthread_mutex_lock(&runs.lock);
    while (runs.cancellers > 0
           && pthread_cond_timedwait(&runs.idle, &runs.lock, &moment) != ETIMEDOUT) {
    }
    bool all_done = runs.cancellers == 0;
    pthread_mutex_unlock(&runs.lock);
    if (!all_done) {
        host_log(DATADOG_AGENT_WARNING, "worker %d: a check's cancel() has not returned although "
                 "its run ended: exiting without it", (int)getpid());
    }
    free(runs.pending);
    free(runs.ids);
    runs.pending = NULL;
    runs.ids = NULL;
    /* runs.flights stays: a late stop signal's thread may still read it (empty) */
    return all_done;
}
