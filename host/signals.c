/*
 * signals.c - SIGINT/SIGTERM, the grace period and its watchdog. See
 * signals.h for the design; this file keeps the why of each piece.
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE /* pipe2 */
#endif

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "datadog_agent_rtloader.h"
#include "error.h"
#include "log.h"
#include "signals.h"

/* handler -> watchdog: one byte per signal. Non-blocking writes: a full pipe drops a byte, not the handler. */
static int wake_pipe[2] = {-1, -1};
/* watchdog -> everyone: written once and never drained, so it stays readable once stopping. */
static int stop_pipe[2] = {-1, -1};
static atomic_int signal_count;
static atomic_int stop_signal;
static _Atomic long long deadline_ns; /* CLOCK_MONOTONIC, valid once stop_signal != 0 */
static double grace_period_s = HOST_DEFAULT_GRACE_PERIOD_S;

static long long monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* write(2) of a constant text: the only output allowed where stdio's locks may be held. */
static void say(const char *text)
{
    ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
    (void)ignored;
}

/* Async-signal-safe: atomics, write, kill, _exit only. Runs on whichever thread the kernel picks. */
static void on_signal(int signo)
{
    int saved_errno = errno;
    if (atomic_fetch_add(&signal_count, 1) > 0) {
        say("rtloader: second stop signal: exiting now\n");
        host_children_kill(NULL);
        _exit(128 + signo);
    }
    unsigned char byte = (unsigned char)signo;
    ssize_t ignored = write(wake_pipe[1], &byte, 1);
    (void)ignored;
    errno = saved_errno;
}

/*
 * Every signal is blocked across a fork: until the child's hook below has
 * reset them, a SIGTERM meant for the child (Process.terminate() right
 * after start) would run the host's handler in it and write to the pipe it
 * shares with the host, stopping the host instead. Pending, it reaches the
 * child once the defaults are back.
 */
static _Thread_local sigset_t mask_before_fork;

static void before_fork(void)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &mask_before_fork);
}

static void after_fork_in_parent(void)
{
    pthread_sigmask(SIG_SETMASK, &mask_before_fork, NULL);
}

/* In the child of a fork without exec: the host's handler and pipes mean nothing there. */
static void in_forked_child(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int i = 0; i < 2; i++) {
        if (wake_pipe[i] >= 0) {
            close(wake_pipe[i]);
            wake_pipe[i] = -1;
        }
        if (stop_pipe[i] >= 0) {
            close(stop_pipe[i]);
            stop_pipe[i] = -1;
        }
    }
    atomic_store(&signal_count, 0);
    atomic_store(&stop_signal, 0);
}

/*
 * Waits for the first signal, publishes the stop, then ends the process
 * when the grace period is over. Nothing here needs the GIL or a lock
 * another thread could hold, which is what makes the bound hold.
 */
static void *watchdog_main(void *arg)
{
    (void)arg;
    unsigned char byte = 0;
    ssize_t n;
    do {
        n = read(wake_pipe[0], &byte, 1);
    } while (n < 0 && (errno == EINTR || errno == EAGAIN));
    if (n != 1) {
        return NULL;
    }
    long long deadline = monotonic_ns() + (long long)(grace_period_s * 1e9);
    atomic_store(&deadline_ns, deadline);
    atomic_store(&stop_signal, byte);
    host_log(DATADOG_AGENT_INFO, "received signal %d (%s): stopping, exiting within %.1f s",
             byte, byte == SIGINT ? "SIGINT" : byte == SIGTERM ? "SIGTERM" : "request",
             grace_period_s);
    ssize_t ignored = write(stop_pipe[1], "x", 1);
    (void)ignored;

    struct timespec until = {(time_t)(deadline / 1000000000LL), (long)(deadline % 1000000000LL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
    }
    host_children_kill(NULL);
    char text[160];
    snprintf(text, sizeof(text),
             "rtloader: still running %.1f s after the stop signal (shutdown_grace_period): "
             "exiting without waiting for the checks\n",
             grace_period_s);
    say(text);
    _exit(0);
}

static int nonblocking_pipe(int fds[2])
{
    return pipe2(fds, O_CLOEXEC | O_NONBLOCK);
}

int host_signals_start(double grace_s, char **error)
{
    if (wake_pipe[0] >= 0) {
        host_set_error(error, "signal handling is already started");
        return -1;
    }
    grace_period_s = grace_s >= 0 && isfinite(grace_s) ? grace_s : HOST_DEFAULT_GRACE_PERIOD_S;
    if (nonblocking_pipe(wake_pipe) != 0 || nonblocking_pipe(stop_pipe) != 0) {
        host_set_error(error, "cannot create the signal pipes: %s", strerror(errno));
        return -1;
    }
    /* the watchdog blocks in read(): only the handler's end must not block */
    fcntl(wake_pipe[0], F_SETFL, 0);
    if (pthread_atfork(before_fork, after_fork_in_parent, in_forked_child) != 0) {
        host_set_error(error, "cannot register the fork handler");
        return -1;
    }

    pthread_attr_t attr;
    pthread_t watchdog;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&watchdog, &attr, watchdog_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        host_set_error(error, "cannot start the shutdown watchdog: %s", strerror(rc));
        return -1;
    }

    if (host_signals_reinstall() != 0) {
        host_set_error(error, "cannot install the signal handlers: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int host_signals_reinstall(void)
{
    if (wake_pipe[0] < 0) {
        return 0; /* not started: someone else's handlers (a worker process's) stay */
    }
    /* SA_RESTART: a signal landing on a worker must not fail the check's read() or waitpid() */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask); /* one at a time: the count decides first or second */
    return sigaction(SIGINT, &sa, NULL) == 0 && sigaction(SIGTERM, &sa, NULL) == 0 ? 0 : -1;
}

int host_signals_stop_fd(void)
{
    return stop_pipe[0];
}

int host_signals_stop_signal(void)
{
    return atomic_load(&stop_signal);
}

bool host_signals_wait(double timeout_s, int other_fd)
{
    long long end = timeout_s >= 0 ? monotonic_ns() + (long long)(timeout_s * 1e9) : -1;
    for (;;) {
        if (atomic_load(&stop_signal) != 0) {
            return true;
        }
        int timeout_ms = -1;
        if (end >= 0) {
            long long left = end - monotonic_ns();
            if (left <= 0) {
                return false;
            }
            timeout_ms = (int)((left + 999999) / 1000000);
        }
        struct pollfd fds[2] = {{stop_pipe[0], POLLIN, 0}, {other_fd, POLLIN, 0}};
        int r = poll(fds, other_fd >= 0 ? 2 : 1, timeout_ms);
        if (r < 0 && errno != EINTR) {
            return atomic_load(&stop_signal) != 0;
        }
        if (r > 0 && other_fd >= 0 && fds[1].revents != 0) {
            return atomic_load(&stop_signal) != 0;
        }
    }
}

double host_signals_time_left(void)
{
    if (atomic_load(&stop_signal) == 0) {
        return grace_period_s;
    }
    double left = (double)(atomic_load(&deadline_ns) - monotonic_ns()) / 1e9;
    return left > 0 ? left : 0;
}

void host_signals_request_stop(int signo)
{
    on_signal(signo);
}
