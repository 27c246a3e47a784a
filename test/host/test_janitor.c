/*
 * test_janitor.c - host/janitor.c: what the janitor learns (every group
 * children.c registers, released before its leader is reaped), what it
 * kills once the host's end closes (the groups still registered, the
 * processes carrying the host's tag, in any session) and what it never
 * kills (a released group, whose pgid may be reused; untagged processes).
 *
 * Every test ends with no child of this process left and every _malloc
 * balanced by a _free.
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "children.h"
#include "clean.h"
#include "counting_alloc.h"
#include "janitor.h"
#include "rtloader_mem.h"
#include "subprocess.h"

/* The wire layout of janitor.c's messages. */
struct msg {
    int32_t op;
    int32_t pgid;
    int32_t owner;
};
enum { REGISTER = 1, RELEASE = 2 };

extern char **environ;

/*
 * A process sleeping in a group of its own (new_session: a session of its
 * own, as setsid(1) makes), with `env` as its whole environment (NULL: ours).
 */
static pid_t sleeper(bool new_session, char *const env[])
{
    /* The janitor reads the exec'd environment: return once sleep runs
     * (the close-on-exec pipe reads EOF at the exec), not after a guess. */
    int ready[2];
    assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        if (new_session) {
            setsid();
        } else {
            setpgid(0, 0);
        }
        char *argv[] = {"sleep", "60", NULL};
        execve("/bin/sleep", argv, env != NULL ? env : environ);
        _exit(127);
    }
    close(ready[1]);
    char byte;
    while (read(ready[0], &byte, 1) < 0 && errno == EINTR) {
    }
    close(ready[0]);
    setpgid(pid, pid); /* whichever runs first: the group exists before it is named */
    return pid;
}

/* A sleeper in a group of its own started by posix_spawn: no fork handler runs, as for a vfork. */
static pid_t spawned_sleeper(char *const env[])
{
    posix_spawnattr_t attr;
    pid_t pid = -1;
    char *argv[] = {"sleep", "60", NULL};
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    assert_int_equal(posix_spawn(&pid, "/bin/sleep", NULL, &attr, argv, env), 0);
    posix_spawnattr_destroy(&attr);
    return pid;
}

/* Whether our child pid was SIGKILLed (reaps it), waiting for it. */
static bool was_killed(pid_t pid)
{
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/* Whether our child pid is still running (not reaped). */
static bool running(pid_t pid)
{
    return waitpid(pid, NULL, WNOHANG) == 0;
}

static void end(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void send_msg(int fd, int op, pid_t pgid, pid_t owner)
{
    struct msg m = {op, (int32_t)pgid, (int32_t)owner};
    assert_int_equal(send(fd, &m, sizeof(m), 0), (ssize_t)sizeof(m));
}

static struct msg recv_msg(int fd)
{
    struct msg m = {0, 0, 0};
    assert_int_equal(recv(fd, &m, sizeof(m), MSG_DONTWAIT), (ssize_t)sizeof(m));
    return m;
}

/* A janitor serving `fd` in a child process; its exit status is its kill count (at most 255). */
static pid_t serve_in_child(int fd, int other, const char *tag)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(other);
        int killed = host_janitor_serve(fd, tag);
        _exit(killed > 255 ? 255 : killed);
    }
    close(fd);
    return pid;
}

