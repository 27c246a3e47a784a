/*
 * snapshot.c - the publisher thread and the reference-counted pages.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "snapshot.h"

struct page {
    struct om_page pub; /* first: an om_page * is a struct page * */
    atomic_int refs;
};

struct om_snapshot {
    struct om_store *store;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;  /* the publisher: a scraper wants a newer page, or stop */
    pthread_cond_t fresh; /* the scrapers: a page was published */
    struct page *pages[2];
    unsigned long rendered; /* the store generation the pages show */
    double rendered_at;     /* when (monotonic seconds) */
    double max_age_s;
    bool wanted, stopping;
};

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct page *page_of(struct strbuf *text)
{
    struct page *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        free(strbuf_take(text));
        return NULL;
    }
    p->pub.len = text->len;
    p->pub.text = strbuf_take(text);
    atomic_init(&p->refs, 1);
    return p;
}

void om_page_release(struct om_page *pub)
{
    struct page *p = (struct page *)pub;
    if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1) {
        free(p->pub.text);
        free(p);
    }
}

/* Renders both formats outside the snapshot's lock, then swaps them in. */
static void publish(struct om_snapshot *s, unsigned long generation)
{
    struct om_pages pages;
    struct page *fresh[2] = {NULL, NULL};
    if (om_store_render_pages(s->store, &pages)) {
        fresh[0] = page_of(&pages.text);
        fresh[1] = page_of(&pages.openmetrics);
    }
    double rendered_at = monotonic_s();
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < 2; i++) {
        if (fresh[i] != NULL) {
            struct page *old = s->pages[i];
            s->pages[i] = fresh[i];
            om_page_release(old != NULL ? &old->pub : NULL);
        }
    }
    s->rendered = generation;
    s->rendered_at = rendered_at;
    pthread_cond_broadcast(&s->fresh);
    pthread_mutex_unlock(&s->lock);
}

static void *publisher(void *arg)
{
    struct om_snapshot *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        if (!s->wanted) {
            pthread_cond_wait(&s->wake, &s->lock);
            continue;
        }
        s->wanted = false;
        unsigned long generation = om_store_generation(s->store);
        if (generation == s->rendered) {
            continue;
        }
        pthread_mutex_unlock(&s->lock);
        publish(s, generation);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

struct om_snapshot *om_snapshot_start(struct om_store *store, int max_age_ms)
{
    struct om_snapshot *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->store = store;
    s->max_age_s = max_age_ms / 1000.0;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->fresh, &attr);
    pthread_condattr_destroy(&attr);
    publish(s, om_store_generation(store));
    if (s->pages[0] == NULL || s->pages[1] == NULL
        || pthread_create(&s->thread, NULL, publisher, s) != 0) {
        s->stopping = true;
        om_snapshot_stop(s);
        return NULL;
    }
    return s;
}

void om_snapshot_stop(struct om_snapshot *s)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    bool started = !s->stopping;
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (started) {
        pthread_join(s->thread, NULL);
    }
    for (int i = 0; i < 2; i++) {
        om_page_release(s->pages[i] != NULL ? &s->pages[i]->pub : NULL);
    }
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->fresh);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

struct om_page *om_snapshot_get(struct om_snapshot *s, enum om_format format)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += OM_SNAPSHOT_WAIT_MS * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    unsigned long wanted = om_store_generation(s->store);
    double now = monotonic_s();
    pthread_mutex_lock(&s->lock);
    if (s->rendered != wanted && now - s->rendered_at >= s->max_age_s && !s->stopping) {
        s->wanted = true;
        pthread_cond_signal(&s->wake);
        /* generations only grow: a page at or past `wanted` is current enough */
        while (s->rendered < wanted
               && pthread_cond_timedwait(&s->fresh, &s->lock, &deadline) != ETIMEDOUT) {
        }
    }
    struct page *p = s->pages[format == OM_OPENMETRICS_1 ? 1 : 0];
    atomic_fetch_add(&p->refs, 1);
    pthread_mutex_unlock(&s->lock);
    return &p->pub;
}
