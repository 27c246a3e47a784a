/*
 * config.c - datadog.yaml and conf.d, loaded into plain C structures.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "datadog_agent_rtloader.h"
#include "yaml_load.h"

static char *error_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *error_at(const char *file, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t len = strlen(file) + strlen(msg) + 32;
    char *out = malloc(len);
    if (out != NULL) {
        snprintf(out, len, "%s:%d: %s", file, line > 0 ? line : 1, msg);
    }
    return out;
}

int host_log_level_from_name(const char *name)
{
    static const struct {
        const char *name;
        int level;
    } levels[] = {
        {"trace", DATADOG_AGENT_TRACE}, {"debug", DATADOG_AGENT_DEBUG},
        {"info", DATADOG_AGENT_INFO},   {"warn", DATADOG_AGENT_WARNING},
        {"warning", DATADOG_AGENT_WARNING}, {"error", DATADOG_AGENT_ERROR},
        {"critical", DATADOG_AGENT_CRITICAL}, {"off", 100},
    };
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (strcasecmp(name, levels[i].name) == 0) {
            return levels[i].level;
        }
    }
    return -1;
}

/* `rel` resolved against the directory of `file` (copied). */
static char *resolve_path(const char *file, const char *rel)
{
    if (rel[0] == '/' || file == NULL) {
        return strdup(rel);
    }
    const char *slash = strrchr(file, '/');
    if (slash == NULL) {
        return strdup(rel);
    }
    size_t dlen = (size_t)(slash - file);
    char *out = malloc(dlen + strlen(rel) + 2);
    if (out != NULL) {
        memcpy(out, file, dlen);
        out[dlen] = '/';
        strcpy(out + dlen + 1, rel);
    }
    return out;
}

/* Reads an optional string key; false (with *error) for a wrong type. */
static bool get_string(const struct host_config *cfg, const char *key, char **out, char **error)
{
    const struct value *v = value_get(cfg->root, key);
    if (v == NULL || v->type == VALUE_NULL) {
        return true;
    }
    if (v->type != VALUE_STRING) {
        *error = error_at(cfg->path, v->line, "'%s' must be a string, not %s", key,
                          value_type_name(v->type));
        return false;
    }
    free(*out);
    *out = strdup(v->u.string);
    return *out != NULL;
}

static bool get_bool(const struct host_config *cfg, const char *key, bool *out, char **error)
{
    const struct value *v = value_get(cfg->root, key);
    if (!value_as_bool(v, *out, out)) {
        *error = error_at(cfg->path, v->line, "'%s' must be a boolean, not %s", key,
                          value_type_name(v->type));
        return false;
    }
    return true;
}

/* A list of strings (a lone string counts as a one-item list, as the Agent does). */
static bool get_string_list(const struct host_config *cfg, const char *key, char ***out,
                            char **error)
{
    const struct value *v = value_get(cfg->root, key);
    size_t count = v == NULL || v->type == VALUE_NULL ? 0
                   : v->type == VALUE_LIST            ? v->u.children.count
                                                      : 1;
    if (v != NULL && v->type != VALUE_NULL && v->type != VALUE_LIST && v->type != VALUE_STRING) {
        *error = error_at(cfg->path, v->line, "'%s' must be a list of strings, not %s", key,
                          value_type_name(v->type));
        return false;
    }
    char **list = calloc(count + 1, sizeof(char *));
    if (list == NULL) {
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        const struct value *item = v->type == VALUE_LIST ? v->u.children.items[i] : v;
        if (item->type != VALUE_STRING) {
            *error = error_at(cfg->path, item->line, "'%s' must be a list of strings: item %zu is %s",
                              key, i + 1, value_type_name(item->type));
            host_free_strings(list);
            return false;
        }
        list[i] = strdup(item->u.string);
    }
    host_free_strings(*out);
    *out = list;
    return true;
}

