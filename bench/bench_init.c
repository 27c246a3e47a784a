/*
 * bench_init.c - the cost of starting rtloader (make3 + init), against a
 * bare embedding of the same libpython measured in the same run:
 *
 *   ours  make3(NULL, "") + add_python_path x2 + init
 *   raw   dlopen(libpython) + Py_PreInitialize (UTF-8 mode) +
 *         Py_InitializeFromConfig (same home) + the same two sys.path
 *         entries + import of datadog_checks.checks.AgentCheck +
 *         PyEval_SaveThread
 *
 * Each measurement is a fresh process (an interpreter starts once per
 * process); the two sides alternate, the order flipping every round so that
 * neither always runs on a warmer cache. Reported: median and best of each
 * side, the ratio of the medians. With --modules, each side prints how many
 * modules sys.modules holds after starting (what init imports beyond the
 * baseline shows up there).
 *
 * The instruction counts come from scripts/run-bench.sh, which runs one
 * child of each side under callgrind, collecting inside timed_ours /
 * timed_raw only.
 *
 * usage: bench_init <bench/python> <host/python> [rounds]
 *        bench_init --child ours|raw <bench/python> <host/python>
 *        bench_init --modules ours|raw <bench/python> <host/python>
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datadog_agent_rtloader.h"

#ifndef BENCH_PYTHON_HOME
#    error "BENCH_PYTHON_HOME must be defined by the build"
#endif

#define DEFAULT_ROUNDS 41
#define MAX_ROUNDS 1001

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_init: %s%s%s\n", what, detail != NULL ? ": " : "",
            detail != NULL ? detail : "");
    exit(1);
}

/* ---- ours -------------------------------------------------------------------------- */

__attribute__((noinline)) static rtloader_t *timed_ours(const char *path1, const char *path2)
{
    char *error = NULL;
    rtloader_t *rt = make3(NULL, "", &error);
    if (rt == NULL) {
        die("make3", error);
    }
    add_python_path(rt, path1);
    add_python_path(rt, path2);
    if (!init(rt)) {
        die("init", get_error(rt));
    }
    return rt;
}

/* ---- raw: the libpython the backend links, reached with dlsym ----------------------- */

struct raw_api {
    __typeof__(&PyPreConfig_InitPythonConfig) pre_init_config;
    __typeof__(&Py_PreInitialize) pre_initialize;
    __typeof__(&PyConfig_InitPythonConfig) init_config;
    __typeof__(&PyConfig_SetBytesString) set_bytes_string;
    __typeof__(&Py_InitializeFromConfig) initialize_from_config;
    __typeof__(&PyConfig_Clear) config_clear;
    __typeof__(&PySys_GetObject) sys_get_object;
    __typeof__(&PyUnicode_FromString) unicode_from_string;
    __typeof__(&PyList_Append) list_append;
    __typeof__(&PyImport_ImportModule) import_module;
    __typeof__(&PyObject_GetAttrString) get_attr_string;
    __typeof__(&PyEval_SaveThread) save_thread;
    __typeof__(&PyErr_Print) err_print;
    __typeof__(&PyStatus_Exception) status_exception;
};

static void *sym(void *lib, const char *name)
{
    void *p = dlsym(lib, name);
    if (p == NULL) {
        die("libpython symbol not found", name);
    }
    return p;
}

static void append_path(const struct raw_api *py, PyObject *sys_path, const char *path)
{
    PyObject *entry = py->unicode_from_string(path);
    if (entry == NULL || py->list_append(sys_path, entry) != 0) {
        die("sys.path", path);
    }
    /* one reference left behind, as in a process that never finalizes */
}

__attribute__((noinline)) static void timed_raw(const char *libpython, const char *path1,
                                                const char *path2)
{
    void *lib = dlopen(libpython, RTLD_LAZY | RTLD_GLOBAL);
    if (lib == NULL) {
        die("dlopen", dlerror());
    }
    struct raw_api py = {
        .pre_init_config = sym(lib, "PyPreConfig_InitPythonConfig"),
        .pre_initialize = sym(lib, "Py_PreInitialize"),
        .init_config = sym(lib, "PyConfig_InitPythonConfig"),
        .set_bytes_string = sym(lib, "PyConfig_SetBytesString"),
        .initialize_from_config = sym(lib, "Py_InitializeFromConfig"),
        .config_clear = sym(lib, "PyConfig_Clear"),
        .sys_get_object = sym(lib, "PySys_GetObject"),
        .unicode_from_string = sym(lib, "PyUnicode_FromString"),
        .list_append = sym(lib, "PyList_Append"),
        .import_module = sym(lib, "PyImport_ImportModule"),
        .get_attr_string = sym(lib, "PyObject_GetAttrString"),
        .save_thread = sym(lib, "PyEval_SaveThread"),
        .err_print = sym(lib, "PyErr_Print"),
        .status_exception = sym(lib, "PyStatus_Exception"),
    };
    PyPreConfig preconfig;
    py.pre_init_config(&preconfig);
    preconfig.utf8_mode = 1;
    if (py.status_exception(py.pre_initialize(&preconfig))) {
        die("Py_PreInitialize failed", NULL);
    }
    PyConfig config;
    py.init_config(&config);
    config.install_signal_handlers = 1;
    if (py.status_exception(py.set_bytes_string(&config, &config.home, BENCH_PYTHON_HOME))
        || py.status_exception(py.initialize_from_config(&config))) {
        die("Py_InitializeFromConfig failed", NULL);
    }
    py.config_clear(&config);
    PyObject *sys_path = py.sys_get_object("path");
    append_path(&py, sys_path, path1);
    append_path(&py, sys_path, path2);
    PyObject *module = py.import_module("datadog_checks.checks");
    if (module == NULL || py.get_attr_string(module, "AgentCheck") == NULL) {
        py.err_print();
        die("could not import the base class", NULL);
    }
    py.save_thread();
}

