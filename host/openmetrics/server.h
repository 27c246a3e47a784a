/*
 * server.h - the HTTP endpoint (libmicrohttpd): GET /metrics (content
 * negotiated), GET /healthz; 405 (Allow: GET, HEAD) for another method on
 * those paths, 404 for any other path. Served from snapshot pages:
 * the server's threads never hold the GIL, never render and never wait for
 * a check.
 */
#ifndef RTLOADER_HOST_OPENMETRICS_SERVER_H
#define RTLOADER_HOST_OPENMETRICS_SERVER_H

#include "snapshot.h"
#include "store.h"

/* Idle keep-alive connections hold a slot until the idle timeout: the limit
 * is well above what scrapers keep open (Prometheus: one per target), so
 * idle ones do not queue a scrape, and the timeout bounds the wait once
 * something does fill it (docs/openmetrics.md, Limits). */
#define OM_SERVER_CONNECTION_LIMIT 256
#define OM_SERVER_TIMEOUT_S 5
#define OM_SERVER_THREADS 4

struct om_server_limits {
    unsigned connection_limit;
    unsigned idle_timeout_s; /* seconds without a byte in or out before closing */
};

struct om_server;

/* Listens on "ADDR:PORT" ("[v6]:PORT" for IPv6; a name resolves; ":PORT"
 * every address, listen.h). limits NULL: the defaults above. NULL with
 * *error (malloc'd) when the address is invalid or cannot be bound. */
struct om_server *om_server_start(const char *listen, const struct om_server_limits *limits,
                                  struct om_store *store, struct om_snapshot *snapshot,
                                  char **error);
/* The port bound (useful with port 0). */
int om_server_port(const struct om_server *server);
void om_server_stop(struct om_server *server);

#endif /* RTLOADER_HOST_OPENMETRICS_SERVER_H */
