/*
 * store.c - the series the checks submitted, by family, with their latest
 * values, and the mapping from Datadog types to Prometheus families
 * (docs/openmetrics.md has the table and the reasons).
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_internal.h"

/* ---- a string-keyed open-addressing map; keys are owned by the values ---- */

static char tombstone[1];

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    }
    return h;
}

static void *map_get(const struct map *m, const char *key)
{
    if (m->cap == 0) {
        return NULL;
    }
    for (size_t i = hash_str(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const struct map_slot *s = &m->slots[i];
        if (s->key == NULL) {
            return NULL;
        }
        if (s->key != tombstone && strcmp(s->key, key) == 0) {
            return s->value;
        }
    }
}

static bool map_put(struct map *m, const char *key, void *value);

static bool map_rehash(struct map *m, size_t cap)
{
    struct map old = *m;
    m->slots = calloc(cap, sizeof(*m->slots));
    if (m->slots == NULL) {
        *m = old;
        return false;
    }
    m->cap = cap;
    m->used = 0;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].key != NULL && old.slots[i].key != tombstone) {
            map_put(m, old.slots[i].key, old.slots[i].value);
        }
    }
    free(old.slots);
    return true;
}

/* `key` must be absent. */
static bool map_put(struct map *m, const char *key, void *value)
{
    if ((m->used + 1) * 2 > m->cap && !map_rehash(m, m->cap != 0 ? m->cap * 2 : 64)) {
        return false;
    }
    size_t i = hash_str(key) & (m->cap - 1);
    while (m->slots[i].key != NULL && m->slots[i].key != tombstone) {
        i = (i + 1) & (m->cap - 1);
    }
    if (m->slots[i].key == NULL) {
        m->used++;
    }
    m->slots[i].key = key;
    m->slots[i].value = value;
    return true;
}

static void map_del(struct map *m, const char *key)
{
    for (size_t i = hash_str(key) & (m->cap - 1); m->slots[i].key != NULL;
         i = (i + 1) & (m->cap - 1)) {
        if (m->slots[i].key != tombstone && strcmp(m->slots[i].key, key) == 0) {
            m->slots[i].key = tombstone;
            m->slots[i].value = NULL;
            return;
        }
    }
}

