/*
 * test_crash.c - handle_crashes (spec §1.2 25, §4.8). No Python needed.
 *
 * Everything that installs the crash handler or crashes runs in a forked
 * child whose stderr the parent captures through a pipe; the child reports
 * through its exit status and stderr, the parent asserts. Children lower
 * RLIMIT_CORE to 0 before crashing (no core files) and arm alarm() so that
 * a handler that loops shows up as death by SIGALRM instead of a hang.
 */
#include "rtl_test.h"
#include "rtl_child.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* The short names this file always used for the shared child helpers (rtl_child.h). */
#define child rtl_child
#define child_say rtl_child_say
#define run_child rtl_child_run
#define assert_child_exited rtl_child_assert_exited
#define assert_child_signaled rtl_child_assert_signaled
#define assert_child_said rtl_child_assert_said

/* The crash handler's report: header, stack header, at least one frame. */
static void assert_stacktrace_printed(void)
{
    assert_child_said("HANDLER CAUGHT signal 11");
    assert_child_said("C-LAND STACKTRACE");
    assert_child_said("\n  0x");
}

/* ---- child bodies (async-signal-safe where it matters) --------------------------------- */

#define no_core_files rtl_child_no_core_files

static void set_previous(void (*handler)(int), void (*action)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    if (action != NULL) {
        sa.sa_flags = SA_SIGINFO;
        sa.sa_sigaction = action;
    } else {
        sa.sa_handler = handler;
    }
    if (sigaction(SIGSEGV, &sa, NULL) != 0) {
        child_say("CHILD: sigaction failed\n");
        _exit(2);
    }
}

static void install_crash_handler(void)
{
    char *err = NULL;
    if (handle_crashes(0, 1, &err) != 1) {
        child_say("CHILD: handle_crashes failed: ");
        child_say(err != NULL ? err : "(no error)");
        child_say("\n");
        _exit(3);
    }
}

static void previous_siginfo_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    child_say("PREVIOUS SIGINFO HANDLER RAN\n");
    _exit(sig == SIGSEGV && si != NULL ? 42 : 41);
}

static void previous_plain_handler(int sig)
{
    child_say("PREVIOUS PLAIN HANDLER RAN\n");
    _exit(sig == SIGSEGV ? 43 : 41);
}

/*
 * A real hardware fault (si_code SEGV_ACCERR > 0): a store to a PROT_NONE
 * page. Not a NULL store, which UBSan would report instead of executing.
 */
static void invalid_write(void)
{
    void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        child_say("CHILD: mmap failed\n");
        _exit(2);
    }
    volatile int *volatile p = page;
    *p = 42;
}

static volatile int stop_recursion;

static int recurse(volatile char *parent, int depth)
{
    volatile char frame[4096];
    frame[0] = (char)depth;
    frame[sizeof(frame) - 1] = parent != NULL ? parent[0] : 0;
    if (stop_recursion) {
        return frame[0];
    }
    return recurse(frame, depth + 1) + frame[1];
}

static void body_fault_with_siginfo_previous(void)
{
    no_core_files();
    set_previous(NULL, previous_siginfo_handler);
    install_crash_handler();
    invalid_write();
}

static void body_fault_without_previous(void)
{
    no_core_files();
    set_previous(SIG_DFL, NULL);
    install_crash_handler();
    invalid_write();
}

static void body_raise_without_previous(void)
{
    no_core_files();
    set_previous(SIG_DFL, NULL);
    install_crash_handler();
    raise(SIGSEGV);
}

static void body_raise_with_plain_previous(void)
{
    no_core_files();
    set_previous(previous_plain_handler, NULL);
    install_crash_handler();
    raise(SIGSEGV);
}

static void body_kill_with_siginfo_previous(void)
{
    no_core_files();
    set_previous(NULL, previous_siginfo_handler);
    install_crash_handler();
    kill(getpid(), SIGSEGV);
}

static void body_installed_twice(void)
{
    no_core_files();
    set_previous(NULL, previous_siginfo_handler);
    install_crash_handler();
    install_crash_handler();
    invalid_write();
}

static void body_stack_overflow(void)
{
    no_core_files();
    set_previous(SIG_DFL, NULL);
    install_crash_handler();
    recurse(NULL, 0);
}

/* ---- tests ------------------------------------------------------------------------- */

static void crash_nothing_to_do(void **state)
{
    (void)state;
    static char sentinel[] = "untouched";
    char *err = sentinel;
    enable_memory_tracker();
    assert_int_equal(handle_crashes(0, 0, &err), 1);
    assert_ptr_equal(err, sentinel);
}

/* Hardware fault, previous SA_SIGINFO handler: report, then the previous handler runs. */
static void crash_stacktrace_chains_to_previous_handler(void **state)
{
    (void)state;
    run_child(body_fault_with_siginfo_previous);
    assert_child_exited(42);
    assert_stacktrace_printed();
    assert_child_said("PREVIOUS SIGINFO HANDLER RAN");
    assert_true(strstr(child.err, "HANDLER CAUGHT signal 11") <
                strstr(child.err, "PREVIOUS SIGINFO HANDLER RAN"));
}

/*
 * Hardware fault, previous disposition SIG_DFL: the handler restores SIG_DFL
 * and returns, the fault re-occurs, the process dies of SIGSEGV.
 */
static void crash_stacktrace_fault_without_previous_dies_of_sigsegv(void **state)
{
    (void)state;
    run_child(body_fault_without_previous);
    assert_child_signaled(SIGSEGV);
    assert_stacktrace_printed();
}