/* Where the backend's libpython is: make3 loads the backend (Python is not started). */
static void find_libpython(char *out, size_t size)
{
    char *error = NULL;
    rtloader_t *rt = make3(NULL, "", &error);
    if (rt == NULL) {
        die("make3", error);
    }
    Dl_info info;
    void *fn = dlsym(RTLD_DEFAULT, "Py_InitializeFromConfig");
    if (fn == NULL || dladdr(fn, &info) == 0 || info.dli_fname == NULL) {
        die("cannot locate the backend's libpython", NULL);
    }
    snprintf(out, size, "%s", info.dli_fname);
    destroy(rt);
}

/* ---- children ---------------------------------------------------------------------- */

static int child(const char *side, const char *libpython, const char *path1, const char *path2,
                 int print_modules)
{
    double t0 = now_ns();
    if (strcmp(side, "ours") == 0) {
        rtloader_t *rt = timed_ours(path1, path2);
        if (print_modules) {
            rtloader_gilstate_t gil = ensure_gil(rt);
            run_simple_string(rt, "import sys; print(len(sys.modules), ' '.join(sorted(sys.modules)))");
            release_gil(rt, gil);
        }
    } else {
        timed_raw(libpython, path1, path2);
        if (print_modules) {
            void (*restore)(void *) = (void (*)(void *))dlsym(RTLD_DEFAULT, "PyEval_RestoreThread");
            int (*run)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "PyRun_SimpleString");
            void *(*get)(void) = (void *(*)(void))dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState");
            restore(get());
            run("import sys; print(len(sys.modules), ' '.join(sorted(sys.modules)))");
        }
    }
    double t1 = now_ns();
    if (!print_modules) {
        printf("%.0f\n", t1 - t0);
    }
    fflush(stdout);
    _exit(0); /* neither side finalizes: an rtloader process never does */
}

static double run_child(const char *self, const char *side, const char *libpython,
                        const char *path1, const char *path2)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "'%s' --child %s '%s' '%s' '%s'", self, side, libpython, path1,
             path2);
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        die("popen failed", cmd);
    }
    double ns = -1;
    if (fscanf(p, "%lf", &ns) != 1) {
        ns = -1;
    }
    if (pclose(p) != 0 || ns < 0) {
        die("child failed", cmd);
    }
    return ns;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc >= 6 && strcmp(argv[1], "--child") == 0) {
        return child(argv[2], argv[3], argv[4], argv[5], 0);
    }
    if (argc >= 5 && strcmp(argv[1], "--modules") == 0) {
        char libpython[4096] = "";
        if (strcmp(argv[2], "raw") == 0) {
            find_libpython(libpython, sizeof(libpython));
        }
        return child(argv[2], libpython, argv[3], argv[4], 1);
    }
    if (argc < 3) {
        fprintf(stderr,
                "usage: %s <bench/python> <host/python> [rounds]\n"
                "       %s --modules ours|raw <bench/python> <host/python>\n",
                argv[0], argv[0]);
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : DEFAULT_ROUNDS;
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        die("rounds must be between 1 and 1001", NULL);
    }
    char libpython[4096];
    find_libpython(libpython, sizeof(libpython));

    static double ours[MAX_ROUNDS], raw[MAX_ROUNDS];
    for (int i = 0; i < rounds; i++) {
        if (i % 2 == 0) {
            ours[i] = run_child(argv[0], "ours", libpython, argv[1], argv[2]);
            raw[i] = run_child(argv[0], "raw", libpython, argv[1], argv[2]);
        } else {
            raw[i] = run_child(argv[0], "raw", libpython, argv[1], argv[2]);
            ours[i] = run_child(argv[0], "ours", libpython, argv[1], argv[2]);
        }
    }
    qsort(ours, (size_t)rounds, sizeof(double), compare_double);
    qsort(raw, (size_t)rounds, sizeof(double), compare_double);
    double ours_median = ours[rounds / 2], raw_median = raw[rounds / 2];
    printf("%s, %d fresh processes per side, interleaved\n", libpython, rounds);
    printf("%-44s median %7.2f ms   best %7.2f ms\n", "make3 + init", ours_median / 1e6,
           ours[0] / 1e6);
    printf("%-44s median %7.2f ms   best %7.2f ms\n", "Py_InitializeFromConfig + base class",
           raw_median / 1e6, raw[0] / 1e6);
    printf("ratio (medians) %.3fx   (best) %.3fx\n", ours_median / raw_median, ours[0] / raw[0]);
    return 0;
}
