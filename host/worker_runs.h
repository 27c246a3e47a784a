/*
 * worker_runs.h - the runs of one worker process (docs/isolation.md): a
 * pool of run threads, so that a slow check does not hold back the other
 * instances placed on the same worker, and their cancellation, one run at
 * a time (the supervisor's `cancel <id>`, past run_timeout) or all of them
 * (SIGTERM/SIGINT: the host stops). Used by worker.c only.
 *
 * GIL: none of these functions holds it on return; the run threads take it
 * inside host_check_execute, the cancellers inside host_check_cancel.
 */
#ifndef RTLOADER_HOST_WORKER_RUNS_H
#define RTLOADER_HOST_WORKER_RUNS_H

#include <stdbool.h>

#include "checks.h"
#include "wire.h"

/*
 * Sends a run's DONE (worker.c): after what is left of the batch, in one
 * write, so that every submission of the run precedes its result.
 */
int worker_send_done(const char *id, const struct host_run_result *result, double cpu_s,
                     struct wire_out *reply);

/*
 * Starts `threads` run threads and the signal canceller; fd is the
 * supervisor's socket (shut for reading once a stopping worker is idle, so
 * the request loop ends). 0, or -1 when no run thread could start.
 */
int worker_runs_start(rtloader_t *rt, int fd, int threads);

/* Queues a run of `check` (the supervisor never asks for one already in flight). */
void worker_runs_request(struct host_check *check);

/*
 * Runs `check` on the calling thread (the request loop's), without the
 * hand-over to a run thread: for a run the supervisor sends alone (`check`'s
 * rounds), during which it sends nothing but, past run_timeout, SIGUSR1.
 */
void worker_runs_inline(struct host_check *check, struct wire_out *reply);

/* Cancels the run in flight of the instance `id`; nothing when it is not running. */
void worker_runs_cancel(const char *id);

/* Waits until no run is queued or in flight (before a LOAD moves the instances). */
void worker_runs_wait_idle(void);

/*
 * The request loop ended. `supervisor_gone`: its socket ended while runs
 * were in flight, nobody to report to: the process exits at once.
 * Otherwise the run threads are joined. Returns false when a cancel()
 * has not returned: the instances are still in use and must not be freed.
 */
bool worker_runs_finish(bool supervisor_gone);

#endif /* RTLOADER_HOST_WORKER_RUNS_H */
