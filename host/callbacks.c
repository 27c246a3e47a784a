/*
 * callbacks.c - datadog_agent, util, _util, tagger, kubeutil and containers
 * served from the host's configuration, persistent cache and subprocess
 * runner.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_defaults.h"
#include "callbacks.h"
#include "error.h"
#include "log.h"
#include "obfuscate/obfuscate.h"
#include "rtloader_ext.h"
#include "rtloader_mem.h"
#include "sender.h"
#include "subprocess.h"
#include "value.h"

static const struct host_config *config;
static struct host_cache *cache;
static double process_start_time;

struct pattern_list {
    regex_t *name, *image, *namespace_;
    size_t name_count, image_count, namespace_count;
};
static struct pattern_list include_patterns, exclude_patterns;

/* A copy with the rtloader allocator: rtloader releases it through cgo_free (= _free). */
static char *host_strdup(const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    size_t len = strlen(s) + 1;
    char *copy = _malloc(len);
    if (copy != NULL) {
        memcpy(copy, s, len);
    }
    return copy;
}

/* Same for a libc-allocated string, which is freed. */
static char *host_adopt(char *s)
{
    char *copy = host_strdup(s);
    free(s);
    return copy;
}

static void get_version(char **out)
{
    *out = host_strdup(HOST_AGENT_VERSION);
}

static void get_hostname(char **out)
{
    *out = host_strdup(config->hostname);
}

static void get_clustername(char **out)
{
    *out = host_strdup(config->cluster_name != NULL ? config->cluster_name : "");
}

/* The Agent's layout: {"system": [...], "google cloud platform": []}. */
static void get_host_tags(char **out)
{
    struct strbuf b = {0};
    strbuf_puts(&b, "{\"system\": [");
    for (char **t = config->tags; *t != NULL; t++) {
        if (t != config->tags) {
            strbuf_puts(&b, ", ");
        }
        strbuf_json_string(&b, *t);
    }
    strbuf_puts(&b, "], \"google cloud platform\": []}");
    *out = host_adopt(strbuf_take(&b));
}

/* The user's value, else the Agent's default (agent_defaults.c), else none.
 * A key set to null counts as unset, as in the Agent (its defaults layer answers). */
static void get_config(char *key, char **out)
{
    const struct value *v = key != NULL ? value_get_path(config->root, key) : NULL;
    if (v == NULL || v->type == VALUE_NULL) {
        v = host_agent_default(key);
    }
    *out = v != NULL ? host_adopt(value_to_json(v)) : NULL;
}

static void headers(char **out)
{
    *out = host_strdup("{\"User-Agent\": \"Datadog Agent/" HOST_AGENT_VERSION "\", "
                       "\"Content-Type\": \"application/x-www-form-urlencoded\", "
                       "\"Accept\": \"text/html, */*\"}");
}

static bool tracemalloc_enabled(void)
{
    bool enabled = false;
    value_as_bool(value_get(config->root, "tracemalloc_debug"), false, &enabled);
    return enabled;
}

static void log_line(char *message, int level)
{
    host_log(level, "%s", message != NULL ? message : "");
}

static void send_log(char *line, char *check_id)
{
    sender_record_log(check_id, line);
}

static void set_check_metadata(char *check_id, char *name, char *value)
{
    sender_record_metadata(check_id, name, value);
}

static void set_external_tags(char *hostname, char *source_type, char **tags)
{
    sender_record_external_tags(hostname, source_type, tags);
}

/* rtloader_ext.h's checked writer: a failed write raises RuntimeError in the check. */
static char *write_persistent_cache(char *key, char *value)
{
    char *error = NULL;
    if (host_cache_write(cache, key, value, &error) == 0) {
        return NULL;
    }
    host_log(DATADOG_AGENT_ERROR, "persistent cache: cannot write '%.128s': %s", key,
             error != NULL ? error : "out of memory");
    return host_adopt(error != NULL ? error : strdup("persistent cache: out of memory"));
}

/* The upstream (void) writer, kept registered for hosts of rtloaders without the extension. */
static void write_persistent_cache_unchecked(char *key, char *value)
{
    char *error = write_persistent_cache(key, value);
    _free(error);
}