bool om_ptrs_push(struct ptrs *p, void *item)
{
    if (p->count == p->cap) {
        size_t cap = p->cap != 0 ? p->cap * 2 : 8;
        void **grown = realloc(p->items, cap * sizeof(void *));
        if (grown == NULL) {
            return false;
        }
        p->items = grown;
        p->cap = cap;
    }
    p->items[p->count++] = item;
    return true;
}

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct om_store *om_store_new(const struct om_store_options *options)
{
    struct om_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->ns = strdup(options->namespace_ != NULL ? options->namespace_ : "");
    s->stale_runs = options->stale_runs > 0 ? options->stale_runs : OM_DEFAULT_STALE_RUNS;
    s->last_run_s = -1;
    if (s->ns == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

static void series_free(struct series *se)
{
    free(se->line);
    free(se->key);
    free(se->labels);
    free(se->buckets);
    free(se);
}

void om_store_free(struct om_store *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->family_list.count; i++) {
        struct family *f = s->family_list.items[i];
        for (size_t j = 0; j < f->series.count; j++) {
            series_free(f->series.items[j]);
        }
        for (size_t j = 0; j < f->rejected.count; j++) {
            free(f->rejected.items[j]);
        }
        free(f->series.items);
        free(f->rejected.items);
        free(f->name);
        free(f->origin);
        free(f);
    }
    for (size_t i = 0; i < s->check_list.count; i++) {
        struct check *c = s->check_list.items[i];
        free(c->series.items);
        free(c->id);
        free(c);
    }
    free(s->family_list.items);
    free(s->check_list.items);
    free(s->families.slots);
    free(s->series.slots);
    free(s->checks.slots);
    free(s->ns);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

struct check *om_check_for(struct om_store *s, const char *id)
{
    struct check *c = map_get(&s->checks, id);
    if (c != NULL) {
        return c;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL || (c->id = strdup(id)) == NULL || !om_ptrs_push(&s->check_list, c)) {
        if (c != NULL) {
            free(c->id);
        }
        free(c);
        return NULL;
    }
    if (!map_put(&s->checks, c->id, c)) {
        s->check_list.count--;
        free(c->id);
        free(c);
        return NULL;
    }
    return c;
}

/* The family `name`, created with `type` and `origin` when new; NULL when it
 * exists with another origin: a collision, counted and logged once per origin. */
struct family *om_family_for(struct om_store *s, const char *name, enum om_type type,
                                 const char *origin)
{
    struct family *f = map_get(&s->families, name);
    if (f != NULL) {
        if (f->type == type && strcmp(f->origin, origin) == 0) {
            return f;
        }
        s->collisions++;
        for (size_t i = 0; i < f->rejected.count; i++) {
            if (strcmp(f->rejected.items[i], origin) == 0) {
                return NULL;
            }
        }
        char *copy = strdup(origin);
        if (copy != NULL && !om_ptrs_push(&f->rejected, copy)) {
            free(copy);
        }
        host_log(DATADOG_AGENT_WARNING,
                 "openmetrics: '%s' from %s collides with the family of %s: not exposed", name,
                 origin, f->origin);
        return NULL;
    }
    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return NULL;
    }
    f->name = strdup(name);
    f->origin = strdup(origin);
    f->type = type;
    if (f->name == NULL || f->origin == NULL || !om_ptrs_push(&s->family_list, f)) {
        free(f->name);
        free(f->origin);
        free(f);
        return NULL;
    }
    if (!map_put(&s->families, f->name, f)) {
        s->family_list.count--;
        free(f->name);
        free(f->origin);
        free(f);
        return NULL;
    }
    return f;
}

struct series *om_series_for(struct om_store *s, struct family *f, const char *labels,
                                 struct check *owner)
{
    struct strbuf k = {0};
    strbuf_printf(&k, "%s\x01%s", f->name, labels);
    char *key = strbuf_take(&k);
    if (key == NULL) {
        return NULL;
    }
    struct series *se = map_get(&s->series, key);
    if (se != NULL) {
        free(key);
        return se;
    }
    se = calloc(1, sizeof(*se));
    if (se == NULL || (se->labels = strdup(labels)) == NULL) {
        free(se);
        free(key);
        return NULL;
    }
    se->key = key;
    se->fam = f;
    se->owner = owner;
    se->fam_pos = f->series.count;
    if (!om_ptrs_push(&f->series, se)) {
        series_free(se);
        return NULL;
    }
    if (owner != NULL) {
        se->owner_pos = owner->series.count;
        if (!om_ptrs_push(&owner->series, se)) {
            f->series.count--;
            series_free(se);
            return NULL;
        }
    }
    if (!map_put(&s->series, se->key, se)) {
        f->series.count--;
        if (owner != NULL) {
            owner->series.count--;
        }
        series_free(se);
        return NULL;
    }
    s->series_count++;
    return se;
}

static void series_remove(struct om_store *s, struct series *se)
{
    struct ptrs *fs = &se->fam->series;
    struct series *last = fs->items[--fs->count];
    fs->items[se->fam_pos] = last;
    last->fam_pos = se->fam_pos;
    if (se->owner != NULL) {
        struct ptrs *os = &se->owner->series;
        last = os->items[--os->count];
        os->items[se->owner_pos] = last;
        last->owner_pos = se->owner_pos;
    }
    map_del(&s->series, se->key);
    s->series_count--;
    series_free(se);
}


void om_series_status(struct series *se, const char *status)
{
    if (se->status != status) {
        se->status = status;
        free(se->line);
        se->line = NULL;
    }
}

void om_prune_stale(struct om_store *s, struct check *c)
{
    for (size_t i = c->series.count; i-- > 0;) {
        struct series *se = c->series.items[i];
        if (c->runs - se->last_run >= (unsigned long)s->stale_runs) {
            series_remove(s, se); /* moves the last one into slot i: already seen */
        }
    }
}

void om_store_ingest_at(struct om_store *s, double now_s, const struct sender_run *run,
                        const struct sender_item *items, size_t count)
{
    pthread_mutex_lock(&s->lock);
    s->generation++;
    om_map_run(s, now_s, run, items, count);
    pthread_mutex_unlock(&s->lock);
}

void om_store_ingest(void *ctx, const struct sender_run *run, const struct sender_item *items,
                     size_t count)
{
    om_store_ingest_at(ctx, monotonic_s(), run, items, count);
}

/* ---- rendering ---- */

static int compare_families(const void *a, const void *b)
{
    const struct family *x = *(struct family *const *)a, *y = *(struct family *const *)b;
    return strcmp(x->name, y->name);
}

static int compare_series(const void *a, const void *b)
{
    const struct series *x = *(struct series *const *)a, *y = *(struct series *const *)b;
    return strcmp(x->labels, y->labels);
}

static int compare_buckets(const void *a, const void *b)
{
    const struct bucket *x = a, *y = b;
    return x->upper < y->upper ? -1 : x->upper > y->upper ? 1 : 0;
}

/* name{labels[,extra]} */
static void append_series_name(struct strbuf *b, const char *name, const char *suffix,
                               const struct series *se, const char *extra_name, const char *extra)
{
    strbuf_puts(b, name);
    strbuf_puts(b, suffix);
    bool any = se->labels[0] != '\0' || extra != NULL;
    if (any) {
        strbuf_puts(b, "{");
        strbuf_puts(b, se->labels);
    }
    if (extra != NULL) {
        strbuf_printf(b, "%s%s=\"%s\"", se->labels[0] != '\0' ? "," : "", extra_name, extra);
    }
    strbuf_puts(b, any ? "} " : " ");
}

/* The same text to both pages. */
static void append_both(struct om_pages *p, const char *text, size_t len)
{
    strbuf_append(&p->text, text, len);
    strbuf_append(&p->openmetrics, text, len);
}

static void append_histogram(struct om_pages *p, const struct family *f, struct series *se)
{
    qsort(se->buckets, se->bucket_count, sizeof(se->buckets[0]), compare_buckets);
    double total = 0;
    bool has_inf = false;
    struct strbuf line = {0};
    for (size_t i = 0; i <= se->bucket_count; i++) {
        bool last = i == se->bucket_count;
        if (last && has_inf) {
            break;
        }
        total += last ? 0 : se->buckets[i].count;
        struct strbuf le = {0};
        if (last) {
            strbuf_puts(&le, "+Inf");
        } else {
            om_append_number(&le, se->buckets[i].upper);
            has_inf = has_inf || isinf(se->buckets[i].upper);
        }
        char *text = strbuf_take(&le);
        line.len = 0;
        append_series_name(&line, f->name, "_bucket", se, "le", text != NULL ? text : "NaN");
        om_append_number(&line, total);
        strbuf_puts(&line, "\n");
        free(text);
        if (!line.failed) {
            append_both(p, line.data, line.len);
        }
    }
    free(strbuf_take(&line));
}

/* HELP text: what the family is, from its origin (promtool asks for one). */
static char *family_help(const struct family *f)
{
    static const struct {
        const char *origin, *help;
    } host[] = {
        {"host:runs", "check runs since the host started"},
        {"host:errors", "check runs that failed or were cancelled"},
        {"host:duration", "duration of the last run of the check"},
        {"host:status", "last run of the check: 0 ok, 1 error, 2 cancelled (label status)"},
    };
    for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
        if (strcmp(f->origin, host[i].origin) == 0) {
            return strdup(host[i].help);
        }
    }
    struct strbuf b = {0};
    const char *colon = strchr(f->origin, ':');
    size_t kind = colon != NULL ? (size_t)(colon - f->origin) : strlen(f->origin);
    if (strcmp(f->origin, "service_check:") == 0) {
        strbuf_puts(&b, "service check status: 0 ok, 1 warning, 2 critical, 3 unknown");
        return strbuf_take(&b);
    }
    strbuf_printf(&b, "Datadog %.*s ", (int)kind, f->origin);
    om_escape_help(&b, colon != NULL ? colon + 1 : "");
    return strbuf_take(&b);
}

