/*
 * crash.c - handle_crashes: core dumps and C stack traces on SIGSEGV.
 *
 * The handler runs on a dedicated alternate stack (a stack overflow is a
 * SIGSEGV too) and uses only async-signal-safe calls: write(2), hand-made
 * number formatting, backtrace() once warmed up, sigaction, kill. It then
 * chains to the handler that was installed before (Go's, in the Agent) so
 * the host still produces its own crash report.
 *
 * GIL: none. Process-wide; no rtloader handle involved.
 */
#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"

#define ALT_STACK_SIZE (64 * 1024)
#define MAX_FRAMES 500

static struct sigaction previous_action;
static volatile sig_atomic_t handler_installed;

static void write_str(const char *s)
{
    size_t len = strlen(s);
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, s, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return;
        }
        s += n;
        len -= (size_t)n;
    }
}

static void write_unsigned(unsigned long value, unsigned base)
{
    char buf[32];
    size_t pos = sizeof(buf);
    buf[--pos] = '\0';
    do {
        buf[--pos] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value != 0 && pos > 0);
    write_str(&buf[pos]);
}

static void crash_handler(int sig, siginfo_t *info, void *ucontext)
{
    int saved_errno = errno;
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

static char *format_error(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return strdupe(buf);
}

static int install_alternate_stack(char **error)
{
    static bool stack_installed;
    if (stack_installed) {
        return 1;
    }
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) {
        *error = format_error("unable to determine the page size: %s", strerror(errno));
        return 0;
    }
    /* One PROT_NONE guard page below the stack turns an overflow of the
     * handler itself into a clean fault instead of silent corruption. */
    size_t total = ALT_STACK_SIZE + (size_t)page;
    char *mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        *error = format_error("unable to allocate alternate stack: %s", strerror(errno));
        return 0;
    }
    if (mprotect(mem, (size_t)page, PROT_NONE) != 0) {
        *error = format_error("unable to set up the alternate stack guard page: %s",
                              strerror(errno));
        munmap(mem, total);
        return 0;
    }
    stack_t ss = {.ss_sp = mem + page, .ss_size = ALT_STACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        *error = format_error("unable to set alternate stack: %s", strerror(errno));
        munmap(mem, total);
        return 0;
    }
    stack_installed = true; /* never freed: it must outlive any crash */
    return 1;
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
            *error = format_error("unable to enable core dump: %s", strerror(errno));
            goto fail;
        }
    }
    if (!enable_stacktrace || handler_installed) {
        return 1;
    }
    if (!install_alternate_stack(error)) {
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
        *error = format_error("unable to set crash handler: %s", strerror(errno));
        goto fail;
    }
    handler_installed = 1;
    return 1;

fail:
    if (error == &ignored) {
        _get_tracked_free()(ignored);
    }
    return 0;
}
