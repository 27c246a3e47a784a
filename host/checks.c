/*
 * checks.c - the Agent's Python check loader, in C on the public API.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "error.h"
#include "log.h"
#include "sender.h"

#define PROVIDER "file"

/* FNV-1a, 64 bits: a stable id from the configuration's text. */
char *host_check_id(const char *name, const char *instance_json, const char *init_config_json)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const char *parts[] = {instance_json, init_config_json};
    for (int i = 0; i < 2; i++) {
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
            h = (h ^ *p) * 0x100000001b3ULL;
        }
        h = (h ^ 0xff) * 0x100000001b3ULL; /* the separator keeps "ab"+"c" apart from "a"+"bc" */
    }
    char *id = NULL;
    if (asprintf(&id, "%s:%016llx", name, (unsigned long long)h) < 0) {
        return NULL;
    }
    return id;
}

static char *copy_error(rtloader_t *rt)
{
    return strdup(get_error(rt));
}

/* datadog_checks.<name> first (an installed wheel), then <name> (checks.d). */
static int load_class(rtloader_t *rt, const char *name, rtloader_pyobject_t **module,
                      rtloader_pyobject_t **klass, char **error)
{
    char *wheel = NULL;
    if (asprintf(&wheel, "datadog_checks.%s", name) < 0) {
        return 0;
    }
    int ok = get_class(rt, wheel, module, klass);
    free(wheel);
    if (ok) {
        return 1;
    }
    char *wheel_error = copy_error(rt);
    host_log(DATADOG_AGENT_DEBUG, "check %s is not a wheel: %s", name, wheel_error);
    ok = get_class(rt, name, module, klass);
    if (!ok) {
        char *plain_error = copy_error(rt);
        host_set_error(error, "%s\n%s", plain_error, wheel_error);
        free(plain_error);
    }
    free(wheel_error);
    return ok;
}

/* get_check, then get_check_deprecated with the agent config, as the Agent does. */
static rtloader_pyobject_t *instantiate(rtloader_t *rt, const struct host_config *cfg,
                                        rtloader_pyobject_t *klass, const char *name,
                                        const char *init_config, const char *instance,
                                        const char *id, char **error)
{
    rtloader_pyobject_t *check = NULL;
    if (get_check(rt, klass, init_config, instance, id, name, PROVIDER, &check)) {
        return check;
    }
    char *new_error = copy_error(rt);
    if (strstr(new_error, HOST_SKIP_INSTANCE_MESSAGE) != NULL) {
        *error = new_error;
        return NULL;
    }
    host_log(DATADOG_AGENT_DEBUG, "check %s: new constructor API failed, trying the deprecated one",
             name);
    char *agent_config = value_to_json(cfg->root);
    if (agent_config != NULL
        && get_check_deprecated(rt, klass, init_config, instance, agent_config, id, name, PROVIDER,
                                &check)) {
        free(agent_config);
        free(new_error);
        return check;
    }
    free(agent_config);
    char *old_error = copy_error(rt);
    host_set_error(error,
                   "could not invoke '%s' python check constructor. New constructor API returned:\n"
                   "%sDeprecated constructor API returned:\n%s",
                   name, new_error, old_error);
    free(new_error);
    free(old_error);
    return NULL;
}

