/*
 * server.h - the HTTP endpoint (libmicrohttpd): GET /metrics (content
 * negotiated), GET /healthz, 404 otherwise. Served from snapshot pages:
 * the server's threads never hold the GIL, never render and never wait for
 * a check.
 */
#ifndef RTLOADER_HOST_OPENMETRICS_SERVER_H
#define RTLOADER_HOST_OPENMETRICS_SERVER_H

#include "snapshot.h"
#include "store.h"

#define OM_SERVER_CONNECTION_LIMIT 64
#define OM_SERVER_TIMEOUT_S 10
#define OM_SERVER_THREADS 4

struct om_server;

/* Listens on "ADDR:PORT" ("[v6]:PORT" for IPv6; a name resolves). NULL with
 * *error (malloc'd) when the address is invalid or cannot be bound. */
struct om_server *om_server_start(const char *listen, struct om_store *store,
                                  struct om_snapshot *snapshot, char **error);
/* The port bound (useful with port 0). */
int om_server_port(const struct om_server *server);
void om_server_stop(struct om_server *server);

#endif /* RTLOADER_HOST_OPENMETRICS_SERVER_H */
