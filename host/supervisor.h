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

struct supervisor;

/*
 * `worker_args`: the options every worker gets after `__worker FD` (the
 * host's own --config, --confd, ...), NULL-terminated, copied.
 */
struct supervisor *supervisor_new(int workers, char **worker_args);

/*
 * Loads the instances of `cc` on the workers (instance i on worker
 * i mod N), appending them to *checks in their configuration order. Load
 * errors are printed as notes; returns how many instances failed to load.
 */
int supervisor_load(struct supervisor *s, const struct check_config *cc,
                    struct host_check **checks, size_t *count);

/* Runs one instance on its worker and reports the run. Returns true when it succeeded. */
bool supervisor_run(struct supervisor *s, struct host_check *check);

/* Closes every worker's socket, then waits for them (SIGKILL after `grace_s`). Frees s. */
void supervisor_stop(struct supervisor *s, double grace_s);

#endif /* RTLOADER_HOST_SUPERVISOR_H */
