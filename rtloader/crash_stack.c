/*
 * crash_stack.c - alternate signal stacks for the crash handler.
 *
 * A stack overflow is a SIGSEGV raised with the stack exhausted: its
 * handler can only run on an alternate stack, and sigaltstack is per
 * thread. handle_crashes gives one to the thread that calls it (never
 * released, spec §4.8); every thread that later runs Python through
 * rtloader (ensure_gil) gets its own, released by a pthread key destructor
 * when the thread ends. A thread that already has an alternate stack (Go
 * gives one to each of its threads; so does ASan) keeps it.
 *
 * GIL: none anywhere in this file.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crash.h"
#include "rtloader_mem.h"

static atomic_bool thread_stacks_enabled;
/* Set once a thread has been looked at: ensure_gil pays one TLS read after that. */
static _Thread_local bool thread_attached;
static pthread_key_t thread_stack_key;
static pthread_once_t thread_stack_key_once = PTHREAD_ONCE_INIT;
static bool thread_stack_key_ok;

char *rtl_crash_format_error(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return strdupe(buf);
}

/* Formats only for a caller that wants the message (ensure_gil's does not). */
#define SET_ERROR(error, ...)                                                                      \
    do {                                                                                           \
        if ((error) != NULL) {                                                                     \
            *(error) = rtl_crash_format_error(__VA_ARGS__);                                        \
        }                                                                                          \
    } while (0)

static size_t page_size(void)
{
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? (size_t)page : 0;
}

int rtl_crash_install_alt_stack(void **mapping, char **error)
{
    size_t page = page_size();
    if (page == 0) {
        SET_ERROR(error, "unable to determine the page size: %s", strerror(errno));
        return 0;
    }
    /* One PROT_NONE guard page below the stack turns an overflow of the
     * handler itself into a clean fault instead of silent corruption. */
    size_t total = RTL_ALT_STACK_SIZE + page;
    char *mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        SET_ERROR(error, "unable to allocate alternate stack: %s", strerror(errno));
        return 0;
    }
    if (mprotect(mem, page, PROT_NONE) != 0) {
        SET_ERROR(error, "unable to set up the alternate stack guard page: %s", strerror(errno));
        munmap(mem, total);
        return 0;
    }
    stack_t ss = {.ss_sp = mem + page, .ss_size = RTL_ALT_STACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        SET_ERROR(error, "unable to set alternate stack: %s", strerror(errno));
        munmap(mem, total);
        return 0;
    }
    *mapping = mem;
    thread_attached = true;
    return 1;
}

/* Thread exit: stop using the stack before unmapping it. */
static void release_thread_stack(void *mapping)
{
    size_t page = page_size();
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && current.ss_sp == (char *)mapping + page
        && !(current.ss_flags & SS_DISABLE)) {
        stack_t off = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
        if (sigaltstack(&off, NULL) != 0) {
            return; /* still in use: leaking it beats a handler on unmapped memory */
        }
    }
    munmap(mapping, RTL_ALT_STACK_SIZE + page);
}

static void create_thread_stack_key(void)
{
    thread_stack_key_ok = pthread_key_create(&thread_stack_key, release_thread_stack) == 0;
}

void rtl_crash_enable_thread_stacks(void)
{
    pthread_once(&thread_stack_key_once, create_thread_stack_key);
    atomic_store(&thread_stacks_enabled, true);
}

static void attach_thread(void)
{
    thread_attached = true; /* one attempt per thread, even if it fails */
    stack_t current;
    if (!thread_stack_key_ok || sigaltstack(NULL, &current) != 0
        || !(current.ss_flags & SS_DISABLE)) {
        return;
    }
    void *mapping = NULL;
    if (!rtl_crash_install_alt_stack(&mapping, NULL)) {
        return; /* no stack: an overflow on this thread goes unreported, as before */
    }
    if (pthread_setspecific(thread_stack_key, mapping) != 0) {
        release_thread_stack(mapping);
    }
}

void rtl_crash_attach_thread(void)
{
    if (!thread_attached && atomic_load_explicit(&thread_stacks_enabled, memory_order_relaxed)) {
        attach_thread();
    }
}
