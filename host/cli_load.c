/*
 * cli_load.c - loading named checks from conf.d for the `rtloader`
 * commands, in process or on worker processes, and the configuration files
 * `run` skips on the way (docs/host.md).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "cli.h"
#include "log.h"

/* Reports a skipped file now (log and output) and keeps it for the summary. */
void note_skipped_file(struct skipped_files *skipped, const char *check, const char *error)
{
    host_log(DATADOG_AGENT_ERROR, "configuration file skipped for check %s: %s", check, error);
    sender_print_note("config_error", check, error);
    char **grown = realloc(skipped->errors, (skipped->count + 1) * sizeof(char *));
    if (grown != NULL) {
        skipped->errors = grown;
        if ((grown[skipped->count] = strdup(error)) != NULL) {
            skipped->count++;
        }
    }
}

void free_skipped(struct skipped_files *skipped)
{
    for (size_t i = 0; i < skipped->count; i++) {
        free(skipped->errors[i]);
    }
    free(skipped->errors);
    memset(skipped, 0, sizeof(*skipped));
}

/* At exit, every file that was skipped: one summary line each, as output and log. */
void print_skipped_summary(const struct skipped_files *skipped)
{
    if (skipped->count == 0) {
        return;
    }
    host_log(DATADOG_AGENT_WARNING, "%zu configuration file(s) were skipped:", skipped->count);
    for (size_t i = 0; i < skipped->count; i++) {
        host_log(DATADOG_AGENT_WARNING, "  skipped: %s", skipped->errors[i]);
        size_t len = strlen(skipped->errors[i]) + 64;
        char *message = malloc(len);
        if (message != NULL) {
            snprintf(message, len, "configuration file skipped: %s", skipped->errors[i]);
            sender_print_note("summary", NULL, message);
            free(message);
        }
    }
}

/*
 * Two instances with the same configuration have the same check id: as the Agent's collector
 * ("a check with ID ... is already running"), the later one is not scheduled. Run both, they
 * would share one id, so one sender buffer (each run's output would hold the other's
 * submissions), and a worker process, which finds an instance by its id, would run the first
 * one twice at once and never the second.
 */
static void drop_duplicates(struct check_config *cc)
{
    char **ids = calloc(cc->count + 1, sizeof(char *));
    if (ids == NULL) {
        return;
    }
    size_t kept = 0;
    for (size_t i = 0; i < cc->count;) {
        char *id = host_check_id(cc->name, cc->instances[i].json, cc->instances[i].init_config_json);
        size_t first = 0;
        while (id != NULL && first < kept && (ids[first] == NULL || strcmp(ids[first], id) != 0)) {
            first++;
        }
        if (id == NULL || first == kept) {
            ids[kept++] = id; /* instances before i are kept ones: ids[j] is instance j's */
            i++;
            continue;
        }
        char *message = NULL;
        if (asprintf(&message, "%s: the same configuration as %s (check id %s): not scheduled twice",
                     cc->instances[i].source, cc->instances[first].source, id)
            >= 0) {
            host_log(DATADOG_AGENT_WARNING, "check %s: %s", cc->name, message);
            sender_print_note("skipped_instance", cc->name, message);
            free(message);
        }
        free(id);
        host_check_config_remove(cc, i);
    }
    for (size_t i = 0; i < kept; i++) {
        free(ids[i]);
    }
    free(ids);
}

int cli_load_named(struct runtime *r, char **names, struct skipped_files *skipped, cli_load_fn load,
                   void *ctx, struct host_check **checks, size_t *count, int *failures)
{
    int status = EXIT_OK;
    for (char **name = names; *name != NULL; name++) {
        struct check_config cc;
        char *error = NULL;
        int found = host_check_config_load(r->cfg.confd_path, *name, skipped != NULL, &cc, &error);
        for (size_t i = 0; i < cc.file_error_count; i++) {
            note_skipped_file(skipped, *name, cc.file_errors[i]);
        }
        if (found < 0) {
            fprintf(stderr, "rtloader: configuration error: %s\n", error != NULL ? error : "out of memory");
            free(error);
            status = EXIT_CONFIG;
        } else if (found > 0) {
            char message[PATH_MAX + 128];
            snprintf(message, sizeof(message),
                     "no configuration: neither %s/%s.d/*.yaml nor %s/%s.yaml exists",
                     r->cfg.confd_path, *name, r->cfg.confd_path, *name);
            sender_print_note("load_error", *name, message);
            (*failures)++;
        } else {
            drop_duplicates(&cc);
            *failures += load(ctx, &cc, checks, count);
        }
        host_check_config_free(&cc);
    }
    return status;
}
