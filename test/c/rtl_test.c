/*
 * rtl_test.c - see rtl_test.h.
 */
#include "rtl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_host.h"

rtloader_t *rtl_test_rt;
rtloader_gilstate_t rtl_test_gil;

static const char *test_argv0;
static const char *test_current;

/* ---- starting the rtloader ------------------------------------------------ */

const char *rtl_test_python_home(void)
{
    const char *home = getenv("RTLOADER_TEST_PYTHON_HOME");
    return home != NULL && *home != '\0' ? home : NULL;
}

const char *rtl_test_python_version(void)
{
    const char *v = getenv("RTLOADER_TEST_PYTHON_VERSION");
    return v != NULL && *v != '\0' ? v : RTL_DEFAULT_PYTHON_VERSION;
}

void rtl_test_start(const char *python_home, const char *python_exe, const char *const *extra_paths,
                    int with_pymem)
{
    char *err = NULL;

    /* Determinism: no bytecode next to the fixtures, no paths from the caller's environment. */
    setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
    unsetenv("PYTHONPATH");
    unsetenv("PYTHONHOME");

    if (python_home == NULL) {
        python_home = rtl_test_python_home();
    }
    enable_memory_tracker();
    rtl_test_rt = make3(python_home, python_exe, &err);
    if (rtl_test_rt == NULL) {
        print_error("make3 failed: %s\n", err != NULL ? err : "(no error message)");
        _free(err);
        fail();
    }
    fake_host_register(rtl_test_rt);
    assert_int_equal(add_python_path(rtl_test_rt, FIXTURES_DIR), 1);
    for (size_t i = 0; extra_paths != NULL && extra_paths[i] != NULL; i++) {
        assert_int_equal(add_python_path(rtl_test_rt, extra_paths[i]), 1);
    }
    if (with_pymem) {
        init_pymem_stats(rtl_test_rt);
    }
    if (init(rtl_test_rt) != 1) {
        print_error("init failed: %s\n", get_error(rtl_test_rt));
        fail();
    }
}

int rtl_test_group_setup(void **state)
{
    (void)state;
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    return 0;
}

int rtl_test_group_teardown(void **state)
{
    (void)state;
    if (rtl_test_rt != NULL) {
        /*
         * A test that failed while holding the GIL would make destroy (which
         * takes it) wait forever: turn that into a quick death by SIGALRM.
         */
        alarm(30);
        destroy(rtl_test_rt);
        rtl_test_rt = NULL;
    }
    return 0;
}

int rtl_test_setup_nogil(void **state)
{
    (void)state;
    if (rtl_test_rt != NULL) {
        clear_error(rtl_test_rt);
    }
    fake_host_reset();
    rtl_test_mem_forget();
    return 0;
}

int rtl_test_teardown_nogil(void **state)
{
    (void)state;
    rtl_assert_mem_balanced();
    return 0;
}

int rtl_test_setup(void **state)
{
    rtl_test_setup_nogil(state);
    assert_non_null(rtl_test_rt);
    rtl_test_gil = ensure_gil(rtl_test_rt);
    return 0;
}

int rtl_test_teardown(void **state)
{
    release_gil(rtl_test_rt, rtl_test_gil);
    return rtl_test_teardown_nogil(state);
}

/* ---- assertions ------------------------------------------------------------ */

static struct memory_stats mem_acc; /* counted by rtl_test_mem_delta() in this test */

struct memory_stats rtl_test_mem_delta(void)
{
    struct memory_stats s = get_and_reset_memory_stats();
    mem_acc.allocations += s.allocations;
    mem_acc.allocated_bytes += s.allocated_bytes;
    mem_acc.frees += s.frees;
    mem_acc.freed_bytes += s.freed_bytes;
    mem_acc.inuse_bytes += s.inuse_bytes;
    return s;
}

void rtl_test_mem_forget(void)
{
    get_and_reset_memory_stats();
    memset(&mem_acc, 0, sizeof(mem_acc));
}

void _rtl_assert_mem_balanced(const char *file, int line)
{
    rtl_test_mem_delta();
    struct memory_stats s = mem_acc;
    memset(&mem_acc, 0, sizeof(mem_acc));
    if (s.allocations != s.frees || s.allocated_bytes != s.freed_bytes || s.inuse_bytes != 0) {
        print_error("rtloader allocator unbalanced: allocations=%zu frees=%zu allocated_bytes=%zu "
                    "freed_bytes=%zu inuse_bytes=%zd\n",
                    s.allocations, s.frees, s.allocated_bytes, s.freed_bytes, s.inuse_bytes);
        _fail(file, line);
    }
}

void _rtl_assert_py(const char *code, const char *file, int line)
{
    if (run_simple_string(rtl_test_rt, code) != 1) {
        print_error("Python code failed (traceback above on stderr):\n%s\n", code);
        _fail(file, line);
    }
}

