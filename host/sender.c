/*
 * sender.c - buffers submissions per check_id, aggregates metrics within a
 * run, prints them when the run is flushed.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sender.h"
#include "value.h"

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

static const char *or_empty_name(const char *s)
{
    return or_empty(s);
}

static const char *const metric_type_names[] = {"gauge",   "rate",      "count",    "monotonic_count",
                                                "counter", "histogram", "historate"};

/* One buffered line. Metrics keep their fields for aggregation; everything
 * else is rendered at submission time. */
struct entry {
    bool is_metric;
    metric_type_t mtype;
    char *name;
    char *host;
    char *tags;  /* sorted, ',' joined: the aggregation key and the table column */
    char *tags_json;
    double value;
    size_t samples;
    uint64_t hash;
    char *json;  /* non-metrics: the object's fields, without braces */
    char *table; /* non-metrics: the table row */
    /* kept only while a sink is installed: */
    int item_kind;   /* enum sender_item_kind, -1 for lines a sink does not see */
    char **tag_list; /* sorted */
    size_t tag_count;
    double *history; /* histogram, historate: every sample of the run */
    size_t history_cap;
    double lower, upper;
    bool monotonic;
};

struct batch {
    struct batch *next;
    char *check_id;
    struct entry *entries;
    size_t count, cap;
    size_t *index; /* open addressing over metric entries: entry number + 1, 0 = empty */
    size_t index_cap;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct batch *batches;
static enum sender_format out_format;
static char *default_host;
static struct sender_totals totals;
static sender_sink_fn sink;
static void *sink_ctx;

void sender_set_sink(sender_sink_fn fn, void *ctx)
{
    pthread_mutex_lock(&lock);
    sink = fn;
    sink_ctx = ctx;
    pthread_mutex_unlock(&lock);
}

static void free_strings(char **list, size_t count)
{
    for (size_t i = 0; list != NULL && i < count; i++) {
        free(list[i]);
    }
    free(list);
}

static sender_note_hook note_hook;

void sender_set_note_hook(sender_note_hook hook)
{
    note_hook = hook;
}

void sender_setup(enum sender_format format, const char *default_hostname)
{
    out_format = format;
    free(default_host);
    default_host = strdup(default_hostname != NULL ? default_hostname : "");
}

static void free_entry(struct entry *e)
{
    free(e->name);
    free(e->host);
    free(e->tags);
    free(e->tags_json);
    free(e->json);
    free(e->table);
    free_strings(e->tag_list, e->tag_count);
    free(e->history);
}

static void free_batch(struct batch *b)
{
    for (size_t i = 0; i < b->count; i++) {
        free_entry(&b->entries[i]);
    }
    free(b->entries);
    free(b->index);
    free(b->check_id);
    free(b);
}

void sender_teardown(void)
{
    pthread_mutex_lock(&lock);
    while (batches != NULL) {
        struct batch *next = batches->next;
        free_batch(batches);
        batches = next;
    }
    pthread_mutex_unlock(&lock);
    free(default_host);
    default_host = NULL;
}

/* Caller holds `lock`. */
static struct batch *batch_for(const char *check_id)
{
    const char *id = check_id != NULL ? check_id : "";
    for (struct batch *b = batches; b != NULL; b = b->next) {
        if (strcmp(b->check_id, id) == 0) {
            return b;
        }
    }
    struct batch *b = calloc(1, sizeof(*b));
    if (b == NULL || (b->check_id = strdup(id)) == NULL) {
        free(b);
        return NULL;
    }
    b->next = batches;
    batches = b;
    return b;
}

static struct entry *append_entry(struct batch *b)
{
    if (b->count == b->cap) {
        size_t cap = b->cap != 0 ? b->cap * 2 : 16;
        struct entry *grown = realloc(b->entries, cap * sizeof(*grown));
        if (grown == NULL) {
            return NULL;
        }
        b->entries = grown;
        b->cap = cap;
    }
    struct entry *e = &b->entries[b->count++];
    memset(e, 0, sizeof(*e));
    e->item_kind = -1;
    return e;
}

static int compare_tags(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted copies of the tags, as "a,b" and as a JSON list; with `list`, also
 * as a malloc'd array of copies (*list stays NULL when out of memory). With
 * `as_set`, a tag given twice counts once: the Agent's metric contexts are
 * keyed by the set of tags, so [a:1] and [a:1, a:1] are one series. */
static void render_tags_list(char **tags, char **joined, char **json, char ***list,
                             size_t *list_count, bool as_set)
{
    size_t n = 0;
    while (tags != NULL && tags[n] != NULL) {
        n++;
    }
    char **sorted = n > 0 ? malloc(n * sizeof(char *)) : NULL;
    if (n > 0 && sorted == NULL) {
        *joined = *json = NULL;
        return;
    }
    if (n > 0) {
        memcpy(sorted, tags, n * sizeof(char *));
        qsort(sorted, n, sizeof(char *), compare_tags);
    }
    if (as_set && n > 1) {
        size_t unique = 1;
        for (size_t i = 1; i < n; i++) {
            if (strcmp(sorted[unique - 1], sorted[i]) != 0) {
                sorted[unique++] = sorted[i];
            }
        }
        n = unique;
    }
    struct strbuf j = {0}, s = {0};
    strbuf_puts(&j, "[");
    strbuf_puts(&s, "");
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            strbuf_puts(&j, ", ");
            strbuf_puts(&s, ",");
        }
        strbuf_json_string(&j, sorted[i]);
        strbuf_puts(&s, sorted[i]);
    }
    strbuf_puts(&j, "]");
    if (list != NULL) {
        *list = calloc(n + 1, sizeof(char *));
        *list_count = 0;
        for (size_t i = 0; *list != NULL && i < n; i++) {
            if (((*list)[i] = strdup(sorted[i])) == NULL) {
                free_strings(*list, i);
                *list = NULL;
                break;
            }
            *list_count = i + 1;
        }
    }
    free(sorted);
    *joined = strbuf_take(&s);
    *json = strbuf_take(&j);
}

