/*
 * endpoint.c - wires the store into the sender and the server onto the store.
 */
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "sender.h"
#include "server.h"
#include "snapshot.h"
#include "store.h"

struct om_endpoint {
    struct om_store *store;
    struct om_snapshot *snapshot;
    struct om_server *server;
};

struct om_endpoint *om_endpoint_start(const struct om_endpoint_options *options, char **error)
{
    *error = NULL;
    struct om_endpoint *e = calloc(1, sizeof(*e));
    struct om_store_options so = {.namespace_ = options->namespace_,
                                  .stale_runs = options->stale_runs};
    if (e == NULL || (e->store = om_store_new(&so)) == NULL
        || (e->snapshot = om_snapshot_start(e->store, OM_SNAPSHOT_MAX_AGE_MS)) == NULL) {
        om_endpoint_stop(e);
        return NULL;
    }
    e->server = om_server_start(options->listen, NULL, e->store, e->snapshot, error);
    if (e->server == NULL) {
        om_endpoint_stop(e);
        return NULL;
    }
    sender_set_sink(om_store_ingest, e->store);
    return e;
}

int om_endpoint_port(const struct om_endpoint *e)
{
    return om_server_port(e->server);
}

void om_endpoint_stop(struct om_endpoint *e)
{
    if (e == NULL) {
        return;
    }
    if (e->server != NULL) {
        sender_set_sink(NULL, NULL);
        om_store_set_running(e->store, false); /* /healthz: stopping */
    }
    om_server_stop(e->server);
    om_snapshot_stop(e->snapshot);
    om_store_free(e->store);
    free(e);
}
