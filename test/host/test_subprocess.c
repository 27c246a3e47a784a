/*
 * test_subprocess.c - host/subprocess.c: captured stdout/stderr and exit
 * codes, missing binaries, signals, large and over-bound output, the
 * environment, file descriptors and signal state the child inherits, and
 * that no child is left unreaped.
 *
 * _malloc/_free are counting wrappers of libc malloc/free (counting_alloc.c;
 * the host links the rtloader front library, which defines the real ones):
 * every test ends by checking that each _malloc'd result was _free'd and
 * that this process has no child left, running or zombie.
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "children.h"
#include "clean.h"
#include "counting_alloc.h"
#include "rtloader_mem.h"
#include "subprocess.h"


static void result_free(struct host_subprocess_result *r)
{
    _free(r->out);
    _free(r->err);
    r->out = r->err = NULL;
}

/* Runs argv (env NULL = inherit), asserting success; the results are _malloc'd (2 allocations). */
static void run_ok(char *const argv[], char *const env[], size_t max, struct host_subprocess_result *r)
{
    char *error = NULL;
    size_t before = atomic_load(&n_mallocs);

    if (host_subprocess_run(argv, env, max, r, &error) != 0) {
        fail_msg("%s failed: %s", argv[0], error);
    }
    assert_null(error);
    assert_non_null(r->out);
    assert_non_null(r->err);
    assert_int_equal(atomic_load(&n_mallocs) - before, 2);
}

/* Runs argv, asserting failure; returns the error (free() it) and checks nothing was handed out. */
static char *run_fails(char *const argv[], char *const env[], size_t max)
{
    struct host_subprocess_result r = { (char *)1, (char *)1, 7 };
    char *error = NULL;

    assert_int_equal(host_subprocess_run(argv, env, max, &r, &error), -1);
    assert_non_null(error);
    assert_null(r.out);
    assert_null(r.err);
    return error;
}

static void subprocess_echo(void **state)
{
    char *argv[] = { "echo", "hello", NULL };
    struct host_subprocess_result r;

    (void)state;
    run_ok(argv, NULL, 0, &r);
    assert_string_equal(r.out, "hello\n");
    assert_string_equal(r.err, "");
    assert_int_equal(r.exit_code, 0);
    result_free(&r);
    assert_clean();
}

static void subprocess_absolute_path_and_empty_output(void **state)
{
    char *argv[] = { "/bin/true", NULL };
    struct host_subprocess_result r;

    (void)state;
    run_ok(argv, NULL, 0, &r);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "");
    assert_int_equal(r.exit_code, 0);
    result_free(&r);
    assert_clean();
}

static void subprocess_stderr_separate(void **state)
{
    char *argv[] = { "sh", "-c", "echo out; echo err >&2; echo out2; exit 3", NULL };
    struct host_subprocess_result r;

    (void)state;
    run_ok(argv, NULL, 0, &r);
    assert_string_equal(r.out, "out\nout2\n");
    assert_string_equal(r.err, "err\n");
    assert_int_equal(r.exit_code, 3);
    result_free(&r);
    assert_clean();
}

static void subprocess_nonzero_exit(void **state)
{
    char *false_argv[] = { "false", NULL };
    char *exit255[] = { "sh", "-c", "exit 255", NULL };
    struct host_subprocess_result r;

    (void)state;
    /* A non-zero exit is a successful run: 0 returned, the status in exit_code. */
    run_ok(false_argv, NULL, 0, &r);
    assert_int_equal(r.exit_code, 1);
    result_free(&r);
    run_ok(exit255, NULL, 0, &r);
    assert_int_equal(r.exit_code, 255);
    result_free(&r);
    assert_clean();
}

