/*
 * bench_api.c - the per-call API paths, measured through the public API as
 * a host calls them, each against the raw CPython operation it wraps, in
 * one run:
 *
 *   ensure_gil + release_gil      vs PyGILState_Ensure + PyGILState_Release
 *   run_check (run() returns "")  vs check.run() called from C (PyObject_CallMethod)
 *
 * The CPython functions come from the libpython the backend loaded
 * (RTLD_GLOBAL), found with dlsym. Reported: best-of-N ns per call and the
 * ratio. Not a test: nothing is asserted, it prints figures.
 *
 * usage: bench_api <path of bench/python> <path of host/python>
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"

#define ROUNDS 7
#define CALLS 200000

typedef int (*gil_ensure_fn)(void);
typedef void (*gil_release_fn)(int);
typedef void *(*call_method_fn)(void *, const char *, const char *, ...);
typedef void (*decref_fn)(void *);
typedef void *(*save_thread_fn)(void);
typedef void (*restore_thread_fn)(void *);

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static rtloader_t *rt;
static rtloader_pyobject_t *check;
static gil_ensure_fn py_gil_ensure;
static gil_release_fn py_gil_release;
static call_method_fn py_call_method;
static decref_fn py_decref;

struct result {
    double ours, raw;
};

/*
 * Each side on a fresh thread that does not hold the GIL, like a host's
 * worker between runs: what a thread pays over its life, not only once warm.
 */
static void *gil_ours(void *arg)
{
    double t0 = now_ns();
    for (int i = 0; i < CALLS; i++) {
        release_gil(rt, ensure_gil(rt));
    }
    *(double *)arg = (now_ns() - t0) / CALLS;
    return NULL;
}

static void *gil_raw(void *arg)
{
    double t0 = now_ns();
    for (int i = 0; i < CALLS; i++) {
        py_gil_release(py_gil_ensure());
    }
    *(double *)arg = (now_ns() - t0) / CALLS;
    return NULL;
}

static void bench_gil(struct result *r)
{
    r->ours = r->raw = 1e30;
    for (int round = 0; round < ROUNDS; round++) {
        double ours = 0, raw = 0;
        pthread_t thread;
        pthread_create(&thread, NULL, gil_ours, &ours);
        pthread_join(thread, NULL);
        pthread_create(&thread, NULL, gil_raw, &raw);
        pthread_join(thread, NULL);
        r->ours = ours < r->ours ? ours : r->ours;
        r->raw = raw < r->raw ? raw : r->raw;
    }
}

static void *bench_run_check(void *arg)
{
    struct result *r = arg;
    r->ours = r->raw = 1e30;
    rtloader_gilstate_t gil = ensure_gil(rt);
    for (int round = 0; round < ROUNDS; round++) {
        double t0 = now_ns();
        for (int i = 0; i < CALLS; i++) {
            rtloader_free(rt, run_check(rt, check));
        }
        double t1 = now_ns();
        for (int i = 0; i < CALLS; i++) {
            void *ret = py_call_method(check, "run", NULL);
            py_decref(ret);
        }
        double t2 = now_ns();
        double ours = (t1 - t0) / CALLS, raw = (t2 - t1) / CALLS;
        r->ours = ours < r->ours ? ours : r->ours;
        r->raw = raw < r->raw ? raw : r->raw;
    }
    release_gil(rt, gil);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <bench/python> <host/python>\n", argv[0]);
        return 2;
    }
    char *error = NULL;
    enable_memory_tracker();
    rt = make3(NULL, "", &error);
    if (rt == NULL) {
        fprintf(stderr, "make3: %s\n", error);
        return 1;
    }
    add_python_path(rt, argv[1]);
    add_python_path(rt, argv[2]);
    if (!init(rt)) {
        fprintf(stderr, "init: %s\n", get_error(rt));
        return 1;
    }
    py_gil_ensure = (gil_ensure_fn)dlsym(RTLD_DEFAULT, "PyGILState_Ensure");
    py_gil_release = (gil_release_fn)dlsym(RTLD_DEFAULT, "PyGILState_Release");
    py_call_method = (call_method_fn)dlsym(RTLD_DEFAULT, "PyObject_CallMethod");
    py_decref = (decref_fn)dlsym(RTLD_DEFAULT, "Py_DecRef");
    if (!py_gil_ensure || !py_gil_release || !py_call_method || !py_decref) {
        fprintf(stderr, "libpython symbols not found\n");
        return 1;
    }

    rtloader_gilstate_t gil = ensure_gil(rt);
    rtloader_pyobject_t *module = NULL, *klass = NULL;
    if (!get_class(rt, "bench_check", &module, &klass)
        || !get_check(rt, klass, "", "{}", "bench:1", "bench", "", &check)) {
        fprintf(stderr, "loading the bench check: %s\n", get_error(rt));
        return 1;
    }
    py_info_t *info = get_py_info(rt);
    printf("Python %.*s, best of %d rounds of %d calls\n", (int)strcspn(info->version, " "),
           info->version, ROUNDS, CALLS);
    free_py_info(rt, info);
    release_gil(rt, gil);

    struct result gil_result, run_result;
    bench_gil(&gil_result);
    pthread_t thread;
    pthread_create(&thread, NULL, bench_run_check, &run_result);
    pthread_join(thread, NULL);

    printf("%-34s %9.1f ns   %-40s %9.1f ns   ratio %.2fx\n", "ensure_gil+release_gil",
           gil_result.ours, "PyGILState_Ensure+Release", gil_result.raw,
           gil_result.ours / gil_result.raw);
    printf("%-34s %9.1f ns   %-40s %9.1f ns   ratio %.2fx\n", "run_check + rtloader_free",
           run_result.ours, "PyObject_CallMethod(check, \"run\")", run_result.raw,
           run_result.ours / run_result.raw);

    struct memory_stats stats = get_and_reset_memory_stats();
    printf("rtloader allocations %zu, frees %zu\n", stats.allocations, stats.frees);
    return 0;
}
