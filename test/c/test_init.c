/*
 * test_init.c - init and the interpreter configuration it applies: spec
 * §1.2 (4, 9), §4.2. Each test makes its own instance (one per process).
 *
 * Memory balance is asserted for what happens after make3/init, as the
 * upstream tests do (the instance itself lives until the process ends).
 */
#include "rtl_test.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef RTL_DEFAULT_PYTHON_HOME
#    error "RTL_DEFAULT_PYTHON_HOME must be defined by the build"
#endif

#define PATH_A "/tmp/rtloader-ctest-path-a"
#define PATH_B "/tmp/rtloader-ctest-path-b"

/* make3 only (home NULL: this pass's home, see rtl_test_python_home). */
static rtloader_t *make_only(const char *home, const char *exe)
{
    char *err = NULL;
    if (home == NULL) {
        home = rtl_test_python_home();
    }
    enable_memory_tracker();
    rtloader_t *rt = make3(home, exe, &err);
    if (rt == NULL) {
        print_error("make3 failed: %s\n", err);
        fail();
    }
    rtl_test_rt = rt;
    return rt;
}

static void init_succeeds_and_releases_the_gil(void **state)
{
    (void)state;
    rtloader_t *rt = make_only(NULL, RTL_TEST_PYTHON_EXE);
    assert_int_equal(add_python_path(rt, FIXTURES_DIR), 1);
    assert_int_equal(init(rt), 1);
    rtl_assert_no_error(rt);
    rtl_test_mem_forget();
    /* The GIL was released by init: this thread does not hold it. */
    rtloader_gilstate_t g = ensure_gil(rt);
    assert_int_equal(g, DATADOG_AGENT_RTLOADER_GIL_UNLOCKED);
    rtl_assert_py("import datadog_checks.checks\n"
                  "assert datadog_checks.checks.AgentCheck.__name__ == 'AgentCheck'\n");
    release_gil(rt, g);
}

static void init_sets_sys_executable_to_python_exe(void **state)
{
    (void)state;
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtl_test_mem_forget();
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    rtl_assert_py("import sys\n"
                  "assert sys.executable == '" RTL_TEST_PYTHON_EXE "', sys.executable\n");
    release_gil(rtl_test_rt, g);
}

static void init_enables_utf8_mode(void **state)
{
    (void)state;
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtl_test_mem_forget();
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    rtl_assert_py("import sys\n"
                  "assert sys.flags.utf8_mode == 1, sys.flags\n");
    release_gil(rtl_test_rt, g);
}

/* add_python_path de-duplicates (0 for a duplicate) and init appends in insertion order. */
static void init_appends_python_paths_in_order(void **state)
{
    (void)state;
    rtloader_t *rt = make_only(NULL, RTL_TEST_PYTHON_EXE);
    assert_int_equal(add_python_path(rt, FIXTURES_DIR), 1);
    assert_int_equal(add_python_path(rt, PATH_A), 1);
    assert_int_equal(add_python_path(rt, FIXTURES_DIR), 0);
    assert_int_equal(add_python_path(rt, PATH_B), 1);
    assert_int_equal(add_python_path(rt, PATH_A), 0);
    assert_int_equal(init(rt), 1);
    rtl_test_mem_forget();

    rtloader_gilstate_t g = ensure_gil(rt);
    rtl_assert_py("import sys\n"
                  "assert sys.path[-3:] == ['" FIXTURES_DIR "', '" PATH_A "', '" PATH_B "'], sys.path\n"
                  "assert sys.path.count('" FIXTURES_DIR "') == 1, sys.path\n"
                  "assert sys.path.count('" PATH_A "') == 1, sys.path\n");
    release_gil(rt, g);
}

