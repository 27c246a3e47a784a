/*
 * main.c - the `rtloader` command: run Agent checks from conf.d through the
 * public rtloader API, as the Agent's collector does.
 *
 *   rtloader check <name> [options]   load one check's instances and run them
 *   rtloader run [options]            run every configured check on its schedule
 *   rtloader info [options]           the Python in use, sys.path, backends
 *
 * Exit codes: 0 success; 1 a check failed to load or run (check); 2 usage;
 * 3 configuration error; 4 rtloader or Python could not start.
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cli.h"
#include "callbacks.h"
#include "checks.h"
#include "config.h"
#include "datadog_agent_rtloader.h"
#include "log.h"
#include "memstats.h"
#include "number.h"
#include "openmetrics/endpoint.h"
#include "rtloader_ext.h"
#include "rtloader_mem.h"
#include "children.h"
#include "janitor.h"
#include "scheduler.h"
#include "sender.h"
#include "signals.h"
#include "supervisor.h"
#include "worker.h"



static const char usage_main[]
    = "usage: rtloader <command> [options]\n"
      "\n"
      "Runs Datadog Agent Python checks through rtloader.\n"
      "\n"
      "commands:\n"
      "  check <name>   load one check's instances from conf.d and run them\n"
      "  run            run every configured check on its schedule until SIGINT/SIGTERM\n"
      "  info           print the Python in use, sys.path and the backends available\n"
      "\n"
      "'rtloader <command> --help' describes each command.\n"
      "exit codes: 0 ok, 1 a check failed, 2 usage, 3 configuration error, 4 runtime error\n";

static const char usage_check[]
    = "usage: rtloader check <name> [options]\n"
      "\n"
      "Loads conf.d/<name>.d/*.yaml (and conf.d/<name>.yaml) and runs each instance.\n"
      "\n"
      "  -c, --config FILE      the datadog.yaml (default: none, built-in defaults)\n"
      "      --confd DIR        the conf.d directory (default: confd_path of the config, or ./conf.d)\n"
      "      --times N          run every instance N times (default 1)\n"
      "      --interval S       seconds between two runs (default 1 with --times > 1)\n"
      "      --format F         table (default) or json (one JSON object per line)\n"
      "      --stats            print the memory tracker summary at exit\n"
      "      --log-level L      overrides log_level: trace, debug, info, warn, error, critical\n"
      "                         or off; the level of the host's lines and of the checks' logging\n"
      "      --python-home DIR  the Python installation to use (overrides python_home)\n"
      "      --isolation MODE   none (default: checks run in this process) or process\n"
      "                         (each instance runs in a worker process; docs/isolation.md)\n"
      "      --workers N        worker processes with --isolation process (default: CPUs)\n"
      "  -h, --help             this help\n"
      "\n"
      "A configuration file of the check that cannot be used fails the command (exit 3)\n"
      "with its file and line.\n"
      "\n"
      "exit codes: 0 every run succeeded, 1 a run or a load failed, 2 usage,\n"
      "3 configuration error, 4 rtloader or Python could not start\n";

static const char usage_run[]
    = "usage: rtloader run [options]\n"
      "\n"
      "Runs every check configured under confd_path, each instance every\n"
      "min_collection_interval seconds (default 15), until SIGINT or SIGTERM; then\n"
      "cancels the running checks and exits 0 within shutdown_grace_period (default\n"
      "5 s) whatever they do. A second SIGINT/SIGTERM exits at once.\n"
      "A conf.d file that cannot be used is skipped (logged, a config_error line, and\n"
      "listed in the summary at exit); the other files and checks run.\n"
      "\n"
      "  -c, --config FILE      the datadog.yaml (default: none, built-in defaults)\n"
      "      --confd DIR        the conf.d directory (overrides confd_path)\n"
      "      --format F         table (default) or json\n"
      "      --stats            print the memory tracker summary at exit\n"
      "      --listen ADDR:PORT serve the checks' metrics for Prometheus at\n"
      "                         http://ADDR:PORT/metrics (overrides openmetrics_listen)\n"
      "      --log-level L      overrides log_level (host lines and the checks' logging)\n"
      "      --python-home DIR  the Python installation to use (overrides python_home)\n"
      "      --isolation MODE   none (default: checks run in this process) or process\n"
      "                         (each instance runs in a worker process; docs/isolation.md)\n"
      "      --workers N        worker processes with --isolation process (default: CPUs);\n"
      "                         each runs up to check_runners (default 4) checks at once and\n"
      "                         the rtloader.workers telemetry comes every telemetry_interval\n"
      "                         seconds (default 15, 0 = off)\n"
      "  -h, --help             this help\n"
      "\n"
      "exit codes: 0 stopped by a signal, 2 usage, 3 configuration error (datadog.yaml),\n"
      "4 rtloader or Python could not start\n";

static const char usage_info[]
    = "usage: rtloader info [options]\n"
      "\n"
      "Prints the Python in use, its sys.path and the Python backends available.\n"
      "\n"
      "  -c, --config FILE      the datadog.yaml (python_home selects the Python)\n"
      "      --confd DIR        the conf.d directory (overrides confd_path; checks.d beside it\n"
      "                         is on sys.path)\n"
      "      --log-level L      overrides log_level\n"
      "      --python-home DIR  the Python installation to use (overrides python_home)\n"
      "  -h, --help             this help\n"
      "\n"
      "exit codes: 0 ok, 2 usage, 3 configuration error, 4 rtloader or Python could not start\n";

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "rtloader: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n\n%s", usage);
    return EXIT_USAGE;
}

/* The longest --interval: a day, so that the pause converts to a timespec whatever time_t is. */
#define HOST_MAX_INTERVAL_S 86400.0