/* shutdown_grace_period (seconds) and subprocess_output_limit (bytes, 0 = none): numbers >= 0. */
static bool apply_process_settings(struct host_config *cfg, char **error)
{
    const struct value *grace = value_get(cfg->root, "shutdown_grace_period");
    if (grace != NULL && grace->type != VALUE_NULL) {
        double seconds = -1;
        if ((grace->type != VALUE_INT && grace->type != VALUE_FLOAT)
            || !value_as_double(grace, -1, &seconds) || !(seconds >= 0 && seconds <= 3600)) {
            *error = error_at(cfg->path, grace->line,
                              "'shutdown_grace_period' must be a number of seconds from 0 to 3600");
            return false;
        }
        cfg->shutdown_grace_period = seconds;
    }
    const struct value *limit = value_get(cfg->root, "subprocess_output_limit");
    if (limit != NULL && limit->type != VALUE_NULL) {
        if (limit->type != VALUE_INT || limit->u.integer < 0) {
            *error = error_at(cfg->path, limit->line,
                              "'subprocess_output_limit' must be a number of bytes (0: no limit)");
            return false;
        }
        cfg->subprocess_output_limit = (unsigned long long)limit->u.integer;
    }
    return true;
}

/* The Agent's apm_config.obfuscation.cache.enabled (boolean) and .max_size (bytes). */
static bool apply_obfuscation_cache_settings(struct host_config *cfg, char **error)
{
    const struct value *enabled = value_get_path(cfg->root, "apm_config.obfuscation.cache.enabled");
    if (!value_as_bool(enabled, cfg->obfuscation_cache_enabled, &cfg->obfuscation_cache_enabled)) {
        *error = error_at(cfg->path, enabled->line,
                          "'apm_config.obfuscation.cache.enabled' must be a boolean, not %s",
                          value_type_name(enabled->type));
        return false;
    }
    const struct value *size = value_get_path(cfg->root, "apm_config.obfuscation.cache.max_size");
    if (size != NULL && size->type != VALUE_NULL) {
        if (size->type != VALUE_INT || size->u.integer < 0
            || (unsigned long long)size->u.integer > HOST_MAX_OBFUSCATION_CACHE_MAX_SIZE) {
            *error = error_at(cfg->path, size->line,
                              "'apm_config.obfuscation.cache.max_size' must be a number of bytes "
                              "from 0 to %llu",
                              HOST_MAX_OBFUSCATION_CACHE_MAX_SIZE);
            return false;
        }
        cfg->obfuscation_cache_max_size = (unsigned long long)size->u.integer;
    }
    return true;
}