/* The caller's buffer is copied: changing it after add_python_path changes nothing. */
static void init_python_path_is_copied(void **state)
{
    (void)state;
    char path[] = PATH_A;
    rtloader_t *rt = make_only(NULL, RTL_TEST_PYTHON_EXE);
    assert_int_equal(add_python_path(rt, FIXTURES_DIR), 1);
    assert_int_equal(add_python_path(rt, path), 1);
    path[sizeof(path) - 2] = 'z';
    assert_int_equal(init(rt), 1);
    rtl_test_mem_forget();
    rtloader_gilstate_t g = ensure_gil(rt);
    rtl_assert_py("import sys\n"
                  "assert sys.path[-1] == '" PATH_A "', sys.path\n");
    release_gil(rt, g);
}

/* Paths added after init do not reach the running interpreter. */
static void init_python_path_after_init_has_no_effect(void **state)
{
    (void)state;
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtl_test_mem_forget();
    add_python_path(rtl_test_rt, PATH_B);
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    rtl_assert_py("import sys\n"
                  "assert '" PATH_B "' not in sys.path, sys.path\n"
                  "assert sys.path[-1] == '" FIXTURES_DIR "', sys.path\n");
    release_gil(rtl_test_rt, g);
    /* The copy kept in the path list belongs to the instance, not to this test. */
    rtl_test_mem_forget();
}

static void assert_sys_prefix(const char *home)
{
    char code[1024];
    snprintf(code, sizeof(code),
             "import os, sys\n"
             "assert os.path.realpath(sys.prefix) == os.path.realpath('%s'), (sys.prefix, '%s')\n",
             home, home);
    rtl_assert_py(code);
}

