/*
 * rtl_child.h - running part of a test in a forked child whose stderr is
 * captured, for tests of what kills a process (the crash handler). The
 * child reports through its exit status and stderr; the parent asserts.
 * The child arms alarm(20) so that a hang shows up as death by SIGALRM.
 */
#ifndef RTL_CHILD_H
#define RTL_CHILD_H

struct rtl_child {
    int status;
    char err[1 << 17]; /* captured stderr */
};

/* The last child's status and stderr. */
extern struct rtl_child rtl_child;

/* Runs body() in a child with stderr captured into rtl_child.err. */
void rtl_child_run(void (*body)(void));

/* Async-signal-safe write of `s` to stderr, for child bodies and handlers. */
void rtl_child_say(const char *s);

/* Lowers RLIMIT_CORE to 0 (a crashing child leaves no core file). */
void rtl_child_no_core_files(void);

/* Assertions on the last child (each prints its status and stderr on failure). */
void rtl_child_assert_exited(int code);
void rtl_child_assert_signaled(int sig);
void rtl_child_assert_said(const char *text);

#endif /* RTL_CHILD_H */