static void render_tags(char **tags, char **joined, char **json)
{
    render_tags_list(tags, joined, json, NULL, NULL, false);
}

static bool keeps_history(metric_type_t type)
{
    return type == DATADOG_AGENT_RTLOADER_HISTOGRAM || type == DATADOG_AGENT_RTLOADER_HISTORATE;
}

/* Caller holds `lock`. */
static void history_add(struct entry *e, double value)
{
    if (e->samples > e->history_cap) {
        return; /* a sample was lost to memory: the aggregates cover the rest */
    }
    if (e->samples == e->history_cap) {
        size_t cap = e->history_cap != 0 ? e->history_cap * 2 : 4;
        double *grown = realloc(e->history, cap * sizeof(double));
        if (grown == NULL) {
            return;
        }
        e->history = grown;
        e->history_cap = cap;
    }
    e->history[e->samples] = value;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    }
    return (h ^ 0xff) * 0x100000001b3ULL; /* separator: "ab"+"c" differs from "a"+"bc" */
}

static bool index_grow(struct batch *b)
{
    size_t cap = b->index_cap != 0 ? b->index_cap * 2 : 64;
    size_t *index = calloc(cap, sizeof(size_t));
    if (index == NULL) {
        return false;
    }
    for (size_t i = 0; i < b->count; i++) {
        if (!b->entries[i].is_metric) {
            continue;
        }
        size_t slot = b->entries[i].hash & (cap - 1);
        while (index[slot] != 0) {
            slot = (slot + 1) & (cap - 1);
        }
        index[slot] = i + 1;
    }
    free(b->index);
    b->index = index;
    b->index_cap = cap;
    return true;
}