static void subprocess_missing_binary(void **state)
{
    char *missing[] = { "host-subprocess-no-such-command", "arg", NULL };
    char *missing_path[] = { "/nonexistent/dir/cmd", NULL };
    char path[] = "/tmp/host_subprocess_noexec_XXXXXX";
    char *not_executable[] = { path, NULL };
    struct host_subprocess_result r;
    char *error = NULL;
    char *expected = NULL;
    int rc;
    int fd;

    (void)state;
    error = run_fails(missing, NULL, 0);
    assert_string_equal(error, "command not found: host-subprocess-no-such-command");
    free(error);
    error = run_fails(missing_path, NULL, 0);
    assert_string_equal(error, "command not found: /nonexistent/dir/cmd");
    free(error);
    error = NULL;

    /* Other spawn failures carry the system's reason: a 0600 file is not executable, even by root. */
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    rc = host_subprocess_run(not_executable, NULL, 0, &r, &error);
    unlink(path); /* before any assertion can end the test */
    if (rc == 0) {
        result_free(&r);
        fail_msg("%s ran", path);
    }
    assert_true(asprintf(&expected, "cannot run %s: Permission denied", path) > 0);
    assert_string_equal(error, expected);
    free(expected);
    free(error);
    assert_clean();
}

static void subprocess_killed_by_signal(void **state)
{
    char *kill9[] = { "sh", "-c", "echo before; kill -9 $$; echo after", NULL };
    char *term[] = { "sh", "-c", "kill -TERM $$", NULL };
    struct host_subprocess_result r;

    (void)state;
    run_ok(kill9, NULL, 0, &r);
    assert_int_equal(r.exit_code, 128 + SIGKILL);
    assert_string_equal(r.out, "before\n"); /* what came out before the signal is kept */
    result_free(&r);
    run_ok(term, NULL, 0, &r);
    assert_int_equal(r.exit_code, 128 + SIGTERM);
    result_free(&r);
    assert_clean();
}

static void assert_repeats(const char *s, size_t len, const char *unit)
{
    size_t ulen = strlen(unit);
    assert_int_equal(strlen(s), len);
    for (size_t i = 0; i < len; i += ulen) {
        if (memcmp(s + i, unit, len - i < ulen ? len - i : ulen) != 0) {
            fail_msg("unexpected bytes at offset %zu", i);
        }
    }
}

/* 8 MiB on each stream at the same time: fills both pipes, only works if both are drained. */
static void subprocess_large_output_both_streams(void **state)
{
    char *argv[] = { "sh", "-c", "yes efgh | head -c 8388608 >&2 & yes abcd | head -c 8388608; wait", NULL };
    char *seq[] = { "sh", "-c", "yes ijkl | head -c 8388608 >&2; yes mnop | head -c 8388608", NULL };
    struct host_subprocess_result r;

    (void)state;
    run_ok(argv, NULL, 0, &r);
    assert_int_equal(r.exit_code, 0);
    assert_repeats(r.out, 8388608, "abcd\n");
    assert_repeats(r.err, 8388608, "efgh\n");
    result_free(&r);
    /* stderr first, then stdout: a reader blocked on stdout alone would deadlock here. */
    run_ok(seq, NULL, 0, &r);
    assert_repeats(r.out, 8388608, "mnop\n");
    assert_repeats(r.err, 8388608, "ijkl\n");
    result_free(&r);
    assert_clean();
}

/* Past the bound the child is killed and the call fails; the bound itself is accepted. */
static void subprocess_output_over_bound(void **state)
{
    char *exact[] = { "sh", "-c", "yes | head -c 1000; yes | head -c 1000 >&2", NULL };
    char *over_out[] = { "sh", "-c", "yes | head -c 1001", NULL };
    char *over_err[] = { "sh", "-c", "yes | head -c 1001 >&2", NULL };
    char *endless[] = { "yes", NULL };
    struct host_subprocess_result r;
    char *error;

    (void)state;
    run_ok(exact, NULL, 1000, &r);
    assert_int_equal(strlen(r.out), 1000);
    assert_int_equal(strlen(r.err), 1000);
    result_free(&r);
    error = run_fails(over_out, NULL, 1000);
    assert_string_equal(error,
                        "output of sh on stdout exceeded the limit of 1000 bytes (setting subprocess_output_limit); the process was killed");
    free(error);
    error = run_fails(over_err, NULL, 1000);
    assert_string_equal(error,
                        "output of sh on stderr exceeded the limit of 1000 bytes (setting subprocess_output_limit); the process was killed");
    free(error);
    /* A command that never stops writing is stopped: no hang, no zombie. */
    error = run_fails(endless, NULL, 1024 * 1024);
    assert_string_equal(
        error, "output of yes on stdout exceeded the limit of 1048576 bytes (setting "
               "subprocess_output_limit); the process was killed");
    free(error);
    assert_clean();
}

