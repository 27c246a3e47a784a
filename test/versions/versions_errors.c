/*
 * versions_errors.c - make3's choice of backend: listing, errors for homes
 * that are no Python or a Python without a backend, and one libpython per
 * process. Each behaviour runs in a child process (one backend per process).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_ext.h"
#include "rtloader_mem.h"

static void assert_balanced(void)
{
    struct memory_stats stats = get_and_reset_memory_stats();
    assert_int_equal(stats.allocations, stats.frees);
}

static int setup(void **state)
{
    (void)state;
    get_and_reset_memory_stats();
    return 0;
}

static void versions_list_backends_is_sorted_and_has_default(void **state)
{
    (void)state;
    size_t count = 0;
    rtloader_backend_info_t *list = rtloader_list_backends(&count);
    assert_non_null(list);
    assert_true(count >= 1);
    int defaults = 0;
    for (size_t i = 0; i < count; i++) {
        unsigned major = 0, minor = 0;
        assert_int_equal(sscanf(list[i].python_version, "%u.%u", &major, &minor), 2);
        assert_int_equal(major, 3);
        assert_true(minor >= 8);
        /* upstream's file name, in a directory per version */
        char suffix[64];
        snprintf(suffix, sizeof(suffix), "/three/%s/libdatadog-agent-three.so",
                 list[i].python_version);
        size_t plen = strlen(list[i].path), slen = strlen(suffix);
        assert_true(plen > slen);
        assert_string_equal(list[i].path + plen - slen, suffix);
        assert_int_equal(access(list[i].path, R_OK), 0);
        if (i > 0) {
            unsigned pmaj = 0, pmin = 0;
            sscanf(list[i - 1].python_version, "%u.%u", &pmaj, &pmin);
            assert_true(pmin < minor);
        }
        defaults += list[i].is_default;
    }
    assert_int_equal(defaults, 1);
    rtloader_free_backends(list, count);
    assert_null(rtloader_list_backends(NULL));
    assert_balanced();
}

static void versions_home_that_is_no_python_is_an_error(void **state)
{
    (void)state;
    char *error = NULL;
    assert_null(make3("/nonexistent/python/home", "", &error));
    assert_string_equal(error, "'/nonexistent/python/home' is not a Python 3 installation: no "
                               "lib/python3.X/os.py under it");
    _free(error);
    assert_balanced();
}

/* A fake installation of a Python no backend was built for. */
static void versions_python_without_backend_names_version_and_available(void **state)
{
    (void)state;
    char home[] = "/tmp/rtloader-fakehome-XXXXXX";
    assert_non_null(mkdtemp(home));
    char path[512];
    snprintf(path, sizeof(path), "%s/lib", home);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/lib/python3.7", home);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/lib/python3.7/os.py", home);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);

    char *error = NULL;
    assert_null(make3(home, "", &error));
    assert_non_null(error);
    char expected[512];
    snprintf(expected, sizeof(expected),
             "Unable to open three library: Python 3.7 (found at '%s') has no backend; "
             "backends available: ",
             home);
    assert_memory_equal(error, expected, strlen(expected));
    assert_non_null(strstr(error, RTLOADER_DEFAULT_PYTHON_VERSION));
    _free(error);

    unlink(path);
    snprintf(path, sizeof(path), "%s/lib/python3.7", home);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/lib", home);
    rmdir(path);
    rmdir(home);
    assert_balanced();
}

/* Runs `body` in a child; the child's exit status is the result. */
static int in_child(int (*body)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        _exit(body());
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

/* Two different backends would put two libpythons in one process. */
static int second_version_after_destroy(void)
{
    size_t count = 0;
    rtloader_backend_info_t *list = rtloader_list_backends(&count);
    if (count < 2) {
        printf("only one backend built: nothing to switch to\n");
        rtloader_free_backends(list, count);
        return 0;
    }
    char *error = NULL;
    rtloader_t *rt = make3(NULL, "", &error);
    if (rt == NULL) {
        return 10;
    }
    destroy(rt);
    /* a home whose version differs from the default backend's */
    const char *other = NULL;
    for (size_t i = 0; i < count; i++) {
        if (!list[i].is_default) {
            other = list[i].python_version;
            break;
        }
    }
    /* no home on disk is needed to ask for another backend: a fake one */
    char home[] = "/tmp/rtloader-fakehome2-XXXXXX";
    if (mkdtemp(home) == NULL) {
        return 11;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/lib", home);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/lib/python%s", home, other);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/lib/python%s/os.py", home, other);
    fclose(fopen(path, "w"));
    rt = make3(home, "", &error);
    int status = 0;
    if (rt != NULL || error == NULL
        || strstr(error, "another Python backend is already loaded in this process") == NULL) {
        fprintf(stderr, "unexpected: %s\n", error != NULL ? error : "(no error)");
        status = 12;
    }
    _free(error);
    rtloader_free_backends(list, count);
    return status;
}

/*
 * A home of the default version with no shared libpython of its own (its
 * standard library borrowed from the default home): make3 falls back to the
 * build's libpython and says so.
 */
static int home_without_libpython(void)
{
    char home[] = "/tmp/rtloader-fakehome3-XXXXXX";
    if (mkdtemp(home) == NULL) {
        return 11;
    }
    char path[512], target[512];
    snprintf(path, sizeof(path), "%s/lib", home);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/lib/python%s", home, RTLOADER_DEFAULT_PYTHON_VERSION);
    snprintf(target, sizeof(target), "%s/lib/python%s", RTLOADER_DEFAULT_PYTHON_HOME,
             RTLOADER_DEFAULT_PYTHON_VERSION);
    if (symlink(target, path) != 0) {
        return 12;
    }
    char *error = NULL;
    rtloader_t *rt = make3(home, "", &error);
    int status = 0;
    const char *lib = rtloader_python_library();
    char note[600];
    snprintf(note, sizeof(note), " (the build's: '%s' has no shared libpython%s.so.1.0)", home,
             RTLOADER_DEFAULT_PYTHON_VERSION);
    if (rt == NULL) {
        fprintf(stderr, "make3: %s\n", error);
        status = 13;
    } else if (lib == NULL || strstr(lib, "libpython" RTLOADER_DEFAULT_PYTHON_VERSION) == NULL
               || strlen(lib) <= strlen(note) || strcmp(lib + strlen(lib) - strlen(note), note) != 0) {
        fprintf(stderr, "rtloader_python_library: '%s', want '<path>%s'\n", lib, note);
        status = 14;
    }
    unlink(path);
    snprintf(path, sizeof(path), "%s/lib", home);
    rmdir(path);
    rmdir(home);
    return status;
}

static void versions_home_without_libpython_uses_the_builds(void **state)
{
    (void)state;
    assert_int_equal(in_child(home_without_libpython), 0);
}

static void versions_one_python_per_process(void **state)
{
    (void)state;
    assert_int_equal(in_child(second_version_after_destroy), 0);
}

int main(void)
{
    enable_memory_tracker();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(versions_list_backends_is_sorted_and_has_default, setup),
        cmocka_unit_test_setup(versions_home_that_is_no_python_is_an_error, setup),
        cmocka_unit_test_setup(versions_python_without_backend_names_version_and_available, setup),
        cmocka_unit_test_setup(versions_one_python_per_process, setup),
        cmocka_unit_test_setup(versions_home_without_libpython_uses_the_builds, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
