/*
 * supervisor.c - spawns, feeds, watches and restarts the worker processes
 * (docs/isolation.md). Every run ends in host_check_report, as in process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "due.h"
#include "janitor.h"
#include "log.h"
#include "sender.h"
#include "signals.h"
#include "supervisor.h"
#include "wire.h"
#include "worker.h"
#include "yaml_load.h"
#include "supervisor_internal.h"

extern char **environ;

static char **copy_argv(char **worker_args)
{
    size_t n = 0;
    while (worker_args != NULL && worker_args[n] != NULL) {
        n++;
    }
    char **argv = calloc(n + 4, sizeof(char *));
    if (argv == NULL) {
        return NULL;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0) {
        free(argv);
        return NULL;
    }
    exe[len] = '\0';
    argv[0] = strdup(exe);
    argv[1] = strdup("__worker");
    argv[2] = strdup(WORKER_FD_TEXT);
    for (size_t i = 0; i < n; i++) {
        argv[3 + i] = strdup(worker_args[i]);
    }
    return argv;
}

/*
 * The host's environment, plus PYTHONFAULTHANDLER=1 (a fatal signal prints
 * the Python traceback) and the host's start time, which
 * get_process_start_time answers in every worker.
 */
static char **worker_env(char *start_time, bool faulthandler)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(start_time, WORKER_START_TIME_LEN, "%s=%.7f", WORKER_START_TIME_ENV,
             (double)now.tv_sec + (double)now.tv_nsec / 1e9);
    size_t n = 0;
    bool has_faulthandler = false;
    for (; environ[n] != NULL; n++) {
        has_faulthandler |= strncmp(environ[n], "PYTHONFAULTHANDLER=", 19) == 0;
    }
    char **envp = calloc(n + 4, sizeof(char *));
    if (envp == NULL) {
        return NULL;
    }
    memcpy(envp, environ, n * sizeof(char *));
    envp[n++] = start_time;
    if (host_janitor_fd_entry() != NULL) {
        envp[n++] = (char *)host_janitor_fd_entry(); /* the worker registers its commands' groups */
    }
    if (faulthandler && !has_faulthandler) {
        envp[n] = "PYTHONFAULTHANDLER=1";
    }
    return envp;
}

struct supervisor *supervisor_new(const struct supervisor_options *options)
{
    struct supervisor *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->count = options->workers > 0 ? options->workers : 1;
    s->slots = options->slots > 0 ? options->slots : 1;
    s->rss_limit_bytes = options->rss_limit_mb * 1024 * 1024;
    s->workers = calloc((size_t)s->count, sizeof(*s->workers));
    s->argv = copy_argv(options->worker_args);
    s->envp = worker_env(s->start_time, options->faulthandler);
    s->fds = calloc((size_t)s->count + 1, sizeof(*s->fds));
    s->owner = calloc((size_t)s->count + 1, sizeof(*s->owner));
    bool ok = s->workers != NULL && s->argv != NULL && s->envp != NULL && s->fds != NULL
              && s->owner != NULL;
    for (int k = 0; ok && k < s->count; k++) {
        s->workers[k].children_slot = -1;
        s->workers[k].flights = calloc((size_t)s->slots, sizeof(struct flight));
        ok = s->workers[k].flights != NULL;
    }
    if (!ok) {
        supervisor_stop(s, 0);
        return NULL;
    }
    /* a write to a dead worker must fail with EPIPE, not kill the host */
    signal(SIGPIPE, SIG_IGN);
    return s;
}

/* Sleeps s seconds whatever signals arrive (a bounded wait for a process to exit). */
static void pause_s(double s)
{
    double whole = floor(s);
    struct timespec pause = {(time_t)whole, (long)((s - whole) * 1e9)};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
    }
}