static char *read_persistent_cache(char *key)
{
    char *error = NULL;
    char *value = host_cache_read(cache, key, &error);
    if (value == NULL) {
        host_log(DATADOG_AGENT_ERROR, "persistent cache: cannot read '%s': %s", key,
                 error != NULL ? error : "out of memory");
        free(error);
    }
    return value;
}

/* The three obfuscation callbacks run WITHOUT the GIL (the builtins release it), from several
 * check threads at once: the obfuscator and its result cache are thread-safe and never call
 * Python. Its libc strings are handed over with the rtloader allocator. */
static char *adopt_result(char *out, char *err, char **error)
{
    if (out == NULL) {
        *error = err != NULL ? host_adopt(err) : host_strdup("out of memory");
        return NULL;
    }
    return host_adopt(out);
}

static char *obfuscate_sql(char *query, char *options, char **error)
{
    char *err = NULL;
    char *out = obfuscate_sql_text(query, strlen(query), options, options != NULL ? strlen(options) : 0, &err);
    return adopt_result(out, err, error);
}

static char *obfuscate_sql_exec_plan(char *plan, bool normalize, char **error)
{
    char *err = NULL;
    char *out = obfuscate_exec_plan_text(plan, strlen(plan), normalize, &err);
    return adopt_result(out, err, error);
}

static char *obfuscate_mongodb_string(char *command, char **error)
{
    char *err = NULL;
    char *out = obfuscate_mongodb_text(command, strlen(command), &err);
    return adopt_result(out, err, error);
}

static double get_process_start_time(void)
{
    return process_start_time;
}

static void emit_agent_telemetry(char *check_name, char *metric_name, double value,
                                 char *metric_type)
{
    host_log(DATADOG_AGENT_DEBUG, "agent telemetry from %s: %s %s = %g", check_name, metric_type,
             metric_name, value);
}

static void get_subprocess_output(char **argv, char **env, char **out, char **err, int *ret_code,
                                  char **exception)
{
    struct host_subprocess_result result = {0};
    char *error = NULL;
    size_t limit = config->subprocess_output_limit == 0 ? HOST_SUBPROCESS_UNLIMITED
                   : config->subprocess_output_limit > HOST_SUBPROCESS_UNLIMITED
                       ? HOST_SUBPROCESS_UNLIMITED
                       : (size_t)config->subprocess_output_limit;
    if (host_subprocess_run(argv, env, limit, &result, &error) != 0) {
        *exception = host_adopt(error != NULL ? error : strdup("cannot run the command"));
        return;
    }
    *out = result.out;
    *err = result.err;
    *ret_code = result.exit_code;
}

/* tagger: datadog.yaml's `entity_tags: {<entity id>: [tags]}`; unknown entities have none. */
static char **tags(char *entity, int cardinality)
{
    (void)cardinality;
    const struct value *map = value_get(config->root, "entity_tags");
    const struct value *list = entity != NULL ? value_get(map, entity) : NULL;
    if (list == NULL || list->type != VALUE_LIST) {
        return NULL;
    }
    size_t n = list->u.children.count, kept = 0;
    char **array = _malloc((n + 1) * sizeof(char *));
    if (array == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const struct value *item = list->u.children.items[i];
        if (item->type == VALUE_STRING && (array[kept] = host_strdup(item->u.string)) != NULL) {
            kept++;
        }
    }
    array[kept] = NULL;
    return array;
}

static void get_connection_info(char **out)
{
    *out = host_strdup("{}");
}

static bool matches_any(const regex_t *patterns, size_t count, const char *text)
{
    for (size_t i = 0; text != NULL && i < count; i++) {
        if (regexec(&patterns[i], text, 0, NULL, 0) == 0) {
            return true;
        }
    }
    return false;
}

static bool matches(const struct pattern_list *p, const char *name, const char *image,
                    const char *namespace_)
{
    return matches_any(p->name, p->name_count, name) || matches_any(p->image, p->image_count, image)
           || matches_any(p->namespace_, p->namespace_count, namespace_);
}

/* The Agent's container filter: excluded when an exclude pattern matches and no include does. */
int host_is_excluded(char *name, char *image, char *namespace_)
{
    return matches(&exclude_patterns, name, image, namespace_)
                   && !matches(&include_patterns, name, image, namespace_)
               ? 1
               : 0;
}

