/*
 * janitor.c - the process that cleans up after the host. See janitor.h.
 *
 * The socket is SOCK_SEQPACKET: each message is one atomic record (several
 * writers, the host and its workers, never interleave), a send to a dead
 * janitor fails with EPIPE under MSG_NOSIGNAL instead of killing the sender,
 * and end of stream arrives once every copy of the host's end is closed.
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE /* close_range, dirfd */
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "janitor.h"
#include "number.h"

/* FORKED: a child forked from the host (pgid holds its pid), killed by pid at the end. */
enum { MSG_REGISTER = 1, MSG_RELEASE = 2, MSG_FORKED = 3 };

/* One record per message; `owner` is the process that registered the group. */
struct janitor_msg {
    int32_t op;
    int32_t pgid;
    int32_t owner;
};

static _Atomic int sock = -1; /* read by any thread, changed at the end */
static pid_t janitor_pid;
static pid_t self_pid; /* the sender's pid, cached: register/release are on a hot path */
static char tag_entry[96];
static char fd_entry[48];
static _Thread_local bool keep_in_next_fork;
static bool atfork_registered;

/* ---- the host side ---- */

static void send_msg(int op, pid_t pgid);

/*
 * In the child of any fork but a worker's: a forked child that never execs
 * keeps the environment of the host's own exec (no tag) and its group, so
 * the janitor learns it by pid. Then the socket is closed: a child outliving
 * the host must not keep the janitor from seeing the host's end.
 */
static void close_in_forked_child(void)
{
    pid_t parent = self_pid;
    self_pid = getpid();
    if (keep_in_next_fork) {
        return;
    }
    if (sock >= 0) {
        struct janitor_msg m = {MSG_FORKED, (int32_t)self_pid, (int32_t)parent};
        ssize_t ignored = send(sock, &m, sizeof(m), MSG_NOSIGNAL);
        (void)ignored;
        close(sock);
        sock = -1;
    }
    janitor_pid = 0;
}

static void register_atfork(void)
{
    if (!atfork_registered && pthread_atfork(NULL, NULL, close_in_forked_child) == 0) {
        atfork_registered = true;
    }
}

