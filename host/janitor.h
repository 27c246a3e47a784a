/*
 * janitor.h - a small process, forked by the host before any thread starts,
 * that kills what the host's checks started once the host is gone, however
 * it went (SIGKILL, the OOM killer, a crash, a normal exit).
 *
 * Why a process: a SIGKILLed host cannot clean up, and PR_SET_PDEATHSIG
 * reaches one process (the command), not the command's own children. The
 * janitor outlives the host by a few milliseconds and does the cleanup the
 * host no longer can.
 *
 * What it learns, and how:
 *   - every process group registered in children.h (get_subprocess_output
 *     commands, in the host or in a worker; isolation workers) is mirrored
 *     over a SOCK_SEQPACKET socket: one REGISTER message when the group is
 *     added, one RELEASE before its leader is reaped, so a pgid the kernel
 *     may hand out again is never killed;
 *   - the host sets RTLOADER_JANITOR_TAG=<unique> in its environment before
 *     Python starts, so every process exec'd below the host carries it in
 *     /proc/<pid>/environ, whatever group or session it moved to (setsid,
 *     double fork): the janitor kills every process carrying the tag.
 * When every copy of the host's end of the socket is closed (the host and
 * its workers are gone), the janitor SIGKILLs the registered groups, then
 * every tagged process (pass after pass until a pass finds none), and exits.
 *
 * GIL: none of these functions needs it. Register/release are one send(2)
 * each, safe from any thread.
 */
#ifndef RTLOADER_HOST_JANITOR_H
#define RTLOADER_HOST_JANITOR_H

#include <stdbool.h>
#include <sys/types.h>

/* The environment variable every process started below the host carries. */
#define HOST_JANITOR_TAG_ENV "RTLOADER_JANITOR_TAG"
/* The descriptor of the janitor's socket, passed to isolation workers (read once, then unset). */
#define HOST_JANITOR_FD_ENV "RTLOADER_JANITOR_FD"

/*
 * Forks the janitor and tags the environment. Call it on the main thread
 * before any other thread exists (setenv, fork) and before Python starts
 * (os.environ is copied then). Returns 0, or -1 with *error (malloc'd):
 * the host then runs without one.
 */
int host_janitor_start(char **error);

/*
 * In an isolation worker: takes the janitor's socket the supervisor passed
 * (HOST_JANITOR_FD_ENV), so the worker's own commands are registered too.
 * Unsets the variable. No janitor passed: nothing.
 */
void host_janitor_attach_inherited(void);

/*
 * The supervisor forks workers with the janitor's socket kept open: call
 * with true right before fork() and false right after, in the parent. Any
 * other fork (os.fork in a check) closes it in the child, so a forked child
 * that outlives the host never keeps the janitor waiting.
 */
void host_janitor_keep_across_fork(bool keep);
/* In the child of such a fork, before exec: makes the socket survive exec. */
void host_janitor_inherit_in_child(void);

/* Mirrors children.h: a new group, and a group about to be reaped. No janitor: nothing. */
void host_janitor_register(pid_t pgid);
void host_janitor_release(pid_t pgid);

/* The janitor's pid (0: none in this process). */
pid_t host_janitor_pid(void);

/*
 * At the host's normal end: closes its end and waits (at most timeout_s)
 * for the janitor to finish, so that nothing the checks started is left
 * when the host's own exit is seen. Not async-signal-safe paths (_exit from
 * a signal handler or the watchdog) skip it: the janitor cleans up anyway.
 */
void host_janitor_finish(double timeout_s);
/* How long the host waits for it at its end: a /proc scan takes milliseconds. */
#define HOST_JANITOR_FINISH_S 2.0

/* "RTLOADER_JANITOR_TAG=<tag>", or NULL without a janitor: added to a command's own env. */
const char *host_janitor_tag_entry(void);

/* "RTLOADER_JANITOR_FD=<fd>", or NULL without a janitor: for a worker's environment. */
const char *host_janitor_fd_entry(void);

/*
 * For tests and benchmarks: use `fd` as the socket of a janitor run
 * elsewhere (-1: none), with no fork and no tag.
 */
void host_janitor_use_fd(int fd);

/*
 * The janitor's loop, exposed for tests: reads messages from `fd` until
 * end of stream, then kills the registered groups and every process whose
 * environment holds `tag_entry` (NULL: none), other than itself. Returns
 * how many kills hit a process or group.
 */
int host_janitor_serve(int fd, const char *tag_entry);

#endif /* RTLOADER_HOST_JANITOR_H */
