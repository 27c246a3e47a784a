/*
 * supervisor_internal.h - what supervisor.c (worker processes: start, load,
 * stop), supervisor_run.c (runs in flight), supervisor_schedule.c (`run`'s
 * due times and `check`'s rounds) and replay.c (submissions into the
 * sender) share. Not for other files.
 */
#ifndef RTLOADER_HOST_SUPERVISOR_INTERNAL_H
#define RTLOADER_HOST_SUPERVISOR_INTERNAL_H

#include <poll.h>
#include <stdbool.h>
#include <sys/types.h>

#include "supervisor.h"
#include "wire.h"
#include "worker.h"

/* A worker's socket is always this descriptor in the worker. */
#define WORKER_FD 3
#define WORKER_FD_TEXT "3"
#define BACKOFF_MAX_S 5.0

/* Instance i of check `name` is on worker k when (i + shift) mod workers == k. The
 * instances are the supervisor's copy of what it read at start: a restarted worker loads
 * them, not conf.d as it is by then (a file edited while `run` runs changes nothing, as in
 * process). */
struct load {
    char *name;
    int workers, k, shift;
    struct check_instance *instances; /* this worker's share, in configuration order */
    long long *index;                 /* each one's number in its check's configuration */
    size_t count;
};

/* One run in flight on a worker. */
struct flight {
    struct host_check *check;
    double started;
    double kill_at; /* past run_timeout and cancelled: when its worker gets SIGKILL; 0 = not */
    bool alone;     /* sent alone (`check`): run on the worker's request loop, cancelled by SIGUSR1 */
};

struct worker {
    pid_t pid; /* 0: not running */
    int fd;
    int children_slot; /* its process group in children.c (the watchdog kills it) */
    int crashes;       /* in a row, for the back-off */
    double restart_at; /* dead after a crash: not restarted before this (host_monotonic_s) */
    long long rss_bytes; /* after its last run */
    struct flight *flights; /* the supervisor's slots */
    int in_flight;
    bool solo;     /* a suspect runs on it: nothing else starts until it ends */
    bool draining; /* restarted once its runs ended (a cancelled instance, worker_rss_limit) */
    bool stop_forwarded;
    char *kill_reason; /* why the supervisor SIGKILLed it: named in the other runs' errors */
    struct load *loads; /* replayed, quietly, after a restart */
    size_t load_count;
};

struct supervisor {
    int count;
    int slots; /* runs at once per worker (check_runners) */
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
    /* the poll set of supervisor_run.c: the stop descriptor, then one entry per busy worker */
    struct pollfd *fds;
    int *owner;
    int failures; /* failed runs since the last supervisor_take_failures */
};

/* Starts worker w now (callers wait for its back-off: backing_off). 0, or -1. */
int spawn(struct supervisor *s, struct worker *w);
/* Closes w's socket, waits for it, kills its process group; how it ended (malloc'd). */
char *reap(struct worker *w);
/* Starts a stopped worker and loads again what it held; NULL, or why it failed (malloc'd). */
char *restart(struct supervisor *s, struct worker *w);
/* Reads frames until one of kind `want` (replaying batches); NULL when the socket ended. */
char *receive(struct supervisor *s, struct worker *w, enum wire_kind want, struct wire_in *in);
/* One submission of a batch into the sender (replay.c). */
void replay_record(struct supervisor *s, const msgpack_object *o);

/*
 * Whether w is dead and its restart back-off not over at `now`: its runs
 * wait, queued, while the poll loop serves the other workers.
 */
static inline bool backing_off(const struct worker *w, double now)
{
    return w->pid == 0 && w->restart_at > now;
}

/* supervisor_run.c */
/* Whether worker w may start a run of c now (slots, solo suspects, draining). */
bool can_start(const struct supervisor *s, const struct worker *w, const struct host_check *c);
/*
 * Sends RUN (starting the worker first when needed). `alone`: nothing else
 * is sent to w until its DONE, so the worker runs it without a hand-over to
 * a run thread. False when the run was reported already.
 */
bool start_run(struct supervisor *s, struct worker *w, struct host_check *check, bool alone);
/*
 * Waits up to timeout_s for the busy workers and the stop descriptor,
 * handles what arrived, then watches run timeouts and the stop. Returns
 * how many runs are in flight.
 */
int poll_busy(struct supervisor *s, double timeout_s);
/* A paused instance is not run (logged). */
bool runnable(const struct host_check *c);

#endif /* RTLOADER_HOST_SUPERVISOR_INTERNAL_H */