/* A numeric option: plain decimal within [min, max]; false after printing the usage error. */
static bool number_option(const char *usage, const char *option, const char *text,
                          enum host_number_kind kind, double min, double max, double *out)
{
    if (host_parse_number(text, kind, min, max, out)) {
        return true;
    }
    fprintf(stderr, "rtloader: %s takes %s from %.15g to %.15g, not '%s'\n\n%s", option,
            kind == HOST_NUMBER_INTEGER ? "a whole number" : "seconds", min, max, text, usage);
    return false;
}

/* Returns -1 when parsing succeeded, else the exit code to return. */
static int parse_options(int argc, char **argv, struct options *o)
{
    enum {
        OPT_CONFIG = 256,
        OPT_TIMES,
        OPT_INTERVAL,
        OPT_FORMAT,
        OPT_STATS,
        OPT_LOG_LEVEL,
        OPT_CONFD,
        OPT_PYTHON_HOME,
        OPT_ISOLATION,
        OPT_WORKERS,
        OPT_LISTEN
    };
    static const struct option long_options[] = {
        {"confd", required_argument, NULL, OPT_CONFD},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"times", required_argument, NULL, OPT_TIMES},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"stats", no_argument, NULL, OPT_STATS},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"python-home", required_argument, NULL, OPT_PYTHON_HOME},
        {"isolation", required_argument, NULL, OPT_ISOLATION},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *usage = strcmp(o->command, "check") == 0 ? usage_check
                        : strcmp(o->command, "run") == 0 ? usage_run
                                                         : usage_info;
    /* every option means the same in every command; one that does not apply
     * to a command is refused rather than silently ignored */
    bool is_check = strcmp(o->command, "check") == 0;
    bool is_run = strcmp(o->command, "run") == 0;
    bool interval_given = false;
    optind = 2;
    opterr = 0;
    int opt;
    int index = -1;
    while ((opt = getopt_long(argc, argv, "c:h", long_options, &index)) != -1) {
        double number = 0;
        bool applies = opt == OPT_TIMES || opt == OPT_INTERVAL ? is_check
                       : opt == OPT_FORMAT || opt == OPT_STATS || opt == OPT_ISOLATION
                               || opt == OPT_WORKERS
                           ? is_check || is_run
                           : true;
        if (!applies) {
            char what[64];
            snprintf(what, sizeof(what), "--%s", long_options[index].name);
            fprintf(stderr, "rtloader: %s does not apply to '%s'\n\n%s", what, o->command, usage);
            return EXIT_USAGE;
        }
        index = -1;
        switch (opt) {
        case 'c': /* as in the Agent's CLI: -c is the configuration file in every command */
            o->config_file = optarg;
            break;
        case OPT_CONFD: o->confd = optarg; break;
        case OPT_PYTHON_HOME: o->python_home = optarg; break;
        case OPT_LISTEN:
            if (strcmp(o->command, "run") != 0) {
                return usage_error(usage, "%s", "--listen is an option of 'rtloader run'");
            }
            o->listen = optarg;
            break;
        case OPT_CONFIG: o->config_file = optarg; break;
        case OPT_TIMES:
            if (!number_option(usage, "--times", optarg, HOST_NUMBER_INTEGER, 1, 1e6, &number)) {
                return EXIT_USAGE;
            }
            o->times = (int)number;
            break;
        case OPT_INTERVAL:
            if (!number_option(usage, "--interval", optarg, HOST_NUMBER_SECONDS, 0,
                               HOST_MAX_INTERVAL_S, &o->interval)) {
                return EXIT_USAGE;
            }
            interval_given = true;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "table") == 0) {
                o->format = SENDER_TABLE;
            } else if (strcmp(optarg, "json") == 0) {
                o->format = SENDER_JSON;
            } else {
                return usage_error(usage, "--format is table or json, not '%s'", optarg);
            }
            break;
        case OPT_STATS: o->stats = true; break;
        case OPT_ISOLATION:
            if (strcmp(optarg, "none") != 0 && strcmp(optarg, "process") != 0) {
                return usage_error(usage, "--isolation is none or process, not '%s'", optarg);
            }
            o->isolation = optarg;
            break;
        case OPT_WORKERS:
            if (!number_option(usage, "--workers", optarg, HOST_NUMBER_INTEGER, 1, 1024, &number)) {
                return EXIT_USAGE;
            }
            o->workers = (int)number;
            break;
        case OPT_LOG_LEVEL:
            if (host_log_level_from_name(optarg) < 0) {
                return usage_error(usage, "unknown log level '%s'", optarg);
            }
            o->log_level = optarg;
            break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default:
            return usage_error(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (strcmp(o->command, "check") == 0) {
        if (optind >= argc) {
            return usage_error(usage, "%s", "check needs the name of a check");
        }
        o->check_name = argv[optind++];
    } else if (strcmp(o->command, "__worker") == 0) {
        /* started by the supervisor only: the socket's descriptor */
        double fd = -1;
        if (optind >= argc
            || !host_parse_number(argv[optind], HOST_NUMBER_INTEGER, 0, INT_MAX, &fd)) {
            return usage_error(usage, "%s", "__worker needs a descriptor");
        }
        o->worker_fd = (int)fd;
        optind++;
    }
    if (optind < argc) {
        return usage_error(usage, "unexpected argument '%s'", argv[optind]);
    }
    struct stat st;
    if (o->config_file != NULL && stat(o->config_file, &st) == 0 && S_ISDIR(st.st_mode)) {
        /* the mistake of who copies `-c conf.d` from an older `rtloader check` line */
        fprintf(stderr,
                "rtloader: '%s' is a directory: -c/--config names the datadog.yaml, "
                "--confd the conf.d directory\n\n%s",
                o->config_file, usage);
        return EXIT_USAGE;
    }
    if (!interval_given && o->times > 1) {
        o->interval = 1;
    }
    return -1;
}