static void add_metric(const char *check_id, metric_type_t type, const char *name, double value,
                       char **tags, const char *hostname)
{
    char *joined = NULL, *tags_json = NULL, **tag_list = NULL;
    size_t tag_count = 0;
    render_tags_list(tags, &joined, &tags_json, sink != NULL ? &tag_list : NULL, &tag_count, true);
    const char *host = hostname != NULL && hostname[0] != '\0' ? hostname : default_host;
    if (joined == NULL || tags_json == NULL || name == NULL) {
        goto done;
    }
    uint64_t hash = fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ULL ^ (uint64_t)type, name), host),
                          joined);
    pthread_mutex_lock(&lock);
    struct batch *b = batch_for(check_id);
    if (b == NULL || ((b->count + 1) * 2 > b->index_cap && !index_grow(b))) {
        pthread_mutex_unlock(&lock);
        goto done;
    }
    size_t slot = hash & (b->index_cap - 1);
    for (; b->index[slot] != 0; slot = (slot + 1) & (b->index_cap - 1)) {
        struct entry *e = &b->entries[b->index[slot] - 1];
        if (e->hash == hash && e->mtype == type && strcmp(e->name, name) == 0
            && strcmp(e->host, host) == 0 && strcmp(e->tags, joined) == 0) {
            /* counts add up within a run; every other type keeps the last sample */
            bool additive = type == DATADOG_AGENT_RTLOADER_COUNT;
            e->value = additive ? e->value + value : value;
            if (sink != NULL && keeps_history(type)) {
                history_add(e, value);
            }
            e->samples++;
            pthread_mutex_unlock(&lock);
            goto done;
        }
    }
    struct entry *e = append_entry(b);
    if (e != NULL) {
        e->is_metric = true;
        e->mtype = type;
        e->name = strdup(name);
        e->host = strdup(host);
        e->tags = joined;
        e->tags_json = tags_json;
        e->value = value;
        e->hash = hash;
        joined = tags_json = NULL;
        if (sink != NULL) {
            e->item_kind = SENDER_ITEM_METRIC;
            e->tag_list = tag_list;
            e->tag_count = tag_count;
            tag_list = NULL;
            if (keeps_history(type)) {
                history_add(e, value);
            }
        }
        e->samples = 1;
        b->index[slot] = b->count;
        totals.metrics++;
    }
    pthread_mutex_unlock(&lock);

done:
    free(joined);
    free(tags_json);
    free_strings(tag_list, tag_count);
}

/* Buffers a rendered non-metric line; takes ownership of json and table, and
 * of the structured fields of `item` (a sink's copy) when not NULL. */
static void add_rendered_item(const char *check_id, char *json, char *table, size_t *counter,
                              struct entry *item)
{
    if (json == NULL || table == NULL) {
        free(json);
        free(table);
        if (item != NULL) {
            free_entry(item);
        }
        return;
    }
    pthread_mutex_lock(&lock);
    struct batch *b = batch_for(check_id);
    struct entry *e = b != NULL ? append_entry(b) : NULL;
    if (e != NULL) {
        if (item != NULL) {
            *e = *item;
        }
        e->json = json;
        e->table = table;
        (*counter)++;
    } else {
        free(json);
        free(table);
        if (item != NULL) {
            free_entry(item);
        }
    }
    pthread_mutex_unlock(&lock);
}

static void add_rendered(const char *check_id, char *json, char *table, size_t *counter)
{
    add_rendered_item(check_id, json, table, counter, NULL);
}

/* The structured copy a sink needs of a service check or bucket; false when
 * no sink is installed or memory ran out (the line is then kept for output only). */
static bool sink_item(struct entry *item, enum sender_item_kind kind, const char *name,
                      const char *host, char **tags, double value)
{
    memset(item, 0, sizeof(*item));
    item->item_kind = -1;
    if (sink == NULL) {
        return false;
    }
    char *joined = NULL, *tags_json = NULL;
    render_tags_list(tags, &joined, &tags_json, &item->tag_list, &item->tag_count, true);
    free(joined);
    free(tags_json);
    item->name = strdup(or_empty_name(name));
    item->host = strdup(host);
    if (item->tag_list == NULL || item->name == NULL || item->host == NULL) {
        free_entry(item);
        memset(item, 0, sizeof(*item));
        return false;
    }
    item->item_kind = (int)kind;
    item->value = value;
    item->samples = 1;
    return true;
}