static void send_msg(int op, pid_t pgid)
{
    if (sock < 0 || pgid <= 0) {
        return;
    }
    struct janitor_msg m = {op, (int32_t)pgid, (int32_t)self_pid};
    ssize_t n;
    do {
        n = send(sock, &m, sizeof(m), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
}

void host_janitor_register(pid_t pgid)
{
    send_msg(MSG_REGISTER, pgid);
}

void host_janitor_release(pid_t pgid)
{
    send_msg(MSG_RELEASE, pgid);
}

pid_t host_janitor_pid(void)
{
    return janitor_pid;
}

const char *host_janitor_tag_entry(void)
{
    return tag_entry[0] != '\0' ? tag_entry : NULL;
}

const char *host_janitor_fd_entry(void)
{
    return sock >= 0 ? fd_entry : NULL;
}

void host_janitor_use_fd(int fd)
{
    sock = fd;
    self_pid = getpid();
}

void host_janitor_keep_across_fork(bool keep)
{
    keep_in_next_fork = keep;
}

void host_janitor_inherit_in_child(void)
{
    if (sock >= 0) {
        int flags = fcntl(sock, F_GETFD);
        fcntl(sock, F_SETFD, flags & ~FD_CLOEXEC);
    }
}

void host_janitor_attach_inherited(void)
{
    /* the host's tag: a worker's commands with an env of their own carry it too */
    const char *tag = getenv(HOST_JANITOR_TAG_ENV);
    if (tag != NULL) {
        snprintf(tag_entry, sizeof(tag_entry), "%s=%s", HOST_JANITOR_TAG_ENV, tag);
    }
    const char *text = getenv(HOST_JANITOR_FD_ENV);
    if (text == NULL) {
        return;
    }
    double fd = -1;
    bool number = host_parse_number(text, HOST_NUMBER_INTEGER, 3, 65535, &fd);
    unsetenv(HOST_JANITOR_FD_ENV);
    int type = 0;
    socklen_t len = sizeof(type);
    /* only the socket the supervisor meant: any other descriptor under that number is left alone */
    if (!number || getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0
        || type != SOCK_SEQPACKET) {
        return;
    }
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    sock = (int)fd;
    self_pid = getpid();
    snprintf(fd_entry, sizeof(fd_entry), "%s=%d", HOST_JANITOR_FD_ENV, sock);
    register_atfork();
}

/*
 * In the janitor, right after fork: nothing of the host's may stay open or
 * handled. Returns the socket's new descriptor (3).
 */
static int become_janitor(int fd)
{
    setpgid(0, 0); /* a kill of the host's group (or Ctrl-C on a terminal) must not take it too */
    prctl(PR_SET_NAME, "rtl-janitor"); /* 15 bytes at most */
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    const int ignored[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        sigaction(ignored[i], &ign, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* no pipe of whoever started the host is held open (a reader waiting for EOF would wait for us) */
    int devnull = open("/dev/null", O_RDWR);
    for (int std = 0; std < 3; std++) {
        if (devnull >= 0 && devnull != std) {
            dup2(devnull, std);
        }
    }
    if (devnull > 2 && devnull != fd) {
        close(devnull);
    }
    if (fd != 3) {
        dup2(fd, 3);
        fd = 3;
    }
    if (close_range(4, ~0U, 0) != 0) {
        for (int other = 4; other < 65536; other++) { /* kernels before 5.9 */
            close(other);
        }
    }
    return fd;
}

int host_janitor_start(char **error)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        host_set_error(error, "cannot start the janitor: socketpair: %s", strerror(errno));
        return -1;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    /* unique per host: pid and start time (the kernel reuses pids, not both) */
    char tag[64];
    snprintf(tag, sizeof(tag), "%d.%lld.%09ld", (int)getpid(), (long long)now.tv_sec, now.tv_nsec);
    snprintf(tag_entry, sizeof(tag_entry), "%s=%s", HOST_JANITOR_TAG_ENV, tag);
    if (setenv(HOST_JANITOR_TAG_ENV, tag, 1) != 0) {
        tag_entry[0] = '\0';
    }
    fflush(NULL); /* the child must not flush the host's buffered output a second time */
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(sv[0]);
        close(sv[1]);
        host_set_error(error, "cannot start the janitor: fork: %s", strerror(saved));
        return -1;
    }
    if (pid == 0) {
        close(sv[0]);
        int fd = become_janitor(sv[1]);
        host_janitor_serve(fd, tag_entry[0] != '\0' ? tag_entry : NULL);
        _exit(0);
    }
    close(sv[1]);
    sock = sv[0];
    /* out of the low numbers a worker's fork child dup2s onto (its socket is 3) */
    int high = fcntl(sock, F_DUPFD_CLOEXEC, 10);
    if (high >= 0) {
        close(sock);
        sock = high;
    }
    janitor_pid = pid;
    self_pid = getpid();
    snprintf(fd_entry, sizeof(fd_entry), "%s=%d", HOST_JANITOR_FD_ENV, sock);
    register_atfork();
    return 0;
}

void host_janitor_finish(double timeout_s)
{
    /*
     * shutdown, not close: the janitor sees the end at once, even if a
     * worker still holds a copy, and a thread still sending meanwhile gets
     * EPIPE, never a descriptor number reused by something else.
     */
    if (sock >= 0) {
        shutdown(sock, SHUT_WR);
        sock = -1; /* left open: the process is ending */
    }
    if (janitor_pid <= 0) {
        return;
    }
    for (double waited = 0; waited < timeout_s; waited += 0.002) {
        pid_t done = waitpid(janitor_pid, NULL, WNOHANG);
        if (done == janitor_pid || (done < 0 && errno != EINTR)) {
            break;
        }
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
    }
    janitor_pid = 0;
}

/* ---- the janitor side ---- */

struct group {
    pid_t pgid;
    pid_t owner;
};

struct registry {
    struct group *items;
    size_t count;
    size_t cap;
};

static void registry_add(struct registry *r, pid_t pgid, pid_t owner)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct group *grown = realloc(r->items, cap * sizeof(*grown));
        if (grown == NULL) {
            return; /* not remembered: a leftover at worst, never a wrong kill */
        }
        r->items = grown;
        r->cap = cap;
    }
    r->items[r->count++] = (struct group){pgid, owner};
}

