/*
 * fuzz_config.c - libFuzzer target: the input as a conf.d check file
 * (<work>/conf.d/f.yaml, through host_check_config_load) and as a
 * datadog.yaml (<work>/datadog.yaml, through host_config_load), host/config.c.
 *
 * Oracles, besides the sanitizers (crash, leak, undefined behaviour) and
 * libFuzzer's -timeout:
 *   conf.d:  the result is 0 or -1, never 1 (the file exists). On 0, every
 *            instance has non-NULL json, init_config_json and source, an
 *            interval > 0 and finite (not NaN, not infinite), json is a map and
 *            init_config_json a map, both passing fuzz_json_check, and
 *            source is "<file>:<line>". On -1 the error is
 *            "<file>:<line>: ...".
 *   datadog.yaml: on 0, no error; hostname, run_path, confd_path and the
 *            three NULL-terminated lists are set, check_runners is 1..64.
 *            On -1 the error is "<file>:<line>: ...".
 *   Both results are freed (the leak checker runs after every input).
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "fuzz_json.h"
#include "fuzz_util.h"

static char confd[PATH_MAX / 2];
static char check_file[PATH_MAX];
static char agent_file[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *work = fuzz_make_workdir("config");
    snprintf(confd, sizeof(confd), "%s/conf.d", work);
    snprintf(check_file, sizeof(check_file), "%s/f.yaml", confd);
    snprintf(agent_file, sizeof(agent_file), "%s/datadog.yaml", work);
    if (mkdir(confd, 0700) != 0) {
        perror(confd);
        abort();
    }
    return 0;
}

static void check_json_map(const char *json, const char *what, size_t index)
{
    uint64_t digest;
    size_t at = 0;
    const char *why = fuzz_json_check(json, &digest, &at);
    FUZZ_CHECK(why == NULL, "instance %zu: %s: %s at byte %zu: %.200s", index, what, why, at, json);
    FUZZ_CHECK(json[0] == '{' && json[strlen(json) - 1] == '}',
               "instance %zu: %s is not a map: %.200s", index, what, json);
}

static void fuzz_check_config(void)
{
    struct check_config cfg;
    char *error = NULL;
    int rc = host_check_config_load(confd, "f", false, &cfg, &error);
    FUZZ_CHECK(rc == 0 || rc == -1, "host_check_config_load returned %d", rc);
    FUZZ_CHECK(cfg.name != NULL && strcmp(cfg.name, "f") == 0, "check name not set");
    if (rc == 0) {
        FUZZ_CHECK(error == NULL, "success with an error: %s", error);
        FUZZ_CHECK(cfg.count == 0 || cfg.instances != NULL, "%zu instances, no array", cfg.count);
        for (size_t i = 0; i < cfg.count; i++) {
            const struct check_instance *in = &cfg.instances[i];
            FUZZ_CHECK(in->json != NULL, "instance %zu: json is NULL", i);
            FUZZ_CHECK(in->init_config_json != NULL, "instance %zu: init_config_json is NULL", i);
            FUZZ_CHECK(in->source != NULL, "instance %zu: source is NULL", i);
            FUZZ_CHECK(in->interval > 0
                           || (isnan(in->interval) && fuzz_allowed("nonfinite-interval")),
                       "instance %zu: interval %g is not > 0", i, in->interval);
            FUZZ_CHECK(isfinite(in->interval) || fuzz_allowed("nonfinite-interval"),
                       "instance %zu: interval %g is not finite", i, in->interval);
            size_t n = strlen(check_file);
            FUZZ_CHECK(strncmp(in->source, check_file, n) == 0 && in->source[n] == ':'
                           && in->source[n + 1] >= '1' && in->source[n + 1] <= '9'
                           && strspn(in->source + n + 1, "0123456789")
                                  == strlen(in->source + n + 1),
                       "instance %zu: source is not \"%s:<line>\": %s", i, check_file, in->source);
            check_json_map(in->json, "json", i);
            check_json_map(in->init_config_json, "init_config_json", i);
        }
    } else {
        FUZZ_CHECK(error != NULL, "host_check_config_load failed without an error");
        FUZZ_CHECK(fuzz_has_file_line_prefix(error, check_file),
                   "error does not start with \"%s:<line>:\": %s", check_file, error);
    }
    free(error);
    host_check_config_free(&cfg);
}

static void check_list(char **list, const char *what)
{
    FUZZ_CHECK(list != NULL, "%s list is NULL", what);
    for (size_t i = 0; list[i] != NULL; i++) {
        /* touching every byte lets ASan see a dangling or unterminated item */
        (void)strlen(list[i]);
    }
}

static void fuzz_agent_config(void)
{
    struct host_config cfg;
    char *error = NULL;
    int rc = host_config_load(agent_file, &cfg, &error);
    FUZZ_CHECK(rc == 0 || rc == -1, "host_config_load returned %d", rc);
    FUZZ_CHECK(cfg.root != NULL, "no root tree (even a failed load keeps an empty map)");
    if (rc == 0) {
        FUZZ_CHECK(error == NULL, "success with an error: %s", error);
        FUZZ_CHECK(cfg.root->type == VALUE_MAP, "root is a %s, not a map",
                   value_type_name(cfg.root->type));
        FUZZ_CHECK(cfg.path != NULL && strcmp(cfg.path, agent_file) == 0, "path not kept");
        FUZZ_CHECK(cfg.hostname != NULL && cfg.run_path != NULL && cfg.confd_path != NULL,
                   "hostname, run_path or confd_path is NULL");
        FUZZ_CHECK(cfg.check_runners >= 1 && cfg.check_runners <= 64, "check_runners %d",
                   cfg.check_runners);
        static const char *const levels[] = {"trace", "debug",    "info", "warn",
                                             "error", "critical", "off"};
        bool known = false;
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
            known = known || cfg.log_level == host_log_level_from_name(levels[i]);
        }
        FUZZ_CHECK(known, "log_level %d is no known level", cfg.log_level);
        check_list(cfg.tags, "tags");
        check_list(cfg.container_include, "container_include");
        check_list(cfg.container_exclude, "container_exclude");
        char *json = value_to_json(cfg.root);
        FUZZ_CHECK(json != NULL, "value_to_json of the root returned NULL");
        check_json_map(json, "datadog.yaml root", 0);
        free(json);
    } else {
        FUZZ_CHECK(error != NULL, "host_config_load failed without an error");
        FUZZ_CHECK(fuzz_has_file_line_prefix(error, agent_file),
                   "error does not start with \"%s:<line>:\": %s", agent_file, error);
    }
    free(error);
    host_config_free(&cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(check_file, data, size);
    fuzz_check_config();
    fuzz_write_file(agent_file, data, size);
    fuzz_agent_config();
    return 0;
}
