/*
 * mapping.c - a run's submissions as Prometheus series: names, labels and
 * the Datadog metric types mapped to gauges, counters and histograms
 * (docs/openmetrics.md has the table and the reasons).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_internal.h"

/* ---- labels ---- */

struct label {
    char *name;
    char *value;
};

struct labels {
    struct label items[64];
    size_t count;
    bool truncated;
};

static void labels_add(struct labels *l, char *name, char *value)
{
    if (name == NULL || value == NULL || l->count == sizeof(l->items) / sizeof(l->items[0])) {
        l->truncated = l->truncated || (name != NULL && value != NULL);
        free(name);
        free(value);
        return;
    }
    l->items[l->count].name = name;
    l->items[l->count].value = value;
    l->count++;
}

static void labels_free(struct labels *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].name);
        free(l->items[i].value);
    }
    l->count = 0;
}

static int compare_labels(const void *a, const void *b)
{
    const struct label *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(x->value, y->value);
}

/* Names the host sets itself: a tag with one of these keys becomes tag_<key>. */
static bool reserved_label(const char *name)
{
    static const char *const reserved[] = {"check", "check_id", "host", "name", "status", "le",
                                           "tags"};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        if (strcmp(name, reserved[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Tags "key:value" become labels; tags without ':' are joined (sorted, ',')
 * into one label `tags`; repeated keys join their values the same way. With
 * `host_labels` the host sets check, check_id, host...: tags with those keys
 * are renamed tag_<key>; the host's own telemetry sets none and keeps them. */
static void labels_from_tags(struct labels *l, char *const *tags, size_t count, bool host_labels)
{
    struct strbuf bare = {0};
    const char *last_bare = NULL;
    bool any_bare = false;
    for (size_t i = 0; i < count; i++) {
        const char *colon = strchr(tags[i], ':');
        if (colon == NULL) {
            /* the tags come sorted: a repeated one is the previous one (the Agent's contexts
             * dedupe tags, so it is one tag there) */
            if (last_bare != NULL && strcmp(last_bare, tags[i]) == 0) {
                continue;
            }
            last_bare = tags[i];
            if (any_bare) {
                strbuf_puts(&bare, ",");
            }
            strbuf_puts(&bare, tags[i]);
            any_bare = true;
            continue;
        }
        char key[256];
        snprintf(key, sizeof(key), "%.*s", (int)(colon - tags[i]), tags[i]);
        char *name = om_label_name(key);
        if (name != NULL && host_labels && reserved_label(name)) {
            struct strbuf b = {0};
            strbuf_printf(&b, "tag_%s", name);
            free(name);
            name = strbuf_take(&b);
        }
        labels_add(l, name, strdup(colon + 1));
    }
    if (any_bare) {
        labels_add(l, strdup("tags"), strbuf_take(&bare));
    } else {
        free(strbuf_take(&bare));
    }
}

/* Sorted, repeated names merged, rendered as name="value",... (malloc'd). A value repeated
 * under one name (a tag given twice, or keys that sanitize alike) is written once. */
static char *labels_render(struct labels *l)
{
    qsort(l->items, l->count, sizeof(l->items[0]), compare_labels);
    struct strbuf b = {0};
    strbuf_puts(&b, "");
    for (size_t i = 0; i < l->count; i++) {
        bool same = i > 0 && strcmp(l->items[i].name, l->items[i - 1].name) == 0;
        if (same && strcmp(l->items[i].value, l->items[i - 1].value) == 0) {
            continue;
        }
        if (same) {
            strbuf_puts(&b, ",");
        } else {
            if (i > 0) {
                strbuf_puts(&b, "\",");
            }
            strbuf_printf(&b, "%s=\"", l->items[i].name);
        }
        om_escape_label_value(&b, l->items[i].value);
    }
    if (l->count > 0) {
        strbuf_puts(&b, "\"");
    }
    return strbuf_take(&b);
}

/* ---- the mapping ---- */

/* The labels every series of a check run carries, then the item's tags. */
static char *item_labels(const struct sender_run *run, const struct sender_item *it,
                         const char *name_label)
{
    struct labels l = {.count = 0};
    if (!run->telemetry) {
        labels_add(&l, strdup("check"), strdup(run->check_name != NULL ? run->check_name : ""));
        labels_add(&l, strdup("check_id"), strdup(run->check_id != NULL ? run->check_id : ""));
        labels_add(&l, strdup("host"), strdup(it->host != NULL ? it->host : ""));
    }
    if (name_label != NULL) {
        labels_add(&l, strdup("name"), strdup(name_label));
    }
    labels_from_tags(&l, it->tags, it->tag_count, !run->telemetry || name_label != NULL);
    if (l.truncated) {
        host_log(DATADOG_AGENT_WARNING, "openmetrics: '%s' has more than %zu tags: the rest dropped",
                 it->name, sizeof(l.items) / sizeof(l.items[0]));
    }
    char *out = labels_render(&l);
    labels_free(&l);
    return out;
}

/* The family name of a submitted metric: the checks' get the namespace; the
 * host's own telemetry (rtloader.*, pymem.*) is named rtloader_*. */
static char *family_name(const struct om_store *s, const struct sender_run *run, const char *name,
                         const char *suffix)
{
    struct strbuf full = {0};
    strbuf_printf(&full, "%s%s", name != NULL ? name : "", suffix);
    char *joined = strbuf_take(&full);
    if (joined == NULL) {
        return NULL;
    }
    char *out;
    if (run->telemetry) {
        out = om_metric_name(strncmp(joined, "rtloader.", 9) == 0 ? NULL : "rtloader", joined);
    } else {
        out = om_metric_name(s->ns, joined);
    }
    free(joined);
    return out;
}

static bool ends_with_total(const char *name)
{
    size_t n = strlen(name);
    return n > 6 && strcmp(name + n - 6, "_total") == 0;
}

/* Prometheus keeps "_total" for counters and "_count", "_sum", "_bucket" for
 * histograms and summaries (promtool flags a gauge with one): a gauge whose
 * name ends with one gets "_value". Takes `name`, returns the name to use. */
static char *gauge_name(char *name)
{
    static const char *const reserved[] = {"_total", "_count", "_sum", "_bucket"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        size_t r = strlen(reserved[i]);
        if (n > r && strcmp(name + n - r, reserved[i]) == 0) {
            struct strbuf b = {0};
            strbuf_printf(&b, "%s_value", name);
            free(name);
            return strbuf_take(&b);
        }
    }
    return name;
}

/* A counter's family has no "_total": the exposition adds it. */
static void strip_total(char *name)
{
    if (ends_with_total(name)) {
        name[strlen(name) - 6] = '\0';
    }
}

static struct series *series_at(struct om_store *s, struct check *owner, const char *name,
                                enum om_type type, const char *origin_kind,
                                const char *origin_name, const char *labels)
{
    struct strbuf o = {0};
    strbuf_printf(&o, "%s:%s", origin_kind, origin_name != NULL ? origin_name : "");
    char *origin = strbuf_take(&o);
    struct family *f = origin != NULL ? om_family_for(s, name, type, origin) : NULL;
    free(origin);
    struct series *se = f != NULL ? om_series_for(s, f, labels, owner) : NULL;
    if (se != NULL && owner != NULL) {
        se->last_run = owner->runs;
    }
    return se;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* The sample at quantile q as the Agent's histogram picks it: sorted, index
 * round(q * n) - 1, clamped to the samples. */
static double quantile(const double *sorted, size_t n, double q)
{
    double rank = floor(q * (double)n + 0.5) - 1;
    size_t i = rank < 0 ? 0 : (size_t)rank;
    return sorted[i < n ? i : n - 1];
}

static void map_histogram(struct om_store *s, struct check *owner, const struct sender_run *run,
                          const struct sender_item *it, const char *labels)
{
    if (it->history == NULL || it->samples == 0) {
        return;
    }
    double *sorted = malloc(it->samples * sizeof(double));
    if (sorted == NULL) {
        return;
    }
    memcpy(sorted, it->history, it->samples * sizeof(double));
    qsort(sorted, it->samples, sizeof(double), compare_doubles);
    double sum = 0;
    for (size_t i = 0; i < it->samples; i++) {
        sum += sorted[i];
    }
    const struct {
        const char *suffix;
        double value;
    } aggregates[] = {
        {".avg", sum / (double)it->samples},
        {".max", sorted[it->samples - 1]},
        {".count", (double)it->samples},
        {".median", quantile(sorted, it->samples, 0.5)},
        {".95percentile", quantile(sorted, it->samples, 0.95)},
    };
    for (size_t i = 0; i < sizeof(aggregates) / sizeof(aggregates[0]); i++) {
        char *name = family_name(s, run, it->name, aggregates[i].suffix);
        name = name != NULL ? gauge_name(name) : NULL;
        struct series *se = name != NULL ? series_at(s, owner, name, OM_GAUGE, "histogram",
                                                     it->name, labels)
                                         : NULL;
        if (se != NULL) {
            se->value = aggregates[i].value;
            se->has_value = true;
        }
        free(name);
    }
    free(sorted);
}

static void map_metric(struct om_store *s, struct check *owner, double now_s,
                       const struct sender_run *run, const struct sender_item *it,
                       const char *labels)
{
    static const char *const kinds[] = {"gauge",   "rate",      "count",    "monotonic_count",
                                        "counter", "histogram", "historate"};
    unsigned type = (unsigned)it->type;
    if (type == DATADOG_AGENT_RTLOADER_HISTOGRAM || type == DATADOG_AGENT_RTLOADER_HISTORATE) {
        map_histogram(s, owner, run, it, labels);
        return;
    }
    if (type > DATADOG_AGENT_RTLOADER_HISTORATE) {
        return;
    }
    bool counter = type == DATADOG_AGENT_RTLOADER_COUNT
                   || type == DATADOG_AGENT_RTLOADER_MONOTONIC_COUNT
                   || type == DATADOG_AGENT_RTLOADER_COUNTER;
    char *name = family_name(s, run, it->name, "");
    if (name == NULL) {
        return;
    }
    if (counter) {
        strip_total(name);
    } else if ((name = gauge_name(name)) == NULL) {
        return;
    }
    struct series *se = series_at(s, owner, name, counter ? OM_COUNTER : OM_GAUGE, kinds[type],
                                  it->name, labels);
    free(name);
    if (se == NULL) {
        return;
    }
    double v = it->value;
    switch (it->type) {
    case DATADOG_AGENT_RTLOADER_GAUGE:
        se->value = v;
        se->has_value = true;
        break;
    case DATADOG_AGENT_RTLOADER_RATE:
        /* the per-second rate the Agent would send: none on the first sample
         * or when the counter went down (a reset) */
        se->has_value = se->has_prev && now_s > se->prev_time && v >= se->prev_raw;
        if (se->has_value) {
            se->value = (v - se->prev_raw) / (now_s - se->prev_time);
        }
        se->prev_raw = v;
        se->prev_time = now_s;
        se->has_prev = true;
        break;
    case DATADOG_AGENT_RTLOADER_MONOTONIC_COUNT:
        /* the deltas the Agent would send, added up; a decrease is a reset:
         * that delta is dropped, as the Agent drops it */
        if (se->has_prev && v >= se->prev_raw) {
            se->value += v - se->prev_raw;
        }
        se->prev_raw = v;
        se->has_prev = true;
        se->has_value = true;
        break;
    default: /* count, counter: the run's sum, accumulated since start */
        se->value += v;
        se->has_value = true;
        break;
    }
}

static const char *service_check_status(double status)
{
    static const char *const names[] = {"ok", "warning", "critical", "unknown"};
    int i = (int)status;
    return i >= 0 && i <= 3 ? names[i] : "unknown";
}

static void map_bucket(struct om_store *s, struct check *owner, const struct sender_run *run,
                       const struct sender_item *it, const char *labels)
{
    char *name = family_name(s, run, it->name, "");
    struct series *se = name != NULL ? series_at(s, owner, name, OM_HISTOGRAM, "histogram_bucket",
                                                 it->name, labels)
                                     : NULL;
    free(name);
    if (se == NULL) {
        return;
    }
    struct bucket *b = NULL;
    for (size_t i = 0; i < se->bucket_count; i++) {
        if (se->buckets[i].upper == it->upper) {
            b = &se->buckets[i];
        }
    }
    if (b == NULL) {
        struct bucket *grown = realloc(se->buckets, (se->bucket_count + 1) * sizeof(*grown));
        if (grown == NULL) {
            return;
        }
        se->buckets = grown;
        b = &se->buckets[se->bucket_count++];
        b->upper = it->upper;
        b->count = 0;
    }
    /* monotonic buckets are counters already; others are this run's counts */
    b->count = it->monotonic ? it->value : b->count + it->value;
    se->has_value = true;
}

/* The host's telemetry of each check run: never stale while the host runs. */
static void map_run_telemetry(struct om_store *s, const struct sender_run *run)
{
    struct labels l = {.count = 0};
    labels_add(&l, strdup("check"), strdup(run->check_name != NULL ? run->check_name : ""));
    labels_add(&l, strdup("check_id"), strdup(run->check_id != NULL ? run->check_id : ""));
    char *labels = labels_render(&l);
    labels_free(&l);
    if (labels == NULL) {
        return;
    }
    bool ok = run->status != NULL && strcmp(run->status, "ok") == 0;
    struct series *se = series_at(s, NULL, "rtloader_check_runs", OM_COUNTER, "host", "runs",
                                  labels);
    if (se != NULL) {
        se->value += 1;
        se->has_value = true;
    }
    se = series_at(s, NULL, "rtloader_check_errors", OM_COUNTER, "host", "errors", labels);
    if (se != NULL) {
        se->value += ok ? 0 : 1;
        se->has_value = true;
    }
    se = series_at(s, NULL, "rtloader_check_last_run_duration_seconds", OM_GAUGE, "host",
                   "duration", labels);
    if (se != NULL) {
        se->value = run->duration_ms / 1000.0;
        se->has_value = true;
    }
    se = series_at(s, NULL, "rtloader_check_last_run_status", OM_GAUGE, "host", "status", labels);
    if (se != NULL) {
        /* 0 ok, 1 error, 2 cancelled; the label says which */
        bool cancelled = run->status != NULL && strcmp(run->status, "cancelled") == 0;
        om_series_status(se, ok ? "ok" : cancelled ? "cancelled" : "error");
        se->value = ok ? 0 : cancelled ? 2 : 1;
        se->has_value = true;
    }
    free(labels);
}

void om_map_run(struct om_store *s, double now_s, const struct sender_run *run,
                const struct sender_item *items, size_t count)
{
    struct check *owner = NULL;
    if (!run->telemetry) {
        owner = om_check_for(s, run->check_id != NULL ? run->check_id : "");
        if (owner == NULL) {
            return;
        }
        owner->runs++;
        s->runs++;
        s->running = true; /* /healthz: checks run */
        s->failed_runs += run->error != NULL;
        s->last_run_s = now_s;
    }
    for (size_t i = 0; i < count; i++) {
        const struct sender_item *it = &items[i];
        bool service_check = it->kind == SENDER_ITEM_SERVICE_CHECK;
        char *labels = item_labels(run, it, service_check ? it->name : NULL);
        if (labels == NULL) {
            continue;
        }
        if (it->kind == SENDER_ITEM_METRIC) {
            map_metric(s, owner, now_s, run, it, labels);
        } else if (it->kind == SENDER_ITEM_BUCKET) {
            map_bucket(s, owner, run, it, labels);
        } else {
            char *name = om_metric_name(s->ns, "service_check");
            struct series *se = name != NULL ? series_at(s, owner, name, OM_GAUGE,
                                                         "service_check", "", labels)
                                             : NULL;
            if (se != NULL) {
                om_series_status(se, service_check_status(it->value));
                se->value = it->value;
                se->has_value = true;
            }
            free(name);
        }
        free(labels);
    }
    if (owner != NULL) {
        map_run_telemetry(s, run);
        om_prune_stale(s, owner);
    }
}