/*
 * A released group is forgotten. The groups its leader registered are
 * killed and forgotten too: a released pgid that is also an owner is an
 * isolation worker the supervisor has reaped, and what its commands left
 * can no longer be released by it.
 */
static int registry_release(struct registry *r, pid_t pgid)
{
    int killed = 0;
    bool forgot = false;
    for (size_t i = 0; i < r->count;) {
        struct group *g = &r->items[i];
        bool drop = false;
        if (g->pgid == pgid && !forgot) {
            forgot = true;
            drop = true;
        } else if (g->owner == pgid && g->pgid != pgid) {
            killed += kill(-g->pgid, SIGKILL) == 0;
            drop = true;
        }
        if (drop) {
            r->items[i] = r->items[--r->count];
        } else {
            i++;
        }
    }
    return killed;
}

/*
 * A forked child is known by pid and start time (clock ticks since boot,
 * /proc/<pid>/stat field 22): pid and start time together never name
 * another process, so a reused pid is never killed. 0: gone.
 */
static unsigned long long start_time_of(pid_t pid)
{
    char path[64], text[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    text[n] = '\0';
    const char *at = strrchr(text, ')'); /* the name may hold spaces and parentheses */
    unsigned long long start = 0;
    char state = '?';
    /* after the name: state (3), then fields 4..21, then starttime (22) */
    if (at == NULL
        || sscanf(at + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
                  &state, &start) != 2
        || state == 'Z') {
        return 0;
    }
    return start;
}

struct forked {
    pid_t pid;
    unsigned long long start;
};

struct forked_list {
    struct forked *items;
    size_t count;
    size_t cap;
    size_t pruned_at; /* count after the last prune: prune again when it doubles */
};

/* Drops the children that are gone (or whose pid now names another process). */
static void forked_prune(struct forked_list *l)
{
    size_t kept = 0;
    for (size_t i = 0; i < l->count; i++) {
        if (start_time_of(l->items[i].pid) == l->items[i].start) {
            l->items[kept++] = l->items[i];
        }
    }
    l->count = kept;
    l->pruned_at = kept;
}

static void forked_add(struct forked_list *l, pid_t pid)
{
    unsigned long long start = start_time_of(pid);
    if (start == 0) {
        return; /* already gone */
    }
    if (l->count >= 64 && l->count >= 2 * l->pruned_at) {
        forked_prune(l); /* short-lived forks (a Popen before its exec) must not pile up */
    }
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct forked *grown = realloc(l->items, cap * sizeof(*grown));
        if (grown == NULL) {
            return;
        }
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->count++] = (struct forked){pid, start};
}

static int forked_kill(struct forked_list *l)
{
    int killed = 0;
    for (size_t i = 0; i < l->count; i++) {
        if (start_time_of(l->items[i].pid) == l->items[i].start) {
            killed += kill(l->items[i].pid, SIGKILL) == 0;
        }
    }
    free(l->items);
    return killed;
}

