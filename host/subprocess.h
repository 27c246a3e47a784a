/*
 * subprocess.h - runs a command for rtloader's get_subprocess_output
 * callback: its own process group, no shell, stdout and stderr captured
 * separately, killed with its group when its run is cancelled or the host
 * stops (children.h), and by the kernel when the thread that started it
 * dies (PR_SET_PDEATHSIG: a SIGKILLed host included).
 *
 * Thread safety: host_subprocess_run may be called from several threads at
 * once. It reaps only the child it spawned (waitpid on its pid), so the
 * host must not reap children it does not own (no waitpid(-1) in a SIGCHLD
 * handler, SIGCHLD not set to SIG_IGN).
 */
#ifndef RTLOADER_HOST_SUBPROCESS_H
#define RTLOADER_HOST_SUBPROCESS_H

#include <stddef.h>

/* The datadog.yaml setting that bounds the output; named in the error. */
#define HOST_SUBPROCESS_LIMIT_SETTING "subprocess_output_limit"
/* Bound of each of stdout and stderr when max_output is 0: 1 GiB (the Agent reads everything). */
#define HOST_SUBPROCESS_DEFAULT_MAX_OUTPUT ((size_t)1024 * 1024 * 1024)
/* max_output at or over this: no bound but memory. */
#define HOST_SUBPROCESS_UNLIMITED ((size_t)-1 / 2)

struct host_subprocess_result {
    char *out;     /* stdout, _malloc'd, NUL-terminated */
    char *err;     /* stderr, _malloc'd, NUL-terminated */
    int exit_code; /* exit status, or 128 + signal number when killed by a signal */
};

/*
 * Runs argv[0] with arguments argv (NULL-terminated), without a shell.
 * argv[0] without a '/' is looked up in the host's PATH as execvp does (the
 * PATH of the host, not one given in env). env: NULL inherits the host's
 * environment, else the NULL-terminated "K=V" array is the whole
 * environment, plus the janitor's RTLOADER_JANITOR_TAG when the host has a
 * janitor and env sets none (janitor.h). The child gets stdin from /dev/null, stdout and stderr on
 * pipes, no other file descriptor, an empty signal mask and default signal
 * dispositions, the host's working directory, a process group of its own
 * (registered in children.h under the calling thread's owner) and
 * PR_SET_PDEATHSIG = SIGKILL (tied to the calling THREAD: it must outlive
 * the call, which it does since the call waits for the child).
 *
 * Both pipes are read concurrently (poll) until end of file, then the child
 * is reaped: a command that leaves a background process holding its
 * stdout/stderr open is waited for until that process closes them too.
 * Whatever is left in the group once the command has exited is SIGKILLed.
 *
 * max_output: the most bytes accepted on each of stdout and stderr; 0 means
 * HOST_SUBPROCESS_DEFAULT_MAX_OUTPUT. Past it the child is killed (SIGKILL),
 * reaped, and the call fails: output is never silently truncated.
 *
 * Returns 0 with *result filled (the caller releases out and err with
 * _free, or hands them to rtloader), whatever the exit status. Returns -1
 * with *error (plain malloc, the caller free()s it; error may be NULL) and
 * result->out/err NULL when the command could not run or its output was too
 * large. Error texts:
 *   "command not found: <argv0>"                     spawn failed with ENOENT
 *   "cannot run <argv0>: <strerror>"                 any other spawn failure
 *   "output of <argv0> on stdout|stderr exceeded the limit of N bytes
 *    (setting subprocess_output_limit); the process was killed"
 *   "<argv0> was killed: the check run was cancelled or the host is stopping"
 *                                                    host_children_kill hit its group
 *   "invalid arguments: ..."                         NULL argv, argv[0], result
 */
int host_subprocess_run(char *const argv[], char *const env[], size_t max_output,
                        struct host_subprocess_result *result, char **error);

#endif /* RTLOADER_HOST_SUBPROCESS_H */
