/*
 * subprocess.c - posix_spawn a command and capture its stdout and stderr,
 * for rtloader's get_subprocess_output callback. See subprocess.h.
 *
 * No fork: posix_spawn (glibc uses clone(CLONE_VM|CLONE_VFORK) and reports
 * exec failures such as ENOENT as its return value), so this is safe from a
 * multi-threaded host holding the GIL, and nothing here runs in the child.
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE /* pipe2, strerror_r (GNU variant), posix_spawn_file_actions_addclosefrom_np */
#endif

#include "error.h"
#include "subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtloader_mem.h"

/* Bytes asked of read() at a time: large enough that 16 MiB is a few hundred reads. */
#define READ_CHUNK ((size_t)64 * 1024)

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#    define HAVE_ADDCLOSEFROM 1
#endif

/* One captured stream: the read end of its pipe and what came out so far. */
struct capture {
    const char *name; /* "stdout" or "stderr", for messages */
    int fd;           /* -1 once end of file was read */
    char *buf;        /* plain malloc: only the final copy goes through _malloc */
    size_t len;
    size_t cap;
};

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/*
 * A close-on-exec pipe whose two ends are both >= 3. If the host runs with
 * 0, 1 or 2 closed, pipe2 may return one of them, and the dup2 file actions
 * of one stream would then clobber the other's pipe end in the child.
 */
static int make_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) != 0) {
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        if (fds[i] < 3) {
            int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
            if (moved < 0) {
                int saved = errno;
                close(fds[0]);
                close(fds[1]);
                fds[0] = fds[1] = -1;
                errno = saved;
                return -1;
            }
            close(fds[i]);
            fds[i] = moved;
        }
    }
    return 0;
}

/*
 * One read() from cap->fd into cap->buf, which never grows past max + 1
 * bytes (one byte over the bound is enough to know it was crossed).
 * Returns 1 after data, 0 at end of file, -1 on error (errno), -2 when the
 * stream went over max.
 */
static int capture_read(struct capture *cap, size_t max)
{
    size_t want = max + 1 - cap->len < READ_CHUNK ? max + 1 - cap->len : READ_CHUNK;
    ssize_t n;

    if (cap->cap - cap->len < want) {
        size_t new_cap = cap->cap * 2 > cap->len + want ? cap->cap * 2 : cap->len + want;
        char *grown;
        if (new_cap > max + 1) {
            new_cap = max + 1;
        }
        grown = realloc(cap->buf, new_cap);
        if (grown == NULL) {
            errno = ENOMEM;
            return -1;
        }
        cap->buf = grown;
        cap->cap = new_cap;
    }
    do {
        n = read(cap->fd, cap->buf + cap->len, want);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return -1;
    }
    if (n == 0) {
        return 0;
    }
    cap->len += (size_t)n;
    return cap->len > max ? -2 : 1;
}

/* A _malloc'd NUL-terminated copy of what cap holds: what rtloader will free with cgo_free. */
static char *capture_finish(const struct capture *cap)
{
    char *s = _malloc(cap->len + 1);
    if (s != NULL) {
        if (cap->len > 0) {
            memcpy(s, cap->buf, cap->len);
        }
        s[cap->len] = '\0';
    }
    return s;
}

/* waitpid(pid) until it reports the child's end, retrying on EINTR. */
static int reap(pid_t pid, int *status)
{
    pid_t r;
    do {
        r = waitpid(pid, status, 0);
    } while (r < 0 && errno == EINTR);
    return r == pid ? 0 : -1;
}

extern char **environ;

