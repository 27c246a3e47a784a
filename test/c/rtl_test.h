/*
 * rtl_test.h - what every C test program shares.
 *
 * Model (libuv's): one program per unit (test_<unit>.c), every test named
 * <unit>_<behaviour>, every test run in a process of its own (only one
 * rtloader may exist per process), every test ending with an allocation
 * balance assertion on the rtloader allocator.
 *
 *   ./c_test_<unit> <test>   runs that one test (this is what ctest does);
 *   ./c_test_<unit>          runs each test in a fresh child process.
 *
 * The tests use the public API only, like a host, except test_callbacks.c
 * which checks the backend's callback table.
 */
#ifndef RTL_TEST_H
#define RTL_TEST_H

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"

#ifndef FIXTURES_DIR
#    error "FIXTURES_DIR must be defined by the build"
#endif

/* The program name the upstream tests pass to make3, checked in sys.executable. */
#define RTL_TEST_PYTHON_EXE "/folder/mock_python_interpeter_bin_path"

/*
 * The Python of this test pass. scripts/run-tests.sh runs the suite once per
 * backend built, exporting RTLOADER_TEST_PYTHON_HOME and
 * RTLOADER_TEST_PYTHON_VERSION; make3 picks the backend from the home.
 * Unset: the default backend (home NULL, version RTL_DEFAULT_PYTHON_VERSION).
 * Tests that must use the default backend whatever the pass are labelled
 * "once" in CMakeLists.txt.
 */
const char *rtl_test_python_home(void);
const char *rtl_test_python_version(void);

/* The process's one rtloader, set by rtl_test_start(). */
extern rtloader_t *rtl_test_rt;

/* What rtl_test_setup() took, released by rtl_test_teardown(). */
extern rtloader_gilstate_t rtl_test_gil;

/*
 * Starts the process's rtloader like a host does: enable_memory_tracker(),
 * make3(python_home or, if NULL, rtl_test_python_home(), python_exe), every fake-host callback, `_free` as the
 * cgo free callback, add_python_path(FIXTURES_DIR) and every path of
 * `extra_paths` (NULL-terminated, may be NULL), init_pymem_stats() when
 * `with_pymem`, then init(). Python does not write bytecode next to the
 * fixtures. Fails the current test (or group) on any error.
 */
void rtl_test_start(const char *python_home, const char *python_exe, const char *const *extra_paths,
                    int with_pymem);

/* Group fixtures: start with the defaults (mock exe, fixtures path, no pymem) / destroy. */
int rtl_test_group_setup(void **state);
int rtl_test_group_teardown(void **state);

/* Per-test fixtures: reset the memory counters (and take the GIL) / (release it and) assert balance. */
int rtl_test_setup(void **state);
int rtl_test_teardown(void **state);
int rtl_test_setup_nogil(void **state);
int rtl_test_teardown_nogil(void **state);

/* A test holding the GIL / not holding it (for tests of the GIL itself, of init, ...). */
#define RTL_TEST(f) cmocka_unit_test_setup_teardown(f, rtl_test_setup, rtl_test_teardown)
#define RTL_TEST_NOGIL(f) cmocka_unit_test_setup_teardown(f, rtl_test_setup_nogil, rtl_test_teardown_nogil)

/*
 * Mid-test reads of the rtloader allocator counters. rtl_test_mem_delta()
 * returns what changed since the previous read (get_and_reset_memory_stats)
 * and also accumulates it, so the teardown's balance still covers the whole
 * test. rtl_test_mem_forget() drops everything counted so far in this test
 * (for what legitimately outlives the test, e.g. a make3 inside it).
 */
struct memory_stats rtl_test_mem_delta(void);
void rtl_test_mem_forget(void);

/* Asserts allocations == frees and allocated_bytes == freed_bytes over the whole test. */
#define rtl_assert_mem_balanced() _rtl_assert_mem_balanced(__FILE__, __LINE__)
void _rtl_assert_mem_balanced(const char *file, int line);

/* Runs Python code in __main__ and asserts it raised nothing (a failure prints the traceback). */
#define rtl_assert_py(code) _rtl_assert_py((code), __FILE__, __LINE__)
void _rtl_assert_py(const char *code, const char *file, int line);

/*
 * Asserts that an error is pending with exactly `expected` text, that
 * get_error() consumed it (has_error() == 0 and a second get_error() == "").
 */
#define rtl_assert_error(rt, expected) _rtl_assert_error((rt), (expected), NULL, NULL, __FILE__, __LINE__)
/* Same, for an error that starts with `prefix` and contains `needle` (NULL: anything). */
#define rtl_assert_error_like(rt, prefix, needle)                                                  \
    _rtl_assert_error((rt), NULL, (prefix), (needle), __FILE__, __LINE__)
void _rtl_assert_error(rtloader_t *rt, const char *expected, const char *prefix, const char *needle,
                       const char *file, int line);

/* Asserts no error is pending (and prints it if there is one). */
#define rtl_assert_no_error(rt) _rtl_assert_no_error((rt), __FILE__, __LINE__)
void _rtl_assert_no_error(rtloader_t *rt, const char *file, int line);

/* String assertions that print both strings on failure. */
#define assert_string_prefix(s, prefix) _rtl_assert_prefix((s), (prefix), __FILE__, __LINE__)
#define assert_string_suffix(s, suffix) _rtl_assert_suffix((s), (suffix), __FILE__, __LINE__)
#define assert_string_contains(s, needle) _rtl_assert_contains((s), (needle), __FILE__, __LINE__)
void _rtl_assert_prefix(const char *s, const char *prefix, const char *file, int line);
void _rtl_assert_suffix(const char *s, const char *suffix, const char *file, int line);
void _rtl_assert_contains(const char *s, const char *needle, const char *file, int line);

/*
 * Loads module `module`, finds its check class and instantiates it with the
 * given instance JSON (init_config "{}", check id "<module>:id", name
 * "<module>"). Returns the check; *klass (if non-NULL) receives the class.
 * The caller decrefs both. Module references are released here.
 */
rtloader_pyobject_t *rtl_test_make_check(const char *module, const char *instance_json,
                                         rtloader_pyobject_t **klass);

/* Writes `len` bytes to a fresh temporary file and returns its path (static buffer). */
const char *rtl_test_write_tmp(const char *data, size_t len);

/*
 * Re-executes the current test in a fresh process whose environment has
 * `name`=`value` (once: the re-executed process runs the test itself and this
 * returns). Used by tests that need the dynamic loader configured differently.
 */
void rtl_test_reexec_with_env(const char *name, const char *value);

/* The program's main: see the top of this file. */
int rtl_test_main(int argc, char **argv, const char *group, const struct CMUnitTest *tests, size_t n,
                  CMFixtureFunction group_setup, CMFixtureFunction group_teardown);

#define RTL_TEST_MAIN(tests, group_setup, group_teardown)                                          \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        return rtl_test_main(argc, argv, __FILE__, (tests), sizeof(tests) / sizeof((tests)[0]),    \
                             (group_setup), (group_teardown));                                     \
    }

#endif /* RTL_TEST_H */