static void json_field(struct strbuf *b, const char *key, const char *value)
{
    strbuf_puts(b, ", ");
    strbuf_json_string(b, key);
    strbuf_puts(b, ": ");
    if (value == NULL) {
        strbuf_puts(b, "null");
    } else {
        strbuf_json_string(b, value);
    }
}

static void on_submit_metric(char *check_id, metric_type_t type, char *name, double value,
                             char **tags, char *hostname, bool flush_first_value)
{
    (void)flush_first_value;
    add_metric(check_id, type, name, value, tags, hostname);
}

void sender_submit_metric(const char *check_id, metric_type_t type, const char *name,
                          double value, char **tags)
{
    add_metric(check_id, type, name, value, tags, NULL);
}

static void on_service_check(char *check_id, char *name, int status, char **tags, char *hostname,
                             char *message)
{
    char *joined = NULL, *tags_json = NULL;
    render_tags(tags, &joined, &tags_json);
    const char *host = hostname != NULL && hostname[0] != '\0' ? hostname : default_host;
    struct strbuf j = {0}, t = {0};
    strbuf_puts(&j, "\"type\": \"service_check\"");
    json_field(&j, "name", or_empty(name));
    strbuf_printf(&j, ", \"status\": %d, \"tags\": %s", status, or_empty(tags_json));
    json_field(&j, "host", host);
    json_field(&j, "message", or_empty(message));
    strbuf_printf(&t, "  %-16s %-44s %16d  %s%s%s", "service_check", or_empty(name), status,
                  or_empty(joined), message != NULL && message[0] ? "  " : "", or_empty(message));
    free(joined);
    free(tags_json);
    struct entry item;
    bool structured = sink_item(&item, SENDER_ITEM_SERVICE_CHECK, name, host, tags, status);
    add_rendered_item(check_id, strbuf_take(&j), strbuf_take(&t), &totals.service_checks,
                      structured ? &item : NULL);
}

static void on_event(char *check_id, event_t *ev)
{
    char *joined = NULL, *tags_json = NULL;
    render_tags(ev->tags, &joined, &tags_json);
    struct strbuf j = {0}, t = {0};
    strbuf_puts(&j, "\"type\": \"event\"");
    json_field(&j, "title", ev->title);
    json_field(&j, "text", ev->text);
    strbuf_printf(&j, ", \"timestamp\": %ld", ev->ts);
    json_field(&j, "priority", ev->priority);
    json_field(&j, "host", ev->host);
    strbuf_printf(&j, ", \"tags\": %s", ev->tags != NULL ? or_empty(tags_json) : "null");
    json_field(&j, "alert_type", ev->alert_type);
    json_field(&j, "aggregation_key", ev->aggregation_key);
    json_field(&j, "source_type_name", ev->source_type_name);
    json_field(&j, "event_type", ev->event_type);
    strbuf_printf(&t, "  %-16s %s: %s  %s", "event", or_empty(ev->title), or_empty(ev->text),
                  or_empty(joined));
    free(joined);
    free(tags_json);
    add_rendered(check_id, strbuf_take(&j), strbuf_take(&t), &totals.events);
}

static void on_histogram_bucket(char *check_id, char *name, long long value, float lower,
                                float upper, int monotonic, char *hostname, char **tags,
                                bool flush_first_value)
{
    (void)flush_first_value;
    char *joined = NULL, *tags_json = NULL;
    render_tags(tags, &joined, &tags_json);
    const char *host = hostname != NULL && hostname[0] != '\0' ? hostname : default_host;
    struct strbuf j = {0}, t = {0};
    strbuf_puts(&j, "\"type\": \"histogram_bucket\"");
    json_field(&j, "name", or_empty(name));
    strbuf_printf(&j, ", \"value\": %lld, \"lower_bound\": %.9g, \"upper_bound\": %.9g", value,
                  (double)lower, (double)upper);
    strbuf_printf(&j, ", \"monotonic\": %s, \"tags\": %s", monotonic ? "true" : "false",
                  or_empty(tags_json));
    json_field(&j, "host", host);
    strbuf_printf(&t, "  %-16s %-44s %16lld  [%g, %g] %s", "histogram_bucket", or_empty(name),
                  value, (double)lower, (double)upper, or_empty(joined));
    free(joined);
    free(tags_json);
    struct entry item;
    bool structured = sink_item(&item, SENDER_ITEM_BUCKET, name, host, tags, (double)value);
    if (structured) {
        item.lower = (double)lower;
        item.upper = (double)upper;
        item.monotonic = monotonic != 0;
    }
    add_rendered_item(check_id, strbuf_take(&j), strbuf_take(&t), &totals.histogram_buckets,
                      structured ? &item : NULL);
}

