/*
 * store_internal.h - the store's structures, shared by store.c (families,
 * series, staleness, rendering) and mapping.c (Datadog types to families).
 * Everything here is called with the store's lock held.
 */
#ifndef RTLOADER_HOST_OPENMETRICS_STORE_INTERNAL_H
#define RTLOADER_HOST_OPENMETRICS_STORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "store.h"

struct map_slot {
    const char *key; /* NULL: empty; tombstone: deleted */
    void *value;
};

struct map {
    struct map_slot *slots;
    size_t cap, used; /* used counts tombstones: they lengthen probes */
};

/* a growable array of pointers */

struct ptrs {
    void **items;
    size_t count, cap;
};

/* ---- the store ---- */

struct bucket {
    double upper, count;
};

struct series {
    struct family *fam;
    char *key;          /* family name, '\x01', labels: unique in the store */
    char *labels;       /* name="value",... sorted by name, no braces; may be "" */
    const char *status; /* static text rendered as a last label status="..."; set with om_series_status */
    char *line;         /* cached "name{labels} " of a gauge or counter sample, NULL: not yet */
    struct check *owner; /* NULL: the host's own series, never stale */
    size_t fam_pos, owner_pos;
    unsigned long last_run;
    bool has_value, has_prev;
    double value, prev_raw, prev_time;
    struct bucket *buckets;
    size_t bucket_count;
};

struct family {
    char *name;
    enum om_type type;
    char *origin; /* "<datadog type>:<original name>": a second origin is a collision */
    struct ptrs series;
    struct ptrs rejected; /* origins already reported as colliding */
};

struct check {
    char *id;
    unsigned long runs;
    struct ptrs series;
};

struct om_store {
    pthread_mutex_t lock;
    char *ns;
    int stale_runs;
    struct map families, series, checks;
    struct ptrs family_list, check_list;
    bool running;
    unsigned long runs, failed_runs;
    atomic_ulong generation; /* read without the lock by snapshot.c */
    double last_run_s;
    size_t collisions, series_count;
};

bool om_ptrs_push(struct ptrs *p, void *item);
struct check *om_check_for(struct om_store *s, const char *id);
/* NULL on a collision (counted, logged once per origin) or out of memory. */
struct family *om_family_for(struct om_store *s, const char *name, enum om_type type,
                             const char *origin);
struct series *om_series_for(struct om_store *s, struct family *f, const char *labels,
                             struct check *owner);
/* Sets the status label (static text), dropping the cached line when it changes. */
void om_series_status(struct series *se, const char *status);
/* Drops the series of `c` it did not submit in the last stale_runs runs. */
void om_prune_stale(struct om_store *s, struct check *c);
/* Maps one run's items and telemetry into the store. */
/* (the two renderings of a page are produced in one pass: struct om_pages) */
void om_map_run(struct om_store *s, double now_s, const struct sender_run *run,
                const struct sender_item *items, size_t count);

#endif /* RTLOADER_HOST_OPENMETRICS_STORE_INTERNAL_H */
