/*
 * example_host.c - the smallest useful rtloader host.
 *
 * Loads each named check the way the Agent does (datadog_checks.<name>, then
 * <name>), instantiates it with one instance given as JSON, runs it once,
 * and prints what it submitted. The reference host with conf.d, scheduling
 * and a real sender is host/; this file is the README's embedding example.
 *
 * usage: example_host <python path>... -- <check> <instance json> [<check> <json>]...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"

static const char *metric_type_names[] = {"gauge",   "rate",      "count",    "monotonic_count",
                                          "counter", "histogram", "historate"};

static void print_tags(char **tags)
{
    for (char **t = tags; t != NULL && *t != NULL; t++) {
        printf("%s%s", t == tags ? "" : ",", *t);
    }
}

static void on_metric(char *check_id, metric_type_t type, char *name, double value, char **tags,
                      char *hostname, bool flush_first)
{
    (void)check_id;
    (void)hostname;
    (void)flush_first;
    const char *type_name = (unsigned)type < 7 ? metric_type_names[type] : "?";
    printf("  %-16s %-36s %16.3f  ", type_name, name, value);
    print_tags(tags);
    printf("\n");
}

static void on_service_check(char *check_id, char *name, int status, char **tags, char *hostname,
                             char *message)
{
    (void)check_id;
    (void)hostname;
    printf("  %-16s %-36s %16d  ", "service_check", name, status);
    print_tags(tags);
    printf("%s%s\n", message != NULL && message[0] ? "  " : "", message != NULL ? message : "");
}

static void on_log(char *message, int level)
{
    if (level >= DATADOG_AGENT_WARNING) {
        fprintf(stderr, "[python %d] %s\n", level, message);
    }
}

/* A process-lifetime key/value store is enough for one run. */
struct cache_entry {
    struct cache_entry *next;
    char *key;
    char *value;
};
static struct cache_entry *cache;

static void on_write_cache(char *key, char *value)
{
    for (struct cache_entry *e = cache; e != NULL; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            free(e->value);
            e->value = strdup(value);
            return;
        }
    }
    struct cache_entry *e = malloc(sizeof(*e));
    if (e != NULL) {
        e->key = strdup(key);
        e->value = strdup(value);
        e->next = cache;
        cache = e;
    }
}

/* The returned copy is the host's: rtloader frees it through the cgo_free callback. */
static char *on_read_cache(char *key)
{
    for (struct cache_entry *e = cache; e != NULL; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            return strdup(e->value);
        }
    }
    return strdup("");
}

static int run_one(rtloader_t *rt, const char *name, const char *instance)
{
    rtloader_pyobject_t *module = NULL, *klass = NULL, *check = NULL;
    char wheel[256];
    snprintf(wheel, sizeof(wheel), "datadog_checks.%s", name);
    if (!get_class(rt, wheel, &module, &klass) && !get_class(rt, name, &module, &klass)) {
        printf("%s: cannot load: %s\n", name, get_error(rt));
        return 1;
    }
    char *version = NULL;
    get_attr_string(rt, module, "__version__", &version);
    printf("%s (version %s)\n", name, version != NULL ? version : "unversioned");
    rtloader_free(rt, version);

    int failed = 1;
    if (!get_check(rt, klass, "", instance, name, name, "example", &check)) {
        printf("  cannot instantiate: %s\n", get_error(rt));
        goto done;
    }
    char *result = run_check(rt, check);
    if (result == NULL) {
        printf("  run failed: %s\n", get_error(rt));
        goto done;
    }
    failed = result[0] != '\0';
    if (failed) {
        printf("  check error: %s\n", result);
    }
    rtloader_free(rt, result);
    char **warnings = get_checks_warnings(rt, check);
    for (char **w = warnings; w != NULL && *w != NULL; w++) {
        printf("  warning: %s\n", *w);
        rtloader_free(rt, *w);
    }
    rtloader_free(rt, warnings);

done:
    rtloader_decref(rt, check);
    rtloader_decref(rt, klass);
    rtloader_decref(rt, module);
    return failed;
}

int main(int argc, char **argv)
{
    char *error = NULL;
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep stdout and Python's stderr lines in order */
    enable_memory_tracker();
    rtloader_t *rt = make3(NULL, NULL, &error);
    if (rt == NULL) {
        fprintf(stderr, "make3: %s\n", error);
        _free(error);
        return 2;
    }
    int arg = 1;
    for (; arg < argc && strcmp(argv[arg], "--") != 0; arg++) {
        add_python_path(rt, argv[arg]);
    }
    arg++;
    set_submit_metric_cb(rt, on_metric);
    set_submit_service_check_cb(rt, on_service_check);
    set_log_cb(rt, on_log);
    set_write_persistent_cache_cb(rt, on_write_cache);
    set_read_persistent_cache_cb(rt, on_read_cache);
    set_cgo_free_cb(rt, free);
    if (!init(rt)) {
        fprintf(stderr, "init: %s\n", get_error(rt));
        return 2;
    }

    rtloader_gilstate_t gil = ensure_gil(rt);
    py_info_t *info = get_py_info(rt);
    if (info != NULL) {
        printf("Python %.*s\n\n", (int)strcspn(info->version, "\n"), info->version);
        free_py_info(rt, info);
    }
    int failures = 0;
    for (; arg + 1 < argc; arg += 2) {
        failures += run_one(rt, argv[arg], argv[arg + 1]);
    }
    release_gil(rt, gil);

    struct memory_stats stats = get_and_reset_memory_stats();
    printf("\nrtloader memory: %zu allocations, %zu frees, %zd bytes in use\n", stats.allocations,
           stats.frees, stats.inuse_bytes);
    return failures != 0 ? 1 : 0;
}
