/*
 * cli.h - what the `rtloader` command's files share: its options, the
 * running host (configuration, cache, rtloader), exit codes, and the
 * configuration files `run` skipped. main.c parses and wires; cli_load.c
 * loads named checks; cmd_isolated.c runs the commands with process
 * isolation (docs/isolation.md).
 */
#ifndef RTLOADER_HOST_CLI_H
#define RTLOADER_HOST_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "cache.h"
#include "checks.h"
#include "config.h"
#include "datadog_agent_rtloader.h"
#include "sender.h"

/* telemetry_interval's default, seconds (the Agent's telemetry cadence). */
#define HOST_TELEMETRY_INTERVAL_S 15.0

enum exit_code { EXIT_OK = 0, EXIT_CHECK_FAILED = 1, EXIT_USAGE = 2, EXIT_CONFIG = 3, EXIT_RUNTIME = 4 };

struct options {
    const char *command;
    const char *check_name;
    const char *config_file;
    const char *confd;
    const char *log_level;
    const char *python_home;
    const char *listen;
    int times;
    double interval;
    enum sender_format format;
    bool stats;
    const char *isolation; /* NULL: check_isolation of the config, else none */
    int workers;           /* 0: check_workers of the config, else the number of CPUs */
    int worker_fd;         /* the hidden `__worker FD` command; -1 otherwise */
};

struct runtime {
    bool isolated; /* checks run in worker processes (supervisor.c) */
    int workers;
    long long rss_limit_mb; /* worker_rss_limit, 0 = none */
    double telemetry_s;     /* telemetry_interval: rtloader.workers in `run`, 0 = off */
    struct host_config cfg;
    struct host_cache *cache;
    rtloader_t *rt;
};

/* The configuration files `run` skipped, for the exit summary. */
struct skipped_files {
    char **errors; /* "<file>:<line>: <problem>", malloc'd */
    size_t count;
};

/* Reports a skipped file now (log and output) and keeps it for the summary. */
void note_skipped_file(struct skipped_files *skipped, const char *check, const char *error);
void free_skipped(struct skipped_files *skipped);
/* At exit, every file that was skipped: one summary line each, as output and log. */
void print_skipped_summary(const struct skipped_files *skipped);

/* Loads the instances of one check's configuration; returns the number of failures. */
typedef int (*cli_load_fn)(void *ctx, const struct check_config *cc, struct host_check **checks,
                           size_t *count);

/*
 * Reads each named check's configuration from conf.d and hands it to `load`.
 * `skipped` NULL: a bad configuration file fails the load (check); else it is
 * skipped and noted there (run). Returns EXIT_OK or EXIT_CONFIG; load failures
 * are counted in *failures and printed as notes. GIL: whatever `load` needs.
 */
int cli_load_named(struct runtime *r, char **names, struct skipped_files *skipped, cli_load_fn load,
                   void *ctx, struct host_check **checks, size_t *count, int *failures);

/* `check` and `run` with check_isolation: process (cmd_isolated.c). */
int command_check_isolated(const struct options *o, struct runtime *r);
int command_run_isolated(const struct options *o, struct runtime *r);

#endif