static void free_patterns(struct pattern_list *p)
{
    regex_t *lists[] = {p->name, p->image, p->namespace_};
    size_t counts[] = {p->name_count, p->image_count, p->namespace_count};
    for (int l = 0; l < 3; l++) {
        for (size_t i = 0; i < counts[l]; i++) {
            regfree(&lists[l][i]);
        }
        free(lists[l]);
    }
    memset(p, 0, sizeof(*p));
}

/* "name:<re>", "image:<re>", "kube_namespace:<re>", as in the Agent's container_exclude. */
static int compile_patterns(char **specs, struct pattern_list *p, const char *key, char **error)
{
    for (char **s = specs; *s != NULL; s++) {
        regex_t **list = NULL;
        size_t *count = NULL;
        const char *re = NULL;
        if (strncmp(*s, "name:", 5) == 0) {
            list = &p->name, count = &p->name_count, re = *s + 5;
        } else if (strncmp(*s, "image:", 6) == 0) {
            list = &p->image, count = &p->image_count, re = *s + 6;
        } else if (strncmp(*s, "kube_namespace:", 15) == 0) {
            list = &p->namespace_, count = &p->namespace_count, re = *s + 15;
        } else {
            host_set_error(error, "%s: '%s' must start with name:, image: or kube_namespace:", key,
                           *s);
            return -1;
        }
        regex_t *grown = realloc(*list, (*count + 1) * sizeof(regex_t));
        if (grown == NULL) {
            return -1;
        }
        *list = grown;
        if (regcomp(&grown[*count], re, REG_EXTENDED | REG_NOSUB) != 0) {
            host_set_error(error, "%s: '%s' is not a valid regular expression", key, *s);
            return -1;
        }
        (*count)++;
    }
    return 0;
}

int host_callbacks_register(rtloader_t *rt, const struct host_config *cfg,
                            struct host_cache *persistent_cache, char **error)
{
    config = cfg;
    cache = persistent_cache;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    process_start_time = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
    *error = NULL;
    if (compile_patterns(cfg->container_include, &include_patterns, "container_include", error)
            != 0
        || compile_patterns(cfg->container_exclude, &exclude_patterns, "container_exclude", error)
               != 0) {
        return -1;
    }
    /* before any check runs: the cache is replaced only while no obfuscation is in flight */
    if (obfuscate_cache_configure(cfg->obfuscation_cache_enabled,
                                  (size_t)cfg->obfuscation_cache_max_size)
        != 0) {
        host_set_error(error, "obfuscation cache: out of memory");
        return -1;
    }

    set_cgo_free_cb(rt, _free);
    set_get_version_cb(rt, get_version);
    set_get_hostname_cb(rt, get_hostname);
    set_get_clustername_cb(rt, get_clustername);
    set_get_host_tags_cb(rt, get_host_tags);
    set_get_config_cb(rt, get_config);
    set_headers_cb(rt, headers);
    set_tracemalloc_enabled_cb(rt, tracemalloc_enabled);
    set_log_cb(rt, log_line);
    set_send_log_cb(rt, send_log);
    set_set_check_metadata_cb(rt, set_check_metadata);
    set_set_external_tags_cb(rt, set_external_tags);
    set_write_persistent_cache_cb(rt, write_persistent_cache_unchecked);
    rtloader_set_write_persistent_cache_checked_cb(rt, write_persistent_cache);
    set_read_persistent_cache_cb(rt, read_persistent_cache);
    set_obfuscate_sql_cb(rt, obfuscate_sql);
    set_obfuscate_sql_exec_plan_cb(rt, obfuscate_sql_exec_plan);
    set_obfuscate_mongodb_string_cb(rt, obfuscate_mongodb_string);
    set_get_process_start_time_cb(rt, get_process_start_time);
    set_emit_agent_telemetry_cb(rt, emit_agent_telemetry);
    set_get_subprocess_output_cb(rt, get_subprocess_output);
    set_tags_cb(rt, tags);
    set_get_connection_info_cb(rt, get_connection_info);
    set_is_excluded_cb(rt, host_is_excluded);
    return 0;
}

/* The obfuscation cache stays to the process's end: a check thread still stuck in a call
 * when the host stops must not find it freed (it stays reachable, so it is no leak). */
void host_callbacks_teardown(void)
{
    free_patterns(&include_patterns);
    free_patterns(&exclude_patterns);
}