int spawn(struct supervisor *s, struct worker *w)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        return -1;
    }
    pid_t parent = getpid();
    host_janitor_keep_across_fork(true);
    pid_t pid = fork();
    host_janitor_keep_across_fork(false);
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        /* only async-signal-safe calls until exec */
        sigset_t none;
        sigemptyset(&none);
        pthread_sigmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        setpgid(0, 0); /* the worker and the processes its checks start: one group to kill */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127); /* the host died before prctl */
        }
        if (sv[1] == WORKER_FD) {
            int flags = fcntl(WORKER_FD, F_GETFD);
            fcntl(WORKER_FD, F_SETFD, flags & ~FD_CLOEXEC);
        } else if (dup2(sv[1], WORKER_FD) < 0) {
            _exit(127);
        }
        host_janitor_inherit_in_child();
        execve(s->argv[0], s->argv, s->envp);
        _exit(127);
    }
    close(sv[1]);
    /* the child does the same; whichever runs first, the group exists before it is killed */
    setpgid(pid, pid);
    /* the watchdog (signals.c) kills it, and what its checks started, at the deadline */
    w->children_slot = host_children_add(pid);
    w->pid = pid;
    w->fd = sv[0];
    w->restart_at = 0;
    host_log(DATADOG_AGENT_DEBUG, "worker %d started", (int)pid);
    return 0;
}

/*
 * Waits up to max_s for pid to exit, WITHOUT reaping it, and SIGKILLs it
 * past that. False when pid is no child of ours any more.
 */
static bool wait_unreaped(pid_t pid, double max_s, bool *killed)
{
    *killed = false;
    for (double waited = 0;; waited += 0.01) {
        siginfo_t info;
        memset(&info, 0, sizeof(info));
        int rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc < 0) {
            return false;
        }
        if (info.si_pid == pid) {
            return true;
        }
        if (waited >= max_s) {
            break;
        }
        pause_s(0.01);
    }
    *killed = true;
    kill(pid, SIGKILL);
    siginfo_t info;
    int rc;
    while ((rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT)) < 0 && errno == EINTR) {
    }
    return rc == 0;
}

/*
 * Ends a worker whose socket is closed: waits for it (max_s, then SIGKILL),
 * kills what its checks left in its group, releases the group, and only
 * then reaps it. Until reaped, the leader's pid (= the pgid) cannot be
 * handed out again, so neither this kill nor the janitor's release can
 * reach another process (children.h's contract). Returns waitpid's result.
 */
static pid_t end_worker(struct worker *w, double max_s, bool *killed, int *status)
{
    bool exited = wait_unreaped(w->pid, max_s, killed);
    if (exited) {
        kill(-w->pid, SIGKILL);
    }
    host_children_remove(w->children_slot);
    w->children_slot = -1;
    pid_t done = -1;
    if (exited) {
        while ((done = waitpid(w->pid, status, 0)) < 0 && errno == EINTR) {
        }
    }
    return done;
}

/* Waits for a worker whose socket ended, and describes how it ended (malloc'd). */
char *reap(struct worker *w)
{
    if (w->fd >= 0) {
        close(w->fd);
    }
    w->fd = -1;
    int status = 0;
    bool killed = false;
    pid_t done = end_worker(w, 2.0, &killed, &status); /* 2 s for a worker that closed its socket */
    char *text = NULL;
    int written = -1;
    if (done < 0) {
        written = asprintf(&text, "worker %d vanished", (int)w->pid);
    } else if (WIFSIGNALED(status)) {
        written = asprintf(&text, "worker %d killed by signal %d (%s)", (int)w->pid,
                           WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else {
        written = asprintf(&text, "worker %d exited with status %d", (int)w->pid,
                           WEXITSTATUS(status));
    }
    w->pid = 0;
    return written >= 0 ? text : NULL;
}

/*
 * Reads frames until one of kind `want`, replaying batches on the way.
 * Returns the frame (malloc'd, the cursor past its kind in *in), or NULL
 * when the worker's socket ended or carried garbage. Only for idle workers
 * (loading): a stop forwarded meanwhile lets the load end, then the worker
 * exits.
 */
char *receive(struct supervisor *s, struct worker *w, enum wire_kind want, struct wire_in *in)
{
    for (;;) {
        struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
        int ready = poll(&pfd, 1, 50);
        if (host_signals_stop_signal() != 0 && !w->stop_forwarded) {
            w->stop_forwarded = true;
            kill(w->pid, SIGTERM);
        }
        if (ready <= 0) {
            continue;
        }
        char *data = NULL;
        size_t len = 0;
        if (wire_recv(w->fd, &data, &len) != 0) {
            return NULL;
        }
        wire_in_init(in, data, len);
        long long kind = 0;
        if (!wire_int(wire_next(in), &kind)) {
            wire_in_free(in);
            free(data);
            return NULL;
        }
        if (kind == (long long)want) {
            return data;
        }
        if (kind == WIRE_BATCH) {
            const msgpack_object *o;
            while ((o = wire_next(in)) != NULL) {
                replay_record(s, o);
            }
        }
        wire_in_free(in);
        free(data);
    }
}

static int send_load(struct supervisor *s, struct worker *w, const struct load *l, bool quiet)
{
    wire_begin(&s->out, WIRE_LOAD);
    wire_pack_str(&s->out.pk, l->name);
    msgpack_pack_int(&s->out.pk, quiet ? 1 : 0);
    msgpack_pack_array(&s->out.pk, (uint32_t)l->count);
    for (size_t i = 0; i < l->count; i++) {
        const struct check_instance *inst = &l->instances[i];
        msgpack_pack_array(&s->out.pk, 5);
        msgpack_pack_int64(&s->out.pk, l->index[i]);
        wire_pack_str(&s->out.pk, inst->json);
        wire_pack_str(&s->out.pk, inst->init_config_json);
        wire_pack_str(&s->out.pk, inst->source);
        msgpack_pack_double(&s->out.pk, inst->interval);
    }
    return wire_send(w->fd, &s->out);
}

static void load_free(struct load *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->instances[i].json);
        free(l->instances[i].init_config_json);
        free(l->instances[i].source);
    }
    free(l->instances);
    free(l->index);
    free(l->name);
    memset(l, 0, sizeof(*l));
}

