/*
 * worker.c - one worker process: loads instances, runs them, forwards
 * every submission to the supervisor in batches (docs/isolation.md).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <unistd.h>

#include "checks.h"
#include "log.h"
#include "number.h"
#include "sender.h"
#include "children.h"
#include "wire.h"
#include "worker.h"
#include "worker_runs.h"

static int out_fd = -1;
/* Python threads of a check may submit concurrently: one batch, one lock. */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wire_out batch;
static bool batch_open;
static bool quiet_notes; /* a reload after a restart: its notes were reported already */

/* What a record is, for the message naming a dropped one (enum wire_record order). */
static const char *const record_names[] = {
    "metric",   "service check", "event", "histogram bucket", "event platform event",
    "metadata", "log",           "external tags",
};

/* Messages about records dropped while a batch was sent, under out_lock. */
static char **dropped_notes;
static size_t dropped_count;

/* wire_send's drop hook: a record that alone exceeds the frame limit. Under out_lock. */
static void on_record_dropped(const msgpack_object *record, size_t bytes, size_t limit)
{
    long long kind = -1;
    const msgpack_object *f = record->type == MSGPACK_OBJECT_ARRAY ? record->via.array.ptr : NULL;
    size_t n = f != NULL ? record->via.array.size : 0;
    if (n > 0) {
        wire_int(&f[0], &kind);
    }
    /* every record but external tags names its check id ("name:hash") second */
    char *id = kind != WIRE_REC_EXTERNAL_TAGS && n > 1 ? wire_strdup(&f[1]) : NULL;
    if (id == NULL) {
        /* the run of the thread that submitted it (several runs may be in flight) */
        const struct host_check *run = host_children_owner();
        id = run != NULL ? strdup(run->id) : NULL;
    }
    const char *what = kind >= 0 && (size_t)kind < sizeof(record_names) / sizeof(*record_names)
                           ? record_names[kind]
                           : "submission";
    char *message = NULL;
    if (asprintf(&message,
                 "%s%sa submission (%s, %.1f MiB) exceeds the %zu MiB frame limit of process "
                 "isolation: dropped",
                 id != NULL ? id : "", id != NULL ? ": " : "", what,
                 (double)bytes / (1024.0 * 1024.0), limit / (1024 * 1024))
        < 0) {
        free(id);
        return;
    }
    host_log(DATADOG_AGENT_ERROR, "worker %d: %s", (int)getpid(), message);
    char **grown = realloc(dropped_notes, (dropped_count + 1) * 2 * sizeof(char *));
    if (grown == NULL) {
        free(id);
        free(message);
        return;
    }
    dropped_notes = grown;
    char *colon = id != NULL ? strchr(id, ':') : NULL;
    if (colon != NULL) {
        *colon = '\0'; /* the note names the check, as load notes do */
    }
    dropped_notes[2 * dropped_count] = id;
    dropped_notes[2 * dropped_count + 1] = message;
    dropped_count++;
}

/* Caller holds out_lock. */
static void batch_flush_locked(void)
{
    if (!batch_open) {
        return;
    }
    batch_open = false;
    wire_set_drop_hook(on_record_dropped);
    if (wire_send(out_fd, &batch) != 0) {
        /* the supervisor is gone: nothing to report to */
        _exit(0);
    }
    if (dropped_count > 0) {
        /* the notes go with the run's next batch, or its result */
        wire_begin(&batch, WIRE_BATCH);
        batch_open = true;
        for (size_t i = 0; i < dropped_count; i++) {
            msgpack_pack_array(&batch.pk, 4);
            msgpack_pack_int(&batch.pk, WIRE_REC_NOTE);
            wire_pack_str(&batch.pk, "submission_dropped");
            wire_pack_str(&batch.pk, dropped_notes[2 * i]);
            wire_pack_str(&batch.pk, dropped_notes[2 * i + 1]);
            free(dropped_notes[2 * i]);
            free(dropped_notes[2 * i + 1]);
        }
        free(dropped_notes);
        dropped_notes = NULL;
        dropped_count = 0;
    }
}

static void batch_flush(void)
{
    pthread_mutex_lock(&out_lock);
    batch_flush_locked();
    pthread_mutex_unlock(&out_lock);
}

/* Starts a record; the caller packs its fields then calls record_end. Takes out_lock. */
static msgpack_packer *record_begin(enum wire_record kind, size_t fields)
{
    pthread_mutex_lock(&out_lock);
    if (!batch_open) {
        wire_begin(&batch, WIRE_BATCH);
        batch_open = true;
    }
    msgpack_pack_array(&batch.pk, fields + 1);
    msgpack_pack_int(&batch.pk, (int)kind);
    return &batch.pk;
}