int host_subprocess_run(char *const argv[], char *const env[], size_t max_output,
                        struct host_subprocess_result *result, char **error)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int actions_init = 0;
    int attr_init = 0;
    int out_pipe[2] = { -1, -1 };
    int err_pipe[2] = { -1, -1 };
    struct capture caps[2] = { { "stdout", -1, NULL, 0, 0 }, { "stderr", -1, NULL, 0, 0 } };
    pid_t pid = -1;
    int status = 0;
    int rc = -1;
    int spawn_rc;
    char *out = NULL;
    char *err = NULL;
    sigset_t mask;
    char ebuf[128];

    if (result == NULL || argv == NULL || argv[0] == NULL) {
        host_set_error(error, "invalid arguments: %s is NULL",
                  result == NULL ? "result"
                  : argv == NULL ? "argv"
                                 : "argv[0]");
        goto cleanup;
    }
    result->out = NULL;
    result->err = NULL;
    result->exit_code = -1;
    if (max_output == 0) {
        max_output = HOST_SUBPROCESS_DEFAULT_MAX_OUTPUT;
    }

    if (make_pipe(out_pipe) != 0 || make_pipe(err_pipe) != 0) {
        host_set_error(error, "cannot run %s: pipe: %s", argv[0], strerror_r(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    if ((spawn_rc = posix_spawn_file_actions_init(&actions)) != 0) {
        host_set_error(error, "cannot run %s: %s", argv[0], strerror_r(spawn_rc, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    actions_init = 1;
    /* dup2 clears close-on-exec on the copies only: the pipe ends themselves vanish at exec. */
    spawn_rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (spawn_rc == 0) {
        spawn_rc = posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    }
    if (spawn_rc == 0) {
        spawn_rc = posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    }
#ifdef HAVE_ADDCLOSEFROM
    /* Descriptors another part of the host opened without O_CLOEXEC must not reach the child either. */
    if (spawn_rc == 0) {
        spawn_rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    }
#endif
    if (spawn_rc != 0) {
        host_set_error(error, "cannot run %s: %s", argv[0], strerror_r(spawn_rc, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    if ((spawn_rc = posix_spawnattr_init(&attr)) != 0) {
        host_set_error(error, "cannot run %s: %s", argv[0], strerror_r(spawn_rc, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    attr_init = 1;
    /*
     * The calling thread may block signals (a host waiting for SIGTERM in a
     * dedicated thread) or ignore some (SIGPIPE): both survive exec, and
     * the command should start as it would from a shell.
     */
    sigemptyset(&mask);
    spawn_rc = posix_spawnattr_setsigmask(&attr, &mask);
    if (spawn_rc == 0) {
        sigfillset(&mask);
        spawn_rc = posix_spawnattr_setsigdefault(&attr, &mask);
    }
    if (spawn_rc == 0) {
        spawn_rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    if (spawn_rc != 0) {
        host_set_error(error, "cannot run %s: %s", argv[0], strerror_r(spawn_rc, ebuf, sizeof(ebuf)));
        goto cleanup;
    }

    spawn_rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv, env != NULL ? env : environ);
    if (spawn_rc != 0) {
        pid = -1;
        if (spawn_rc == ENOENT) {
            host_set_error(error, "command not found: %s", argv[0]);
        } else {
            host_set_error(error, "cannot run %s: %s", argv[0], strerror_r(spawn_rc, ebuf, sizeof(ebuf)));
        }
        goto cleanup;
    }
    /* Our copies of the write ends must go, or the reads below never see end of file. */
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[1]);
    caps[0].fd = out_pipe[0];
    caps[1].fd = err_pipe[0];
    out_pipe[0] = err_pipe[0] = -1;

    /* Both pipes at once: a child blocked writing one while we wait on the other would deadlock. */
    while (caps[0].fd >= 0 || caps[1].fd >= 0) {
        struct pollfd pfds[2];
        int r;

        for (int i = 0; i < 2; i++) {
            pfds[i].fd = caps[i].fd; /* negative fds are ignored by poll */
            pfds[i].events = POLLIN;
            pfds[i].revents = 0;
        }
        r = poll(pfds, 2, -1);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            host_set_error(error, "cannot read the output of %s: poll: %s", argv[0],
                      strerror_r(errno, ebuf, sizeof(ebuf)));
            goto cleanup;
        }
        for (int i = 0; i < 2; i++) {
            if (caps[i].fd < 0 || pfds[i].revents == 0) {
                continue;
            }
            /* POLLHUP/POLLERR included: read() then reports end of file or the error. */
            r = capture_read(&caps[i], max_output);
            if (r == 0) {
                close_fd(&caps[i].fd);
            } else if (r == -2) {
                host_set_error(error, "output of %s on %s exceeded the limit of %zu bytes; the process was killed",
                          argv[0], caps[i].name, max_output);
                goto cleanup;
            } else if (r < 0) {
                host_set_error(error, "cannot read the %s of %s: %s", caps[i].name, argv[0],
                          strerror_r(errno, ebuf, sizeof(ebuf)));
                goto cleanup;
            }
        }
    }

    if (reap(pid, &status) != 0) {
        host_set_error(error, "cannot get the exit status of %s: %s", argv[0],
                  strerror_r(errno, ebuf, sizeof(ebuf)));
        pid = -1; /* nothing left to reap: don't kill a pid that may already be reused */
        goto cleanup;
    }
    pid = -1;
    out = capture_finish(&caps[0]);
    err = capture_finish(&caps[1]);
    if (out == NULL || err == NULL) {
        host_set_error(error, "out of memory");
        goto cleanup;
    }
    result->out = out;
    result->err = err;
    result->exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                        : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                              : -1;
    out = err = NULL;
    rc = 0;

cleanup:
    /* Still running after a failure: stop it and reap it, so no zombie is left behind. */
    if (pid > 0) {
        kill(pid, SIGKILL);
        reap(pid, &status);
    }
    if (out != NULL) {
        _free(out);
    }
    if (err != NULL) {
        _free(err);
    }
    for (int i = 0; i < 2; i++) {
        close_fd(&caps[i].fd);
        free(caps[i].buf);
    }
    close_fd(&out_pipe[0]);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[0]);
    close_fd(&err_pipe[1]);
    if (attr_init) {
        posix_spawnattr_destroy(&attr);
    }
    if (actions_init) {
        posix_spawn_file_actions_destroy(&actions);
    }
    return rc;
}