static void init_uses_given_python_home(void **state)
{
    (void)state;
    const char *home = rtl_test_python_home();
    if (home == NULL) {
        home = RTL_DEFAULT_PYTHON_HOME;
    }
    rtl_test_start(home, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtl_test_mem_forget();
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    assert_sys_prefix(home);
    release_gil(rtl_test_rt, g);
}

/*
 * Without a python home, the default backend and the home of the Python it
 * was built for are used (labelled "once": independent of the pass).
 */
static void init_default_python_home(void **state)
{
    (void)state;
    char *err = NULL;
    enable_memory_tracker();
    rtloader_t *rt = make3(NULL, RTL_TEST_PYTHON_EXE, &err);
    assert_non_null(rt);
    rtl_test_rt = rt;
    assert_int_equal(add_python_path(rt, FIXTURES_DIR), 1);
    assert_int_equal(init(rt), 1);
    rtl_test_mem_forget();
    rtloader_gilstate_t g = ensure_gil(rt);
    assert_sys_prefix(RTL_DEFAULT_PYTHON_HOME);
    rtl_assert_py("import sys\n"
                  "assert sys.version.startswith('" RTL_DEFAULT_PYTHON_VERSION ".'), sys.version\n");
    release_gil(rt, g);
}

static void init_fails_without_base_package(void **state)
{
    (void)state;
    unsetenv("PYTHONPATH");
    rtloader_t *rt = make_only(NULL, RTL_TEST_PYTHON_EXE);
    assert_int_equal(init(rt), 0);
    rtl_assert_error(rt, "could not import base class: No module named 'datadog_checks'");
    /* Even on failure init returns with the GIL released. */
    rtl_test_mem_forget();
    rtloader_gilstate_t g = ensure_gil(rt);
    assert_int_equal(g, DATADOG_AGENT_RTLOADER_GIL_UNLOCKED);
    assert_int_equal(run_simple_string(rt, "x = 1"), 1);
    release_gil(rt, g);
}

static void init_fails_without_base_class(void **state)
{
    (void)state;
    unsetenv("PYTHONPATH");
    rtloader_t *rt = make_only(NULL, RTL_TEST_PYTHON_EXE);
    assert_int_equal(add_python_path(rt, FIXTURES_DIR "/no_agentcheck"), 1);
    assert_int_equal(init(rt), 0);
    rtl_assert_error(
        rt, "could not import base class: module 'datadog_checks.checks' has no attribute 'AgentCheck'");
    rtl_test_mem_forget();
}

/*
 * A failed init can be retried once the host fixed its paths: the retry
 * imports the base class and returns 1; only a successful init makes later
 * ones fail.
 */
static void init_retry_after_missing_base_package_succeeds(void **state)
{
    (void)state;
    unsetenv("PYTHONPATH");
    rtloader_t *rt = make_only(NULL, RTL_TEST_PYTHON_EXE);
    assert_int_equal(init(rt), 0);
    rtl_assert_error(rt, "could not import base class: No module named 'datadog_checks'");
    assert_int_equal(add_python_path(rt, FIXTURES_DIR), 1);
    assert_int_equal(init(rt), 1);
    rtl_assert_no_error(rt);
    assert_int_equal(init(rt), 0);
    rtl_assert_error(rt, "rtloader is already initialized");
    rtl_test_mem_forget();
    rtloader_gilstate_t g = ensure_gil(rt);
    assert_int_equal(g, DATADOG_AGENT_RTLOADER_GIL_UNLOCKED);
    rtl_assert_py("import sys\n"
                  "assert sys.path.count('" FIXTURES_DIR "') == 1, sys.path\n"
                  "import datadog_checks.checks\n"
                  "assert datadog_checks.checks.AgentCheck.__name__ == 'AgentCheck'\n");
    release_gil(rt, g);
}

/* Writes `text` to dir/rel, creating the directories on the way. */
static void write_file(const char *dir, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    for (char *slash = strchr(path + strlen(dir) + 1, '/'); slash != NULL;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(path, 0700);
        *slash = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/*
 * The failed import's modules (a datadog_checks without AgentCheck) are not
 * kept: once the files on disk are fixed, the retry imports them afresh.
 */
static void init_retry_after_missing_base_class_imports_afresh(void **state)
{
    (void)state;
    unsetenv("PYTHONPATH");
    char dir[] = "/tmp/rtloader-ctest-retry-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_file(dir, "datadog_checks/__init__.py", "");
    write_file(dir, "datadog_checks/checks/__init__.py", "NOT_YET = 1\n");
    rtloader_t *rt = make_only(NULL, RTL_TEST_PYTHON_EXE);
    assert_int_equal(add_python_path(rt, dir), 1);
    assert_int_equal(init(rt), 0);
    rtl_assert_error(
        rt, "could not import base class: module 'datadog_checks.checks' has no attribute 'AgentCheck'");
    write_file(dir, "datadog_checks/checks/__init__.py", "class AgentCheck(object):\n    pass\n");
    assert_int_equal(init(rt), 1);
    rtl_assert_no_error(rt);
    rtl_test_mem_forget();
    rtloader_gilstate_t g = ensure_gil(rt);
    rtl_assert_py("import sys\n"
                  "import datadog_checks.checks as c\n"
                  "assert not hasattr(c, 'NOT_YET')\n"
                  "assert c.AgentCheck.__name__ == 'AgentCheck'\n");
    release_gil(rt, g);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* get_interpreter_memory_usage needs a running interpreter with its paths: after init only. */
static void init_memory_usage_before_init_fails(void **state)
{
    (void)state;
    rtloader_t *rt = make_only(NULL, RTL_TEST_PYTHON_EXE);
    rtl_test_mem_forget();
    assert_null(get_interpreter_memory_usage(rt));
    rtl_assert_error(rt, "rtloader is not initialized: call init() first");
    assert_int_equal(init(rt), 0); /* no base package: a failed init is not enough either */
    clear_error(rt);
    rtl_test_mem_forget();
    assert_null(get_interpreter_memory_usage(rt));
    rtl_assert_error(rt, "rtloader is not initialized: call init() first");
}

/*
 * Whatever Python the pass uses, a host finds the loaded backend by
 * upstream's file name (to reach its cgo_free, say), and it is the backend
 * of that version.
 */
static void init_backend_found_by_upstream_name(void **state)
{
    (void)state;
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 0);
    rtl_test_mem_forget();
    void *backend = dlopen("libdatadog-agent-three.so", RTLD_LAZY | RTLD_NOLOAD);
    assert_non_null(backend);
    void *sym = dlsym(backend, "cgo_free");
    assert_non_null(sym);
    Dl_info info;
    assert_int_not_equal(dladdr(sym, &info), 0);
    char dir[64];
    snprintf(dir, sizeof(dir), "/three/%s/libdatadog-agent-three.so", rtl_test_python_version());
    char real[4096];
    assert_non_null(realpath(info.dli_fname, real)); /* the default is reached through a link */
    assert_string_suffix(real, dir);
    dlclose(backend);
}

/*
 * The thread that runs init and destroy gets its alternate signal stack back
 * (Python 3.8 and 3.9 install faulthandler's at Py_Initialize and only
 * Py_Finalize, which destroy never runs, restores it). The Go package's
 * Open/Close thread ends after destroy; under ASan a thread ending with an
 * alternate stack ASan did not map aborts the process, so this test also
 * fails that way when the thread below exits.
 */
struct alt_stack_seen {
    stack_t before, after_init, after_destroy;
    int init_ok;
    char *err;
};

static void *init_and_destroy_on_a_thread(void *arg)
{
    struct alt_stack_seen *seen = arg;
    sigaltstack(NULL, &seen->before);
    rtloader_t *rt = make3(rtl_test_python_home(), RTL_TEST_PYTHON_EXE, &seen->err);
    if (rt == NULL) {
        return NULL;
    }
    seen->init_ok = add_python_path(rt, FIXTURES_DIR) == 1 && init(rt) == 1;
    sigaltstack(NULL, &seen->after_init);
    destroy(rt); /* the thread keeps the GIL, as destroy documents */
    sigaltstack(NULL, &seen->after_destroy);
    return NULL;
}

static void init_thread_gets_its_alt_stack_back_at_destroy(void **state)
{
    (void)state;
    enable_memory_tracker();
    struct alt_stack_seen seen = {0};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, init_and_destroy_on_a_thread, &seen), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    if (seen.err != NULL) {
        print_error("make3 failed: %s\n", seen.err);
        fail();
    }
    assert_true(seen.init_ok);
    print_message("alt stack: before init %p%s, after init %p%s, after destroy %p%s\n",
                  seen.before.ss_sp, (seen.before.ss_flags & SS_DISABLE) ? " (none)" : "",
                  seen.after_init.ss_sp, (seen.after_init.ss_flags & SS_DISABLE) ? " (none)" : "",
                  seen.after_destroy.ss_sp,
                  (seen.after_destroy.ss_flags & SS_DISABLE) ? " (none)" : "");
    assert_int_equal(seen.after_destroy.ss_flags & SS_DISABLE, seen.before.ss_flags & SS_DISABLE);
    if (!(seen.before.ss_flags & SS_DISABLE)) {
        assert_ptr_equal(seen.after_destroy.ss_sp, seen.before.ss_sp);
        assert_int_equal(seen.after_destroy.ss_size, seen.before.ss_size);
    }
}

static const struct CMUnitTest tests[] = {
    RTL_TEST_NOGIL(init_succeeds_and_releases_the_gil),
    RTL_TEST_NOGIL(init_sets_sys_executable_to_python_exe),
    RTL_TEST_NOGIL(init_enables_utf8_mode),
    RTL_TEST_NOGIL(init_appends_python_paths_in_order),
    RTL_TEST_NOGIL(init_python_path_is_copied),
    RTL_TEST_NOGIL(init_python_path_after_init_has_no_effect),
    RTL_TEST_NOGIL(init_uses_given_python_home),
    RTL_TEST_NOGIL(init_default_python_home),
    RTL_TEST_NOGIL(init_fails_without_base_package),
    RTL_TEST_NOGIL(init_fails_without_base_class),
    RTL_TEST_NOGIL(init_retry_after_missing_base_package_succeeds),
    RTL_TEST_NOGIL(init_retry_after_missing_base_class_imports_afresh),
    RTL_TEST_NOGIL(init_memory_usage_before_init_fails),
    RTL_TEST_NOGIL(init_backend_found_by_upstream_name),
    RTL_TEST_NOGIL(init_thread_gets_its_alt_stack_back_at_destroy),
};

RTL_TEST_MAIN(tests, NULL, NULL)
