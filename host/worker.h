/*
 * worker.h - the worker process of process isolation (docs/isolation.md):
 * the `rtloader __worker FD` hidden command. It loads the instances the
 * supervisor assigns to it, runs them on request and sends back what they
 * submitted, in batches, over the socket FD.
 */
#ifndef RTLOADER_HOST_WORKER_H
#define RTLOADER_HOST_WORKER_H

#include "config.h"
#include "datadog_agent_rtloader.h"

/*
 * Serves requests until the socket closes. Call after rtloader and every
 * host callback are set up and init() has run: the output-producing
 * callbacks are replaced by forwarding ones. Returns the exit code.
 * GIL: must NOT be held.
 */
int worker_serve(rtloader_t *rt, const struct host_config *cfg, int fd);

/* The host's start time reaches its workers in this environment variable. */
#define WORKER_START_TIME_ENV "RTLOADER_HOST_START_TIME"
#define WORKER_START_TIME_LEN 64

/* Registers the forwarding callbacks (GIL: none; before init). */
void worker_register(rtloader_t *rt, int fd);

#endif /* RTLOADER_HOST_WORKER_H */