/* The cached "name{labels} " of a gauge or counter sample. */
static const char *series_line(const struct family *f, struct series *se)
{
    if (se->line == NULL) {
        struct strbuf b = {0};
        append_series_name(&b, f->name, f->type == OM_COUNTER ? "_total" : "", se, "status",
                           se->status);
        se->line = strbuf_take(&b);
    }
    return se->line;
}

static void render_family(struct om_pages *p, struct family *f)
{
    size_t shown = 0;
    for (size_t j = 0; j < f->series.count; j++) {
        shown += ((struct series *)f->series.items[j])->has_value;
    }
    if (shown == 0) {
        return;
    }
    qsort(f->series.items, f->series.count, sizeof(void *), compare_series);
    char *help = family_help(f);
    om_append_family_header(&p->text, OM_TEXT_004, f->name, f->type, help);
    om_append_family_header(&p->openmetrics, OM_OPENMETRICS_1, f->name, f->type, help);
    free(help);
    struct strbuf line = {0};
    for (size_t j = 0; j < f->series.count; j++) {
        struct series *se = f->series.items[j];
        se->fam_pos = j;
        if (!se->has_value) {
            continue;
        }
        if (f->type == OM_HISTOGRAM) {
            append_histogram(p, f, se);
            continue;
        }
        const char *name = series_line(f, se);
        if (name == NULL) {
            continue;
        }
        line.len = 0;
        strbuf_puts(&line, name);
        om_append_number(&line, se->value);
        strbuf_puts(&line, "\n");
        if (!line.failed) {
            append_both(p, line.data, line.len);
        }
    }
    free(strbuf_take(&line));
}