static int exit_code_of(pid_t pid)
{
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* children.c tells the janitor of each group it registers and releases, in that order, with our pid. */
static void janitor_mirrors_the_registry(void **state)
{
    int sv[2];
    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    host_janitor_use_fd(sv[0]);

    int slot = host_children_add(4242);
    assert_true(slot >= 0);
    struct msg m = recv_msg(sv[1]);
    assert_int_equal(m.op, REGISTER);
    assert_int_equal(m.pgid, 4242);
    assert_int_equal(m.owner, getpid());
    host_children_remove(slot);
    m = recv_msg(sv[1]);
    assert_int_equal(m.op, RELEASE);
    assert_int_equal(m.pgid, 4242);

    /* a real command: its group is registered at start and released before it is reaped */
    char *argv[] = {"sh", "-c", "echo $$", NULL};
    struct host_subprocess_result r;
    char *error = NULL;
    assert_int_equal(host_subprocess_run(argv, NULL, 0, &r, &error), 0);
    int pid = atoi(r.out);
    m = recv_msg(sv[1]);
    assert_int_equal(m.op, REGISTER);
    assert_int_equal(m.pgid, pid);
    m = recv_msg(sv[1]);
    assert_int_equal(m.op, RELEASE);
    assert_int_equal(m.pgid, pid);
    errno = 0;
    assert_int_equal(recv(sv[1], &m, sizeof(m), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    _free(r.out);
    _free(r.err);

    host_janitor_use_fd(-1);
    close(sv[0]);
    close(sv[1]);
    assert_clean();
}

/*
 * The pgid reuse case: a released group is never killed, even though (here)
 * its process is still there under that pgid, as a new process reusing the
 * pgid would be. A group still registered when the host's end closes is.
 */
static void janitor_kills_registered_spares_released(void **state)
{
    int sv[2];
    (void)state;
    pid_t released = sleeper(false, NULL);
    pid_t registered = sleeper(false, NULL);
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    pid_t janitor = serve_in_child(sv[1], sv[0], NULL);

    send_msg(sv[0], REGISTER, released, getpid());
    send_msg(sv[0], REGISTER, registered, getpid());
    send_msg(sv[0], RELEASE, released, getpid());
    close(sv[0]); /* the host is gone */

    assert_int_equal(exit_code_of(janitor), 1);
    assert_true(was_killed(registered));
    assert_true(running(released));
    end(released);
    assert_clean();
}

/*
 * An isolation worker (a released group that registered groups of its own)
 * cannot release them anymore: the janitor kills them as soon as the
 * worker's group is released, without waiting for the host's end.
 */
static void janitor_kills_groups_of_a_released_worker(void **state)
{
    int sv[2];
    (void)state;
    pid_t worker = sleeper(false, NULL);
    pid_t command = sleeper(false, NULL);
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    pid_t janitor = serve_in_child(sv[1], sv[0], NULL);

    send_msg(sv[0], REGISTER, worker, getpid());
    send_msg(sv[0], REGISTER, command, worker);
    send_msg(sv[0], RELEASE, worker, getpid());
    assert_true(was_killed(command)); /* the socket is still open: the release did it */
    assert_true(running(worker));
    close(sv[0]);
    assert_int_equal(exit_code_of(janitor), 1);
    end(worker);
    assert_clean();
}

/* Tagged processes die whatever their session; others with another tag or none live. */
static void janitor_kills_tagged_processes(void **state)
{
    int sv[2];
    (void)state;
    /* Tags of this process only: another run of this test on the machine
     * has its own janitor scanning every process. */
    char tagged[64], other_tag[64], prefixed_tag[80];
    snprintf(tagged, sizeof(tagged), "RTLOADER_JANITOR_TAG=test.%d.1", (int)getpid());
    snprintf(other_tag, sizeof(other_tag), "RTLOADER_JANITOR_TAG=test.%d.10", (int)getpid());
    snprintf(prefixed_tag, sizeof(prefixed_tag), "X%s", tagged);
    char *tagged_env[] = {"A=1", tagged, "B=2", NULL};
    char *other_env[] = {other_tag, NULL};
    char *prefix_env[] = {prefixed_tag, NULL};
    pid_t tagged_pid = sleeper(true, tagged_env);
    pid_t other = sleeper(true, other_env);
    pid_t prefixed = sleeper(true, prefix_env);
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    pid_t janitor = serve_in_child(sv[1], sv[0], tagged);
    close(sv[0]);

    assert_int_equal(exit_code_of(janitor), 1);
    assert_true(was_killed(tagged_pid));
    assert_true(running(other));
    assert_true(running(prefixed));
    end(other);
    end(prefixed);
    assert_clean();
}

/*
 * The whole path: start, tag, register, fork, the host's end closing, the
 * janitor gone. What it killed: the registered group, the tagged process in
 * a session of its own, the forked child; not the released group.
 */
static void janitor_started_cleans_up_at_finish(void **state)
{
    (void)state;
    char *error = NULL;
    assert_int_equal(host_janitor_start(&error), 0);
    pid_t janitor = host_janitor_pid();
    assert_true(janitor > 0);
    const char *tag = getenv(HOST_JANITOR_TAG_ENV);
    assert_non_null(tag);
    assert_non_null(host_janitor_tag_entry());

    pid_t group = sleeper(false, NULL);
    int slot = host_children_add(group);
    pid_t released = spawned_sleeper((char *[]){"PATH=/bin", NULL});
    int released_slot = host_children_add(released);
    host_children_remove(released_slot);
    pid_t session = sleeper(true, NULL); /* tagged: our environment now holds the tag */
    /* forked, never exec'd, in our own group, no tag: known by pid (its fork handler told) */
    pid_t forked = fork();
    assert_true(forked >= 0);
    if (forked == 0) {
        for (;;) {
            pause();
        }
    }
    /* forked and gone before the end: its pid is not killed again */
    pid_t short_lived = fork();
    assert_true(short_lived >= 0);
    if (short_lived == 0) {
        _exit(0);
    }
    assert_int_equal(waitpid(short_lived, NULL, 0), short_lived);
    usleep(100000);

    /* a command given an environment of its own gets the tag added, unless it sets one */
    char *argv[] = {"sh", "-c", "echo \"$A $RTLOADER_JANITOR_TAG\"", NULL};
    char expected[128];
    snprintf(expected, sizeof(expected), "1 %s\n", tag);
    struct host_subprocess_result r;
    assert_int_equal(host_subprocess_run(argv, (char *[]){"A=1", NULL}, 0, &r, &error), 0);
    assert_string_equal(r.out, expected);
    _free(r.out);
    _free(r.err);
    assert_int_equal(host_subprocess_run(argv, (char *[]){"A=2", "RTLOADER_JANITOR_TAG=own", NULL},
                                         0, &r, &error), 0);
    assert_string_equal(r.out, "2 own\n");
    _free(r.out);
    _free(r.err);

    host_janitor_finish(HOST_JANITOR_FINISH_S);
    assert_int_equal(host_janitor_pid(), 0);
    errno = 0;
    assert_int_equal(kill(janitor, 0), -1); /* reaped by finish: gone */
    assert_true(was_killed(group));
    assert_true(was_killed(session));
    assert_true(was_killed(forked));
    assert_true(running(released));
    host_children_remove(slot);
    end(released);
    unsetenv(HOST_JANITOR_TAG_ENV);
    assert_clean();
}

/* A worker takes only a seqpacket socket under the passed number, and unsets the variable. */
static void janitor_attach_checks_the_descriptor(void **state)
{
    int p[2];
    (void)state;
    assert_int_equal(pipe(p), 0);
    char text[16];
    snprintf(text, sizeof(text), "%d", p[0]);
    setenv(HOST_JANITOR_FD_ENV, text, 1);
    host_janitor_attach_inherited();
    assert_null(getenv(HOST_JANITOR_FD_ENV));
    assert_null(host_janitor_fd_entry());
    close(p[0]);
    close(p[1]);

    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    /* the right socket, but not in the plain decimal the supervisor writes (host/number.c) */
    const char *forms[] = {" %d", "%d ", "+%d", "%d.0", "0x%x"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        snprintf(text, sizeof(text), forms[i], sv[0]);
        setenv(HOST_JANITOR_FD_ENV, text, 1);
        host_janitor_attach_inherited();
        assert_null(getenv(HOST_JANITOR_FD_ENV));
        if (host_janitor_fd_entry() != NULL) {
            fail_msg("'%s' taken for the janitor's socket", text);
        }
    }
    snprintf(text, sizeof(text), "%d", sv[0]);
    setenv(HOST_JANITOR_FD_ENV, text, 1);
    host_janitor_attach_inherited();
    assert_null(getenv(HOST_JANITOR_FD_ENV));
    assert_non_null(host_janitor_fd_entry());
    assert_int_equal(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    host_janitor_register(77);
    struct msg m = recv_msg(sv[1]);
    assert_int_equal(m.op, REGISTER);
    assert_int_equal(m.pgid, 77);
    host_janitor_use_fd(-1);
    close(sv[0]);
    close(sv[1]);
    assert_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(janitor_mirrors_the_registry, clean_setup),
        cmocka_unit_test_setup(janitor_kills_registered_spares_released, clean_setup),
        cmocka_unit_test_setup(janitor_kills_groups_of_a_released_worker, clean_setup),
        cmocka_unit_test_setup(janitor_kills_tagged_processes, clean_setup),
        cmocka_unit_test_setup(janitor_started_cleans_up_at_finish, clean_setup),
        cmocka_unit_test_setup(janitor_attach_checks_the_descriptor, clean_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
