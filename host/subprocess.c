/*
 * subprocess.c - start a command in its own process group and capture its
 * stdout and stderr, for rtloader's get_subprocess_output callback. See
 * subprocess.h.
 *
 * The child is made with vfork(), as glibc's posix_spawn does (no copy of
 * the host's page tables, whatever the size of the Python heap; no
 * pthread_atfork handler runs), and until execve it makes system calls
 * only, on data the parent prepared: setpgid, prctl(PR_SET_PDEATHSIG),
 * signal dispositions and mask, dup2, close_range. posix_spawn itself
 * cannot set the parent-death signal, which is what kills the command when
 * the host is SIGKILLed. The command is looked up in PATH by the parent.
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE /* pipe2, strerror_r (GNU variant), vfork, close_range */
#endif

#include "children.h"
#include "janitor.h"
#include "error.h"
#include "subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtloader_mem.h"

/* Bytes asked of read() at a time: large enough that 16 MiB is a few hundred reads. */
#define READ_CHUNK ((size_t)64 * 1024)

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
 * 0, 1 or 2 closed, pipe2 may return one of them, and the child's dup2
 * of one stream would then clobber the other's pipe end.
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

/* Waits until pid ended, leaving it a zombie (not reaped), retrying on EINTR. */
static int wait_exit(pid_t pid)
{
    siginfo_t info;
    int r;
    do {
        r = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
    } while (r < 0 && errno == EINTR);
    return r;
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

/*
 * A check's own environment for the command, plus the janitor's tag (unless
 * it sets one): the command's descendants, whatever session they move to,
 * are then found by the janitor when the host is gone. NULL: no tag to add
 * (*copy untouched), or out of memory (*copy NULL, env used as given).
 */
static char *const *tagged_env(char *const env[], char ***copy)
{
    const char *tag = host_janitor_tag_entry();
    size_t n = 0;
    if (tag == NULL) {
        return env;
    }
    for (; env[n] != NULL; n++) {
        if (strncmp(env[n], HOST_JANITOR_TAG_ENV "=", sizeof(HOST_JANITOR_TAG_ENV)) == 0) {
            return env;
        }
    }
    *copy = malloc((n + 2) * sizeof(char *));
    if (*copy == NULL) {
        return env;
    }
    memcpy(*copy, env, n * sizeof(char *));
    (*copy)[n] = (char *)tag;
    (*copy)[n + 1] = NULL;
    return *copy;
}

/*
 * execvp's lookup, done in the parent: argv0 with a '/' is taken as is;
 * else the first PATH entry holding an executable regular file wins.
 * Returns 0 with `out` filled, else ENOENT, or EACCES when only
 * non-executable candidates were found (as execvp reports).
 */
static int resolve_command(const char *file, char *out, size_t len)
{
    if (strchr(file, '/') != NULL) {
        if (strlen(file) >= len) {
            return ENAMETOOLONG;
        }
        strcpy(out, file);
        return 0;
    }
    const char *path = getenv("PATH");
    if (path == NULL) {
        path = "/bin:/usr/bin";
    }
    int found_denied = 0;
    for (const char *dir = path;; dir++) {
        const char *colon = strchr(dir, ':');
        size_t dlen = colon != NULL ? (size_t)(colon - dir) : strlen(dir);
        /* an empty entry is the working directory, as execvp reads it */
        int n = dlen == 0 ? snprintf(out, len, "%s", file)
                          : snprintf(out, len, "%.*s/%s", (int)dlen, dir, file);
        if (n > 0 && (size_t)n < len) {
            struct stat st;
            if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
                if (access(out, X_OK) == 0) {
                    return 0;
                }
                found_denied = 1;
            }
        }
        if (colon == NULL) {
            break;
        }
        dir = colon;
    }
    return found_denied ? EACCES : ENOENT;
}

/* What the child needs, all prepared by the parent. */
struct child_plan {
    const char *path;
    char *const *argv;
    char *const *envp;
    int devnull;
    int out_fd;
    int err_fd;
    int report_fd; /* close-on-exec: EOF means exec happened, an int means its errno */
    pid_t parent;
};

/*
 * In the vfork child, on the parent's memory while the parent thread waits:
 * system calls only (no malloc, no lock, no stdio), nothing written but its
 * own stack and errno. Never returns.
 */
__attribute__((noreturn)) static void child_exec(const struct child_plan *p)
{
    int err = 0;
    /* first: SIGKILLed with the thread that started it; the parent may already be gone */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != p->parent) {
        _exit(127);
    }
    setpgid(0, 0);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            sigaction(sig, &dfl, NULL); /* fails harmlessly for the reserved ones */
        }
    }
    if (dup2(p->devnull, 0) < 0 || dup2(p->out_fd, 1) < 0 || dup2(p->err_fd, 2) < 0) {
        err = errno;
    } else {
        /* only report_fd (close-on-exec) survives past 2 until exec */
        bool closed = (p->report_fd == 3 || close_range(3, (unsigned)p->report_fd - 1, 0) == 0)
                      && close_range((unsigned)p->report_fd + 1, ~0U, 0) == 0;
        for (int fd = 3; !closed && fd < 65536; fd++) { /* kernels before 5.9 */
            if (fd != p->report_fd) {
                close(fd);
            }
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(p->path, p->argv, p->envp);
        err = errno;
    }
    ssize_t ignored = write(p->report_fd, &err, sizeof(err));
    (void)ignored;
    _exit(127);
}

