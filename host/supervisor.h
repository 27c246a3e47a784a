/*
 * supervisor.h - the host side of process isolation (docs/isolation.md):
 * owns the worker processes, places instances on them, runs instances
 * through them and reports each run through the sender exactly as an
 * in-process run is reported. GIL: none (the host runs no Python in this
 * mode).
 */
#ifndef RTLOADER_HOST_SUPERVISOR_H
#define RTLOADER_HOST_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>

#include "checks.h"
#include "config.h"

/* Runs of one instance that crash its worker this many times in a row pause it. */
#define HOST_WORKER_MAX_CRASHES 3
/* After run_timeout: how long the cancelled check has to return before its worker is killed. */
#define HOST_TIMEOUT_CANCEL_GRACE_S 1.0

struct supervisor_options {
    int workers;
    int slots;              /* runs at once per worker in `run` (check_runners) */
    char **worker_args;     /* after `__worker FD`: the host's own options, NULL-terminated */
    long long rss_limit_mb; /* worker_rss_limit: 0 = none */
    bool faulthandler;      /* PYTHONFAULTHANDLER=1 for the workers (when rtloader's own
                             * crash report, c_stacktrace_collection, is off) */
};

struct supervisor;

/*
 * Options are copied. Stop signals are signals.c's: host_signals_start
 * must have run. The first signal cancels every run in flight (each busy
 * worker gets SIGTERM), the runs are waited for until shortly before the
 * watchdog's deadline; the workers' process groups are registered with
 * children.c, so the watchdog and a second signal kill them too.
 */
struct supervisor *supervisor_new(const struct supervisor_options *options);

/*
 * Loads the instances of `cc` on the workers (instance i on worker
 * i mod N), appending them to *checks in their configuration order. Load
 * errors are printed as notes; returns how many instances failed to load.
 */
int supervisor_load(struct supervisor *s, const struct check_config *cc,
                    struct host_check **checks, size_t *count);

/*
 * Runs checks[0..count) once each (`check`'s rounds): instances on
 * different workers at the same time, those of one worker one after the
 * other in order. Starts no new run once a stop signal arrived. Returns the
 * failed (or not run) ones. A run past the instance's run_timeout is
 * cancelled (`cancel <id>`), its worker killed when it has not returned
 * HOST_TIMEOUT_CANCEL_GRACE_S later; either way it is reported as timed
 * out and the worker restarted once its runs ended. A worker over
 * worker_rss_limit after a run is restarted likewise.
 */
int supervisor_run_all(struct supervisor *s, struct host_check *checks, size_t count);

/*
 * `run`: every instance on its interval (due.h) until SIGINT or SIGTERM,
 * up to `slots` runs at once per worker; then the runs in flight are
 * cancelled and it returns the signal, or -1 when it could not start. A
 * crash with several runs in flight makes each of their instances a
 * suspect, run alone next (docs/isolation.md). With telemetry_s > 0,
 * supervisor_report_stats every telemetry_s.
 */
int supervisor_schedule(struct supervisor *s, struct host_check *checks, size_t count,
                        double telemetry_s);

/* Reports each worker's and each instance's RSS and CPU time as the run of
 * the pseudo-check `rtloader.workers` (telemetry). */
void supervisor_report_stats(struct supervisor *s, const struct host_check *checks, size_t count);

/* Closes every worker's socket, then waits for them (SIGKILL after `grace_s`). Frees s. */
void supervisor_stop(struct supervisor *s, double grace_s);

#endif /* RTLOADER_HOST_SUPERVISOR_H */
