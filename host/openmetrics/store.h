/*
 * store.h - the latest value of every series the checks submitted, mapped
 * to Prometheus families (docs/openmetrics.md), with staleness.
 *
 * The store is a sender sink (sender.h): each flushed run updates it, on the
 * flushing thread, without the GIL. Rendering reads it under the same lock;
 * the HTTP server never renders (snapshot.h publishes the pages).
 * Thread-safe; GIL: none needed, may be called without it.
 */
#ifndef RTLOADER_HOST_OPENMETRICS_STORE_H
#define RTLOADER_HOST_OPENMETRICS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "exposition.h"
#include "sender.h"

#define OM_DEFAULT_STALE_RUNS 2

struct om_store_options {
    const char *namespace_; /* prefix of the checks' metric names; NULL or "": none */
    int stale_runs;         /* a series its check did not submit for this many runs is dropped */
};

struct om_store;

struct om_health {
    bool running;
    unsigned long runs, failed_runs;
    double last_run_age_s; /* -1 before the first run */
};

struct om_store *om_store_new(const struct om_store_options *options);
void om_store_free(struct om_store *store);

/* A sender_sink_fn: `ctx` is the store. */
void om_store_ingest(void *ctx, const struct sender_run *run, const struct sender_item *items,
                     size_t count);
/* The same with the time of the run given (monotonic seconds): rates divide by it. */
void om_store_ingest_at(struct om_store *store, double now_s, const struct sender_run *run,
                        const struct sender_item *items, size_t count);

/* Both pages, rendered in one pass (the sample lines are the same text). */
struct om_pages {
    struct strbuf text;        /* text 0.0.4 */
    struct strbuf openmetrics; /* OpenMetrics 1.0.0, ending with "# EOF" */
};
/* False when out of memory (nothing to free then). Reads the store under its
 * lock: ingests wait for it, scrapes do not (snapshot.h). */
bool om_store_render_pages(struct om_store *store, struct om_pages *pages);
/* One page (malloc'd, *len set); NULL when out of memory. */
char *om_store_render(struct om_store *store, enum om_format format, size_t *len);
/* Bumped by every ingest: a page rendered at generation g is current while
 * it stays g. Lock-free: never waits for an ingest or a render. */
unsigned long om_store_generation(struct om_store *store);

/* Running: set by the first check run ingested; cleared when the host stops. */
void om_store_set_running(struct om_store *store, bool running);
struct om_health om_store_health(struct om_store *store);
size_t om_store_collisions(struct om_store *store);
size_t om_store_series(struct om_store *store);

#endif /* RTLOADER_HOST_OPENMETRICS_STORE_H */