/* Whether /proc/<pid>/environ holds `entry` as a whole NUL-terminated item. */
static bool has_entry(int proc_fd, const char *pid, const char *entry, size_t entry_len,
                      char **buf, size_t *cap)
{
    char path[300]; /* a d_name is at most 255 bytes */
    snprintf(path, sizeof(path), "%s/environ", pid);
    int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false; /* gone, or another user's (not readable): not ours to kill */
    }
    size_t len = 0;
    for (;;) {
        if (*cap - len < 4096) {
            size_t grown_cap = *cap ? *cap * 2 : 65536;
            char *grown = grown_cap <= ((size_t)64 << 20) ? realloc(*buf, grown_cap) : NULL;
            if (grown == NULL) {
                break;
            }
            *buf = grown;
            *cap = grown_cap;
        }
        ssize_t n = read(fd, *buf + len, *cap - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
    }
    close(fd);
    for (size_t at = 0; at < len;) {
        const char *item = *buf + at;
        size_t item_len = strnlen(item, len - at);
        if (item_len == entry_len && memcmp(item, entry, entry_len) == 0) {
            return true;
        }
        at += item_len + 1;
    }
    return false;
}

static bool forked_has(const struct forked_list *l, pid_t pid, unsigned long long start)
{
    for (size_t i = 0; i < l->count; i++) {
        if (l->items[i].pid == pid && l->items[i].start == start) {
            return true;
        }
    }
    return false;
}

/*
 * Kills every process carrying the tag, pass after pass: one may have
 * forked while the previous pass read /proc. A killed process keeps its
 * environment until it is a zombie, which on a loaded machine can take
 * longer than a pass: the ones already killed are remembered (by pid and
 * start time) so that the passes end and each process counts once.
 */
static int kill_tagged(const char *entry)
{
    size_t entry_len = strlen(entry);
    char *buf = NULL;
    size_t cap = 0;
    int total = 0;
    pid_t self = getpid();
    struct forked_list done = {NULL, 0, 0, 0};
    for (int pass = 0; pass < 50; pass++) {
        DIR *proc = opendir("/proc");
        if (proc == NULL) {
            break;
        }
        int killed = 0;
        struct dirent *e;
        while ((e = readdir(proc)) != NULL) {
            char *end = NULL;
            long pid = strtol(e->d_name, &end, 10);
            if (end == e->d_name || *end != '\0' || pid <= 0 || pid == self) {
                continue;
            }
            if (!has_entry(dirfd(proc), e->d_name, entry, entry_len, &buf, &cap)) {
                continue;
            }
            unsigned long long start = start_time_of((pid_t)pid);
            if (start == 0 || forked_has(&done, (pid_t)pid, start)) {
                continue; /* a zombie, or killed by an earlier pass and still dying */
            }
            if (kill((pid_t)pid, SIGKILL) == 0) {
                killed++;
                forked_add(&done, (pid_t)pid);
            }
        }
        closedir(proc);
        total += killed;
        if (killed == 0) {
            break;
        }
        struct timespec pause = {0, 1000000}; /* 1 ms: let the killed ones release their memory */
        nanosleep(&pause, NULL);
    }
    free(done.items);
    free(buf);
    return total;
}

int host_janitor_serve(int fd, const char *entry)
{
    struct registry r = {NULL, 0, 0};
    struct forked_list forked = {NULL, 0, 0, 0};
    int killed = 0;
    for (;;) {
        struct janitor_msg m;
        ssize_t n = recv(fd, &m, sizeof(m), 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break; /* every copy of the host's end is closed: the host is gone */
        }
        if (n != (ssize_t)sizeof(m) || m.pgid <= 0) {
            continue;
        }
        if (m.op == MSG_REGISTER) {
            registry_add(&r, m.pgid, m.owner);
        } else if (m.op == MSG_RELEASE) {
            killed += registry_release(&r, m.pgid);
        } else if (m.op == MSG_FORKED) {
            forked_add(&forked, m.pgid);
        }
    }
    killed += forked_kill(&forked);
    for (size_t i = 0; i < r.count; i++) {
        killed += kill(-r.items[i].pgid, SIGKILL) == 0;
    }
    free(r.items);
    if (entry != NULL) {
        killed += kill_tagged(entry);
    }
    close(fd);
    return killed;
}