/* Alone in its function: nothing of the caller's is live across vfork (no -Wclobbered hazard). */
__attribute__((noinline)) static pid_t start_child(const struct child_plan *p)
{
    pid_t pid = vfork();
    if (pid == 0) {
        child_exec(p);
    }
    return pid;
}

int host_subprocess_run(char *const argv[], char *const env[], size_t max_output,
                        struct host_subprocess_result *result, char **error)
{
    int out_pipe[2] = { -1, -1 };
    int err_pipe[2] = { -1, -1 };
    int report_pipe[2] = { -1, -1 };
    int devnull = -1;
    struct capture caps[2] = { { "stdout", -1, NULL, 0, 0 }, { "stderr", -1, NULL, 0, 0 } };
    pid_t pid = -1;
    int slot = -1;
    int status = 0;
    int rc = -1;
    char *out = NULL;
    char *err = NULL;
    char ebuf[128];
    char path[PATH_MAX];
    char **env_copy = NULL;

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
    if (max_output > HOST_SUBPROCESS_UNLIMITED) {
        max_output = HOST_SUBPROCESS_UNLIMITED; /* capture_read adds one: keep it from wrapping */
    }

    int found = resolve_command(argv[0], path, sizeof(path));
    if (found == ENOENT) {
        host_set_error(error, "command not found: %s", argv[0]);
        goto cleanup;
    } else if (found != 0) {
        host_set_error(error, "cannot run %s: %s", argv[0], strerror_r(found, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    if (make_pipe(out_pipe) != 0 || make_pipe(err_pipe) != 0 || make_pipe(report_pipe) != 0) {
        host_set_error(error, "cannot run %s: pipe: %s", argv[0], strerror_r(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0 && devnull < 3) {
        /* dup2 onto itself would keep close-on-exec: the command would start without stdin */
        int moved = fcntl(devnull, F_DUPFD_CLOEXEC, 3);
        close(devnull);
        devnull = moved;
    }
    if (devnull < 0) {
        host_set_error(error, "cannot run %s: /dev/null: %s", argv[0], strerror_r(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }

    struct child_plan plan = {
        .path = path,
        .argv = argv,
        .envp = env != NULL ? tagged_env(env, &env_copy) : environ,
        .devnull = devnull,
        .out_fd = out_pipe[1],
        .err_fd = err_pipe[1],
        .report_fd = report_pipe[1],
        .parent = getpid(),
    };
    /* No handler may run in the child before it resets them: block everything across the fork. */
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid = start_child(&plan);
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (pid < 0) {
        host_set_error(error, "cannot run %s: vfork: %s", argv[0], strerror_r(fork_errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    /* also from here: whichever of the two runs first, the group exists before it is killed */
    setpgid(pid, pid);
    slot = host_children_add(pid);

    close_fd(&report_pipe[1]);
    int child_errno = 0;
    ssize_t got;
    do {
        got = read(report_pipe[0], &child_errno, sizeof(child_errno));
    } while (got < 0 && errno == EINTR);
    close_fd(&report_pipe[0]);
    if (got == (ssize_t)sizeof(child_errno)) {
        host_children_remove(slot);
        slot = -1;
        reap(pid, &status);
        pid = -1;
        if (child_errno == ENOENT) {
            host_set_error(error, "command not found: %s", argv[0]);
        } else {
            host_set_error(error, "cannot run %s: %s", argv[0], strerror_r(child_errno, ebuf, sizeof(ebuf)));
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
                host_set_error(error,
                               "output of %s on %s exceeded the limit of %zu bytes (setting "
                               HOST_SUBPROCESS_LIMIT_SETTING "); the process was killed",
                               argv[0], caps[i].name, max_output);
                goto cleanup;
            } else if (r < 0) {
                host_set_error(error, "cannot read the %s of %s: %s", caps[i].name, argv[0],
                          strerror_r(errno, ebuf, sizeof(ebuf)));
                goto cleanup;
            }
        }
    }

    /* wait without reaping: the group must leave the registry while its pgid is still ours */
    if (wait_exit(pid) != 0) {
        host_set_error(error, "cannot get the exit status of %s: %s", argv[0],
                  strerror_r(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    bool killed = host_children_remove(slot);
    slot = -1;
    kill(-pid, SIGKILL); /* what the command left in its group dies with it */
    reap(pid, &status);
    pid = -1;
    if (killed) {
        host_set_error(error, "%s was killed: the check run was cancelled or the host is stopping",
                       argv[0]);
        goto cleanup;
    }
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
    /* Still running after a failure: stop its whole group and reap it, so no zombie is left behind. */
    if (pid > 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        wait_exit(pid);
        host_children_remove(slot);
        slot = -1;
        reap(pid, &status);
    }
    host_children_remove(slot);
    free(env_copy);
    close_fd(&devnull);
    close_fd(&report_pipe[0]);
    close_fd(&report_pipe[1]);
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
    return rc;
}