static void record_end(void)
{
    if (wire_size(&batch) >= WIRE_BATCH_BYTES) {
        batch_flush_locked();
    }
    pthread_mutex_unlock(&out_lock);
}

static void fwd_metric(char *check_id, metric_type_t type, char *name, double value, char **tags,
                       char *hostname, bool flush_first_value)
{
    (void)flush_first_value;
    msgpack_packer *pk = record_begin(WIRE_REC_METRIC, 6);
    wire_pack_str(pk, check_id);
    msgpack_pack_int(pk, (int)type);
    wire_pack_str(pk, name);
    msgpack_pack_double(pk, value);
    wire_pack_strings(pk, tags);
    wire_pack_str(pk, hostname);
    record_end();
}

static void fwd_service_check(char *check_id, char *name, int status, char **tags, char *hostname,
                              char *message)
{
    msgpack_packer *pk = record_begin(WIRE_REC_SERVICE_CHECK, 6);
    wire_pack_str(pk, check_id);
    wire_pack_str(pk, name);
    msgpack_pack_int(pk, status);
    wire_pack_strings(pk, tags);
    wire_pack_str(pk, hostname);
    wire_pack_str(pk, message);
    record_end();
}

static void fwd_event(char *check_id, event_t *ev)
{
    msgpack_packer *pk = record_begin(WIRE_REC_EVENT, 11);
    wire_pack_str(pk, check_id);
    wire_pack_str(pk, ev->title);
    wire_pack_str(pk, ev->text);
    msgpack_pack_int64(pk, ev->ts);
    wire_pack_str(pk, ev->priority);
    wire_pack_str(pk, ev->host);
    wire_pack_strings(pk, ev->tags);
    wire_pack_str(pk, ev->alert_type);
    wire_pack_str(pk, ev->aggregation_key);
    wire_pack_str(pk, ev->source_type_name);
    wire_pack_str(pk, ev->event_type);
    record_end();
}

static void fwd_histogram_bucket(char *check_id, char *name, long long value, float lower,
                                 float upper, int monotonic, char *hostname, char **tags,
                                 bool flush_first_value)
{
    (void)flush_first_value;
    msgpack_packer *pk = record_begin(WIRE_REC_HISTOGRAM_BUCKET, 8);
    wire_pack_str(pk, check_id);
    wire_pack_str(pk, name);
    msgpack_pack_int64(pk, value);
    msgpack_pack_float(pk, lower);
    msgpack_pack_float(pk, upper);
    msgpack_pack_int(pk, monotonic);
    wire_pack_str(pk, hostname);
    wire_pack_strings(pk, tags);
    record_end();
}

static void fwd_platform_event(char *check_id, char *raw, int len, char *event_type)
{
    msgpack_packer *pk = record_begin(WIRE_REC_PLATFORM_EVENT, 3);
    wire_pack_str(pk, check_id);
    size_t n = len > 0 ? (size_t)len : 0;
    msgpack_pack_bin(pk, n); /* raw may hold NUL bytes: its length travels */
    msgpack_pack_bin_body(pk, raw, n);
    wire_pack_str(pk, event_type);
    record_end();
}

static void fwd_metadata(char *check_id, char *name, char *value)
{
    msgpack_packer *pk = record_begin(WIRE_REC_METADATA, 3);
    wire_pack_str(pk, check_id);
    wire_pack_str(pk, name);
    wire_pack_str(pk, value);
    record_end();
}

static void fwd_log(char *line, char *check_id)
{
    msgpack_packer *pk = record_begin(WIRE_REC_LOG, 2);
    wire_pack_str(pk, check_id);
    wire_pack_str(pk, line);
    record_end();
}

static void fwd_external_tags(char *hostname, char *source_type, char **tags)
{
    msgpack_packer *pk = record_begin(WIRE_REC_EXTERNAL_TAGS, 3);
    wire_pack_str(pk, hostname);
    wire_pack_str(pk, source_type);
    wire_pack_strings(pk, tags);
    record_end();
}

static void fwd_note(const char *kind, const char *check_name, const char *message)
{
    if (quiet_notes) {
        return;
    }
    msgpack_packer *pk = record_begin(WIRE_REC_NOTE, 3);
    wire_pack_str(pk, kind);
    wire_pack_str(pk, check_name);
    wire_pack_str(pk, message);
    record_end();
}

static double host_start_time;

static double fwd_process_start_time(void)
{
    return host_start_time;
}

/*
 * A process forked from the worker (os.fork, multiprocessing's fork, a module that forks at
 * import) is not the worker: were it to keep the socket, the supervisor would never see it end
 * when the worker dies (every run in flight there would wait forever), and what the copy wrote
 * would interleave with the worker's frames. Exec'd children do not get it either (CLOEXEC).
 * Async-signal-safe: close(2) only.
 */