static int apply_settings(struct host_config *cfg, char **error)
{
    char *log_level = NULL, *run_path = NULL, *confd = NULL;
    int rc = -1;
    if (!get_string(cfg, "hostname", &cfg->hostname, error)
        || !get_string(cfg, "python_home", &cfg->python_home, error)
        || !get_string(cfg, "cluster_name", &cfg->cluster_name, error)
        || !get_string(cfg, "log_level", &log_level, error)
        || !get_string(cfg, "run_path", &run_path, error)
        || !get_string(cfg, "confd_path", &confd, error)
        || !get_bool(cfg, "memtrack_enabled", &cfg->memtrack_enabled, error)
        || !get_bool(cfg, "c_stacktrace_collection", &cfg->c_stacktrace_collection, error)
        || !get_bool(cfg, "c_core_dump", &cfg->c_core_dump, error)
        || !get_string_list(cfg, "tags", &cfg->tags, error)
        || !get_string_list(cfg, "container_include", &cfg->container_include, error)
        || !get_string_list(cfg, "container_exclude", &cfg->container_exclude, error)
        || !get_string(cfg, "openmetrics_listen", &cfg->openmetrics_listen, error)
        || !get_string(cfg, "openmetrics_namespace", &cfg->openmetrics_namespace, error)) {
        goto done;
    }
    if (cfg->openmetrics_listen != NULL && cfg->openmetrics_listen[0] == '\0') {
        free(cfg->openmetrics_listen); /* "" is off, as the key being absent */
        cfg->openmetrics_listen = NULL;
    }
    const char *ns = cfg->openmetrics_namespace;
    if (ns != NULL && ns[0] != '\0'
        && (strspn(ns, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
                != strlen(ns)
            || (ns[0] >= '0' && ns[0] <= '9'))) {
        *error = error_at(cfg->path, value_get(cfg->root, "openmetrics_namespace")->line,
                          "'openmetrics_namespace' must be a metric name prefix "
                          "([a-zA-Z_][a-zA-Z0-9_]*), not '%s'",
                          ns);
        goto done;
    }
    const struct value *stale = value_get(cfg->root, "openmetrics_stale_runs");
    if (stale != NULL && stale->type != VALUE_NULL) {
        if (stale->type != VALUE_INT || stale->u.integer < 1 || stale->u.integer > 1000000) {
            *error = error_at(cfg->path, stale->line,
                              "'openmetrics_stale_runs' must be an integer from 1 to 1000000");
            goto done;
        }
        cfg->openmetrics_stale_runs = (int)stale->u.integer;
    }
    if (log_level != NULL) {
        int level = host_log_level_from_name(log_level);
        if (level < 0) {
            *error = error_at(cfg->path, value_get(cfg->root, "log_level")->line,
                              "unknown log_level '%s' (trace, debug, info, warn, error, "
                              "critical or off)",
                              log_level);
            goto done;
        }
        cfg->log_level = level;
    }
    if (run_path != NULL) {
        free(cfg->run_path);
        cfg->run_path = resolve_path(cfg->path, run_path);
    }
    if (confd != NULL) {
        free(cfg->confd_path);
        cfg->confd_path = resolve_path(cfg->path, confd);
    }
    if (cfg->python_home != NULL && cfg->python_home[0] != '\0') {
        char *home = resolve_path(cfg->path, cfg->python_home);
        free(cfg->python_home);
        cfg->python_home = home;
    }
    const struct value *runners = value_get(cfg->root, "check_runners");
    if (runners != NULL && runners->type != VALUE_NULL) {
        if (runners->type != VALUE_INT || runners->u.integer < 1 || runners->u.integer > 64) {
            *error = error_at(cfg->path, runners->line,
                              "'check_runners' must be an integer from 1 to 64");
            goto done;
        }
        cfg->check_runners = (int)runners->u.integer;
    }
    if (!apply_process_settings(cfg, error) || !apply_obfuscation_cache_settings(cfg, error)) {
        goto done;
    }
    rc = 0;

done:
    free(log_level);
    free(run_path);
    free(confd);
    return rc;
}

int host_config_load(const char *path, struct host_config *cfg, char **error)
{
    memset(cfg, 0, sizeof(*cfg));
    *error = NULL;
    char hostname[256] = "localhost";
    gethostname(hostname, sizeof(hostname) - 1);
    hostname[sizeof(hostname) - 1] = '\0';
    const char *tmp = getenv("TMPDIR");
    char run_path[PATH_MAX];
    snprintf(run_path, sizeof(run_path), "%s/rtloader-run-%u", tmp != NULL ? tmp : "/tmp",
             (unsigned)getuid());

    cfg->hostname = strdup(hostname);
    cfg->run_path = strdup(run_path);
    cfg->confd_path = strdup("conf.d");
    cfg->log_level = DATADOG_AGENT_INFO;
    cfg->check_runners = HOST_DEFAULT_CHECK_RUNNERS;
    cfg->shutdown_grace_period = HOST_DEFAULT_SHUTDOWN_GRACE_PERIOD;
    cfg->subprocess_output_limit = HOST_DEFAULT_SUBPROCESS_OUTPUT_LIMIT;
    cfg->obfuscation_cache_enabled = true;
    cfg->obfuscation_cache_max_size = HOST_DEFAULT_OBFUSCATION_CACHE_MAX_SIZE;
    cfg->tags = calloc(1, sizeof(char *));
    cfg->container_include = calloc(1, sizeof(char *));
    cfg->container_exclude = calloc(1, sizeof(char *));
    if (path == NULL) {
        cfg->root = value_new(VALUE_MAP, 0);
        return 0;
    }
    cfg->path = strdup(path);
    cfg->root = yaml_load_file(path, error);
    if (cfg->root == NULL) {
        cfg->root = value_new(VALUE_MAP, 0);
        return -1;
    }
    if (cfg->root->type == VALUE_NULL) {
        value_free(cfg->root);
        cfg->root = value_new(VALUE_MAP, 1);
    } else if (cfg->root->type != VALUE_MAP) {
        *error = error_at(path, cfg->root->line, "expected a map of settings, found a %s",
                          value_type_name(cfg->root->type));
        return -1;
    }
    return apply_settings(cfg, error);
}

void host_free_strings(char **strings)
{
    for (char **s = strings; s != NULL && *s != NULL; s++) {
        free(*s);
    }
    free(strings);
}

void host_config_free(struct host_config *cfg)
{
    free(cfg->path);
    value_free(cfg->root);
    free(cfg->hostname);
    free(cfg->run_path);
    free(cfg->confd_path);
    free(cfg->python_home);
    free(cfg->cluster_name);
    free(cfg->openmetrics_listen);
    free(cfg->openmetrics_namespace);
    host_free_strings(cfg->tags);
    host_free_strings(cfg->container_include);
    host_free_strings(cfg->container_exclude);
    memset(cfg, 0, sizeof(*cfg));
}

static void free_instance(struct check_instance *ci)
{
    free(ci->json);
    free(ci->init_config_json);
    free(ci->source);
}

/* Appends the instances of one file, each with that file's init_config; on
 * failure nothing of the file is kept (the Agent rejects a file whole). */
static int load_check_file(const char *file, struct check_config *out, char **error)
{
    size_t count_before = out->count;
    struct value *root = yaml_load_file(file, error);
    if (root == NULL) {
        return -1;
    }
    int rc = -1;
    char *init_config_json = NULL;
    if (root->type != VALUE_MAP) {
        *error = error_at(file, root->line, "expected a map with 'init_config' and 'instances', "
                                            "found %s",
                          value_type_name(root->type));
        goto done;
    }
    const struct value *init_config = value_get(root, "init_config");
    if (init_config != NULL && init_config->type != VALUE_MAP && init_config->type != VALUE_NULL) {
        *error = error_at(file, init_config->line, "'init_config' must be a map, not %s",
                          value_type_name(init_config->type));
        goto done;
    }
    const struct value *instances = value_get(root, "instances");
    if (instances == NULL) {
        *error = error_at(file, root->line, "missing key 'instances'");
        goto done;
    }
    if (instances->type != VALUE_LIST) {
        *error = error_at(file, instances->line, "'instances' must be a list, not %s",
                          value_type_name(instances->type));
        goto done;
    }
    init_config_json = init_config != NULL && init_config->type == VALUE_MAP
                                 ? value_to_json(init_config)
                                 : strdup("{}");
    if (init_config_json == NULL) {
        *error = error_at(file, 1, "out of memory");
        goto done;
    }
    size_t n = instances->u.children.count;
    struct check_instance *grown
        = realloc(out->instances, (out->count + n) * sizeof(*grown) + sizeof(*grown));
    if (grown == NULL) {
        *error = error_at(file, 1, "out of memory");
        goto done;
    }
    out->instances = grown;
    for (size_t i = 0; i < n; i++) {
        const struct value *inst = instances->u.children.items[i];
        if (inst->type != VALUE_MAP) {
            *error = error_at(file, inst->line, "instance %zu must be a map, not %s", i + 1,
                              value_type_name(inst->type));
            goto done;
        }
        double interval = HOST_DEFAULT_MIN_COLLECTION_INTERVAL;
        const struct value *mci = value_get(inst, "min_collection_interval");
        if (!value_as_double(mci, interval, &interval) || !isfinite(interval) || interval <= 0) {
            *error = error_at(file, mci->line,
                              "'min_collection_interval' must be a positive number of seconds");
            goto done;
        }
        struct check_instance *ci = &out->instances[out->count];
        char source[PATH_MAX + 32];
        snprintf(source, sizeof(source), "%s:%d", file, inst->line);
        ci->json = value_to_json(inst);
        ci->init_config_json = strdup(init_config_json);
        ci->source = strdup(source);
        ci->interval = interval;
        out->count++;
        if (ci->json == NULL || ci->init_config_json == NULL || ci->source == NULL) {
            *error = error_at(file, inst->line, "out of memory");
            goto done;
        }
    }
    rc = 0;

done:
    if (rc != 0) {
        while (out->count > count_before) {
            free_instance(&out->instances[--out->count]);
        }
    }
    free(init_config_json);
    value_free(root);
    return rc;
}

/* Keep-going mode: records a file's error in out->file_errors (takes it). */
static int note_file_error(struct check_config *out, char *message)
{
    char **grown = message != NULL ? realloc(out->file_errors,
                                             (out->file_error_count + 2) * sizeof(char *))
                                   : NULL;
    if (grown == NULL) {
        free(message);
        return -1;
    }
    out->file_errors = grown;
    grown[out->file_error_count++] = message;
    grown[out->file_error_count] = NULL;
    return 0;
}

/* One file, in either mode: 0 (loaded or, keep-going, skipped), -1 to stop with *error. */
static int load_one(const char *file, bool keep_going, struct check_config *out, char **error)
{
    if (load_check_file(file, out, error) == 0) {
        return 0;
    }
    if (!keep_going || *error == NULL) {
        return -1; /* a NULL error is memory exhaustion: never skipped */
    }
    int rc = note_file_error(out, *error);
    *error = NULL;
    return rc;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int host_check_config_load(const char *confd, const char *name, bool keep_going,
                           struct check_config *out, char **error)
{
    memset(out, 0, sizeof(*out));
    *error = NULL;
    out->name = strdup(name);
    char path[PATH_MAX];
    int files = 0;

    snprintf(path, sizeof(path), "%s/%s.d", confd, name);
    DIR *dir = opendir(path);
    if (dir == NULL && errno != ENOENT && errno != ENOTDIR) {
        /* there but unreadable: an error, not "no configuration" */
        char *message = error_at(path, 0, "cannot read the directory: %s", strerror(errno));
        if (!keep_going || message == NULL) {
            *error = message;
            return -1;
        }
        if (note_file_error(out, message) != 0) {
            return -1;
        }
        files++;
    }
    if (dir != NULL) {
        char **names = NULL;
        size_t count = 0;
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if ((!has_suffix(entry->d_name, ".yaml") && !has_suffix(entry->d_name, ".yml"))
                || entry->d_name[0] == '.') {
                continue;
            }
            char **grown = realloc(names, (count + 1) * sizeof(char *));
            if (grown == NULL) {
                break;
            }
            names = grown;
            names[count++] = strdup(entry->d_name);
        }
        closedir(dir);
        if (count > 1) {
            qsort(names, count, sizeof(char *), compare_strings);
        }
        int rc = 0;
        for (size_t i = 0; i < count; i++) {
            char file[PATH_MAX + 256];
            snprintf(file, sizeof(file), "%s/%s.d/%s", confd, name, names[i]);
            if (rc == 0 && load_one(file, keep_going, out, error) != 0) {
                rc = -1;
            }
            files++;
            free(names[i]);
        }
        free(names);
        if (rc != 0) {
            return -1;
        }
    }
    snprintf(path, sizeof(path), "%s/%s.yaml", confd, name);
    if (access(path, F_OK) == 0) {
        if (load_one(path, keep_going, out, error) != 0) {
            return -1;
        }
        files++;
    }
    return files == 0 ? 1 : 0;
}

void host_check_config_free(struct check_config *cfg)
{
    for (size_t i = 0; i < cfg->count; i++) {
        free_instance(&cfg->instances[i]);
    }
    free(cfg->instances);
    host_free_strings(cfg->file_errors);
    free(cfg->name);
    memset(cfg, 0, sizeof(*cfg));
}

char **host_confd_check_names(const char *confd, char **error)
{
    *error = NULL;
    DIR *dir = opendir(confd);
    if (dir == NULL) {
        size_t len = strlen(confd) + 128;
        if ((*error = malloc(len)) != NULL) {
            snprintf(*error, len, "%s: cannot read the conf.d directory: %s", confd,
                     strerror(errno));
        }
        return NULL;
    }
    char **names = calloc(1, sizeof(char *));
    size_t count = 0;
    struct dirent *entry;
    while (names != NULL && (entry = readdir(dir)) != NULL) {
        char name[256];
        size_t len = strlen(entry->d_name);
        if (entry->d_name[0] == '.') {
            continue;
        }
        if (has_suffix(entry->d_name, ".d")) {
            snprintf(name, sizeof(name), "%.*s", (int)(len - 2), entry->d_name);
        } else if (has_suffix(entry->d_name, ".yaml")) {
            snprintf(name, sizeof(name), "%.*s", (int)(len - 5), entry->d_name);
        } else {
            continue;
        }
        bool seen = false;
        for (size_t i = 0; i < count && !seen; i++) {
            seen = strcmp(names[i], name) == 0;
        }
        if (seen) {
            continue;
        }
        char **grown = realloc(names, (count + 2) * sizeof(char *));
        if (grown == NULL) {
            break;
        }
        names = grown;
        names[count++] = strdup(name);
        names[count] = NULL;
    }
    closedir(dir);
    if (names != NULL && count > 1) {
        qsort(names, count, sizeof(char *), compare_strings);
    }
    return names;
}