/* Copies the instances of cc that go on worker k; false when out of memory (l freed). */
static bool load_share(struct load *l, const struct check_config *cc, size_t n)
{
    l->instances = calloc(n + 1, sizeof(*l->instances));
    l->index = calloc(n + 1, sizeof(*l->index));
    l->name = strdup(cc->name);
    if (l->instances == NULL || l->index == NULL || l->name == NULL) {
        load_free(l);
        return false;
    }
    for (size_t i = 0; i < cc->count; i++) {
        if ((long long)((i + (size_t)l->shift) % (size_t)l->workers) != l->k) {
            continue;
        }
        const struct check_instance *from = &cc->instances[i];
        struct check_instance *to = &l->instances[l->count];
        l->index[l->count++] = (long long)i;
        to->interval = from->interval;
        to->json = strdup(from->json);
        to->init_config_json = strdup(from->init_config_json);
        to->source = strdup(from->source);
        if (to->json == NULL || to->init_config_json == NULL || to->source == NULL) {
            load_free(l);
            return false;
        }
    }
    return true;
}

/* Starts a stopped worker and loads again what it held, quietly. */
char *restart(struct supervisor *s, struct worker *w)
{
    if (spawn(s, w) != 0) {
        return strdup("cannot start a worker process");
    }
    for (size_t i = 0; i < w->load_count; i++) {
        struct wire_in in;
        char *data = NULL;
        if (send_load(s, w, &w->loads[i], true) == 0
            && (data = receive(s, w, WIRE_LOADED, &in)) != NULL) {
            wire_in_free(&in);
            free(data);
            continue;
        }
        char *how = reap(w);
        char *text = NULL;
        if (asprintf(&text, "the restarted worker failed while loading: %s",
                     how != NULL ? how : "out of memory")
            < 0) {
            text = NULL;
        }
        free(how);
        return text;
    }
    return NULL;
}

struct placed {
    long long index;
    int worker;
    char *id, *version, *source;
    double interval;
};

/* run_timeout of the instance, else of init_config; 0 when neither sets it. */
static double run_timeout_of(const struct check_instance *inst)
{
    const char *docs[] = {inst->json, inst->init_config_json};
    for (int i = 0; i < 2; i++) {
        char *error = NULL;
        struct value *v = yaml_load_string(docs[i], "instance", &error);
        free(error);
        double timeout = 0;
        bool set = v != NULL && value_get(v, "run_timeout") != NULL
                   && value_as_double(value_get(v, "run_timeout"), 0, &timeout);
        value_free(v);
        if (set && timeout > 0) {
            return timeout;
        }
    }
    return 0;
}

static int by_index(const void *a, const void *b)
{
    long long x = ((const struct placed *)a)->index, y = ((const struct placed *)b)->index;
    return (x > y) - (x < y);
}

