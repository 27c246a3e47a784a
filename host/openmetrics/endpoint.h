/*
 * endpoint.h - the OpenMetrics endpoint of `rtloader run` as one piece:
 * the store (a sender sink), the snapshot publisher and the HTTP server.
 * GIL: none; start before the checks run, stop after they stopped.
 */
#ifndef RTLOADER_HOST_OPENMETRICS_ENDPOINT_H
#define RTLOADER_HOST_OPENMETRICS_ENDPOINT_H

#include <stdbool.h>

struct om_endpoint;

struct om_endpoint_options {
    const char *listen;     /* "ADDR:PORT" */
    const char *namespace_; /* may be NULL */
    int stale_runs;         /* 0: the default */
};

/* NULL with *error (malloc'd) when it cannot listen. */
struct om_endpoint *om_endpoint_start(const struct om_endpoint_options *options, char **error);
int om_endpoint_port(const struct om_endpoint *endpoint);
/* Removes the sink, stops the server and frees everything. */
void om_endpoint_stop(struct om_endpoint *endpoint);

#endif /* RTLOADER_HOST_OPENMETRICS_ENDPOINT_H */
