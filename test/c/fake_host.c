/*
 * fake_host.c - see fake_host.h.
 */
#include "fake_host.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtloader_mem.h"

/* ---- a tiny growable string (libc heap) --------------------------------- */

struct buf {
    char *s;
    size_t len, cap;
};

static void buf_putn(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *p = realloc(b->s, cap);
        if (p == NULL) {
            abort();
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
    buf_putn(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        abort(); /* only used for numbers */
    }
    buf_putn(b, tmp, (size_t)n);
}

/* "text" with C escapes, or NULL; exactly `n` bytes. */
static void buf_quote_n(struct buf *b, const char *s, size_t n)
{
    if (s == NULL) {
        buf_puts(b, "NULL");
        return;
    }
    buf_puts(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            buf_puts(b, "\\\"");
            break;
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        case '\t':
            buf_puts(b, "\\t");
            break;
        case '\r':
            buf_puts(b, "\\r");
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                buf_printf(b, "\\x%02x", c);
            } else {
                buf_putn(b, (const char *)&c, 1);
            }
        }
    }
    buf_puts(b, "\"");
}

static void buf_quote(struct buf *b, const char *s)
{
    buf_quote_n(b, s, s ? strlen(s) : 0);
}

static void buf_array(struct buf *b, char **a)
{
    if (a == NULL) {
        buf_puts(b, "NULL");
        return;
    }
    buf_puts(b, "[");
    for (size_t i = 0; a[i] != NULL; i++) {
        if (i > 0) {
            buf_puts(b, ", ");
        }
        buf_quote(b, a[i]);
    }
    buf_puts(b, "]");
}

static void buf_bool(struct buf *b, bool v)
{
    buf_puts(b, v ? "true" : "false");
}

/* ---- the record ------------------------------------------------------- */

struct call {
    char *callback;
    char *line;
};

struct result {
    char *key;
    char *value;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct call *calls;
static size_t ncalls, calls_cap;
static struct result *results;
static size_t nresults;
static struct buf log_copy;
static int cgo_free_count;

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (p == NULL) {
        abort();
    }
    return p;
}

/* Takes ownership of b->s. */
static void record(const char *callback, struct buf *b)
{
    pthread_mutex_lock(&lock);
    if (ncalls == calls_cap) {
        calls_cap = calls_cap ? calls_cap * 2 : 32;
        calls = realloc(calls, calls_cap * sizeof(*calls));
        if (calls == NULL) {
            abort();
        }
    }
    calls[ncalls].callback = xstrdup(callback);
    calls[ncalls].line = b->s;
    ncalls++;
    pthread_mutex_unlock(&lock);
    b->s = NULL;
}

/* Starts a line "callback(". */
static void begin(struct buf *b, const char *callback)
{
    memset(b, 0, sizeof(*b));
    buf_puts(b, callback);
    buf_puts(b, "(");
}

static void end(struct buf *b, const char *callback)
{
    buf_puts(b, ")");
    record(callback, b);
}

/* The configured result for `key` as an rtloader-allocated copy, or NULL. */
static char *result_dup(const char *key)
{
    char *out = NULL;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nresults; i++) {
        if (strcmp(results[i].key, key) == 0) {
            out = strdupe(results[i].value);
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return out;
}

/* The configured result for `key` copied into `dst` (libc), or 0 if unset. */
static int result_get(const char *key, char *dst, size_t dstlen)
{
    int found = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nresults; i++) {
        if (strcmp(results[i].key, key) == 0) {
            snprintf(dst, dstlen, "%s", results[i].value);
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return found;
}

void fake_host_reset(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < ncalls; i++) {
        free(calls[i].callback);
        free(calls[i].line);
    }
    free(calls);
    calls = NULL;
    ncalls = calls_cap = 0;
    for (size_t i = 0; i < nresults; i++) {
        free(results[i].key);
        free(results[i].value);
    }
    free(results);
    results = NULL;
    nresults = 0;
    cgo_free_count = 0;
    pthread_mutex_unlock(&lock);
}

int fake_host_count(const char *callback)
{
    int n = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < ncalls; i++) {
        if (strcmp(calls[i].callback, callback) == 0) {
            n++;
        }
    }
    pthread_mutex_unlock(&lock);
    return n;
}

