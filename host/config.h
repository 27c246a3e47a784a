/*
 * config.h - the host's configuration: a datadog.yaml subset and the
 * conf.d check configurations, as the Agent lays them out.
 *
 * Relative paths in datadog.yaml are relative to the file's directory.
 * Every error names the file and the line. GIL: none.
 */
#ifndef RTLOADER_HOST_CONFIG_H
#define RTLOADER_HOST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "value.h"

#define HOST_DEFAULT_MIN_COLLECTION_INTERVAL 15.0
#define HOST_DEFAULT_CHECK_RUNNERS 4
#define HOST_DEFAULT_SHUTDOWN_GRACE_PERIOD 5.0                        /* seconds */
#define HOST_DEFAULT_SUBPROCESS_OUTPUT_LIMIT (1024ULL * 1024 * 1024) /* bytes per stream */
/* apm_config.obfuscation.cache.max_size: the Agent's default, in bytes */
#define HOST_DEFAULT_OBFUSCATION_CACHE_MAX_SIZE 5000000ULL
#define HOST_MAX_OBFUSCATION_CACHE_MAX_SIZE (1ULL << 40)

struct host_config {
    char *path;        /* the datadog.yaml read, NULL when none */
    struct value *root; /* its whole tree (a map, possibly empty): get_config reads it */
    char *hostname;
    char *run_path;
    char *confd_path;
    char *python_home; /* NULL: the default backend */
    int log_level;     /* log_level_t value; 100 = off */
    bool memtrack_enabled;
    bool c_stacktrace_collection;
    bool c_core_dump;
    char **tags; /* NULL-terminated */
    char **container_include; /* NULL-terminated regular expressions */
    char **container_exclude;
    char *cluster_name; /* NULL when unset */
    int check_runners;
    double shutdown_grace_period;               /* seconds from SIGINT/SIGTERM to the exit */
    unsigned long long subprocess_output_limit; /* get_subprocess_output, per stream; 0: none */
    char *openmetrics_listen;    /* "ADDR:PORT", NULL: no endpoint */
    char *openmetrics_namespace; /* NULL: no prefix */
    int openmetrics_stale_runs;  /* 0: the default */
    /* apm_config.obfuscation.cache.{enabled,max_size}: the obfuscation result cache */
    bool obfuscation_cache_enabled;
    unsigned long long obfuscation_cache_max_size; /* bytes; 0 stores nothing */
};

/*
 * Loads `path` (NULL: defaults only). Returns 0, or -1 with *error
 * ("<file>:<line>: ...", malloc'd). *cfg is filled either way and must be
 * released with host_config_free.
 */
int host_config_load(const char *path, struct host_config *cfg, char **error);
void host_config_free(struct host_config *cfg);

/* "info" etc. to a log level; -1 when unknown. */
int host_log_level_from_name(const char *name);

struct check_instance {
    char *json;             /* the instance as JSON, for load_config */
    char *init_config_json; /* its file's init_config as JSON, "{}" when absent */
    double interval;  /* min_collection_interval, seconds */
    char *source;     /* "<file>:<line>" of the instance */
};

/* Every file is a configuration of its own, as in the Agent: each instance
 * carries the init_config of the file it comes from. */
struct check_config {
    char *name;
    struct check_instance *instances;
    size_t count;
    /* keep-going mode: one "<file>:<line>: <problem>" per file that was skipped */
    char **file_errors; /* NULL-terminated, NULL when none */
    size_t file_error_count;
};

/*
 * Reads every configuration of check `name` under `confd`:
 * <confd>/<name>.d/ *.yaml (sorted) and <confd>/<name>.yaml. Returns 0, 1
 * when the check has no configuration at all, -1 with *error.
 *
 * A file that cannot be used (unreadable, bad YAML, not a map, bad
 * instances, a bad min_collection_interval...) fails the whole load, unless
 * `keep_going`: then, as the Agent's collector does, that file contributes
 * nothing, its error is added to out->file_errors and the other files load.
 * Only memory exhaustion fails a keep-going load.
 */
int host_check_config_load(const char *confd, const char *name, bool keep_going,
                           struct check_config *out, char **error);
void host_check_config_free(struct check_config *cfg);

/* The names of the checks configured under `confd`, sorted (NULL-terminated, malloc'd). */
char **host_confd_check_names(const char *confd, char **error);
void host_free_strings(char **strings);

#endif /* RTLOADER_HOST_CONFIG_H */