/* A sent (not hardware) SIGSEGV with no handler to chain to: message, then SIGABRT. */
static void crash_stacktrace_sent_signal_without_previous_aborts(void **state)
{
    (void)state;
    run_child(body_raise_without_previous);
    assert_child_signaled(SIGABRT);
    assert_stacktrace_printed();
    assert_child_said("Received SIGSEGV and no handler to chain to. Aborting.");
}

/* A sent SIGSEGV is passed to the previous handler directly: 1-arg form ... */
static void crash_stacktrace_sent_signal_calls_plain_previous(void **state)
{
    (void)state;
    run_child(body_raise_with_plain_previous);
    assert_child_exited(43);
    assert_stacktrace_printed();
    assert_child_said("PREVIOUS PLAIN HANDLER RAN");
}

/* ... and 3-arg form. */
static void crash_stacktrace_sent_signal_calls_siginfo_previous(void **state)
{
    (void)state;
    run_child(body_kill_with_siginfo_previous);
    assert_child_exited(42);
    assert_stacktrace_printed();
    assert_child_said("PREVIOUS SIGINFO HANDLER RAN");
}

/* Installing twice must not chain the handler to itself (that would loop forever). */
static void crash_stacktrace_installed_twice(void **state)
{
    (void)state;
    run_child(body_installed_twice);
    assert_child_exited(42);
    assert_stacktrace_printed();
    assert_child_said("PREVIOUS SIGINFO HANDLER RAN");
}

/* A stack overflow is reported too: the handler runs on its alternate stack. */
static void crash_stacktrace_on_stack_overflow(void **state)
{
    (void)state;
    run_child(body_stack_overflow);
    assert_child_signaled(SIGSEGV);
    assert_child_said("HANDLER CAUGHT signal 11");
}

static void body_coredump(void)
{
    char *err = NULL;
    struct rlimit rl;
    enable_memory_tracker();
    if (handle_crashes(1, 0, &err) != 1) {
        child_say("CHILD: handle_crashes(1, 0) failed: ");
        child_say(err != NULL ? err : "(no error)");
        child_say("\n");
        _exit(3);
    }
    if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != RLIM_INFINITY ||
        rl.rlim_max != RLIM_INFINITY) {
        child_say("CHILD: RLIMIT_CORE is not unlimited\n");
        _exit(4);
    }
    _exit(0);
}

static void body_coredump_not_permitted(void)
{
    char *err = NULL;
    struct rlimit rl = {0, 0};
    /* Lower the hard limit, then lose the right to raise it again. */
    if (setrlimit(RLIMIT_CORE, &rl) != 0) {
        child_say("CHILD: cannot lower RLIMIT_CORE\n");
        _exit(5);
    }
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
        child_say("CHILD: cannot drop root privileges (setuid 65534)\n");
        _exit(5);
    }
    enable_memory_tracker();
    get_and_reset_memory_stats();
    if (handle_crashes(1, 0, &err) != 0) {
        child_say("CHILD: handle_crashes(1, 0) succeeded without permission\n");
        _exit(6);
    }
    child_say("ERROR=[");
    child_say(err != NULL ? err : "(NULL)");
    child_say("]\n");
    struct memory_stats s = get_and_reset_memory_stats();
    _free(err);
    struct memory_stats s2 = get_and_reset_memory_stats();
    if (s.allocations != 1 || s2.frees != 1 || s.allocated_bytes != s2.freed_bytes) {
        child_say("CHILD: the error message is not one rtloader allocation\n");
        _exit(7);
    }
    _exit(0);
}

/*
 * RLIMIT_CORE soft and hard set to unlimited. Raising the hard limit needs
 * privilege: without it (non-root, finite hard limit) the failure path is
 * what must happen.
 */
static void crash_coredump_sets_unlimited_core_limit(void **state)
{
    (void)state;
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
    if (geteuid() == 0 || rl.rlim_max == RLIM_INFINITY) {
        run_child(body_coredump);
        assert_child_exited(0);
    } else {
        run_child(body_coredump_not_permitted);
        assert_child_exited(0);
        assert_child_said("ERROR=[unable to enable core dump: Operation not permitted]");
    }
}

static void crash_coredump_failure_sets_error(void **state)
{
    (void)state;
    run_child(body_coredump_not_permitted);
    assert_child_exited(0);
    assert_child_said("ERROR=[unable to enable core dump: Operation not permitted]");
}

static const struct CMUnitTest tests[] = {
    RTL_TEST_NOGIL(crash_nothing_to_do),
    RTL_TEST_NOGIL(crash_stacktrace_chains_to_previous_handler),
    RTL_TEST_NOGIL(crash_stacktrace_fault_without_previous_dies_of_sigsegv),
    RTL_TEST_NOGIL(crash_stacktrace_sent_signal_without_previous_aborts),
    RTL_TEST_NOGIL(crash_stacktrace_sent_signal_calls_plain_previous),
    RTL_TEST_NOGIL(crash_stacktrace_sent_signal_calls_siginfo_previous),
    RTL_TEST_NOGIL(crash_stacktrace_installed_twice),
    RTL_TEST_NOGIL(crash_stacktrace_on_stack_overflow),
    RTL_TEST_NOGIL(crash_coredump_sets_unlimited_core_limit),
    RTL_TEST_NOGIL(crash_coredump_failure_sets_error),
};

RTL_TEST_MAIN(tests, NULL, NULL)