/* The embedded default datadog_checks package: installed beside the binary, else the source tree's. */
static void default_package_dir(char *out, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        int written = snprintf(out, len, "%s/../share/rtloader/python", dirname(exe));
        struct stat st;
        if (written > 0 && (size_t)written < len && stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
            return;
        }
    }
    snprintf(out, len, "%s", RTLOADER_SOURCE_PYTHON_DIR);
}


/*
 * check_isolation / check_workers of datadog.yaml, overridden by the
 * options. Returns 0, or EXIT_CONFIG after printing the file and line.
 */
static int resolve_isolation(const struct options *o, const struct host_config *cfg,
                             bool *process, int *workers, long long *rss_limit_mb,
                             double *telemetry_s)
{
    const struct value *telemetry = value_get(cfg->root, "telemetry_interval");
    *telemetry_s = HOST_TELEMETRY_INTERVAL_S;
    if (telemetry != NULL
        && ((telemetry->type != VALUE_INT && telemetry->type != VALUE_FLOAT)
            || !value_as_double(telemetry, -1, telemetry_s) || !(*telemetry_s >= 0)
            || *telemetry_s > 86400)) {
        fprintf(stderr, "rtloader: configuration error: %s:%d: telemetry_interval must be a number of seconds from 0 (off) to 86400\n",
                cfg->path != NULL ? cfg->path : "", telemetry->line);
        return EXIT_CONFIG;
    }
    const struct value *mode = value_get(cfg->root, "check_isolation");
    const struct value *count = value_get(cfg->root, "check_workers");
    const struct value *limit = value_get(cfg->root, "worker_rss_limit");
    /* the bound keeps the limit in bytes within a long long */
    if (limit != NULL
        && (limit->type != VALUE_INT || limit->u.integer < 0 || limit->u.integer > (1LL << 30))) {
        fprintf(stderr, "rtloader: configuration error: %s:%d: worker_rss_limit must be a whole number of MiB from 0 (none) to 1073741824\n",
                cfg->path != NULL ? cfg->path : "", limit->line);
        return EXIT_CONFIG;
    }
    *rss_limit_mb = limit != NULL ? limit->u.integer : 0;
    if (mode != NULL
        && (mode->type != VALUE_STRING
            || (strcmp(mode->u.string, "none") != 0 && strcmp(mode->u.string, "process") != 0))) {
        fprintf(stderr, "rtloader: configuration error: %s:%d: check_isolation must be none or process\n",
                cfg->path != NULL ? cfg->path : "", mode->line);
        return EXIT_CONFIG;
    }
    if (count != NULL
        && (count->type != VALUE_INT || count->u.integer < 1 || count->u.integer > 1024)) {
        fprintf(stderr, "rtloader: configuration error: %s:%d: check_workers must be a whole number from 1 to 1024\n",
                cfg->path != NULL ? cfg->path : "", count->line);
        return EXIT_CONFIG;
    }
    const char *chosen = o->isolation != NULL ? o->isolation : mode != NULL ? mode->u.string : "none";
    *process = strcmp(chosen, "process") == 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *workers = o->workers > 0 ? o->workers
               : count != NULL ? (int)count->u.integer
                               : (cpus > 0 ? (int)cpus : 1);
    if (strcmp(o->command, "check") != 0 && strcmp(o->command, "run") != 0) {
        *process = false; /* info, and a worker itself */
    }
    return 0;
}

