/*
 * supervisor_internal.h - what supervisor.c (worker processes: start, load,
 * stop), supervisor_run.c (runs in flight) and replay.c (submissions into
 * the sender) share. Not for other files.
 */
#ifndef RTLOADER_HOST_SUPERVISOR_INTERNAL_H
#define RTLOADER_HOST_SUPERVISOR_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "supervisor.h"
#include "wire.h"
#include "worker.h"

/* A worker's socket is always this descriptor in the worker. */
#define WORKER_FD 3
#define WORKER_FD_TEXT "3"
#define BACKOFF_MAX_S 5.0

/* Instance i of check `name` is on worker k when (i + shift) mod workers == k. */
struct load {
    char *name;
    int workers, k, shift;
};

struct worker {
    pid_t pid; /* 0: not running */
    int fd;
    int crashes; /* in a row, for the back-off */
    long long rss_bytes; /* after its last run */
    /* the run in flight (supervisor_run.c) */
    struct host_check *running;
    double started, kill_at; /* kill_at: when a cancelled run's worker gets SIGKILL, 0 = not cancelled */
    bool timed_out, stop_forwarded;
    struct load *loads; /* replayed, quietly, after a restart */
    size_t load_count;
};

struct supervisor {
    int count;
    double grace_s;
    long long rss_limit_bytes;
    struct worker *workers;
    char **argv; /* exe, "__worker", fd, options..., NULL */
    char **envp;
    char start_time[WORKER_START_TIME_LEN];
    struct wire_out out;
    size_t placed_total; /* instances placed so far: the next one goes on worker placed_total mod count */
    bool loading;        /* in supervisor_load: notes are de-duplicated */
    int load_failures; /* load_error notes seen, during supervisor_load */
    /* notes of the current load, to print a check-level error once, as in process */
    char **seen_notes;
    size_t seen_count;
};

/* The first SIGINT/SIGTERM the host received, 0 before. */
extern volatile sig_atomic_t supervisor_stop_signal;

double monotonic_s(void);
/* Starts worker w (after its back-off). 0, or -1. */
int spawn(struct supervisor *s, struct worker *w);
/* Closes w's socket, waits for it, kills its process group; how it ended (malloc'd). */
char *reap(struct worker *w);
/* Starts a stopped worker and loads again what it held; NULL, or why it failed (malloc'd). */
char *restart(struct supervisor *s, struct worker *w);
/* Reads frames until one of kind `want` (replaying batches); NULL when the socket ended. */
char *receive(struct supervisor *s, struct worker *w, enum wire_kind want, struct wire_in *in);
/* One submission of a batch into the sender (replay.c). */
void replay_record(struct supervisor *s, const msgpack_object *o);

#endif /* RTLOADER_HOST_SUPERVISOR_INTERNAL_H */
