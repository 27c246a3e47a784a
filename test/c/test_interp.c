/*
 * test_interp.c - interpreter helpers: get_py_info, free_py_info,
 * run_simple_string, get_none, ensure_gil, release_gil, rtloader_free,
 * get_pymem_stats without init_pymem_stats. Spec §1.2 (5-11, 26, 62).
 */
#include "rtl_test.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static void interp_get_py_info_version_and_path(void **state)
{
    (void)state;
    py_info_t *info = get_py_info(rtl_test_rt);
    assert_non_null(info);
    rtl_assert_no_error(rtl_test_rt);

    /* version: Py_GetVersion(), e.g. "3.11.2 (main, ...)". */
    assert_non_null(info->version);
    const char *version = rtl_test_python_version();
    size_t vlen = strlen(version);
    assert_string_prefix(info->version, version);
    assert_true(info->version[vlen] == '.' || info->version[vlen] == ' ' ||
                info->version[vlen] == '+' || info->version[vlen] == 'a' ||
                info->version[vlen] == 'b' || info->version[vlen] == 'r');

    /* path: repr(sys.path), a newly allocated copy. */
    assert_non_null(info->path);
    assert_string_prefix(info->path, "['");
    assert_string_suffix(info->path, "']");
    assert_string_contains(info->path, "'" FIXTURES_DIR "'");

    /* Two rtloader allocations (struct and path), both released by free_py_info. */
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.allocations, 2);
    assert_int_equal(s.frees, 0);
    free_py_info(rtl_test_rt, info);
    s = rtl_test_mem_delta();
    assert_int_equal(s.frees, 2);
    assert_int_equal(s.inuse_bytes, -(ssize_t)s.freed_bytes);
}

static void interp_free_py_info_null_is_noop(void **state)
{
    (void)state;
    free_py_info(rtl_test_rt, NULL);
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.frees, 0);
}

/* sys.path missing: the struct is still returned, path NULL, error set. */
static void interp_get_py_info_without_sys_path(void **state)
{
    (void)state;
    rtl_assert_py("import sys\n"
                  "_saved_path = sys.path\n"
                  "del sys.path\n");
    py_info_t *info = get_py_info(rtl_test_rt);
    rtl_assert_py("import sys\n"
                  "sys.path = _saved_path\n");
    assert_non_null(info);
    assert_non_null(info->version);
    assert_null(info->path);
    rtl_assert_error_like(rtl_test_rt, "could not get 'sys.path': ", NULL);
    free_py_info(rtl_test_rt, info);
}

/* repr(sys.path) raising: path NULL and the repr error. */
static void interp_get_py_info_unrepresentable_sys_path(void **state)
{
    (void)state;
    rtl_assert_py("import sys\n"
                  "class _NoRepr(list):\n"
                  "    def __repr__(self):\n"
                  "        raise ValueError('sys.path has no repr')\n"
                  "_saved_path = sys.path\n"
                  "sys.path = _NoRepr(sys.path)\n");
    py_info_t *info = get_py_info(rtl_test_rt);
    rtl_assert_py("import sys\n"
                  "sys.path = _saved_path\n");
    assert_non_null(info);
    assert_non_null(info->version);
    assert_null(info->path);
    rtl_assert_error_like(rtl_test_rt,
                          "could not compute a string representation of 'sys.path': ",
                          "sys.path has no repr");
    free_py_info(rtl_test_rt, info);
}

static void interp_run_simple_string_runs_in_main(void **state)
{
    (void)state;
    assert_int_equal(run_simple_string(rtl_test_rt, "rtl_answer = 40 + 2"), 1);
    assert_int_equal(run_simple_string(rtl_test_rt, "import __main__\n"
                                                    "assert __main__.rtl_answer == 42\n"),
                     1);
    rtl_assert_no_error(rtl_test_rt);
}

/* An uncaught exception: 0, printed by Python, cleared, and no rtloader error. */
static void interp_run_simple_string_exception_sets_no_error(void **state)
{
    (void)state;
    assert_int_equal(run_simple_string(rtl_test_rt, "raise ValueError('expected by the test')"), 0);
    assert_int_equal(has_error(rtl_test_rt), 0);
    assert_string_equal(get_error(rtl_test_rt), "");
    /* The Python error indicator was cleared: the next run succeeds. */
    assert_int_equal(run_simple_string(rtl_test_rt, "x = 1"), 1);
}

static void interp_run_simple_string_syntax_error(void **state)
{
    (void)state;
    assert_int_equal(run_simple_string(rtl_test_rt, "def (:"), 0);
    assert_int_equal(has_error(rtl_test_rt), 0);
    assert_int_equal(run_simple_string(rtl_test_rt, "x = 2"), 1);
}