/* The default bound: far over the 16 MiB it used to be. */
static void subprocess_default_bound(void **state)
{
    /* one byte over the 16 MiB this host used to refuse: the default takes it */
    char *over_old[] = { "sh", "-c", "yes | head -c 16777217", NULL };
    struct host_subprocess_result r;

    (void)state;
    assert_true(HOST_SUBPROCESS_DEFAULT_MAX_OUTPUT >= (size_t)1024 * 1024 * 1024);
    run_ok(over_old, NULL, 0, &r);
    assert_int_equal(strlen(r.out), 16777217);
    result_free(&r);
    /* "no limit" is a bound that cannot wrap around when one byte is added to it */
    run_ok(over_old, NULL, (size_t)-1, &r);
    assert_int_equal(strlen(r.out), 16777217);
    result_free(&r);
    assert_clean();
}

static void subprocess_env_replaces_environment(void **state)
{
    char *argv[] = { "env", NULL };
    char *env[] = { "FOO=bar", NULL };
    char *empty_env[] = { NULL };
    struct host_subprocess_result r;

    (void)state;
    /* A marker in the host's environment must not reach a child given its own. */
    assert_int_equal(setenv("HOST_SUBPROCESS_MARKER", "leaked", 1), 0);
    run_ok(argv, env, 0, &r);
    assert_string_equal(r.out, "FOO=bar\n");
    assert_int_equal(r.exit_code, 0);
    result_free(&r);
    run_ok(argv, empty_env, 0, &r);
    assert_string_equal(r.out, "");
    result_free(&r);
    unsetenv("HOST_SUBPROCESS_MARKER");
    assert_clean();
}

static void subprocess_env_null_inherits(void **state)
{
    char *argv[] = { "sh", "-c", "printf %s \"$HOST_SUBPROCESS_MARKER\"", NULL };
    struct host_subprocess_result r;

    (void)state;
    assert_int_equal(setenv("HOST_SUBPROCESS_MARKER", "inherited-42", 1), 0);
    run_ok(argv, NULL, 0, &r);
    assert_string_equal(r.out, "inherited-42");
    result_free(&r);
    unsetenv("HOST_SUBPROCESS_MARKER");
    assert_clean();
}

/*
 * The child sees 0, 1 and 2 only, even when the host holds descriptors
 * without close-on-exec: ls lists /proc/self/fd through its own descriptor,
 * which is the lowest free one, 3; anything leaked would show as 3 or more
 * and push ls's own to 4 or beyond.
 */
static void subprocess_no_fd_leak(void **state)
{
    char *ls[] = { "ls", "/proc/self/fd", NULL };
    char *stdin_link[] = { "readlink", "/proc/self/fd/0", NULL };
    struct host_subprocess_result r;
    int leaky = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
    int leaky_pipe[2];

    (void)state;
    assert_true(leaky >= 0);
    assert_int_equal(pipe(leaky_pipe), 0);
    run_ok(ls, NULL, 0, &r);
    assert_string_equal(r.out, "0\n1\n2\n3\n");
    assert_int_equal(r.exit_code, 0);
    result_free(&r);
    run_ok(stdin_link, NULL, 0, &r);
    assert_string_equal(r.out, "/dev/null\n");
    result_free(&r);
    close(leaky);
    close(leaky_pipe[0]);
    close(leaky_pipe[1]);
    assert_clean();
}

/* Nor does the host leak descriptors of its own: the fd count is the same after runs, failed ones too. */
static void subprocess_no_fd_leak_in_host(void **state)
{
    char *ok[] = { "echo", "x", NULL };
    char *missing[] = { "host-subprocess-no-such-command", NULL };
    char *over[] = { "yes", NULL };
    struct host_subprocess_result r;
    int probe_before, probe_after;

    (void)state;
    probe_before = dup(0);
    close(probe_before);
    for (int i = 0; i < 20; i++) {
        run_ok(ok, NULL, 0, &r);
        result_free(&r);
        free(run_fails(missing, NULL, 0));
        free(run_fails(over, NULL, 4096));
    }
    probe_after = dup(0);
    close(probe_after);
    assert_int_equal(probe_after, probe_before);
    assert_clean();
}

