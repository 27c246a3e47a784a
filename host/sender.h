/*
 * sender.h - what checks submit, aggregated per run and printed.
 *
 * The aggregator callbacks buffer submissions per check_id (metrics with the
 * same type, name, host and tag set are aggregated: gauges keep the last
 * value, counts add up); the scheduler flushes a check's buffer after each
 * run, as a table or as JSON lines (one object per submission, then one
 * "run" object). Thread-safe; the callbacks run on worker threads.
 */
#ifndef RTLOADER_HOST_SENDER_H
#define RTLOADER_HOST_SENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "datadog_agent_rtloader.h"

enum sender_format { SENDER_TABLE, SENDER_JSON };

struct sender_run {
    const char *check_name;
    const char *check_id;
    const char *version;
    const char *source; /* "<file>:<line>" of the instance */
    int run;            /* 1-based run number of this instance */
    const char *status; /* "ok", "error", "cancelled" */
    const char *error;  /* NULL when ok */
    double duration_ms;
    char **warnings; /* NULL-terminated, may be NULL */
    bool telemetry;  /* the host's own report: not counted as a check run */
};

struct sender_totals {
    size_t runs, failed_runs, metrics, service_checks, events, histogram_buckets,
        platform_events, metadata, logs;
};

void sender_setup(enum sender_format format, const char *default_hostname);
void sender_teardown(void);
/* Registers the aggregator callbacks. GIL: none; before init. */
void sender_register(rtloader_t *rt);

/* The host's own metrics (memory telemetry) go through the same path. */
void sender_submit_metric(const char *check_id, metric_type_t type, const char *name,
                          double value, char **tags);
/* datadog_agent callbacks that produce output lines. */
void sender_record_metadata(const char *check_id, const char *name, const char *value);
void sender_record_log(const char *check_id, const char *line);
void sender_record_external_tags(const char *hostname, const char *source_type, char **tags);

/*
 * A sink sees, after each flush, what the run submitted in structured form:
 * the per-run aggregate of each metric (and for histogram/historate every
 * sample of the run, which the printed output does not keep), service checks
 * and histogram buckets. Tags are sorted. Events, platform events, metadata
 * and logs are not passed on. The sink is called on the flushing thread,
 * without the sender's lock and without the GIL, once per run (also for a run
 * that submitted nothing).
 */
enum sender_item_kind { SENDER_ITEM_METRIC, SENDER_ITEM_SERVICE_CHECK, SENDER_ITEM_BUCKET };
struct sender_item {
    enum sender_item_kind kind;
    metric_type_t type; /* metrics */
    const char *name;
    const char *host;
    char *const *tags;
    size_t tag_count;
    double value;           /* metric: per-run aggregate; service check: status; bucket: count */
    size_t samples;         /* metric: samples aggregated */
    const double *history;  /* histogram, historate: the run's samples (`samples` of them) */
    double lower, upper;    /* bucket bounds */
    bool monotonic;         /* bucket */
};
typedef void (*sender_sink_fn)(void *ctx, const struct sender_run *run,
                               const struct sender_item *items, size_t count);
/* Installs (fn != NULL) or removes the sink; before any submission. */
void sender_set_sink(sender_sink_fn fn, void *ctx);

/*
 * The aggregator callbacks' entry points, for submissions replayed from a
 * worker process (supervisor.c): the same code as the in-process callbacks,
 * so both modes aggregate and print alike.
 */
void sender_metric(const char *check_id, metric_type_t type, const char *name, double value,
                   char **tags, const char *hostname);
void sender_service_check(const char *check_id, const char *name, int status, char **tags,
                          const char *hostname, const char *message);
void sender_event(const char *check_id, event_t *ev);
void sender_histogram_bucket(const char *check_id, const char *name, long long value, float lower,
                             float upper, int monotonic, const char *hostname, char **tags);
void sender_platform_event(const char *check_id, const char *raw, int len, const char *event_type);

/* In a worker process, notes (load errors) go to `hook` instead of stdout. */
typedef void (*sender_note_hook)(const char *kind, const char *check_name, const char *message);
void sender_set_note_hook(sender_note_hook hook);

/* Prints and forgets what run->check_id submitted since its last flush. */
void sender_flush(const struct sender_run *run);
/* Prints a line that is not a check run (a load error, a summary). */
void sender_print_note(const char *kind, const char *check_name, const char *message);
struct sender_totals sender_totals(void);

#endif /* RTLOADER_HOST_SENDER_H */