/* get_none: the None singleton, borrowed (no new reference per call). */
static void interp_get_none_is_borrowed_none(void **state)
{
    (void)state;
    rtloader_pyobject_t *none = get_none(rtl_test_rt);
    assert_non_null(none);
    assert_ptr_equal(get_none(rtl_test_rt), none);

    rtl_assert_py("import sys\n"
                  "_rc_none = sys.getrefcount(None)\n");
    for (int i = 0; i < 100000; i++) {
        assert_ptr_equal(get_none(rtl_test_rt), none);
    }
    /* 100000 leaked references would show; Python's own use of None moves it by far less. */
    rtl_assert_py("import sys\n"
                  "assert abs(sys.getrefcount(None) - _rc_none) < 10000, "
                  "(sys.getrefcount(None), _rc_none)\n");

    /* It is None: increfs through it move None's refcount (before 3.12; None is immortal since). */
    rtl_assert_py("import sys\n"
                  "_rc_none = sys.getrefcount(None)\n");
    for (int i = 0; i < 50000; i++) {
        rtloader_incref(rtl_test_rt, none);
    }
    rtl_assert_py("import sys\n"
                  "_delta = sys.getrefcount(None) - _rc_none\n"
                  "assert sys.version_info >= (3, 12) or 40000 < _delta < 60000, _delta\n");
    for (int i = 0; i < 50000; i++) {
        rtloader_decref(rtl_test_rt, none);
    }
    rtl_assert_py("import sys\n"
                  "assert abs(sys.getrefcount(None) - _rc_none) < 10000\n");
}

/* Without the GIL held: first ensure -> UNLOCKED, nested -> LOCKED. */
static void interp_ensure_gil_is_reentrant(void **state)
{
    (void)state;
    rtloader_gilstate_t outer = ensure_gil(rtl_test_rt);
    assert_int_equal(outer, DATADOG_AGENT_RTLOADER_GIL_UNLOCKED);
    rtloader_gilstate_t inner = ensure_gil(rtl_test_rt);
    assert_int_equal(inner, DATADOG_AGENT_RTLOADER_GIL_LOCKED);
    rtloader_gilstate_t inner2 = ensure_gil(rtl_test_rt);
    assert_int_equal(inner2, DATADOG_AGENT_RTLOADER_GIL_LOCKED);
    release_gil(rtl_test_rt, inner2);
    release_gil(rtl_test_rt, inner);
    /* Still held after releasing the nested ones. */
    assert_int_equal(run_simple_string(rtl_test_rt, "x = 3"), 1);
    release_gil(rtl_test_rt, outer);
    /* Fully released: the next ensure is an outer one again. */
    outer = ensure_gil(rtl_test_rt);
    assert_int_equal(outer, DATADOG_AGENT_RTLOADER_GIL_UNLOCKED);
    release_gil(rtl_test_rt, outer);
}

static volatile int thread_has_gil;
static rtloader_gilstate_t thread_gil_state;
static int thread_run_result;

static void *gil_thread(void *arg)
{
    (void)arg;
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    thread_gil_state = g;
    thread_has_gil = 1;
    thread_run_result = run_simple_string(rtl_test_rt, "import threading\n"
                                                       "rtl_thread_name = threading.current_thread().name\n"
                                                       "rtl_thread_ident = threading.get_ident()\n");
    release_gil(rtl_test_rt, g);
    return NULL;
}

/*
 * The Python thread states of the interpreter, counted through libpython's
 * own API (the backend loaded it RTLD_GLOBAL). Caller holds the GIL.
 */
static int count_thread_states(void)
{
    void *(*main_interp)(void) = (void *(*)(void))dlsym(RTLD_DEFAULT, "PyInterpreterState_Main");
    void *(*head)(void *) = (void *(*)(void *))dlsym(RTLD_DEFAULT, "PyInterpreterState_ThreadHead");
    void *(*next)(void *) = (void *(*)(void *))dlsym(RTLD_DEFAULT, "PyThreadState_Next");
    assert_non_null(main_interp);
    assert_non_null(head);
    assert_non_null(next);
    int count = 0;
    for (void *ts = head(main_interp()); ts != NULL; ts = next(ts)) {
        count++;
    }
    return count;
}

static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kept_cond = PTHREAD_COND_INITIALIZER;
static int kept_stage; /* 1: the thread released the GIL and waits; 2: it may exit */
static int kept_results[3];

static void *kept_state_thread(void *arg)
{
    (void)arg;
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    kept_results[0] = run_simple_string(rtl_test_rt, "import threading\n"
                                                     "rtl_local = threading.local()\n"
                                                     "rtl_local.mark = 'kept'\n");
    release_gil(rtl_test_rt, g);
    g = ensure_gil(rtl_test_rt);
    kept_results[1] = g == DATADOG_AGENT_RTLOADER_GIL_UNLOCKED;
    /* the same thread state: its threading.local values are still there */
    kept_results[2] = run_simple_string(rtl_test_rt, "assert rtl_local.mark == 'kept'\n");
    release_gil(rtl_test_rt, g);
    pthread_mutex_lock(&kept_lock);
    kept_stage = 1;
    pthread_cond_broadcast(&kept_cond);
    while (kept_stage != 2) {
        pthread_cond_wait(&kept_cond, &kept_lock);
    }
    pthread_mutex_unlock(&kept_lock);
    return NULL;
}

