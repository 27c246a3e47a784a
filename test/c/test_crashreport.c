/*
 * test_crashreport.c - crash reports of processes that run Python through
 * rtloader (spec §4.8, docs/crash.md; issue 9 item 4): every thread that
 * calls ensure_gil gets an alternate signal stack, released when it ends;
 * the report names each C frame's module and offset, lists the load map
 * and ends with the crashing thread's Python traceback; the previous
 * handler still runs.
 *
 * The crashing checks (fixtures/ctest_crash.py) reach the two exported C
 * functions below through ctypes. Children are forked (rtl_child.h).
 */
#include "rtl_child.h"
#include "rtl_test.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define THREAD_STACK (512 * 1024)
#define ALT_STACK_SIZE (64 * 1024)

/* ---- what the check calls (exported: ENABLE_EXPORTS and default visibility) --------- */

#define EXPORTED __attribute__((visibility("default")))

static volatile int stop_recursion;

EXPORTED __attribute__((noinline)) int rtl_crash_test_overflow_at(volatile char *parent, int depth)
{
    volatile char frame[4096];
    frame[0] = (char)depth;
    frame[sizeof(frame) - 1] = parent != NULL ? parent[0] : 0;
    if (stop_recursion) {
        return frame[0];
    }
    return rtl_crash_test_overflow_at(frame, depth + 1) + frame[1];
}

EXPORTED void rtl_crash_test_overflow(void)
{
    rtl_crash_test_overflow_at(NULL, 0);
}

/* A real hardware fault (not a NULL store, which UBSan would report instead). */
EXPORTED void rtl_crash_test_segv(void)
{
    void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        rtl_child_say("CHILD: mmap failed\n");
        _exit(2);
    }
    volatile int *volatile p = page;
    *p = 42;
}

/* ---- child helpers ------------------------------------------------------------------- */

static rtloader_t *rt;

static void child_fail(const char *what, const char *detail)
{
    rtl_child_say("CHILD: ");
    rtl_child_say(what);
    rtl_child_say(detail != NULL ? detail : "");
    rtl_child_say("\n");
    _exit(3);
}

static void handle_crashes_or_die(void)
{
    char *err = NULL;
    if (handle_crashes(0, 1, &err) != 1) {
        child_fail("handle_crashes failed: ", err);
    }
}

/* make3 (this pass's Python) + the fixtures path + init, without cmocka (we are in a child). */
static void start_rtloader(void)
{
    char *err = NULL;
    rt = make3(rtl_test_python_home(), RTL_TEST_PYTHON_EXE, &err);
    if (rt == NULL) {
        child_fail("make3 failed: ", err);
    }
    add_python_path(rt, FIXTURES_DIR);
    if (!init(rt)) {
        child_fail("init failed: ", get_error(rt));
    }
}

/* Runs ctest_crash's check with {"how": how}; returns only if it did not crash. */
static void run_crash_check(const char *how)
{
    char instance[64];
    snprintf(instance, sizeof(instance), "{\"how\": \"%s\"}", how);
    rtloader_gilstate_t gil = ensure_gil(rt);
    rtloader_pyobject_t *module = NULL, *klass = NULL, *check = NULL;
    if (!get_class(rt, "ctest_crash", &module, &klass)
        || !get_check(rt, klass, "{}", instance, "ctest_crash:id", "ctest_crash", "", &check)) {
        child_fail("loading ctest_crash: ", get_error(rt));
    }
    char *result = run_check(rt, check);
    child_fail("the check returned: ", result != NULL ? result : get_error(rt));
    release_gil(rt, gil);
}

static void *overflow_thread(void *arg)
{
    (void)arg;
    run_crash_check("overflow");
    return NULL;
}

/* A host's worker thread with a small stack (the overflow comes quickly). */
static void run_on_thread(void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, THREAD_STACK);
    if (pthread_create(&thread, &attr, fn, arg) != 0) {
        child_fail("pthread_create failed", NULL);
    }
    pthread_join(thread, NULL);
    pthread_attr_destroy(&attr);
}