static void close_socket_in_forked_child(void)
{
    if (out_fd >= 0) {
        close(out_fd);
        out_fd = -1;
    }
}

void worker_register(rtloader_t *rt, int fd)
{
    out_fd = fd;
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) {
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
    pthread_atfork(NULL, NULL, close_socket_in_forked_child);
    const char *start = getenv(WORKER_START_TIME_ENV);
    if (start != NULL) {
        /* supervisor.c writes it; anything else leaves 0, "unknown" */
        host_parse_number(start, HOST_NUMBER_SECONDS, 0, 1e12, &host_start_time);
        set_get_process_start_time_cb(rt, fwd_process_start_time);
        unsetenv(WORKER_START_TIME_ENV); /* not for the processes checks start */
    }
    set_submit_metric_cb(rt, fwd_metric);
    set_submit_service_check_cb(rt, fwd_service_check);
    set_submit_event_cb(rt, fwd_event);
    set_submit_histogram_bucket_cb(rt, fwd_histogram_bucket);
    set_submit_event_platform_event_cb(rt, fwd_platform_event);
    set_set_check_metadata_cb(rt, fwd_metadata);
    set_send_log_cb(rt, fwd_log);
    set_set_external_tags_cb(rt, fwd_external_tags);
    sender_set_note_hook(fwd_note);
}

struct loaded {
    struct host_check *checks;
    size_t count;
    size_t *index; /* the instance's number in its check's configuration */
    size_t index_cap;
};

/* LOAD name quiet [[i, instance, init_config, source, interval], ...]: the instances of
 * `name` placed here, as the supervisor read them at start (never conf.d as it is now: a
 * restart after a file changed loads what the supervisor still schedules). */
static int handle_load(rtloader_t *rt, const struct host_config *cfg, struct loaded *l,
                       struct wire_in *in, struct wire_out *reply)
{
    char *name = wire_strdup(wire_next(in));
    long long quiet = 0;
    const msgpack_object *list = NULL;
    if (name == NULL || !wire_int(wire_next(in), &quiet) || (list = wire_next(in)) == NULL
        || list->type != MSGPACK_OBJECT_ARRAY) {
        free(name);
        return -1;
    }
    worker_runs_wait_idle(); /* the supervisor loads on idle workers; instances must not move under a run */
    quiet_notes = quiet != 0;
    size_t first = l->count;
    int failures = 0;
    rtloader_gilstate_t gil = ensure_gil(rt);
    for (uint32_t j = 0; j < list->via.array.size; j++) {
        const msgpack_object *e = &list->via.array.ptr[j];
        long long i = -1;
        struct check_instance inst = {0};
        if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size < 5
            || !wire_int(&e->via.array.ptr[0], &i) || i < 0
            || !wire_double(&e->via.array.ptr[4], &inst.interval)) {
            failures++;
            continue;
        }
        inst.json = wire_strdup(&e->via.array.ptr[1]);
        inst.init_config_json = wire_strdup(&e->via.array.ptr[2]);
        inst.source = wire_strdup(&e->via.array.ptr[3]);
        struct check_config one = {.name = name, .instances = &inst, .count = 1};
        size_t before = l->count;
        if (inst.json != NULL && inst.init_config_json != NULL && inst.source != NULL) {
            failures += host_checks_load(rt, cfg, &one, &l->checks, &l->count);
        } else {
            failures++;
        }
        free(inst.json);
        free(inst.init_config_json);
        free(inst.source);
        if (l->count > before) {
            if (l->count > l->index_cap) {
                size_t cap = l->count * 2;
                size_t *grown = realloc(l->index, cap * sizeof(*grown));
                if (grown == NULL) {
                    abort(); /* out of memory in a worker: the supervisor reports the crash */
                }
                l->index = grown;
                l->index_cap = cap;
            }
            l->index[l->count - 1] = (size_t)i;
        }
    }
    release_gil(rt, gil);
    free(name);
    quiet_notes = false;
    batch_flush();

    wire_begin(reply, WIRE_LOADED);
    msgpack_pack_int(&reply->pk, failures);
    msgpack_pack_array(&reply->pk, l->count - first);
    for (size_t i = first; i < l->count; i++) {
        struct host_check *c = &l->checks[i];
        msgpack_pack_array(&reply->pk, 5);
        msgpack_pack_uint64(&reply->pk, l->index[i]);
        wire_pack_str(&reply->pk, c->id);
        wire_pack_str(&reply->pk, c->version);
        wire_pack_str(&reply->pk, c->source);
        msgpack_pack_double(&reply->pk, c->interval);
    }
    return wire_send(out_fd, reply);
}