/* ensure_gil keeps a thread's Python thread state between calls and drops it when the thread exits. */
static void interp_ensure_gil_keeps_thread_state_until_thread_exit(void **state)
{
    (void)state;
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    int before = count_thread_states();
    release_gil(rtl_test_rt, g);

    pthread_t t;
    kept_stage = 0;
    assert_int_equal(pthread_create(&t, NULL, kept_state_thread, NULL), 0);
    pthread_mutex_lock(&kept_lock);
    while (kept_stage != 1) {
        pthread_cond_wait(&kept_cond, &kept_lock);
    }
    pthread_mutex_unlock(&kept_lock);

    g = ensure_gil(rtl_test_rt);
    int while_alive = count_thread_states();
    release_gil(rtl_test_rt, g);

    pthread_mutex_lock(&kept_lock);
    kept_stage = 2;
    pthread_cond_broadcast(&kept_cond);
    pthread_mutex_unlock(&kept_lock);
    assert_int_equal(pthread_join(t, NULL), 0);

    g = ensure_gil(rtl_test_rt);
    int after = count_thread_states();
    release_gil(rtl_test_rt, g);

    assert_int_equal(kept_results[0], 1);
    assert_int_equal(kept_results[1], 1);
    assert_int_equal(kept_results[2], 1);
    assert_int_equal(while_alive, before + 1); /* released, yet kept */
    assert_int_equal(after, before);           /* deleted with its thread */
}

/* Another thread blocks in ensure_gil while this one holds the GIL, and runs once it is released. */
static void interp_release_gil_lets_another_thread_run(void **state)
{
    (void)state;
    pthread_t t;
    thread_has_gil = 0;
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt);
    /* threading's main thread is whichever imports it first: make that this one. */
    rtl_assert_py("import threading\n");
    assert_int_equal(pthread_create(&t, NULL, gil_thread, NULL), 0);
    usleep(200 * 1000);
    assert_int_equal(thread_has_gil, 0);
    release_gil(rtl_test_rt, g);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(thread_has_gil, 1);
    assert_int_equal(thread_gil_state, DATADOG_AGENT_RTLOADER_GIL_UNLOCKED);
    assert_int_equal(thread_run_result, 1);
    g = ensure_gil(rtl_test_rt);
    rtl_assert_py("import threading\n"
                  "assert rtl_thread_ident != threading.get_ident(), rtl_thread_ident\n"
                  "assert rtl_thread_name != 'MainThread', rtl_thread_name\n");
    release_gil(rtl_test_rt, g);
}

static void interp_rtloader_free_uses_the_rtloader_allocator(void **state)
{
    (void)state;
    char *p = strdupe("freed by rtloader_free");
    rtloader_free(rtl_test_rt, p);
    rtloader_free(rtl_test_rt, NULL);
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.allocations, 1);
    assert_int_equal(s.frees, 1);
    assert_int_equal(s.allocated_bytes, s.freed_bytes);
}

/* Without init_pymem_stats nothing is counted; a NULL stats pointer is ignored. */
static void interp_pymem_stats_zero_when_not_enabled(void **state)
{
    (void)state;
    pymem_stats_t stats;
    stats.inuse = 12345;
    stats.alloc = 67890;
    assert_int_equal(run_simple_string(rtl_test_rt, "x = [bytearray(1 << 20) for _ in range(4)]"), 1);
    get_pymem_stats(rtl_test_rt, &stats);
    assert_int_equal(stats.inuse, 0);
    assert_int_equal(stats.alloc, 0);
    get_pymem_stats(rtl_test_rt, NULL);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST(interp_get_py_info_version_and_path),
    RTL_TEST(interp_free_py_info_null_is_noop),
    RTL_TEST(interp_get_py_info_without_sys_path),
    RTL_TEST(interp_get_py_info_unrepresentable_sys_path),
    RTL_TEST(interp_run_simple_string_runs_in_main),
    RTL_TEST(interp_run_simple_string_exception_sets_no_error),
    RTL_TEST(interp_run_simple_string_syntax_error),
    RTL_TEST(interp_get_none_is_borrowed_none),
    RTL_TEST_NOGIL(interp_ensure_gil_is_reentrant),
    RTL_TEST_NOGIL(interp_release_gil_lets_another_thread_run),
    RTL_TEST_NOGIL(interp_ensure_gil_keeps_thread_state_until_thread_exit),
    RTL_TEST(interp_rtloader_free_uses_the_rtloader_allocator),
    RTL_TEST(interp_pymem_stats_zero_when_not_enabled),
};

RTL_TEST_MAIN(tests, rtl_test_group_setup, rtl_test_group_teardown)
