/*
 * cmd_isolated.c - the `check` and `run` commands with check_isolation:
 * process: instances placed on the supervisor's worker processes
 * (docs/isolation.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "due.h"
#include "log.h"
#include "memstats.h"
#include "signals.h"
#include "supervisor.h"

/* The host's own options, for its workers: they read the same files. */
static void worker_options(const struct options *o, const char **args)
{
    size_t n = 0;
    if (o->config_file != NULL) {
        args[n++] = "--config";
        args[n++] = o->config_file;
    }
    if (o->confd != NULL) {
        args[n++] = "--confd";
        args[n++] = o->confd;
    }
    if (o->python_home != NULL) {
        args[n++] = "--python-home";
        args[n++] = o->python_home;
    }
    if (o->log_level != NULL) {
        args[n++] = "--log-level";
        args[n++] = o->log_level;
    }
    args[n] = NULL;
}

/* Places one configuration's instances on the supervisor's workers. */
static int load_on_workers(void *ctx, const struct check_config *cc, struct host_check **checks,
                           size_t *count)
{
    return supervisor_load(ctx, cc, checks, count);
}

static void free_isolated(struct host_check *checks, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(checks[i].name);
        free(checks[i].id);
        free(checks[i].version);
        free(checks[i].source);
    }
    free(checks);
}

/* --stats with process isolation: the workers' telemetry and the run totals. */
static void print_isolated_stats(struct supervisor *s, const struct host_check *checks,
                                 size_t count)
{
    supervisor_report_stats(s, checks, count);
    struct sender_totals t = sender_totals();
    char text[128];
    snprintf(text, sizeof(text), "%zu runs (%zu failed) in worker processes", t.runs,
             t.failed_runs);
    sender_print_note("summary", NULL, text);
}

/*
 * How long the workers have to exit once their sockets are closed: within
 * the watchdog's deadline after a stop (signals.c), else the grace period.
 */
static double workers_exit_time(void)
{
    double left = host_signals_time_left() - 0.1;
    return left > 0 ? left : 0;
}

static struct supervisor *new_supervisor(const struct options *o, struct runtime *r)
{
    const char *args[16];
    worker_options(o, args);
    struct supervisor_options options = {
        .workers = r->workers,
        .slots = r->cfg.check_runners,
        .worker_args = (char **)args,
        .rss_limit_mb = r->rss_limit_mb,
        .faulthandler = !r->cfg.c_stacktrace_collection, /* its report has the traceback */
    };
    struct supervisor *s = supervisor_new(&options);
    if (s == NULL) {
        fprintf(stderr, "rtloader: cannot prepare the worker processes\n");
    }
    return s;
}

struct round {
    struct supervisor *s;
    struct host_check *checks;
    size_t count;
    int failures;
};

/* One round of `check`: every instance once, on its worker. */
static bool run_round(void *ctx)
{
    struct round *rd = ctx;
    rd->failures += supervisor_run_all(rd->s, rd->checks, rd->count);
    return true;
}

/* `check` with check_isolation: process. */
int command_check_isolated(const struct options *o, struct runtime *r)
{
    struct supervisor *s = new_supervisor(o, r);
    if (s == NULL) {
        return EXIT_RUNTIME;
    }
    struct host_check *checks = NULL;
    size_t count = 0;
    int failures = 0;
    char *names[] = {(char *)o->check_name, NULL};
    int status = cli_load_named(r, names, NULL, load_on_workers, s, &checks, &count, &failures);
    if (status == EXIT_OK) {
        struct round rd = {s, checks, count, 0};
        host_rounds(o->times, o->interval, run_round, &rd);
        failures += rd.failures;
    }
    if (o->stats && status == EXIT_OK) {
        print_isolated_stats(s, checks, count);
    }
    supervisor_stop(s, workers_exit_time());
    free_isolated(checks, count);
    if (status != EXIT_OK) {
        return status;
    }
    return failures > 0 || count == 0 ? EXIT_CHECK_FAILED : EXIT_OK;
}

/* `run` with check_isolation: process. */
int command_run_isolated(const struct options *o, struct runtime *r)
{
    char *error = NULL;
    char **names = host_confd_check_names(r->cfg.confd_path, &error);
    if (names == NULL) {
        fprintf(stderr, "rtloader: configuration error: %s\n", error != NULL ? error : "out of memory");
        free(error);
        return EXIT_CONFIG;
    }
    struct supervisor *s = new_supervisor(o, r);
    if (s == NULL) {
        host_free_strings(names);
        return EXIT_RUNTIME;
    }
    struct host_check *checks = NULL;
    size_t count = 0;
    int failures = 0;
    struct skipped_files skipped = {0};
    int status = cli_load_named(r, names, &skipped, load_on_workers, s, &checks, &count, &failures);
    host_free_strings(names);
    if (status == EXIT_OK) {
        if (count == 0) {
            host_log(DATADOG_AGENT_WARNING, "no check instance loaded from %s: waiting for a signal",
                     r->cfg.confd_path);
        }
        if (supervisor_schedule(s, checks, count, r->telemetry_s) < 0) {
            status = EXIT_RUNTIME;
        } else if (o->stats) {
            print_isolated_stats(s, checks, count);
        }
    }
    supervisor_stop(s, workers_exit_time());
    print_skipped_summary(&skipped);
    free_skipped(&skipped);
    free_isolated(checks, count);
    return status;
}
