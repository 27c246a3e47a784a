/*
 * snapshot.h - the rendered pages the HTTP server hands out.
 *
 * A publisher thread renders the store into immutable, reference-counted
 * pages (both formats) when the store changed and a scraper asked for a
 * page older than the maximum age (so at most about once per that age); a
 * scraper takes a reference to the current page under a short mutex and
 * never renders, so no scrape waits for a check and no check waits for a
 * scrape (only for the publisher's render, which reads the store under its
 * lock). GIL: none, never taken.
 */
#ifndef RTLOADER_HOST_OPENMETRICS_SNAPSHOT_H
#define RTLOADER_HOST_OPENMETRICS_SNAPSHOT_H

#include <stddef.h>

#include "exposition.h"
#include "store.h"

/* How long a scrape waits for a page newer than the store's last change
 * before it takes the previous one. */
#define OM_SNAPSHOT_WAIT_MS 50
/* A page younger than this is served even when the store changed since:
 * the pages are rendered at most about once per this period, however many
 * scrapers there are. */
#define OM_SNAPSHOT_MAX_AGE_MS 1000

struct om_page {
    char *text;
    size_t len;
};

struct om_snapshot;

/* max_age_ms: OM_SNAPSHOT_MAX_AGE_MS, or 0 for a page always current (tests). */
struct om_snapshot *om_snapshot_start(struct om_store *store, int max_age_ms);
void om_snapshot_stop(struct om_snapshot *snap);
/* The current page of `format`, referenced: give it back with om_page_release. */
struct om_page *om_snapshot_get(struct om_snapshot *snap, enum om_format format);
void om_page_release(struct om_page *page);

#endif /* RTLOADER_HOST_OPENMETRICS_SNAPSHOT_H */