static void on_platform_event(char *check_id, char *raw, int len, char *event_type)
{
    char *copy = malloc(len > 0 ? (size_t)len + 1 : 1);
    if (copy == NULL) {
        return;
    }
    if (len > 0) {
        memcpy(copy, raw, (size_t)len);
    }
    copy[len > 0 ? len : 0] = '\0'; /* raw may hold NUL bytes: printed up to the first */
    struct strbuf j = {0}, t = {0};
    strbuf_puts(&j, "\"type\": \"event_platform_event\"");
    json_field(&j, "event_type", or_empty(event_type));
    strbuf_printf(&j, ", \"length\": %d", len);
    json_field(&j, "raw", copy);
    strbuf_printf(&t, "  %-16s %-44s %16d bytes", "platform_event", or_empty(event_type), len);
    free(copy);
    add_rendered(check_id, strbuf_take(&j), strbuf_take(&t), &totals.platform_events);
}

void sender_record_metadata(const char *check_id, const char *name, const char *value)
{
    struct strbuf j = {0}, t = {0};
    strbuf_puts(&j, "\"type\": \"metadata\"");
    json_field(&j, "name", or_empty(name));
    json_field(&j, "value", or_empty(value));
    strbuf_printf(&t, "  %-16s %-44s %s", "metadata", or_empty(name), or_empty(value));
    add_rendered(check_id, strbuf_take(&j), strbuf_take(&t), &totals.metadata);
}

void sender_record_log(const char *check_id, const char *line)
{
    struct strbuf j = {0}, t = {0};
    strbuf_puts(&j, "\"type\": \"log\"");
    json_field(&j, "line", or_empty(line));
    strbuf_printf(&t, "  %-16s %s", "log", or_empty(line));
    add_rendered(check_id, strbuf_take(&j), strbuf_take(&t), &totals.logs);
}

void sender_record_external_tags(const char *hostname, const char *source_type, char **tags)
{
    char *joined = NULL, *tags_json = NULL;
    render_tags(tags, &joined, &tags_json);
    struct strbuf j = {0};
    strbuf_puts(&j, "{\"type\": \"external_tags\"");
    json_field(&j, "host", or_empty(hostname));
    json_field(&j, "source_type", or_empty(source_type));
    strbuf_printf(&j, ", \"tags\": %s}\n", or_empty(tags_json));
    char *line = strbuf_take(&j);
    /* not tied to a check run: printed at once */
    pthread_mutex_lock(&lock);
    if (out_format == SENDER_JSON) {
        fputs(or_empty(line), stdout);
    } else {
        printf("external tags for %s (%s): %s\n", or_empty(hostname), or_empty(source_type),
               or_empty(joined));
    }
    fflush(stdout);
    pthread_mutex_unlock(&lock);
    free(line);
    free(joined);
    free(tags_json);
}

void sender_metric(const char *check_id, metric_type_t type, const char *name, double value,
                   char **tags, const char *hostname)
{
    add_metric(check_id, type, name, value, tags, hostname);
}

void sender_service_check(const char *check_id, const char *name, int status, char **tags,
                          const char *hostname, const char *message)
{
    on_service_check((char *)check_id, (char *)name, status, tags, (char *)hostname,
                     (char *)message);
}

void sender_event(const char *check_id, event_t *ev)
{
    on_event((char *)check_id, ev);
}

