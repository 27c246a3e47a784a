/*
 * checks.h - loading check instances the way the Agent's Python loader
 * does, and running one instance once.
 */
#ifndef RTLOADER_HOST_CHECKS_H
#define RTLOADER_HOST_CHECKS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "config.h"
#include "datadog_agent_rtloader.h"

/* integrations-core's SkipInstanceError text: such an instance is skipped, not retried. */
#define HOST_SKIP_INSTANCE_MESSAGE                                                                \
    "The integration refused to load the check configuration, it may be too old or too new."

struct host_check {
    char *name;
    char *id;      /* "<name>:<16 hex digits of the instance and init_config>" */
    char *version; /* module __version__, or "unversioned" */
    char *source;  /* "<file>:<line>" of the instance */
    double interval;
    rtloader_pyobject_t *instance;
    int runs;
    /* scheduler state, guarded by the scheduler's lock */
    double next_run;
    bool busy;
    atomic_bool cancelled; /* set by the scheduler, read by the worker that runs it */
    /* process isolation (supervisor.c): the worker it lives on, crashes in a row */
    int worker;
    int crashes;   /* crashes of its worker while it ran alone, in a row */
    bool paused;
    bool suspect;   /* its worker died while it shared it: its next run runs alone */
    bool in_flight; /* sent to its worker, not reported yet (busy: due, maybe waiting) */
    double run_timeout; /* seconds, 0 = none (instance, else init_config) */
    double queued_at;   /* when it became due (supervisor_schedule.c) */
    double cpu_s;       /* CPU time of every run so far */
    long long rss_bytes; /* its worker's RSS after its last run */
};

/* What one run gave, before it is reported. */
struct host_run_result {
    char *error;     /* NULL when ok */
    char **warnings; /* NULL-terminated, may be NULL */
    double duration_ms;
    bool cancelled;
};
void host_run_result_free(struct host_run_result *r);

/*
 * Loads every instance of `cc` (GIL: caller). Appends to *checks (realloc'd)
 * and returns how many failed to load; each failure is printed through the
 * sender as a "load_error" note.
 */
int host_checks_load(rtloader_t *rt, const struct host_config *cfg,
                     const struct check_config *cc, struct host_check **checks, size_t *count);

/* The stable id of an instance (malloc'd). GIL: none. */
char *host_check_id(const char *name, const char *instance_json, const char *init_config_json);

/*
 * Runs the instance once and flushes what it submitted. Returns true when
 * the run succeeded. GIL: must NOT be held; taken for the Python part only.
 */
bool host_check_run(rtloader_t *rt, struct host_check *check);

/* The two halves of host_check_run: running (GIL: must NOT be held) and
 * reporting through the sender (GIL: none; counts the run). */
void host_check_execute(rtloader_t *rt, struct host_check *check, struct host_run_result *out);
bool host_check_report(struct host_check *check, const struct host_run_result *result);

/* Cancels a running instance (GIL: must NOT be held). */
void host_check_cancel(rtloader_t *rt, struct host_check *check);

/* Releases the instances and the array (GIL: caller). */
void host_checks_free(rtloader_t *rt, struct host_check *checks, size_t count);

#endif /* RTLOADER_HOST_CHECKS_H */