/* How many instances of cc go on worker k. */
static size_t share(const struct supervisor *s, const struct check_config *cc, int shift, int k)
{
    size_t n = (size_t)s->count;
    size_t first = ((size_t)k + n - (size_t)shift % n) % n; /* the first i with (i + shift) % n == k */
    return first < cc->count ? (cc->count - 1 - first) / n + 1 : 0;
}

int supervisor_load(struct supervisor *s, const struct check_config *cc,
                    struct host_check **checks, size_t *count)
{
    /* placement continues where the previous check's ended: checks of one
     * instance each spread over every worker */
    int shift = (int)(s->placed_total % (size_t)s->count);
    s->placed_total += cc->count;
    int failures = 0;
    bool *sent = calloc((size_t)s->count, sizeof(bool));
    struct placed *placed = NULL;
    size_t placed_count = 0;
    if (sent == NULL) {
        return (int)cc->count;
    }
    /* every worker loads at once, then each answer is read */
    for (int k = 0; k < s->count; k++) {
        if (share(s, cc, shift, k) == 0) {
            continue;
        }
        struct worker *w = &s->workers[k];
        struct load l = {.workers = s->count, .k = k, .shift = shift};
        struct load *grown = realloc(w->loads, (w->load_count + 1) * sizeof(*grown));
        if (grown == NULL || !load_share(&l, cc, share(s, cc, shift, k))) {
            if (grown != NULL) {
                w->loads = grown;
            }
            continue;
        }
        w->loads = grown;
        w->loads[w->load_count++] = l;
        if ((w->pid != 0 || spawn(s, w) == 0) && send_load(s, w, &l, false) == 0) {
            sent[k] = true;
        }
    }
    s->load_failures = 0;
    s->loading = true;
    for (int k = 0; k < s->count; k++) {
        if (share(s, cc, shift, k) == 0) {
            continue;
        }
        struct worker *w = &s->workers[k];
        struct wire_in in;
        char *data = sent[k] ? receive(s, w, WIRE_LOADED, &in) : NULL;
        long long failed = 0;
        const msgpack_object *list = NULL;
        if (data == NULL || !wire_int(wire_next(&in), &failed)
            || (list = wire_next(&in)) == NULL || list->type != MSGPACK_OBJECT_ARRAY) {
            char *how = w->pid != 0 ? reap(w) : NULL;
            char *message = NULL;
            if (asprintf(&message, "instances placed on worker %d: %s", k,
                         how != NULL ? how : "the worker could not start")
                >= 0) {
                sender_print_note("load_error", cc->name, message);
            }
            free(message);
            free(how);
            failures += (int)share(s, cc, shift, k); /* this worker's share is lost */
            if (data != NULL) {
                wire_in_free(&in);
                free(data);
            }
            continue;
        }
        failures += (int)failed;
        struct placed *grown = realloc(placed, (placed_count + list->via.array.size) * sizeof(*grown));
        if (grown != NULL) {
            placed = grown;
            for (uint32_t i = 0; i < list->via.array.size; i++) {
                const msgpack_object *e = &list->via.array.ptr[i];
                if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size < 5) {
                    continue;
                }
                struct placed *p = &placed[placed_count++];
                wire_int(&e->via.array.ptr[0], &p->index);
                p->worker = k;
                p->id = wire_strdup(&e->via.array.ptr[1]);
                p->version = wire_strdup(&e->via.array.ptr[2]);
                p->source = wire_strdup(&e->via.array.ptr[3]);
                p->interval = 0;
                wire_double(&e->via.array.ptr[4], &p->interval);
            }
        }
        wire_in_free(&in);
        free(data);
    }
    free(sent);
    for (size_t i = 0; i < s->seen_count; i++) {
        free(s->seen_notes[i]);
    }
    free(s->seen_notes);
    s->seen_notes = NULL;
    s->seen_count = 0;
    s->loading = false;

    if (placed_count > 1) { /* placed is NULL for a check with no instance (e.g. its files skipped) */
        qsort(placed, placed_count, sizeof(*placed), by_index);
    }
    struct host_check *grown = realloc(*checks, (*count + placed_count + 1) * sizeof(*grown));
    for (size_t i = 0; i < placed_count; i++) {
        if (grown != NULL) {
            struct host_check *c = &grown[(*count)++];
            memset(c, 0, sizeof(*c));
            c->name = strdup(cc->name);
            c->id = placed[i].id;
            c->version = placed[i].version;
            c->source = placed[i].source;
            c->interval = placed[i].interval;
            c->worker = placed[i].worker;
            if (placed[i].index >= 0 && (size_t)placed[i].index < cc->count) {
                c->run_timeout = run_timeout_of(&cc->instances[placed[i].index]);
            }
        } else {
            free(placed[i].id);
            free(placed[i].version);
            free(placed[i].source);
            failures++;
        }
    }
    if (grown != NULL) {
        *checks = grown;
    }
    free(placed);
    return failures;
}

