/*
 * crash.h - the parts of handle_crashes (crash.c) that live in their own
 * files: alternate signal stacks (crash_stack.c) and the load map that
 * makes C frames symbolisable offline (crash_maps.c). Internal.
 */
#ifndef RTLOADER_CRASH_H
#define RTLOADER_CRASH_H

#include <stdbool.h>

#include "loader.h" /* RTL_INTERNAL */

/* printf-formatted message as an rtloader-owned string (the spec §4.8 errors). */
RTL_INTERNAL char *rtl_crash_format_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Size of every alternate signal stack rtloader installs (spec §4.8), guard page excluded. */
#define RTL_ALT_STACK_SIZE (64 * 1024)

/*
 * Maps a stack of RTL_ALT_STACK_SIZE with a PROT_NONE guard page below it
 * and installs it as the calling thread's alternate signal stack. On
 * failure returns 0 with *error set (rtloader-owned, spec §4.8 texts) when
 * `error` is not NULL. *mapping receives the start of the mapping (guard
 * page included). GIL: none.
 */
RTL_INTERNAL int rtl_crash_install_alt_stack(void **mapping, char **error);

/*
 * From now on, every thread that calls rtl_crash_attach_thread gets an
 * alternate stack of its own (released at thread exit). Called once the
 * handler is installed. GIL: none.
 */
RTL_INTERNAL void rtl_crash_enable_thread_stacks(void);

/*
 * Gives the calling thread an alternate signal stack if crash handling is
 * on and it has none yet (a thread that already has one, e.g. a Go thread,
 * keeps its own). Cheap after the first call on a thread: ensure_gil calls
 * it every time. GIL: none.
 */
RTL_INTERNAL void rtl_crash_attach_thread(void);

/*
 * Async-signal-safe (open/read/write on /proc/self/maps, static storage):
 * prints each frame as <module>+<offset>, then every loaded ELF module with
 * its load address, to stderr. Must not run on two threads at once.
 */
RTL_INTERNAL void rtl_crash_print_modules(void *const *frames, int count);

/*
 * The backend's Python traceback dumper (async-signal-safe, writes to fd),
 * registered by make3; NULL before. The backend is never unloaded.
 */
RTL_INTERNAL void rtl_crash_set_python_dumper(void (*dumper)(int fd));

#endif /* RTLOADER_CRASH_H */