void sender_histogram_bucket(const char *check_id, const char *name, long long value, float lower,
                             float upper, int monotonic, const char *hostname, char **tags)
{
    on_histogram_bucket((char *)check_id, (char *)name, value, lower, upper, monotonic,
                        (char *)hostname, tags, false);
}

void sender_platform_event(const char *check_id, const char *raw, int len, const char *event_type)
{
    on_platform_event((char *)check_id, (char *)raw, len, (char *)event_type);
}

void sender_register(rtloader_t *rt)
{
    set_submit_metric_cb(rt, on_submit_metric);
    set_submit_service_check_cb(rt, on_service_check);
    set_submit_event_cb(rt, on_event);
    set_submit_histogram_bucket_cb(rt, on_histogram_bucket);
    set_submit_event_platform_event_cb(rt, on_platform_event);
}

static void print_number(FILE *out, double v)
{
    if (!isfinite(v)) {
        fputs("null", out); /* JSON has no NaN */
        return;
    }
    /* the shortest text that reads back as the same double: 0.35, not 0.34999999999999998 */
    char text[40];
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(text, sizeof(text), "%.*g", precision, v);
        if (strtod(text, NULL) == v) {
            break;
        }
    }
    fputs(text, out);
}

/* Caller holds `lock`. */
static void print_json(const struct sender_run *run, struct batch *b)
{
    struct strbuf head = {0};
    strbuf_puts(&head, "\"check\": ");
    strbuf_json_string(&head, or_empty(run->check_name));
    strbuf_puts(&head, ", \"check_id\": ");
    strbuf_json_string(&head, or_empty(run->check_id));
    strbuf_printf(&head, ", \"run\": %d", run->run);
    char *prefix = strbuf_take(&head);
    for (size_t i = 0; b != NULL && i < b->count; i++) {
        struct entry *e = &b->entries[i];
        if (e->is_metric) {
            struct strbuf line = {0};
            json_field(&line, "name", e->name);
            json_field(&line, "host", e->host);
            char *fields = strbuf_take(&line);
            printf("{%s, \"type\": \"metric\", \"metric_type\": \"%s\"%s, \"value\": ",
                   or_empty(prefix), metric_type_names[(unsigned)e->mtype % 7], or_empty(fields));
            print_number(stdout, e->value);
            printf(", \"tags\": %s, \"samples\": %zu}\n", e->tags_json, e->samples);
            free(fields);
        } else {
            printf("{%s, %s}\n", or_empty(prefix), e->json);
        }
    }
    struct strbuf line = {0};
    strbuf_printf(&line, "{%s, \"type\": \"run\"", or_empty(prefix));
    json_field(&line, "version", run->version);
    json_field(&line, "source", run->source);
    json_field(&line, "status", run->status);
    json_field(&line, "error", run->error);
    strbuf_printf(&line, ", \"duration_ms\": %.3f, \"warnings\": [", run->duration_ms);
    for (char **w = run->warnings; w != NULL && *w != NULL; w++) {
        if (w != run->warnings) {
            strbuf_puts(&line, ", ");
        }
        strbuf_json_string(&line, *w);
    }
    strbuf_puts(&line, "]}\n");
    char *text = strbuf_take(&line);
    fputs(or_empty(text), stdout);
    free(text);
    free(prefix);
}

/* Caller holds `lock`. */
static void print_table(const struct sender_run *run, struct batch *b)
{
    printf("=== %s [%s] run %d: %s in %.1f ms (version %s, %s)\n", or_empty(run->check_name),
           or_empty(run->check_id), run->run, or_empty(run->status), run->duration_ms,
           or_empty(run->version), or_empty(run->source));
    for (size_t i = 0; b != NULL && i < b->count; i++) {
        struct entry *e = &b->entries[i];
        if (e->is_metric) {
            char number[32];
            /* whole numbers in full (byte counts), others with 6 significant digits */
            if (fabs(e->value) < 1e15 && e->value == floor(e->value)) {
                snprintf(number, sizeof(number), "%.0f", e->value);
            } else {
                snprintf(number, sizeof(number), "%.6g", e->value);
            }
            printf("  %-16s %-44s %16s  %s%s%s\n", metric_type_names[(unsigned)e->mtype % 7],
                   e->name, number, e->tags, strcmp(e->host, default_host) != 0 ? "  host:" : "",
                   strcmp(e->host, default_host) != 0 ? e->host : "");
        } else {
            printf("%s\n", e->table);
        }
    }
    for (char **w = run->warnings; w != NULL && *w != NULL; w++) {
        printf("  warning: %s\n", *w);
    }
    if (run->error != NULL) {
        printf("  error: %s\n", run->error);
    }
}