void _rtl_assert_error(rtloader_t *rt, const char *expected, const char *prefix, const char *needle,
                       const char *file, int line)
{
    if (!has_error(rt)) {
        print_error("expected a pending rtloader error, has_error() == 0\n");
        _fail(file, line);
    }
    const char *e = get_error(rt);
    if (e == NULL) {
        print_error("get_error() returned NULL\n");
        _fail(file, line);
    }
    char *got = strdup(e);
    int bad = 0;
    if (expected != NULL && strcmp(got, expected) != 0) {
        print_error("error text mismatch\n expected: [%s]\n      got: [%s]\n", expected, got);
        bad = 1;
    }
    if (prefix != NULL && strncmp(got, prefix, strlen(prefix)) != 0) {
        print_error("error text does not start with the expected prefix\n   prefix: [%s]\n      "
                    "got: [%s]\n",
                    prefix, got);
        bad = 1;
    }
    if (needle != NULL && strstr(got, needle) == NULL) {
        print_error("error text does not contain the expected text\n   needle: [%s]\n      got: "
                    "[%s]\n",
                    needle, got);
        bad = 1;
    }
    free(got);
    if (bad) {
        _fail(file, line);
    }
    if (has_error(rt)) {
        print_error("get_error() did not consume the error: has_error() still 1\n");
        _fail(file, line);
    }
    e = get_error(rt);
    if (e == NULL || *e != '\0') {
        print_error("second get_error() should return \"\", got [%s]\n", e ? e : "(NULL)");
        _fail(file, line);
    }
}

void _rtl_assert_no_error(rtloader_t *rt, const char *file, int line)
{
    if (has_error(rt)) {
        print_error("unexpected rtloader error: [%s]\n", get_error(rt));
        _fail(file, line);
    }
}

void _rtl_assert_prefix(const char *s, const char *prefix, const char *file, int line)
{
    if (s == NULL || strncmp(s, prefix, strlen(prefix)) != 0) {
        print_error("string does not start with the expected prefix\n   prefix: [%s]\n      got: "
                    "[%s]\n",
                    prefix, s ? s : "(NULL)");
        _fail(file, line);
    }
}

void _rtl_assert_suffix(const char *s, const char *suffix, const char *file, int line)
{
    size_t ls = s ? strlen(s) : 0, lx = strlen(suffix);
    if (s == NULL || ls < lx || strcmp(s + ls - lx, suffix) != 0) {
        print_error("string does not end with the expected suffix\n   suffix: [%s]\n      got: "
                    "[%s]\n",
                    suffix, s ? s : "(NULL)");
        _fail(file, line);
    }
}

void _rtl_assert_contains(const char *s, const char *needle, const char *file, int line)
{
    if (s == NULL || strstr(s, needle) == NULL) {
        print_error("string does not contain the expected text\n   needle: [%s]\n      got: [%s]\n",
                    needle, s ? s : "(NULL)");
        _fail(file, line);
    }
}

/* ---- helpers ----------------------------------------------------------------- */

rtloader_pyobject_t *rtl_test_make_check(const char *module, const char *instance_json,
                                         rtloader_pyobject_t **klass)
{
    rtloader_pyobject_t *py_module = NULL, *py_class = NULL, *check = NULL;
    char check_id[256];

    if (get_class(rtl_test_rt, module, &py_module, &py_class) != 1) {
        print_error("get_class(%s) failed: %s\n", module, get_error(rtl_test_rt));
        fail();
    }
    snprintf(check_id, sizeof(check_id), "%s:id", module);
    if (get_check(rtl_test_rt, py_class, "{}", instance_json, check_id, module, "", &check) != 1) {
        print_error("get_check(%s, %s) failed: %s\n", module, instance_json,
                    get_error(rtl_test_rt));
        fail();
    }
    rtloader_decref(rtl_test_rt, py_module);
    if (klass != NULL) {
        *klass = py_class;
    } else {
        rtloader_decref(rtl_test_rt, py_class);
    }
    return check;
}

const char *rtl_test_write_tmp(const char *data, size_t len)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/rtl_test_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

void rtl_test_reexec_with_env(const char *name, const char *value)
{
    if (getenv("RTL_TEST_REEXECUTED") != NULL) {
        return;
    }
    assert_non_null(test_current);
    setenv(name, value, 1);
    setenv("RTL_TEST_REEXECUTED", "1", 1);
    fflush(stdout);
    fflush(stderr);
    execl("/proc/self/exe", test_argv0, test_current, (char *)NULL);
    print_error("re-exec failed\n");
    fail();
}

/* ---- main ---------------------------------------------------------------------- */

int rtl_test_main(int argc, char **argv, const char *group, const struct CMUnitTest *tests, size_t n,
                  CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
    test_argv0 = argv[0];
    if (argc > 2) {
        fprintf(stderr, "usage: %s [--list | <test>]\n", argv[0]);
        return 2;
    }
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++) {
            printf("%s\n", tests[i].name);
        }
        return 0;
    }
    if (argc == 2) {
        size_t i;
        for (i = 0; i < n && strcmp(tests[i].name, argv[1]) != 0; i++) {
        }
        if (i == n) {
            fprintf(stderr, "%s: no test named '%s'\n", argv[0], argv[1]);
            return 2;
        }
        test_current = argv[1];
        cmocka_set_test_filter(argv[1]);
        return _cmocka_run_group_tests(group, tests, n, group_setup, group_teardown);
    }

    /* Every test in a fresh process. */
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            execl("/proc/self/exe", argv[0], tests[i].name, (char *)NULL);
            perror("execl");
            _exit(127);
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            failed++;
            printf("FAILED: %s (%s %d)\n", tests[i].name,
                   WIFEXITED(status) ? "exit status" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        }
    }
    printf("%s: %zu test(s), %zu failed\n", group, n, failed);
    return failed ? 1 : 0;
}