/* Read after every run: the file stays open and one pread replaces fopen, fstat, read and
 * fclose (a third of the worker's system calls per run of a small check). */
static long long resident_bytes(void)
{
    static int fd = -1;
    static long long page_size;
    if (fd < 0) {
        fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        page_size = sysconf(_SC_PAGESIZE);
        if (fd < 0) {
            return 0;
        }
    }
    char text[128];
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    if (n <= 0) {
        return 0;
    }
    text[n] = '\0';
    /* "size resident shared ...", in pages */
    char *end = NULL;
    strtoll(text, &end, 10);
    long long resident = strtoll(end, NULL, 10);
    return resident * page_size;
}

int worker_send_done(const char *id, const struct host_run_result *result, double cpu_s,
                     struct wire_out *reply)
{
    wire_begin(reply, WIRE_DONE);
    wire_pack_str(&reply->pk, id);
    wire_pack_str(&reply->pk, result->error);
    msgpack_pack_int(&reply->pk, result->cancelled ? 1 : 0);
    msgpack_pack_double(&reply->pk, result->duration_ms);
    wire_pack_strings(&reply->pk, result->warnings);
    msgpack_pack_double(&reply->pk, cpu_s);
    msgpack_pack_int64(&reply->pk, resident_bytes());
    /* the run's last batch and its result in one write: one wake-up of the supervisor */
    pthread_mutex_lock(&out_lock);
    int sent = batch_open ? wire_send2(out_fd, &batch, reply) : wire_send(out_fd, reply);
    batch_open = false;
    pthread_mutex_unlock(&out_lock);
    return sent;
}

/*
 * RUN id alone: queued for a run thread, which sends the run's batches then
 * DONE; `alone` (nothing else comes until its DONE) runs it on this thread,
 * one thread wake-up less per run.
 */
static int handle_run(struct loaded *l, struct wire_in *in, struct wire_out *reply)
{
    char *id = wire_strdup(wire_next(in));
    long long alone = 0;
    wire_int(wire_next(in), &alone);
    struct host_check *check = NULL;
    for (size_t i = 0; id != NULL && i < l->count; i++) {
        if (strcmp(l->checks[i].id, id) == 0) {
            check = &l->checks[i];
        }
    }
    int sent = 0;
    if (check != NULL && alone != 0) {
        worker_runs_inline(check, reply);
    } else if (check != NULL) {
        worker_runs_request(check);
    } else {
        struct host_run_result result = {.error = "no such instance in this worker"};
        sent = worker_send_done(id, &result, 0, reply);
    }
    free(id);
    return sent;
}

/* CANCEL id: the supervisor gave up on a run (run_timeout). */
static int handle_cancel(struct wire_in *in)
{
    char *id = wire_strdup(wire_next(in));
    if (id == NULL) {
        return -1;
    }
    worker_runs_cancel(id);
    free(id);
    return 0;
}

int worker_serve(rtloader_t *rt, const struct host_config *cfg, int fd)
{
    out_fd = fd;
    struct loaded l = {0};
    struct wire_out reply = {0};
    int status = 0;
    if (worker_runs_start(rt, fd, cfg->check_runners) != 0) {
        host_log(DATADOG_AGENT_ERROR, "worker %d: cannot start its run threads", (int)getpid());
        return 1;
    }
    bool supervisor_gone = false;
    for (;;) {
        char *data = NULL;
        size_t len = 0;
        int r = wire_recv(fd, &data, &len);
        if (r != 0) {
            /* end of stream: the supervisor closed us or died, or a stop shut it once idle */
            status = r > 0 ? 0 : 1;
            supervisor_gone = true;
            break;
        }
        struct wire_in in;
        wire_in_init(&in, data, len);
        long long kind = 0;
        int sent = -1;
        if (wire_int(wire_next(&in), &kind)) {
            if (kind == WIRE_LOAD) {
                sent = handle_load(rt, cfg, &l, &in, &reply);
            } else if (kind == WIRE_RUN) {
                sent = handle_run(&l, &in, &reply);
            } else if (kind == WIRE_CANCEL) {
                sent = handle_cancel(&in);
            }
        }
        wire_in_free(&in);
        free(data);
        if (sent != 0) {
            host_log(DATADOG_AGENT_ERROR, "worker %d: bad request or supervisor gone", (int)getpid());
            status = 1;
            break;
        }
    }
    bool all_done = worker_runs_finish(supervisor_gone);
    wire_free(&reply);
    if (!all_done) {
        /* a cancel() still uses its instance: exit without freeing anything */
        fflush(stderr);
        _exit(status);
    }
    wire_free(&batch);
    rtloader_gilstate_t gil = ensure_gil(rt);
    host_checks_free(rt, l.checks, l.count);
    release_gil(rt, gil);
    free(l.index);
    return status;
}
