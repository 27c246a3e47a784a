/*
 * test_make3.c - make3 and destroy: spec §1.2 (1, 2) and §4.1.
 *
 * No group setup: each test makes (and destroys) its own instance.
 * The two loader-failure tests re-execute themselves with LD_LIBRARY_PATH
 * pointing at a directory holding a copy of the front library and either no
 * backend (NOBACKEND_DIR) or a fake backend without `create` (NOCREATE_DIR);
 * the build prepares both directories.
 */
#include "rtl_test.h"

#include <dlfcn.h>
#include <string.h>

#ifndef NOBACKEND_DIR
#    error "NOBACKEND_DIR must be defined by the build"
#endif
#ifndef NOCREATE_DIR
#    error "NOCREATE_DIR must be defined by the build"
#endif

static char sentinel_error[] = "untouched";

static void make3_success_leaves_error_untouched(void **state)
{
    (void)state;
    enable_memory_tracker();
    char *err = sentinel_error;
    rtloader_t *rt = make3(NULL, NULL, &err);
    assert_non_null(rt);
    assert_ptr_equal(err, sentinel_error);
    assert_int_equal(has_error(rt), 0);
    assert_string_equal(get_error(rt), "");
    destroy(rt);
}

static void make3_second_call_fails_already_initialized(void **state)
{
    (void)state;
    enable_memory_tracker();
    char *err = NULL;
    rtloader_t *rt = make3(NULL, RTL_TEST_PYTHON_EXE, &err);
    assert_non_null(rt);
    assert_null(err);
    rtl_test_mem_delta();

    rtloader_t *rt2 = make3(NULL, RTL_TEST_PYTHON_EXE, &err);
    assert_null(rt2);
    assert_non_null(err);
    assert_string_equal(err, "RtLoader already initialized!");
    /* The message comes from the rtloader allocator: one allocation, freed with _free. */
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.allocations, 1);
    assert_int_equal(s.frees, 0);
    _free(err);
    s = rtl_test_mem_delta();
    assert_int_equal(s.frees, 1);
    assert_true(s.freed_bytes > 0);

    /* The first instance is unaffected. */
    assert_int_equal(has_error(rt), 0);
    destroy(rt);
}

/* destroy() forgets the backend handle: make3 works again, and the new instance starts Python. */
static void make3_after_destroy_makes_a_working_instance(void **state)
{
    (void)state;
    enable_memory_tracker();
    char *err = NULL;
    rtloader_t *rt = make3(NULL, NULL, &err);
    assert_non_null(rt);
    destroy(rt); /* never initialized: must not touch Python */

    rt = make3(NULL, RTL_TEST_PYTHON_EXE, &err);
    assert_non_null(rt);
    assert_null(err);
    assert_int_equal(add_python_path(rt, FIXTURES_DIR), 1);
    assert_int_equal(init(rt), 1);
    rtloader_gilstate_t g = ensure_gil(rt);
    assert_int_equal(run_simple_string(rt, "import datadog_checks.checks"), 1);
    release_gil(rt, g);
    destroy(rt);
}

/*
 * make3 -> init -> destroy, repeated: every cycle starts from the state the
 * first one found. sys.path does not gain the stored paths again (it grew
 * by two per cycle), sys.modules does not grow, and the rtloader allocator
 * balances.
 */
static void make3_destroy_cycles_start_from_the_same_state(void **state)
{
    (void)state;
    enable_memory_tracker();
    for (int cycle = 0; cycle < 200; cycle++) {
        char *err = NULL;
        rtloader_t *rt = make3(NULL, RTL_TEST_PYTHON_EXE, &err);
        assert_non_null(rt);
        rtl_test_rt = rt;
        assert_int_equal(add_python_path(rt, FIXTURES_DIR), 1);
        assert_int_equal(add_python_path(rt, "/tmp/rtloader-ctest-cycle"), 1);
        assert_int_equal(init(rt), 1);
        rtloader_gilstate_t g = ensure_gil(rt);
        if (cycle == 0) {
            rtl_test_mem_delta();
            assert_int_equal(run_simple_string(rt, "import builtins, sys\n"
                                                   "builtins.rtl_path = list(sys.path)\n"
                                                   "builtins.rtl_modules = len(sys.modules)\n"),
                             1);
        } else {
            rtl_assert_py("import builtins, sys\n"
                          "assert sys.path == builtins.rtl_path, (len(sys.path), sys.path[-4:])\n"
                          "assert len(sys.modules) == builtins.rtl_modules, len(sys.modules)\n");
        }
        release_gil(rt, g);
        destroy(rt);
        rtl_test_rt = NULL;
    }
    struct memory_stats s = rtl_test_mem_delta();
    assert_int_equal(s.allocations, s.frees);
    assert_int_equal(s.inuse_bytes, 0);
}