const char *fake_host_last(const char *callback)
{
    const char *line = NULL;
    pthread_mutex_lock(&lock);
    for (size_t i = ncalls; i > 0; i--) {
        if (strcmp(calls[i - 1].callback, callback) == 0) {
            line = calls[i - 1].line;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return line;
}

const char *fake_host_log(void)
{
    pthread_mutex_lock(&lock);
    log_copy.len = 0;
    buf_puts(&log_copy, "");
    for (size_t i = 0; i < ncalls; i++) {
        buf_puts(&log_copy, calls[i].line);
        buf_puts(&log_copy, "\n");
    }
    pthread_mutex_unlock(&lock);
    return log_copy.s;
}

void fake_host_set_result(const char *key, const char *value)
{
    pthread_mutex_lock(&lock);
    size_t i;
    for (i = 0; i < nresults; i++) {
        if (strcmp(results[i].key, key) == 0) {
            break;
        }
    }
    if (i < nresults) {
        free(results[i].value);
        if (value != NULL) {
            results[i].value = xstrdup(value);
        } else {
            free(results[i].key);
            results[i] = results[--nresults];
        }
    } else if (value != NULL) {
        results = realloc(results, (nresults + 1) * sizeof(*results));
        if (results == NULL) {
            abort();
        }
        results[nresults].key = xstrdup(key);
        results[nresults].value = xstrdup(value);
        nresults++;
    }
    pthread_mutex_unlock(&lock);
}

void fake_host_cgo_free(void *ptr)
{
    struct buf b;
    pthread_mutex_lock(&lock);
    int n = ++cgo_free_count;
    pthread_mutex_unlock(&lock);
    begin(&b, "cgo_free");
    buf_printf(&b, "%d", n);
    end(&b, "cgo_free");
    _free(ptr);
}

/* ---- aggregator ----------------------------------------------------------- */

void fake_host_submit_metric(char *check_id, metric_type_t type, char *name, double value,
                             char **tags, char *hostname, bool flush_first_value)
{
    struct buf b;
    begin(&b, "submit_metric");
    buf_quote(&b, check_id);
    buf_printf(&b, ", %d, ", (int)type);
    buf_quote(&b, name);
    buf_printf(&b, ", %g, ", value);
    buf_array(&b, tags);
    buf_puts(&b, ", ");
    buf_quote(&b, hostname);
    buf_puts(&b, ", ");
    buf_bool(&b, flush_first_value);
    end(&b, "submit_metric");
}

void fake_host_submit_service_check(char *check_id, char *name, int status, char **tags,
                                    char *hostname, char *message)
{
    struct buf b;
    begin(&b, "submit_service_check");
    buf_quote(&b, check_id);
    buf_puts(&b, ", ");
    buf_quote(&b, name);
    buf_printf(&b, ", %d, ", status);
    buf_array(&b, tags);
    buf_puts(&b, ", ");
    buf_quote(&b, hostname);
    buf_puts(&b, ", ");
    buf_quote(&b, message);
    end(&b, "submit_service_check");
}

void fake_host_submit_event(char *check_id, event_t *ev)
{
    struct buf b;
    begin(&b, "submit_event");
    buf_quote(&b, check_id);
    buf_puts(&b, ", ");
    if (ev == NULL) {
        buf_puts(&b, "NULL");
    } else {
        buf_puts(&b, "{title=");
        buf_quote(&b, ev->title);
        buf_puts(&b, ", text=");
        buf_quote(&b, ev->text);
        buf_printf(&b, ", ts=%ld, priority=", ev->ts);
        buf_quote(&b, ev->priority);
        buf_puts(&b, ", host=");
        buf_quote(&b, ev->host);
        buf_puts(&b, ", tags=");
        buf_array(&b, ev->tags);
        buf_puts(&b, ", alert_type=");
        buf_quote(&b, ev->alert_type);
        buf_puts(&b, ", aggregation_key=");
        buf_quote(&b, ev->aggregation_key);
        buf_puts(&b, ", source_type_name=");
        buf_quote(&b, ev->source_type_name);
        buf_puts(&b, ", event_type=");
        buf_quote(&b, ev->event_type);
        buf_puts(&b, "}");
    }
    end(&b, "submit_event");
}

void fake_host_submit_histogram_bucket(char *check_id, char *name, long long value, float lower,
                                       float upper, int monotonic, char *hostname, char **tags,
                                       bool flush_first_value)
{
    struct buf b;
    begin(&b, "submit_histogram_bucket");
    buf_quote(&b, check_id);
    buf_puts(&b, ", ");
    buf_quote(&b, name);
    buf_printf(&b, ", %lld, %g, %g, %d, ", value, (double)lower, (double)upper, monotonic);
    buf_quote(&b, hostname);
    buf_puts(&b, ", ");
    buf_array(&b, tags);
    buf_puts(&b, ", ");
    buf_bool(&b, flush_first_value);
    end(&b, "submit_histogram_bucket");
}

void fake_host_submit_event_platform_event(char *check_id, char *raw, int len, char *event_type)
{
    struct buf b;
    begin(&b, "submit_event_platform_event");
    buf_quote(&b, check_id);
    buf_puts(&b, ", ");
    buf_quote_n(&b, raw, len > 0 ? (size_t)len : 0);
    buf_printf(&b, ", %d, ", len);
    buf_quote(&b, event_type);
    end(&b, "submit_event_platform_event");
}

/* ---- datadog_agent ------------------------------------------------------- */

/* Callbacks of the form void cb(char **out). */
static void out_string(const char *callback, char **out)
{
    struct buf b;
    begin(&b, callback);
    end(&b, callback);
    if (out != NULL) {
        *out = result_dup(callback);
    }
}

void fake_host_get_version(char **out)
{
    out_string("get_version", out);
}

void fake_host_get_config(char *key, char **out)
{
    struct buf b;
    begin(&b, "get_config");
    buf_quote(&b, key);
    end(&b, "get_config");
    if (out != NULL) {
        *out = result_dup("get_config");
    }
}

void fake_host_headers(char **out)
{
    out_string("headers", out);
}

void fake_host_get_hostname(char **out)
{
    out_string("get_hostname", out);
}

void fake_host_get_host_tags(char **out)
{
    out_string("get_host_tags", out);
}

void fake_host_get_clustername(char **out)
{
    out_string("get_clustername", out);
}

bool fake_host_tracemalloc_enabled(void)
{
    struct buf b;
    char v[16];
    begin(&b, "tracemalloc_enabled");
    end(&b, "tracemalloc_enabled");
    return result_get("tracemalloc_enabled", v, sizeof(v)) && strcmp(v, "1") == 0;
}

void fake_host_log_cb(char *message, int level)
{
    struct buf b;
    begin(&b, "log");
    buf_quote(&b, message);
    buf_printf(&b, ", %d", level);
    end(&b, "log");
}

void fake_host_send_log(char *line, char *check_id)
{
    struct buf b;
    begin(&b, "send_log");
    buf_quote(&b, line);
    buf_puts(&b, ", ");
    buf_quote(&b, check_id);
    end(&b, "send_log");
}

void fake_host_set_check_metadata(char *check_id, char *name, char *value)
{
    struct buf b;
    begin(&b, "set_check_metadata");
    buf_quote(&b, check_id);
    buf_puts(&b, ", ");
    buf_quote(&b, name);
    buf_puts(&b, ", ");
    buf_quote(&b, value);
    end(&b, "set_check_metadata");
}

void fake_host_set_external_tags(char *hostname, char *source_type, char **tags)
{
    struct buf b;
    begin(&b, "set_external_tags");
    buf_quote(&b, hostname);
    buf_puts(&b, ", ");
    buf_quote(&b, source_type);
    buf_puts(&b, ", ");
    buf_array(&b, tags);
    end(&b, "set_external_tags");
}

void fake_host_write_persistent_cache(char *key, char *value)
{
    struct buf b;
    begin(&b, "write_persistent_cache");
    buf_quote(&b, key);
    buf_puts(&b, ", ");
    buf_quote(&b, value);
    end(&b, "write_persistent_cache");
}

char *fake_host_read_persistent_cache(char *key)
{
    struct buf b;
    begin(&b, "read_persistent_cache");
    buf_quote(&b, key);
    end(&b, "read_persistent_cache");
    return result_dup("read_persistent_cache");
}

char *fake_host_obfuscate_sql(char *query, char *options, char **error)
{
    struct buf b;
    begin(&b, "obfuscate_sql");
    buf_quote(&b, query);
    buf_puts(&b, ", ");
    buf_quote(&b, options);
    end(&b, "obfuscate_sql");
    if (error != NULL) {
        *error = result_dup("obfuscate_sql.error");
    }
    return result_dup("obfuscate_sql");
}

char *fake_host_obfuscate_sql_exec_plan(char *plan, bool normalize, char **error)
{
    struct buf b;
    begin(&b, "obfuscate_sql_exec_plan");
    buf_quote(&b, plan);
    buf_puts(&b, ", ");
    buf_bool(&b, normalize);
    end(&b, "obfuscate_sql_exec_plan");
    if (error != NULL) {
        *error = result_dup("obfuscate_sql_exec_plan.error");
    }
    return result_dup("obfuscate_sql_exec_plan");
}

double fake_host_get_process_start_time(void)
{
    struct buf b;
    char v[64];
    begin(&b, "get_process_start_time");
    end(&b, "get_process_start_time");
    return result_get("get_process_start_time", v, sizeof(v)) ? strtod(v, NULL) : 0.0;
}

char *fake_host_obfuscate_mongodb_string(char *cmd, char **error)
{
    struct buf b;
    begin(&b, "obfuscate_mongodb_string");
    buf_quote(&b, cmd);
    end(&b, "obfuscate_mongodb_string");
    if (error != NULL) {
        *error = result_dup("obfuscate_mongodb_string.error");
    }
    return result_dup("obfuscate_mongodb_string");
}

void fake_host_emit_agent_telemetry(char *check_name, char *metric_name, double value,
                                    char *metric_type)
{
    struct buf b;
    begin(&b, "emit_agent_telemetry");
    buf_quote(&b, check_name);
    buf_puts(&b, ", ");
    buf_quote(&b, metric_name);
    buf_printf(&b, ", %g, ", value);
    buf_quote(&b, metric_type);
    end(&b, "emit_agent_telemetry");
}

/* ---- _util, tagger, kubeutil, containers -------------------------------- */

void fake_host_get_subprocess_output(char **argv, char **env, char **out, char **err, int *retcode,
                                     char **exception)
{
    struct buf b;
    char v[32];
    begin(&b, "get_subprocess_output");
    buf_array(&b, argv);
    buf_puts(&b, ", ");
    buf_array(&b, env);
    end(&b, "get_subprocess_output");
    if (out != NULL) {
        *out = result_dup("get_subprocess_output.stdout");
    }
    if (err != NULL) {
        *err = result_dup("get_subprocess_output.stderr");
    }
    if (retcode != NULL) {
        *retcode = result_get("get_subprocess_output.retcode", v, sizeof(v)) ? atoi(v) : 0;
    }
    if (exception != NULL) {
        *exception = result_dup("get_subprocess_output.exception");
    }
}

char **fake_host_tags(char *entity, int cardinality)
{
    struct buf b;
    char *spec;
    begin(&b, "tags");
    buf_quote(&b, entity);
    buf_printf(&b, ", %d", cardinality);
    end(&b, "tags");

    /* Copy the configured list (libc), then build the rtloader-allocated array. */
    pthread_mutex_lock(&lock);
    spec = NULL;
    for (size_t i = 0; i < nresults; i++) {
        if (strcmp(results[i].key, "tags") == 0) {
            spec = xstrdup(results[i].value);
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    if (spec == NULL) {
        return NULL;
    }
    size_t n = 0;
    if (*spec != '\0') {
        n = 1;
        for (const char *p = spec; *p; p++) {
            n += *p == ',';
        }
    }
    char **tags = _malloc((n + 1) * sizeof(char *));
    if (tags == NULL) {
        abort();
    }
    size_t i = 0;
    if (n > 0) {
        /* Split by hand: strtok would drop empty items. */
        char *start = spec;
        for (char *p = spec;; p++) {
            if (*p == ',' || *p == '\0') {
                char end_char = *p;
                *p = '\0';
                tags[i++] = strdupe(start);
                if (end_char == '\0') {
                    break;
                }
                start = p + 1;
            }
        }
    }
    tags[i] = NULL;
    free(spec);
    return tags;
}

void fake_host_get_connection_info(char **out)
{
    out_string("get_connection_info", out);
}

int fake_host_is_excluded(char *name, char *image, char *ns)
{
    struct buf b;
    char v[32];
    begin(&b, "is_excluded");
    buf_quote(&b, name);
    buf_puts(&b, ", ");
    buf_quote(&b, image);
    buf_puts(&b, ", ");
    buf_quote(&b, ns);
    end(&b, "is_excluded");
    return result_get("is_excluded", v, sizeof(v)) ? atoi(v) : 0;
}

/* ---- registration ------------------------------------------------------- */

void fake_host_register(rtloader_t *rt)
{
    set_submit_metric_cb(rt, fake_host_submit_metric);
    set_submit_service_check_cb(rt, fake_host_submit_service_check);
    set_submit_event_cb(rt, fake_host_submit_event);
    set_submit_histogram_bucket_cb(rt, fake_host_submit_histogram_bucket);
    set_submit_event_platform_event_cb(rt, fake_host_submit_event_platform_event);
    set_get_version_cb(rt, fake_host_get_version);
    set_get_config_cb(rt, fake_host_get_config);
    set_headers_cb(rt, fake_host_headers);
    set_get_hostname_cb(rt, fake_host_get_hostname);
    set_get_host_tags_cb(rt, fake_host_get_host_tags);
    set_get_clustername_cb(rt, fake_host_get_clustername);
    set_tracemalloc_enabled_cb(rt, fake_host_tracemalloc_enabled);
    set_log_cb(rt, fake_host_log_cb);
    set_send_log_cb(rt, fake_host_send_log);
    set_set_check_metadata_cb(rt, fake_host_set_check_metadata);
    set_set_external_tags_cb(rt, fake_host_set_external_tags);
    set_write_persistent_cache_cb(rt, fake_host_write_persistent_cache);
    set_read_persistent_cache_cb(rt, fake_host_read_persistent_cache);
    set_obfuscate_sql_cb(rt, fake_host_obfuscate_sql);
    set_obfuscate_sql_exec_plan_cb(rt, fake_host_obfuscate_sql_exec_plan);
    set_get_process_start_time_cb(rt, fake_host_get_process_start_time);
    set_obfuscate_mongodb_string_cb(rt, fake_host_obfuscate_mongodb_string);
    set_emit_agent_telemetry_cb(rt, fake_host_emit_agent_telemetry);
    set_get_subprocess_output_cb(rt, fake_host_get_subprocess_output);
    set_cgo_free_cb(rt, _free);
    set_tags_cb(rt, fake_host_tags);
    set_get_connection_info_cb(rt, fake_host_get_connection_info);
    set_is_excluded_cb(rt, fake_host_is_excluded);
}