static void set_default_segv(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigaction(SIGSEGV, &sa, NULL);
}

/* ---- parent-side checks of a report -------------------------------------------------- */

static const char *self_exe(void)
{
    static char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    assert_true(n > 0);
    path[n] = '\0';
    return path;
}

static void assert_report_sections(void)
{
    rtl_child_assert_said("HANDLER CAUGHT signal 11\n");
    rtl_child_assert_said("C-LAND STACKTRACE (raw addresses; symbolize offline):\n  0x");
    rtl_child_assert_said("C-LAND FRAMES BY MODULE");
    rtl_child_assert_said("LOADED MODULES (load address, path):\n");
    rtl_child_assert_said("libdatadog-agent-three");
    rtl_child_assert_said("libpython3.");
    rtl_child_assert_said("PYTHON STACKTRACE of the crashing thread:\n");
    /* the C frames come before the Python ones */
    assert_true(strstr(rtl_child.err, "C-LAND FRAMES BY MODULE")
                < strstr(rtl_child.err, "PYTHON STACKTRACE"));
}

/* The crashing thread's Python traceback names the check's functions, innermost first. */
static void assert_python_traceback(const char *innermost)
{
    char line[256];
    snprintf(line, sizeof(line), "ctest_crash.py\", line ");
    rtl_child_assert_said(line);
    snprintf(line, sizeof(line), " in %s\n", innermost);
    rtl_child_assert_said(line);
    rtl_child_assert_said(" in check\n");
    rtl_child_assert_said(" in run\n");
    const char *python = strstr(rtl_child.err, "PYTHON STACKTRACE");
    assert_non_null(python);
    assert_true(strstr(python, innermost) < strstr(python, " in check\n"));
}

/*
 * A frame of this program, as "<exe>+0x<offset>", turned into a function
 * name with addr2line, as docs/crash.md says: the load map is usable.
 */
static void assert_frame_symbolises_to(const char *function)
{
    char needle[PATH_MAX + 8];
    snprintf(needle, sizeof(needle), " %s+0x", self_exe());
    const char *frame = strstr(rtl_child.err, needle);
    if (frame == NULL) {
        print_error("no frame of %s in the report:\n%s\n", self_exe(), rtl_child.err);
        fail();
    }
    unsigned long offset = strtoul(frame + strlen(needle), NULL, 16);
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof(cmd), "addr2line -f -e '%s' 0x%lx 2>/dev/null", self_exe(), offset - 1);
    FILE *p = popen(cmd, "r");
    char out[512] = "";
    size_t n = p != NULL ? fread(out, 1, sizeof(out) - 1, p) : 0;
    int rc = p != NULL ? pclose(p) : -1;
    out[n] = '\0';
    if (rc != 0) {
        printf("SKIPPED symbolisation check: addr2line (binutils) did not run\n");
        return;
    }
    if (strstr(out, function) == NULL) {
        print_error("addr2line on %s+0x%lx gave [%s], expected %s\n", self_exe(), offset, out,
                    function);
        fail();
    }
}

/* ---- children ------------------------------------------------------------------------ */

static void body_thread_overflow(void)
{
    rtl_child_no_core_files();
    set_default_segv();
    handle_crashes_or_die(); /* on the main thread, as a host does */
    start_rtloader();
    run_on_thread(overflow_thread, NULL);
}

static void body_main_thread_segv(void)
{
    rtl_child_no_core_files();
    set_default_segv();
    handle_crashes_or_die();
    start_rtloader();
    run_crash_check("segv");
}

static void body_main_thread_segv_named(void)
{
    rtl_child_no_core_files();
    set_default_segv();
    handle_crashes_or_die();
    start_rtloader();
    run_crash_check("segv_named");
}

/* Like Go's: SA_ONSTACK, so it can run after a stack overflow too. */
static void previous_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    rtl_child_say("PREVIOUS HANDLER RAN\n");
    _exit(sig == SIGSEGV && si != NULL && si->si_code > 0 ? 42 : 41);
}

