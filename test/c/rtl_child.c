/* rtl_child.c - see rtl_child.h. */
#include "rtl_child.h"

#include "rtl_test.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

struct rtl_child rtl_child;

void rtl_child_say(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

void rtl_child_no_core_files(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_CORE, &rl) == 0) {
        rl.rlim_cur = 0;
        setrlimit(RLIMIT_CORE, &rl);
    }
}

void rtl_child_run(void (*body)(void))
{
    int p[2];
    memset(&rtl_child, 0, sizeof(rtl_child));
    assert_int_equal(pipe(p), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 2);
        close(p[1]);
        alarm(20);
        body();
        rtl_child_say("CHILD: body returned\n");
        _exit(99);
    }
    close(p[1]);
    size_t len = 0;
    for (;;) {
        ssize_t n = read(p[0], rtl_child.err + len, sizeof(rtl_child.err) - 1 - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
        if (len == sizeof(rtl_child.err) - 1) {
            break;
        }
    }
    rtl_child.err[len] = '\0';
    close(p[0]);
    while (waitpid(pid, &rtl_child.status, 0) < 0 && errno == EINTR) {
    }
}

static void print_child(void)
{
    int st = rtl_child.status;
    if (WIFEXITED(st)) {
        print_error("child exited with status %d; stderr:\n%s\n", WEXITSTATUS(st), rtl_child.err);
    } else if (WIFSIGNALED(st)) {
        print_error("child killed by signal %d; stderr:\n%s\n", WTERMSIG(st), rtl_child.err);
    } else {
        print_error("child status 0x%x; stderr:\n%s\n", st, rtl_child.err);
    }
}

void rtl_child_assert_exited(int code)
{
    if (!WIFEXITED(rtl_child.status) || WEXITSTATUS(rtl_child.status) != code) {
        print_error("expected the child to exit with status %d\n", code);
        print_child();
        fail();
    }
}

void rtl_child_assert_signaled(int sig)
{
    if (!WIFSIGNALED(rtl_child.status) || WTERMSIG(rtl_child.status) != sig) {
        print_error("expected the child to die of signal %d\n", sig);
        print_child();
        fail();
    }
}

void rtl_child_assert_said(const char *text)
{
    if (strstr(rtl_child.err, text) == NULL) {
        print_error("expected the child's stderr to contain [%s]\n", text);
        print_child();
        fail();
    }
}