/* Signals blocked or ignored by the calling thread are back to normal in the child. */
static void subprocess_signal_state_reset(void **state)
{
    char *term[] = { "sh", "-c", "kill -TERM $$; echo survived", NULL };
    char *intr[] = { "sh", "-c", "kill -INT $$; echo survived", NULL };
    struct host_subprocess_result r;
    sigset_t block, old_mask;
    struct sigaction ign, old_int;

    (void)state;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    assert_int_equal(sigaction(SIGINT, &ign, &old_int), 0);

    run_ok(term, NULL, 0, &r);
    assert_int_equal(r.exit_code, 128 + SIGTERM);
    assert_string_equal(r.out, "");
    result_free(&r);
    run_ok(intr, NULL, 0, &r);
    assert_int_equal(r.exit_code, 128 + SIGINT);
    result_free(&r);

    sigaction(SIGINT, &old_int, NULL);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    assert_clean();
}

static void subprocess_invalid_arguments(void **state)
{
    char *empty[] = { NULL };
    char *argv[] = { "echo", NULL };
    struct host_subprocess_result r;
    char *error = NULL;

    (void)state;
    assert_int_equal(host_subprocess_run(NULL, NULL, 0, &r, &error), -1);
    assert_string_equal(error, "invalid arguments: argv is NULL");
    free(error);
    error = NULL;
    assert_int_equal(host_subprocess_run(empty, NULL, 0, &r, &error), -1);
    assert_string_equal(error, "invalid arguments: argv[0] is NULL");
    free(error);
    error = NULL;
    assert_int_equal(host_subprocess_run(argv, NULL, 0, NULL, &error), -1);
    assert_string_equal(error, "invalid arguments: result is NULL");
    free(error);
    /* error may be NULL: the return value still tells. */
    assert_int_equal(host_subprocess_run(NULL, NULL, 0, &r, NULL), -1);
    assert_clean();
}

struct runner {
    int failures;
    int index;
};

static void *run_many(void *arg)
{
    struct runner *rn = arg;
    char word[16];
    char expected[32];
    char *argv[] = { "echo", word, NULL };

    snprintf(word, sizeof(word), "thread%d", rn->index);
    snprintf(expected, sizeof(expected), "thread%d\n", rn->index);
    for (int i = 0; i < 25; i++) {
        struct host_subprocess_result r;
        char *error = NULL;
        if (host_subprocess_run(argv, NULL, 0, &r, &error) != 0) {
            rn->failures++;
            free(error);
            continue;
        }
        if (strcmp(r.out, expected) != 0 || r.exit_code != 0) {
            rn->failures++;
        }
        result_free(&r);
    }
    return NULL;
}

/* Threads run commands at once; each gets its own output and reaps its own child. */
static void subprocess_concurrent_threads(void **state)
{
    struct runner runners[4];
    pthread_t threads[4];

    (void)state;
    for (int i = 0; i < 4; i++) {
        runners[i].failures = 0;
        runners[i].index = i;
        assert_int_equal(pthread_create(&threads[i], NULL, run_many, &runners[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(runners[i].failures, 0);
    }
    assert_clean();
}

/* Whether pid is gone (reaped by its new parent), waiting up to 3 s: kill(pid, 0) also succeeds on zombies. */
static int gone_within(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    for (int i = 0; i < 300; i++) {
        FILE *f = fopen(path, "r");
        char state = '?';
        if (f == NULL) {
            return 1;
        }
        if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1) {
            state = '?';
        }
        fclose(f);
        if (state == 'Z') {
            return 1;
        }
        usleep(10000);
    }
    return 0;
}

/* The command leads a process group of its own; what it leaves in that group dies when it exits. */
static void subprocess_own_group_and_leftovers_killed(void **state)
{
    char *argv[] = { "sh", "-c", "cut -d' ' -f5 /proc/$$/stat; echo $$; sleep 60 >/dev/null 2>&1 & echo $!", NULL };
    struct host_subprocess_result r;
    int pgid = 0, pid = 0, left = 0;

    (void)state;
    run_ok(argv, NULL, 0, &r);
    assert_int_equal(sscanf(r.out, "%d %d %d", &pgid, &pid, &left), 3);
    assert_int_equal(pgid, pid);
    assert_true(getpgrp() != pgid);
    assert_true(gone_within(left));
    result_free(&r);
    assert_clean();
}

struct owned_run {
    const void *owner;
    char pidfile[64];
    int rc;
    char *error;
    double seconds;
};

static void *run_owned(void *arg)
{
    struct owned_run *o = arg;
    char script[256];
    char *argv[] = { "sh", "-c", script, NULL };
    struct host_subprocess_result r;
    struct timespec t0, t1;

    snprintf(script, sizeof(script), "sleep 60 & echo $! > %s.tmp; mv %s.tmp %s; wait", o->pidfile,
             o->pidfile, o->pidfile);
    host_children_set_owner(o->owner);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    o->rc = host_subprocess_run(argv, NULL, 0, &r, &o->error);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    o->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (o->rc == 0) {
        result_free(&r);
    }
    host_children_set_owner(NULL);
    return NULL;
}

/*
 * The parent registers a command's group once vfork returns, which on a
 * loaded machine can come after the command already wrote its pidfile: a
 * kill finding nothing yet is retried, and the count must then be exact.
 */
static int kill_registered(const void *owner)
{
    for (int i = 0; i < 500; i++) {
        int killed = host_children_kill(owner);
        if (killed > 0) {
            return killed;
        }
        usleep(10000);
    }
    return 0;
}

static pid_t wait_pidfile(const char *path)
{
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            int pid = 0;
            int n = fscanf(f, "%d", &pid);
            fclose(f);
            if (n == 1) {
                return pid;
            }
        }
        usleep(10000);
    }
    return -1;
}