static void body_thread_overflow_chains(void)
{
    rtl_child_no_core_files();
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = previous_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    handle_crashes_or_die();
    start_rtloader();
    run_on_thread(overflow_thread, NULL);
}

/* ---- tests --------------------------------------------------------------------------- */

/*
 * A stack overflow in a check on a non-main thread: before, the thread had
 * no alternate stack and the process died silently (exit 139).
 */
static void crashreport_thread_overflow_in_check(void **state)
{
    (void)state;
    rtl_child_run(body_thread_overflow);
    rtl_child_assert_signaled(SIGSEGV);
    assert_report_sections();
    assert_python_traceback("overflow_the_c_stack");
    assert_frame_symbolises_to("rtl_crash_test_overflow_at");
}

static void crashreport_main_thread_segv_in_check(void **state)
{
    (void)state;
    rtl_child_run(body_main_thread_segv);
    rtl_child_assert_signaled(SIGSEGV);
    assert_report_sections();
    assert_python_traceback("write_through_a_bad_pointer");
    assert_frame_symbolises_to("rtl_crash_test_segv");
}

/* After the report, the previous handler (Go's, in the Agent) still runs. */
static void crashreport_thread_overflow_chains_to_previous(void **state)
{
    (void)state;
    rtl_child_run(body_thread_overflow_chains);
    rtl_child_assert_exited(42);
    assert_report_sections();
    rtl_child_assert_said("PREVIOUS HANDLER RAN\n");
    assert_true(strstr(rtl_child.err, "PYTHON STACKTRACE")
                < strstr(rtl_child.err, "PREVIOUS HANDLER RAN"));
}

/* ---- the alternate stacks themselves (in this process) ------------------------------- */

/*
 * ASan gives every thread an alternate stack of its own, and ours then
 * (rightly) leaves it alone: run these without it so that ours is seen.
 */
static void without_asan_alt_stacks(void)
{
    const char *prev = getenv("ASAN_OPTIONS");
    if (prev != NULL && strstr(prev, "use_sigaltstack=0") != NULL) {
        return;
    }
    char value[1024];
    snprintf(value, sizeof(value), "%s%suse_sigaltstack=0", prev != NULL ? prev : "",
             prev != NULL && prev[0] != '\0' ? ":" : "");
    rtl_test_reexec_with_env("ASAN_OPTIONS", value);
}

struct seen {
    stack_t before, during, again;
    int own_installed;
    char guard_perms[8];
};

/* The permissions of the mapping that contains `addr`, from /proc/self/maps. */
static void perms_of(const void *addr, char perms[8])
{
    strcpy(perms, "?");
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    char line[1024];
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long start, end;
        char p[8];
        if (sscanf(line, "%lx-%lx %7s", &start, &end, p) == 3 && (unsigned long)addr >= start
            && (unsigned long)addr < end) {
            strcpy(perms, p);
            break;
        }
    }
    fclose(f);
}

static void *look_at_alt_stack(void *arg)
{
    struct seen *seen = arg;
    sigaltstack(NULL, &seen->before);
    rtloader_gilstate_t gil = ensure_gil(rtl_test_rt);
    sigaltstack(NULL, &seen->during);
    if (!(seen->during.ss_flags & SS_DISABLE)) {
        perms_of((char *)seen->during.ss_sp - 1, seen->guard_perms);
    }
    release_gil(rtl_test_rt, gil);
    /* a second ensure_gil on the same thread keeps the same stack */
    gil = ensure_gil(rtl_test_rt);
    sigaltstack(NULL, &seen->again);
    release_gil(rtl_test_rt, gil);
    return NULL;
}

static int is_mapped(void *addr, size_t len)
{
    long page = sysconf(_SC_PAGESIZE);
    void *start = (void *)((unsigned long)addr & ~((unsigned long)page - 1));
    return msync(start, len, MS_ASYNC) == 0 || errno != ENOMEM;
}