/* utime + stime of a process, in seconds; 0 when unreadable. */
static double process_cpu_s(pid_t pid)
{
    char path[64], text[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *after = strrchr(text, ')'); /* the command name may hold spaces */
    unsigned long long utime = 0, stime = 0;
    if (after == NULL
        || sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                  &stime)
               != 2) {
        return 0;
    }
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

void supervisor_report_stats(struct supervisor *s, const struct host_check *checks, size_t count)
{
    static const char id[] = "rtloader.workers";
    for (int k = 0; k < s->count; k++) {
        struct worker *w = &s->workers[k];
        if (w->pid == 0) {
            continue;
        }
        char tag[32];
        snprintf(tag, sizeof(tag), "worker:%d", k);
        char *tags[] = {tag, NULL};
        sender_submit_metric(id, DATADOG_AGENT_RTLOADER_GAUGE, "rtloader.worker.rss_bytes",
                             (double)w->rss_bytes, tags);
        sender_submit_metric(id, DATADOG_AGENT_RTLOADER_GAUGE, "rtloader.worker.cpu_seconds",
                             process_cpu_s(w->pid), tags);
    }
    for (size_t i = 0; i < count; i++) {
        char tag[256], worker[32];
        snprintf(tag, sizeof(tag), "check_id:%s", checks[i].id);
        snprintf(worker, sizeof(worker), "worker:%d", checks[i].worker);
        char *tags[] = {tag, worker, NULL};
        sender_submit_metric(id, DATADOG_AGENT_RTLOADER_GAUGE, "rtloader.check.cpu_seconds",
                             checks[i].cpu_s, tags);
        sender_submit_metric(id, DATADOG_AGENT_RTLOADER_GAUGE, "rtloader.check.rss_bytes",
                             (double)checks[i].rss_bytes, tags);
    }
    struct sender_run run = {
        .check_name = id,
        .check_id = id,
        .version = "",
        .source = "worker processes",
        .run = 1,
        .status = "ok",
        .telemetry = true,
    };
    sender_flush(&run);
}

void supervisor_stop(struct supervisor *s, double grace_s)
{
    if (s == NULL) {
        return;
    }
    for (int k = 0; s->workers != NULL && k < s->count; k++) {
        if (s->workers[k].pid != 0) {
            close(s->workers[k].fd); /* end of stream: the worker exits */
            s->workers[k].fd = -1;
        }
    }
    double waited = 0;
    for (int k = 0; s->workers != NULL && k < s->count; k++) {
        struct worker *w = &s->workers[k];
        if (w->pid == 0) {
            continue;
        }
        int status = 0;
        bool killed = false;
        double started = host_monotonic_s();
        end_worker(w, grace_s > waited ? grace_s - waited : 0, &killed, &status);
        waited += host_monotonic_s() - started;
        if (killed) {
            host_log(DATADOG_AGENT_WARNING, "worker %d did not exit within %.1f s: killed",
                     (int)w->pid, grace_s);
        }
        w->pid = 0;
    }
    for (int k = 0; s->workers != NULL && k < s->count; k++) {
        for (size_t i = 0; i < s->workers[k].load_count; i++) {
            load_free(&s->workers[k].loads[i]);
        }
        free(s->workers[k].loads);
        free(s->workers[k].flights);
        free(s->workers[k].kill_reason);
    }
    free(s->fds);
    free(s->owner);
    free(s->workers);
    for (char **a = s->argv; a != NULL && *a != NULL; a++) {
        free(*a);
    }
    free(s->argv);
    free(s->envp);
    wire_free(&s->out);
    free(s);
}