/* Config, crash handler, allocator, backend, callbacks, paths, init. */
static int start(const struct options *o, struct runtime *r)
{
    char *error = NULL;
    if (host_config_load(o->config_file, &r->cfg, &error) != 0) {
        fprintf(stderr, "rtloader: configuration error: %s\n", error != NULL ? error : "out of memory");
        free(error);
        return EXIT_CONFIG;
    }
    if (o->confd != NULL) {
        free(r->cfg.confd_path);
        r->cfg.confd_path = strdup(o->confd);
    }
    if (o->python_home != NULL) {
        free(r->cfg.python_home);
        r->cfg.python_home = strdup(o->python_home);
    }
    if (o->log_level != NULL) {
        /* the level for everything: the host's lines, get_config('log_level') and so the
         * Python logging level the base class sets from it (the last key of a map wins) */
        r->cfg.log_level = host_log_level_from_name(o->log_level);
        struct value *level = value_new_string(o->log_level, 0);
        if (level == NULL || !value_append(r->cfg.root, "log_level", level)) {
            value_free(level);
            fprintf(stderr, "rtloader: out of memory\n");
            return EXIT_RUNTIME;
        }
    }
    host_log_set_level(r->cfg.log_level);
    int status = resolve_isolation(o, &r->cfg, &r->isolated, &r->workers, &r->rss_limit_mb,
                                   &r->telemetry_s);
    if (status != 0) {
        return status;
    }
    if (r->isolated) {
        /* the supervisor runs no Python (the workers do): one signal path, signals.c */
        sender_setup(o->format, r->cfg.hostname);
        if (host_signals_start(r->cfg.shutdown_grace_period, &error) != 0) {
            fprintf(stderr, "rtloader: %s\n", error != NULL ? error : "out of memory");
            free(error);
            return EXIT_RUNTIME;
        }
        return EXIT_OK;
    }
    if (r->cfg.c_core_dump || r->cfg.c_stacktrace_collection) {
        if (!handle_crashes(r->cfg.c_core_dump, r->cfg.c_stacktrace_collection, &error)) {
            host_log(DATADOG_AGENT_WARNING,
                     "Unable to install crash handler, C-land stacktraces and dumps will be "
                     "unavailable: %s",
                     error);
            _free(error);
            error = NULL;
        }
    }
    if (o->stats) {
        r->cfg.memtrack_enabled = true; /* a summary needs the counters */
    }
    if (r->cfg.memtrack_enabled) {
        enable_memory_tracker(); /* before make3: the backend takes the allocator pair then */
    }
    r->rt = make3(r->cfg.python_home, "", &error);
    if (r->rt == NULL) {
        fprintf(stderr, "rtloader: cannot load the Python backend: %s\n", error);
        _free(error);
        return EXIT_RUNTIME;
    }
    if (r->cfg.memtrack_enabled) {
        init_pymem_stats(r->rt);
    }
    r->cache = host_cache_open(r->cfg.run_path, 0, &error);
    if (r->cache == NULL) {
        fprintf(stderr, "rtloader: configuration error: persistent cache under '%s': %s\n",
                r->cfg.run_path, error != NULL ? error : "out of memory");
        free(error);
        return EXIT_CONFIG;
    }
    sender_setup(o->format, r->cfg.hostname);
    sender_register(r->rt);
    if (host_callbacks_register(r->rt, &r->cfg, r->cache, &error) != 0) {
        fprintf(stderr, "rtloader: configuration error: %s%s\n",
                r->cfg.path != NULL ? r->cfg.path : "", error != NULL ? error : "out of memory");
        free(error);
        return EXIT_CONFIG;
    }
    if (o->worker_fd >= 0) {
        worker_register(r->rt, o->worker_fd); /* after the host's: replaces the output ones */
    }

    /* checks.d beside conf.d first (custom checks), the default package last
     * so that an installed datadog_checks_base wins */
    char path[PATH_MAX + 32];
    char *confd_copy = strdup(r->cfg.confd_path);
    if (confd_copy != NULL) {
        /* absolute: a check may change the working directory */
        char absolute[PATH_MAX];
        const char *parent = dirname(confd_copy);
        snprintf(path, sizeof(path), "%s/checks.d",
                 realpath(parent, absolute) != NULL ? absolute : parent);
        add_python_path(r->rt, path);
        free(confd_copy);
    }
    const struct value *extra = value_get(r->cfg.root, "additional_checksd");
    if (extra != NULL && extra->type == VALUE_STRING) {
        add_python_path(r->rt, extra->u.string);
    }
    default_package_dir(path, sizeof(path));
    add_python_path(r->rt, path);

    if (!init(r->rt)) {
        fprintf(stderr, "rtloader: cannot start Python: %s\n", get_error(r->rt));
        return EXIT_RUNTIME;
    }
    /* after init: Python's own SIGINT handler, installed there, must be replaced; a
     * worker process (isolation) keeps the stop handling of worker.c */
    if (o->worker_fd < 0 && host_signals_start(r->cfg.shutdown_grace_period, &error) != 0) {
        fprintf(stderr, "rtloader: %s\n", error != NULL ? error : "out of memory");
        free(error);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

static void stop(struct runtime *r, bool stats)
{
    if (r->rt != NULL && stats) {
        memstats_print_summary(r->rt);
    }
    host_callbacks_teardown();
    sender_teardown();
    host_cache_close(r->cache);
    host_config_free(&r->cfg);
    /* the rtloader instance is left to the process's end: destroy() would
     * keep the GIL on this thread for nothing */
}



/* Loads one configuration's instances into this process's interpreter (caller holds the GIL). */
static int load_in_process(void *ctx, const struct check_config *cc, struct host_check **checks,
                           size_t *count)
{
    struct runtime *r = ctx;
    return host_checks_load(r->rt, &r->cfg, cc, checks, count);
}

/* Loads the named checks. `skipped` NULL: a bad configuration file fails the
 * load (check); else it is skipped and noted there (run). GIL: not held. */
static int load_checks(struct runtime *r, char **names, struct skipped_files *skipped,
                       struct host_check **checks, size_t *count, int *failures)
{
    rtloader_gilstate_t gil = ensure_gil(r->rt);
    int status = cli_load_named(r, names, skipped, load_in_process, r, checks, count, failures);
    release_gil(r->rt, gil);
    /* a constructor may have called signal.signal() on this (main) thread: the host's handlers win */
    host_signals_reinstall();
    return status;
}


/*
 * Threads stuck in a check (or its cancel()) after a stop still use the
 * checks, the callbacks and the sender: nothing may be freed under them.
 * Exit now, the processes the checks started killed.
 */
static void exit_leaving_threads(int status)
{
    host_children_kill(NULL);
    host_janitor_finish(HOST_JANITOR_FINISH_S);
    fflush(stdout);
    fflush(stderr);
    _exit(status);
}

static int command_check(const struct options *o, struct runtime *r)
{
    struct host_check *checks = NULL;
    size_t count = 0;
    int failures = 0;
    char *names[] = {(char *)o->check_name, NULL};
    int status = load_checks(r, names, NULL, &checks, &count, &failures);
    if (status == EXIT_OK) {
        bool threads_left = false;
        failures += scheduler_run_times(r->rt, checks, count, o->times, o->interval, &threads_left);
        if (threads_left) {
            exit_leaving_threads(failures > 0 || count == 0 ? EXIT_CHECK_FAILED : EXIT_OK);
        }
    }
    rtloader_gilstate_t gil = ensure_gil(r->rt);
    host_checks_free(r->rt, checks, count);
    release_gil(r->rt, gil);
    if (status != EXIT_OK) {
        return status;
    }
    return failures > 0 || count == 0 ? EXIT_CHECK_FAILED : EXIT_OK;
}










static int command_run(struct runtime *r)
{
    char *error = NULL;
    char **names = host_confd_check_names(r->cfg.confd_path, &error);
    if (names == NULL) {
        fprintf(stderr, "rtloader: configuration error: %s\n", error != NULL ? error : "out of memory");
        free(error);
        return EXIT_CONFIG;
    }
    struct host_check *checks = NULL;
    size_t count = 0;
    int failures = 0;
    struct skipped_files skipped = {0};
    int status = load_checks(r, names, &skipped, &checks, &count, &failures);
    host_free_strings(names);
    if (status != EXIT_OK) {
        free_skipped(&skipped);
        return status;
    }
    if (count == 0) {
        host_log(DATADOG_AGENT_WARNING, "no check instance loaded from %s: waiting for a signal",
                 r->cfg.confd_path);
    }
    struct scheduler_options options = {
        .workers = r->cfg.check_runners,
        .memstats = r->cfg.memtrack_enabled,
    };
    bool threads_left = false;
    int stopped_by = scheduler_run(r->rt, checks, count, &options, &threads_left);
    print_skipped_summary(&skipped);
    free_skipped(&skipped);
    if (threads_left) {
        exit_leaving_threads(stopped_by < 0 ? EXIT_RUNTIME : EXIT_OK);
    }
    rtloader_gilstate_t gil = ensure_gil(r->rt);
    host_checks_free(r->rt, checks, count);
    release_gil(r->rt, gil);
    return stopped_by < 0 ? EXIT_RUNTIME : EXIT_OK;
}

static int command_info(struct runtime *r)
{
    rtloader_gilstate_t gil = ensure_gil(r->rt);
    py_info_t *info = get_py_info(r->rt);
    if (info == NULL) {
        release_gil(r->rt, gil);
        fprintf(stderr, "rtloader: %s\n", get_error(r->rt));
        return EXIT_RUNTIME;
    }
    printf("python version: %.*s\n", (int)strcspn(info->version, "\n"), info->version);
    printf("python home:    %s\n", r->cfg.python_home != NULL ? r->cfg.python_home : "(the default backend's)");
    const char *lib = rtloader_python_library();
    printf("libpython:      %s\n", lib != NULL ? lib : "(unknown)");
    printf("sys.path:       %s\n", info->path != NULL ? info->path : "(unavailable)");
    free_py_info(r->rt, info);
    char *wheels = get_integration_list(r->rt);
    printf("integrations:   %s\n", wheels != NULL ? wheels : get_error(r->rt));
    rtloader_free(r->rt, wheels);
    release_gil(r->rt, gil);

    size_t count = 0;
    rtloader_backend_info_t *backends = rtloader_list_backends(&count);
    printf("backends:\n");
    for (size_t i = 0; i < count; i++) {
        printf("  Python %-5s %s%s\n", backends[i].python_version, backends[i].path,
               backends[i].is_default ? " (default)" : "");
    }
    rtloader_free_backends(backends, count);
    return EXIT_OK;
}

/* The OpenMetrics endpoint of `run` (docs/openmetrics.md): a sink of the
 * sender, so it serves what runs submit whichever runner ran them. */
static int start_endpoint(const struct options *o, struct runtime *r, struct om_endpoint **out)
{
    const char *listen = o->listen != NULL ? o->listen : r->cfg.openmetrics_listen;
    if (listen == NULL) {
        return EXIT_OK;
    }
    struct om_endpoint_options eo = {
        .listen = listen,
        .namespace_ = r->cfg.openmetrics_namespace,
        .stale_runs = r->cfg.openmetrics_stale_runs,
    };
    char *error = NULL;
    *out = om_endpoint_start(&eo, &error);
    if (*out == NULL) {
        fprintf(stderr, "rtloader: %s\n", error != NULL ? error : "out of memory");
        free(error);
        return EXIT_RUNTIME;
    }
    host_log(DATADOG_AGENT_INFO, "openmetrics: serving /metrics on %s (port %d)", listen,
             om_endpoint_port(*out));
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0
        || strcmp(argv[1], "help") == 0) {
        fputs(usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    struct options o = {.command = argv[1], .times = 1, .format = SENDER_TABLE, .worker_fd = -1};
    if (strcmp(o.command, "check") != 0 && strcmp(o.command, "run") != 0
        && strcmp(o.command, "info") != 0 && strcmp(o.command, "__worker") != 0) {
        return usage_error(usage_main, "unknown command '%s'", o.command);
    }
    int parsed = parse_options(argc, argv, &o);
    if (parsed >= 0) {
        return parsed;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (o.worker_fd >= 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO); /* the supervisor's stdout is its own output */
        host_janitor_attach_inherited();
    }
    /* first, while this is the only thread: fork, setenv; before Python copies the environment */
    char *janitor_error = NULL;
    if (strcmp(o.command, "info") != 0 && o.worker_fd < 0
        && host_janitor_start(&janitor_error) != 0) {
        fprintf(stderr, "rtloader: %s: processes the checks start may outlive a killed host\n",
                janitor_error != NULL ? janitor_error : "out of memory");
        free(janitor_error);
    }

    /*
     * SIGINT/SIGTERM wait, blocked, until the host's handlers replace
     * Python's (installed by init): one arriving meanwhile is then taken by
     * the host, never by Python. Unblocked before any check runs, so nothing
     * a check starts inherits the mask.
     */
    sigset_t stop_signals, previous_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous_mask);
    struct runtime r = {0};
    struct om_endpoint *endpoint = NULL;
    int status = start(&o, &r);
    pthread_sigmask(SIG_SETMASK, &previous_mask, NULL);
    if (host_janitor_pid() > 0) {
        host_log(DATADOG_AGENT_DEBUG, "janitor %d started", (int)host_janitor_pid());
    }
    if (status == EXIT_OK && strcmp(o.command, "run") == 0) {
        status = start_endpoint(&o, &r, &endpoint);
    }
    if (status == EXIT_OK) {
        if (o.worker_fd >= 0) {
            status = worker_serve(r.rt, &r.cfg, o.worker_fd);
        } else if (strcmp(o.command, "check") == 0 && r.isolated) {
            status = command_check_isolated(&o, &r);
        } else if (strcmp(o.command, "check") == 0) {
            status = command_check(&o, &r);
        } else if (strcmp(o.command, "run") == 0 && r.isolated) {
            status = command_run_isolated(&o, &r);
        } else if (strcmp(o.command, "run") == 0) {
            status = command_run(&r);
        } else {
            status = command_info(&r);
        }
    }
    om_endpoint_stop(endpoint);
    stop(&r, o.stats && status != EXIT_CONFIG && r.rt != NULL);
    host_children_kill(NULL); /* whatever a check's own thread left running */
    host_janitor_finish(HOST_JANITOR_FINISH_S);
    return status;
}