/*
 * Killing an owner's groups (a cancelled run) ends its command and the
 * command's own children at once, and the call says why; another owner's
 * command is untouched until its own turn.
 */
static void subprocess_owner_kill(void **state)
{
    static const char mine_owner = 'a', other_owner = 'b';
    struct owned_run mine = { &mine_owner, "", -2, NULL, 0 };
    struct owned_run other = { &other_owner, "", -2, NULL, 0 };
    pthread_t t1, t2;

    (void)state;
    snprintf(mine.pidfile, sizeof(mine.pidfile), "/tmp/host_subprocess_mine_%d", (int)getpid());
    snprintf(other.pidfile, sizeof(other.pidfile), "/tmp/host_subprocess_other_%d", (int)getpid());
    unlink(mine.pidfile);
    unlink(other.pidfile);
    assert_int_equal(pthread_create(&t1, NULL, run_owned, &mine), 0);
    assert_int_equal(pthread_create(&t2, NULL, run_owned, &other), 0);
    pid_t mine_sleep = wait_pidfile(mine.pidfile);
    pid_t other_sleep = wait_pidfile(other.pidfile);
    assert_true(mine_sleep > 0 && other_sleep > 0);

    assert_int_equal(kill_registered(&mine_owner), 1);
    pthread_join(t1, NULL);
    assert_int_equal(mine.rc, -1);
    assert_string_equal(mine.error, "sh was killed: the check run was cancelled or the host is stopping");
    assert_true(mine.seconds < 30);
    assert_true(gone_within(mine_sleep));
    assert_int_equal(kill(other_sleep, 0), 0); /* still running */

    assert_int_equal(kill_registered(NULL), 1);
    pthread_join(t2, NULL);
    assert_int_equal(other.rc, -1);
    assert_true(gone_within(other_sleep));
    assert_int_equal(host_children_kill(NULL), 0); /* nothing registered any more */
    free(mine.error);
    free(other.error);
    unlink(mine.pidfile);
    unlink(other.pidfile);
    assert_clean();
}

#define T(name) cmocka_unit_test_setup(name, clean_setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(subprocess_echo),
        T(subprocess_absolute_path_and_empty_output),
        T(subprocess_stderr_separate),
        T(subprocess_nonzero_exit),
        T(subprocess_missing_binary),
        T(subprocess_killed_by_signal),
        T(subprocess_large_output_both_streams),
        T(subprocess_output_over_bound),
        T(subprocess_default_bound),
        T(subprocess_env_replaces_environment),
        T(subprocess_env_null_inherits),
        T(subprocess_no_fd_leak),
        T(subprocess_no_fd_leak_in_host),
        T(subprocess_signal_state_reset),
        T(subprocess_invalid_arguments),
        T(subprocess_concurrent_threads),
        T(subprocess_own_group_and_leftovers_killed),
        T(subprocess_owner_kill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