/* make3 with empty strings behaves as with NULL (defaults). */
static void make3_empty_strings_mean_defaults(void **state)
{
    (void)state;
    enable_memory_tracker();
    char *err = sentinel_error;
    rtloader_t *rt = make3("", "", &err);
    assert_non_null(rt);
    assert_ptr_equal(err, sentinel_error);
    assert_int_equal(add_python_path(rt, FIXTURES_DIR), 1);
    assert_int_equal(init(rt), 1);
    rtloader_gilstate_t g = ensure_gil(rt);
    /* No program name: sys.executable is not the mock path of the other tests. */
    assert_int_equal(run_simple_string(rt, "import sys\n"
                                           "assert sys.executable != '" RTL_TEST_PYTHON_EXE "'\n"),
                     1);
    release_gil(rt, g);
    destroy(rt);
}

/* Asserts that the front library really was loaded from `dir` (the copy). */
static void assert_front_loaded_from(const char *dir)
{
    Dl_info info;
    memset(&info, 0, sizeof(info));
    assert_true(dladdr((void *)make3, &info) != 0);
    if (info.dli_fname == NULL || strncmp(info.dli_fname, dir, strlen(dir)) != 0) {
        print_error("the front library was loaded from %s, not from %s: the test setup is wrong\n",
                    info.dli_fname ? info.dli_fname : "(unknown)", dir);
        fail();
    }
}

static void make3_backend_not_found(void **state)
{
    (void)state;
    rtl_test_reexec_with_env("LD_LIBRARY_PATH", NOBACKEND_DIR);
    assert_front_loaded_from(NOBACKEND_DIR);
    enable_memory_tracker();
    rtl_test_mem_forget();

    char *err = NULL;
    assert_null(make3(NULL, NULL, &err));
    assert_non_null(err);
    assert_string_prefix(err, "Unable to open three library: ");
    assert_string_contains(err, "libdatadog-agent-three.so");
    _free(err);

    /* A failed make3 leaves no instance behind: the same error again, not "already initialized". */
    err = NULL;
    assert_null(make3(NULL, NULL, &err));
    assert_non_null(err);
    assert_string_prefix(err, "Unable to open three library: ");
    _free(err);
}

static void make3_backend_without_create(void **state)
{
    (void)state;
    rtl_test_reexec_with_env("LD_LIBRARY_PATH", NOCREATE_DIR);
    assert_front_loaded_from(NOCREATE_DIR);
    enable_memory_tracker();
    rtl_test_mem_forget();

    char *err = NULL;
    assert_null(make3(NULL, NULL, &err));
    assert_non_null(err);
    assert_string_prefix(err, "Unable to open three factory: ");
    assert_string_contains(err, "create");
    _free(err);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST_NOGIL(make3_success_leaves_error_untouched),
    RTL_TEST_NOGIL(make3_second_call_fails_already_initialized),
    RTL_TEST_NOGIL(make3_after_destroy_makes_a_working_instance),
    RTL_TEST_NOGIL(make3_destroy_cycles_start_from_the_same_state),
    RTL_TEST_NOGIL(make3_empty_strings_mean_defaults),
    RTL_TEST_NOGIL(make3_backend_not_found),
    RTL_TEST_NOGIL(make3_backend_without_create),
};

RTL_TEST_MAIN(tests, NULL, NULL)