int host_checks_load(rtloader_t *rt, const struct host_config *cfg,
                     const struct check_config *cc, struct host_check **checks, size_t *count)
{
    rtloader_pyobject_t *module = NULL, *klass = NULL;
    char *error = NULL;
    if (!load_class(rt, cc->name, &module, &klass, &error)) {
        sender_print_note("load_error", cc->name, error != NULL ? error : "out of memory");
        free(error);
        return (int)cc->count;
    }
    char *version = NULL;
    if (!get_attr_string(rt, module, "__version__", &version)) {
        clear_error(rt);
    }
    int failures = 0;
    struct host_check *grown = realloc(*checks, (*count + cc->count + 1) * sizeof(*grown));
    if (grown == NULL) {
        failures = (int)cc->count;
        goto done;
    }
    *checks = grown;
    for (size_t i = 0; i < cc->count; i++) {
        const struct check_instance *inst = &cc->instances[i];
        char *id = host_check_id(cc->name, inst->json, inst->init_config_json);
        rtloader_pyobject_t *instance = id != NULL ? instantiate(rt, cfg, klass, cc->name,
                                                                 inst->init_config_json,
                                                                 inst->json, id, &error)
                                                   : NULL;
        if (instance == NULL) {
            bool skipped = error != NULL && strstr(error, HOST_SKIP_INSTANCE_MESSAGE) != NULL;
            char *note = NULL;
            if (asprintf(&note, "%s: %s", inst->source, error != NULL ? error : "out of memory")
                >= 0) {
                sender_print_note(skipped ? "skipped_instance" : "load_error", cc->name, note);
                free(note);
            }
            free(error);
            error = NULL;
            free(id);
            failures += skipped ? 0 : 1;
            continue;
        }
        struct host_check *c = &(*checks)[(*count)++];
        memset(c, 0, sizeof(*c));
        c->name = strdup(cc->name);
        c->id = id;
        c->version = strdup(version != NULL ? version : "unversioned");
        c->source = strdup(inst->source);
        c->interval = inst->interval;
        c->instance = instance;
    }

done:
    if (version != NULL) {
        rtloader_free(rt, version);
    }
    rtloader_decref(rt, klass);
    rtloader_decref(rt, module);
    return failures;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void host_run_result_free(struct host_run_result *r)
{
    free(r->error);
    for (char **w = r->warnings; w != NULL && *w != NULL; w++) {
        free(*w);
    }
    free(r->warnings);
    memset(r, 0, sizeof(*r));
}

void host_check_execute(rtloader_t *rt, struct host_check *check, struct host_run_result *out)
{
    memset(out, 0, sizeof(*out));
    size_t warning_count = 0;

    rtloader_gilstate_t gil = ensure_gil(rt);
    double start = now_ms();
    char *result = run_check(rt, check->instance);
    out->duration_ms = now_ms() - start;
    /* The error slot is shared by all threads but only written with the GIL
     * held: copy it before letting go. */
    if (result == NULL) {
        out->error = copy_error(rt);
    } else if (result[0] != '\0') {
        out->error = strdup(result);
    }
    rtloader_free(rt, result);
    char **py_warnings = get_checks_warnings(rt, check->instance);
    if (py_warnings == NULL) {
        host_log(DATADOG_AGENT_WARNING, "check %s: cannot read warnings: %s", check->id,
                 get_error(rt));
    }
    for (char **w = py_warnings; w != NULL && *w != NULL; w++) {
        warning_count++;
    }
    out->warnings = calloc(warning_count + 1, sizeof(char *));
    for (size_t i = 0; i < warning_count; i++) {
        if (out->warnings != NULL) {
            out->warnings[i] = strdup(py_warnings[i]);
        }
        rtloader_free(rt, py_warnings[i]);
    }
    rtloader_free(rt, py_warnings);
    release_gil(rt, gil);
    out->cancelled = check->cancelled;
}

bool host_check_report(struct host_check *check, const struct host_run_result *result)
{
    check->runs++;
    struct sender_run run = {
        .check_name = check->name,
        .check_id = check->id,
        .version = check->version,
        .source = check->source,
        .run = check->runs,
        .status = result->cancelled ? "cancelled" : result->error != NULL ? "error" : "ok",
        .error = result->error,
        .duration_ms = result->duration_ms,
        .warnings = result->warnings,
    };
    sender_flush(&run);
    bool ok = result->error == NULL;
    if (!ok) {
        /* a cancelled run that raised (its command killed, say) is the stop, not a fault */
        host_log(result->cancelled ? DATADOG_AGENT_INFO : DATADOG_AGENT_ERROR, "check %s %s: %s",
                 check->id, result->cancelled ? "ended when cancelled" : "failed", result->error);
    }
    return ok;
}

bool host_check_run(rtloader_t *rt, struct host_check *check)
{
    struct host_run_result result;
    host_check_execute(rt, check, &result);
    bool ok = host_check_report(check, &result);
    host_run_result_free(&result);
    return ok;
}

void host_check_cancel(rtloader_t *rt, struct host_check *check)
{
    rtloader_gilstate_t gil = ensure_gil(rt);
    atomic_store(&check->cancelled, true);
    cancel_check(rt, check->instance);
    if (has_error(rt)) {
        host_log(DATADOG_AGENT_WARNING, "check %s: %s", check->id, get_error(rt));
    }
    release_gil(rt, gil);
}

void host_checks_free(rtloader_t *rt, struct host_check *checks, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        rtloader_decref(rt, checks[i].instance);
        free(checks[i].name);
        free(checks[i].id);
        free(checks[i].version);
        free(checks[i].source);
    }
    free(checks);
}