bool om_store_render_pages(struct om_store *s, struct om_pages *p)
{
    static const char help[]
        = "collisions between the sanitized names of two Datadog types or names (not exposed)";
    memset(p, 0, sizeof(*p));
    pthread_mutex_lock(&s->lock);
    if (s->family_list.count > 0) {
        qsort(s->family_list.items, s->family_list.count, sizeof(void *), compare_families);
    }
    for (size_t i = 0; i < s->family_list.count; i++) {
        render_family(p, s->family_list.items[i]);
    }
    size_t collisions = s->collisions;
    pthread_mutex_unlock(&s->lock);
    om_append_family_header(&p->text, OM_TEXT_004, "rtloader_openmetrics_collisions", OM_COUNTER,
                            help);
    om_append_family_header(&p->openmetrics, OM_OPENMETRICS_1, "rtloader_openmetrics_collisions",
                            OM_COUNTER, help);
    struct strbuf line = {0};
    strbuf_printf(&line, "rtloader_openmetrics_collisions_total %zu\n", collisions);
    if (!line.failed) {
        append_both(p, line.data, line.len);
    }
    free(strbuf_take(&line));
    strbuf_puts(&p->openmetrics, "# EOF\n");
    if (p->text.failed || p->openmetrics.failed) {
        free(strbuf_take(&p->text));
        free(strbuf_take(&p->openmetrics));
        return false;
    }
    return true;
}

char *om_store_render(struct om_store *s, enum om_format format, size_t *len)
{
    struct om_pages p;
    if (!om_store_render_pages(s, &p)) {
        return NULL;
    }
    struct strbuf *keep = format == OM_OPENMETRICS_1 ? &p.openmetrics : &p.text;
    struct strbuf *drop = format == OM_OPENMETRICS_1 ? &p.text : &p.openmetrics;
    free(strbuf_take(drop));
    *len = keep->len;
    return strbuf_take(keep);
}

unsigned long om_store_generation(struct om_store *s)
{
    return atomic_load(&s->generation);
}

void om_store_set_running(struct om_store *s, bool running)
{
    pthread_mutex_lock(&s->lock);
    s->running = running;
    s->generation++;
    pthread_mutex_unlock(&s->lock);
}

struct om_health om_store_health(struct om_store *s)
{
    double now = monotonic_s();
    pthread_mutex_lock(&s->lock);
    struct om_health h = {
        .running = s->running,
        .runs = s->runs,
        .failed_runs = s->failed_runs,
        .last_run_age_s = s->last_run_s < 0 ? -1 : now - s->last_run_s,
    };
    pthread_mutex_unlock(&s->lock);
    return h;
}

size_t om_store_collisions(struct om_store *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->collisions;
    pthread_mutex_unlock(&s->lock);
    return n;
}

size_t om_store_series(struct om_store *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->series_count;
    pthread_mutex_unlock(&s->lock);
    return n;
}