static void crashreport_thread_alt_stack_released_at_exit(void **state)
{
    (void)state;
    without_asan_alt_stacks();
    char *err = NULL;
    assert_int_equal(handle_crashes(0, 1, &err), 1);
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtl_test_mem_forget();
    for (int i = 0; i < 3; i++) {
        struct seen seen;
        memset(&seen, 0, sizeof(seen));
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, look_at_alt_stack, &seen), 0);
        assert_int_equal(pthread_join(thread, NULL), 0);
        assert_true(seen.before.ss_flags & SS_DISABLE);
        assert_false(seen.during.ss_flags & SS_DISABLE);
        assert_int_equal(seen.during.ss_size, ALT_STACK_SIZE);
        assert_ptr_equal(seen.again.ss_sp, seen.during.ss_sp);
        assert_string_equal(seen.guard_perms, "---p"); /* the guard page below it */
        /* the thread ended: its stack and guard page are unmapped */
        assert_false(is_mapped((char *)seen.during.ss_sp - 1, 1));
        assert_false(is_mapped(seen.during.ss_sp, ALT_STACK_SIZE));
    }
    rtl_assert_mem_balanced();
}

/* Without handle_crashes, ensure_gil installs nothing. */
static void crashreport_no_alt_stack_without_handle_crashes(void **state)
{
    (void)state;
    without_asan_alt_stacks();
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtl_test_mem_forget();
    struct seen seen;
    memset(&seen, 0, sizeof(seen));
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, look_at_alt_stack, &seen), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_true(seen.during.ss_flags & SS_DISABLE);
}

static char own_stack[ALT_STACK_SIZE];

static void *thread_with_own_alt_stack(void *arg)
{
    struct seen *seen = arg;
    stack_t ss = {.ss_sp = own_stack, .ss_size = sizeof(own_stack), .ss_flags = 0};
    seen->own_installed = sigaltstack(&ss, NULL) == 0;
    look_at_alt_stack(seen);
    stack_t off = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    sigaltstack(&off, NULL);
    return NULL;
}

/* A thread that has an alternate stack (as Go's threads do) keeps it. */
static void crashreport_thread_keeps_its_own_alt_stack(void **state)
{
    (void)state;
    without_asan_alt_stacks();
    char *err = NULL;
    assert_int_equal(handle_crashes(0, 1, &err), 1);
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtl_test_mem_forget();
    struct seen seen;
    memset(&seen, 0, sizeof(seen));
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, thread_with_own_alt_stack, &seen), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_true(seen.own_installed);
    assert_ptr_equal(seen.during.ss_sp, own_stack);
    assert_ptr_equal(seen.again.ss_sp, own_stack);
}

/*
 * A function name that is not ASCII is escaped as faulthandler escapes it,
 * whichever dumper this Python uses (CPython's own or crashdump.c's walk):
 * \xNN, \uNNNN, \UNNNNNNNN at fixed widths. The walk once wrote
 * "\U43f", which reads back ambiguously when hex digits follow.
 */
static void crashreport_non_ascii_names_escaped_as_faulthandler(void **state)
{
    (void)state;
    rtl_child_run(body_main_thread_segv_named);
    rtl_child_assert_signaled(SIGSEGV);
    assert_python_traceback("\\xe9crire_\\u043f_\\u4e2d_\\U00020000");
}

static const struct CMUnitTest tests[] = {
    RTL_TEST_NOGIL(crashreport_thread_overflow_in_check),
    RTL_TEST_NOGIL(crashreport_main_thread_segv_in_check),
    RTL_TEST_NOGIL(crashreport_thread_overflow_chains_to_previous),
    RTL_TEST_NOGIL(crashreport_non_ascii_names_escaped_as_faulthandler),
    RTL_TEST_NOGIL(crashreport_thread_alt_stack_released_at_exit),
    RTL_TEST_NOGIL(crashreport_no_alt_stack_without_handle_crashes),
    RTL_TEST_NOGIL(crashreport_thread_keeps_its_own_alt_stack),
};

RTL_TEST_MAIN(tests, NULL, NULL)