/* Outside `lock`: the batch was unlinked, no other thread sees it. */
static void feed_sink(sender_sink_fn to, void *ctx, const struct sender_run *run,
                      const struct batch *b)
{
    size_t count = 0;
    for (size_t i = 0; b != NULL && i < b->count; i++) {
        count += b->entries[i].item_kind >= 0;
    }
    struct sender_item *items = count > 0 ? calloc(count, sizeof(*items)) : NULL;
    if (count > 0 && items == NULL) {
        count = 0; /* the run is still reported: its telemetry does not need the items */
    }
    size_t n = 0;
    for (size_t i = 0; items != NULL && i < b->count; i++) {
        const struct entry *e = &b->entries[i];
        if (e->item_kind < 0) {
            continue;
        }
        struct sender_item *it = &items[n++];
        it->kind = (enum sender_item_kind)e->item_kind;
        it->type = e->mtype;
        it->name = e->name;
        it->host = e->host;
        it->tags = e->tag_list;
        it->tag_count = e->tag_count;
        it->value = e->value;
        /* a history that lost samples to memory covers what it holds */
        it->samples = e->samples;
        it->history = e->history;
        if (e->history != NULL && e->samples > e->history_cap) {
            it->samples = e->history_cap;
        }
        it->lower = e->lower;
        it->upper = e->upper;
        it->monotonic = e->monotonic;
    }
    to(ctx, run, items, n);
    free(items);
}

void sender_flush(const struct sender_run *run)
{
    pthread_mutex_lock(&lock);
    struct batch **link = &batches;
    struct batch *b = NULL;
    for (; *link != NULL; link = &(*link)->next) {
        if (strcmp((*link)->check_id, or_empty(run->check_id)) == 0) {
            b = *link;
            *link = b->next;
            break;
        }
    }
    if (!run->telemetry) {
        totals.runs++;
        if (run->error != NULL) {
            totals.failed_runs++;
        }
    }
    if (out_format == SENDER_JSON) {
        print_json(run, b);
    } else {
        print_table(run, b);
    }
    fflush(stdout);
    sender_sink_fn to = sink;
    void *to_ctx = sink_ctx;
    pthread_mutex_unlock(&lock);
    if (to != NULL) {
        feed_sink(to, to_ctx, run, b);
    }
    if (b != NULL) {
        free_batch(b);
    }
}

void sender_print_note(const char *kind, const char *check_name, const char *message)
{
    if (note_hook != NULL) {
        note_hook(kind, check_name, message);
        return;
    }
    pthread_mutex_lock(&lock);
    if (out_format == SENDER_JSON) {
        struct strbuf line = {0};
        strbuf_puts(&line, "{\"type\": ");
        strbuf_json_string(&line, kind);
        json_field(&line, "check", check_name);
        json_field(&line, "message", message);
        strbuf_puts(&line, "}\n");
        char *text = strbuf_take(&line);
        fputs(or_empty(text), stdout);
        free(text);
    } else {
        printf("%s%s%s: %s\n", kind, check_name != NULL ? " " : "", or_empty(check_name),
               or_empty(message));
    }
    fflush(stdout);
    pthread_mutex_unlock(&lock);
}

struct sender_totals sender_totals(void)
{
    pthread_mutex_lock(&lock);
    struct sender_totals t = totals;
    pthread_mutex_unlock(&lock);
    return t;
}
