/*
 * signals.h - how the host stops: SIGINT and SIGTERM, the grace period and
 * the watchdog that bounds it. Reusable by anything that runs checks
 * (threads today, worker processes later).
 *
 * Design: no thread blocks SIGINT or SIGTERM (a blocked mask would be
 * inherited by every process a check starts). Instead an async-signal-safe
 * handler, installed on every thread's behalf with SA_RESTART, writes the
 * signal number to a self-pipe:
 *   - the first signal wakes the watchdog thread, which marks the host as
 *     stopping, makes host_signals_stop_fd() readable for good, and starts
 *     the grace period; if the process is still alive when it ends, the
 *     watchdog kills the registered child process groups and _exit()s 0,
 *     whatever the checks, the GIL or the main thread are doing;
 *   - a second signal exits at once from the handler itself (children
 *     killed, exit status 128 + signal).
 * Python's own SIGINT handler (installed by Py_Initialize on the main
 * thread) is replaced, so a signal never surfaces as KeyboardInterrupt.
 * A fork without exec (os.fork, multiprocessing) resets, in the child,
 * SIGINT and SIGTERM to their default and the signal mask to empty
 * (pthread_atfork), and closes the host's pipes.
 *
 * GIL: none of these functions needs it or takes it.
 */
#ifndef RTLOADER_HOST_SIGNALS_H
#define RTLOADER_HOST_SIGNALS_H

#include <stdbool.h>

#define HOST_DEFAULT_GRACE_PERIOD_S 5.0

/*
 * Installs the handlers (replacing Python's), the fork hooks and starts the
 * watchdog. Call it once, on the main thread, after rtloader's init().
 * Returns 0, or -1 with *error (malloc'd).
 */
int host_signals_start(double grace_s, char **error);

/*
 * Installs the handlers again: Python code on the main thread (a check's
 * constructor calling signal.signal) may have replaced them. 0 or -1 (errno).
 */
int host_signals_reinstall(void);

/* Readable (forever) once a stop was requested; -1 before host_signals_start. */
int host_signals_stop_fd(void);

/* Whether a stop was requested (the signal number, else 0). */
int host_signals_stop_signal(void);

/*
 * Waits until a stop is requested or timeout_s passed (timeout < 0: no
 * timeout), also returning early when `other_fd` (>= 0) is readable.
 * Returns true when stopping. Any thread may call it.
 */
bool host_signals_wait(double timeout_s, int other_fd);

/*
 * Seconds left before the watchdog ends the process (the grace period
 * minus what has passed since the signal); the whole grace period when no
 * stop was requested.
 */
double host_signals_time_left(void);

/* Requests a stop as a signal would (for tests and callers that decide to stop). */
void host_signals_request_stop(int signo);

#endif /* RTLOADER_HOST_SIGNALS_H */
