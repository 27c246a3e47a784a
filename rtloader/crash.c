/*
 * crash.c - handle_crashes: core dumps and crash reports on SIGSEGV.
 *
 * The handler runs on an alternate stack (a stack overflow is a SIGSEGV
 * too; every thread that runs Python through rtloader has one, see
 * crash_stack.c) and uses only async-signal-safe calls: write(2), hand-made
 * number formatting, backtrace() once warmed up, open/read of
 * /proc/self/maps, sigaction, kill. The report (docs/crash.md): raw C
 * frames, the same frames as module+offset with the load map, then the
 * crashing thread's Python traceback from the backend. It then chains to
 * the handler that was installed before (Go's, in the Agent) so the host
 * still produces its own crash report.
 *
 * GIL: none. Process-wide; no rtloader handle involved.
 */
#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "crash.h"
#include "datadog_agent_rtloader.h"
#include "rtl_sigsafe.h"
#include "rtloader_mem.h"

#define MAX_FRAMES 500

static struct sigaction previous_action;
static volatile sig_atomic_t handler_installed;
/* One report at a time: the module table is static, and interleaved reports are unreadable. */
static atomic_flag reporting = ATOMIC_FLAG_INIT;
static void (*_Atomic python_dumper)(int fd);

void rtl_crash_set_python_dumper(void (*dumper)(int fd))
{
    atomic_store(&python_dumper, dumper);
}

static void write_str(const char *s)
{
    rtl_sigsafe_str(STDERR_FILENO, s);
}

static void write_unsigned(unsigned long value, unsigned base)
{
    rtl_sigsafe_unsigned(STDERR_FILENO, value, base);
}

/* Another thread is reporting: give it time to finish before this one chains. */
static void wait_for_other_report(void)
{
    struct timespec tick = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
    for (int i = 0; i < 500; i++) {
        if (!atomic_flag_test_and_set(&reporting)) {
            atomic_flag_clear(&reporting);
            return;
        }
        nanosleep(&tick, NULL);
    }
}

/*
 * The report: the spec's two lines and raw frames, then what makes them
 * actionable (frames by module, the load map, the Python traceback). The
 * Python part comes last: it reads interpreter state that the crash may
 * have corrupted, and a fault there ends the report, not the earlier parts.
 */
static void report(int sig)
{
    write_str("HANDLER CAUGHT signal ");
    write_unsigned((unsigned long)sig, 10);
    write_str("\nC-LAND STACKTRACE (raw addresses; symbolize offline):\n");

    void *frames[MAX_FRAMES];
    int count = backtrace(frames, MAX_FRAMES);
    for (int i = 0; i < count; i++) {
        write_str("  0x");
        write_unsigned((unsigned long)frames[i], 16);
        write_str("\n");
    }
    rtl_crash_print_modules(frames, count);

    void (*dumper)(int) = atomic_load(&python_dumper);
    write_str("PYTHON STACKTRACE of the crashing thread:\n");
    if (dumper != NULL) {
        dumper(STDERR_FILENO);
    } else {
        write_str("  (no Python backend loaded)\n");
    }
}

static void crash_handler(int sig, siginfo_t *info, void *ucontext)
{
    int saved_errno = errno;
    if (!atomic_flag_test_and_set(&reporting)) {
        report(sig);
        atomic_flag_clear(&reporting);
    } else {
        wait_for_other_report();
    }

    bool is_siginfo = (previous_action.sa_flags & SA_SIGINFO) != 0;
    bool ignored = !is_siginfo && previous_action.sa_handler == SIG_IGN;
    if (info != NULL && info->si_code > 0 && !ignored) {
        /* A hardware fault re-occurs when we return: with the previous
         * disposition back in place, the host (or the default action) sees
         * the genuine fault with its genuine context. */
        sigaction(SIGSEGV, &previous_action, NULL);
        errno = saved_errno;
        return;
    }
    if (is_siginfo && previous_action.sa_sigaction != NULL) {
        previous_action.sa_sigaction(sig, info, ucontext);
    } else if (!is_siginfo && previous_action.sa_handler != SIG_DFL && !ignored) {
        previous_action.sa_handler(sig);
    } else {
        write_str("Received SIGSEGV and no handler to chain to. Aborting.\n");
        kill(getpid(), SIGABRT);
    }
    errno = saved_errno;
}

DATADOG_AGENT_RTLOADER_API int handle_crashes(const int enable_coredump,
                                              const int enable_stacktrace, char **error)
{
    char *ignored = NULL;
    if (error == NULL) {
        error = &ignored;
    }
    if (enable_coredump) {
        struct rlimit core_limit = {.rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY};
        if (setrlimit(RLIMIT_CORE, &core_limit) != 0) {
            *error = rtl_crash_format_error("unable to enable core dump: %s", strerror(errno));
            goto fail;
        }
    }
    if (!enable_stacktrace || handler_installed) {
        return 1;
    }
    /* Once per process, on the calling thread, never freed (spec §4.8).
     * Other threads get theirs from ensure_gil (crash_stack.c). */
    static void *first_stack;
    if (first_stack == NULL && !rtl_crash_install_alt_stack(&first_stack, error)) {
        goto fail;
    }
    /* backtrace() loads libgcc_s on first use, which is not safe inside a
     * signal handler: pay that price now. */
    void *warmup[2];
    backtrace(warmup, 2);

    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = crash_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, &previous_action) != 0) {
        *error = rtl_crash_format_error("unable to set crash handler: %s", strerror(errno));
        goto fail;
    }
    handler_installed = 1;
    rtl_crash_enable_thread_stacks();
    return 1;

fail:
    if (error == &ignored) {
        _get_tracked_free()(ignored);
    }
    return 0;
}
