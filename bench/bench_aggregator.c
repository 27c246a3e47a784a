/*
 * bench_aggregator.c - what aggregator.submit_metric costs above the bare
 * price of a C builtin with the same argument list.
 *
 * Two functions are compared in one process:
 *   aggregator.submit_metric  the real one, calling a no-op host callback;
 *   bench_noop.submit_metric  a METH_VARARGS builtin that parses the same
 *                             "OsisdOs|b" arguments and returns None: the
 *                             floor for any C implementation of this API.
 * Both are timed two ways, interleaved round after round, best round kept:
 *   python  a Python loop calling f(None, 'id', GAUGE, 'name', 1.0,
 *           ['a:1', 'b:2'], 'host', False), as a check does (includes the
 *           loop and building the tag list, identical for both sides);
 *   direct  PyObject_Call from C with one prebuilt argument tuple: only the
 *           function itself, so the stricter ratio.
 * Usage: bench_aggregator [iterations per round] [rounds]
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "builtins.h"
#include "callbacks.h"

static unsigned long submitted; /* defeats "the callback does nothing" shortcuts */

static void bench_submit_metric(char *check_id, metric_type_t type, char *name, double value,
                                char **tags, char *hostname, bool flush_first_value)
{
    (void)check_id, (void)type, (void)name, (void)value, (void)hostname, (void)flush_first_value;
    submitted += tags[0] != NULL;
}

static PyObject *bench_noop_submit_metric(PyObject *self, PyObject *args)
{
    PyObject *check = NULL, *tags = NULL;
    const char *check_id = NULL, *name = NULL, *hostname = NULL;
    int mtype = 0;
    double value = 0.0;
    unsigned char flush_first_value = 0;

    (void)self;
    if (!PyArg_ParseTuple(args, "OsisdOs|b", &check, &check_id, &mtype, &name, &value, &tags,
                          &hostname, &flush_first_value)) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef bench_noop_methods[] = {
    {"submit_metric", bench_noop_submit_metric, METH_VARARGS, "Parses and returns None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef bench_noop_def = {
    PyModuleDef_HEAD_INIT, .m_name = "bench_noop", .m_size = 0, .m_methods = bench_noop_methods,
};

static PyObject *PyInit_bench_noop(void)
{
    return PyModuleDef_Init(&bench_noop_def);
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per call of `loop(n)`, a Python function that calls f n times. */
static double time_python(PyObject *loop, PyObject *n)
{
    double start = now_ns();
    PyObject *r = PyObject_CallOneArg(loop, n); /* new ref */
    double elapsed = now_ns() - start;

    if (r == NULL) {
        PyErr_Print();
        exit(1);
    }
    Py_DECREF(r);
    return elapsed / (double)PyLong_AsLong(n);
}

/* ns per call of func(*args) from C. */
static double time_direct(PyObject *func, PyObject *args, long n)
{
    double start = now_ns();
    long i;

    for (i = 0; i < n; i++) {
        PyObject *r = PyObject_Call(func, args, NULL); /* new ref */

        if (r == NULL) {
            PyErr_Print();
            exit(1);
        }
        Py_DECREF(r);
    }
    return (now_ns() - start) / (double)n;
}

/*
 * Each loop is compiled separately: sharing one code object would let the
 * interpreter's call-site specialization flip between the two callees.
 */
static const char setup_code[] =
    "import aggregator, bench_noop\n"
    "LOOP = ('def loop(n, f=f, GAUGE=aggregator.GAUGE):\\n'\n"
    "        '    for _ in range(n):\\n'\n"
    "        '        f(None, \"id\", GAUGE, \"name\", 1.0, [\"a:1\", \"b:2\"], \"host\", False)\\n')\n"
    "def make_loop(f):\n"
    "    ns = {'f': f, 'aggregator': aggregator}\n"
    "    exec(compile(LOOP, '<loop ' + f.__module__ + '>', 'exec'), ns)\n"
    "    return ns['loop']\n"
    "agg_loop = make_loop(aggregator.submit_metric)\n"
    "noop_loop = make_loop(bench_noop.submit_metric)\n"
    "agg_func = aggregator.submit_metric\n"
    "noop_func = bench_noop.submit_metric\n"
    "call_args = (None, 'id', aggregator.GAUGE, 'name', 1.0, ['a:1', 'b:2'], 'host', False)\n";

static PyObject *get(PyObject *ns, const char *name)
{
    PyObject *v = PyDict_GetItemString(ns, name); /* borrowed */

    if (v == NULL) {
        fprintf(stderr, "bench: %s missing\n", name);
        exit(1);
    }
    return v;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 200000;
    int rounds = argc > 2 ? atoi(argv[2]) : 30;
    double best[4] = {1e30, 1e30, 1e30, 1e30}; /* agg py, noop py, agg direct, noop direct */
    PyConfig config;
    PyStatus status;
    PyObject *main_mod, *ns, *n, *r;
    int round, k;

    three_callbacks.submit_metric = bench_submit_metric;
    if (PyImport_AppendInittab("aggregator", PyInit_aggregator) != 0 ||
        PyImport_AppendInittab("bench_noop", PyInit_bench_noop) != 0) {
        fprintf(stderr, "bench: inittab\n");
        return 1;
    }
    PyConfig_InitIsolatedConfig(&config);
    status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }

    main_mod = PyImport_AddModule("__main__"); /* borrowed */
    ns = PyModule_GetDict(main_mod);           /* borrowed */
    r = PyRun_String(setup_code, Py_file_input, ns, ns);
    if (r == NULL) {
        PyErr_Print();
        return 1;
    }
    Py_DECREF(r);
    n = PyLong_FromLong(iterations);

    for (round = 0; round < rounds; round++) {
        double t[4];

        t[0] = time_python(get(ns, "agg_loop"), n);
        t[1] = time_python(get(ns, "noop_loop"), n);
        t[2] = time_direct(get(ns, "agg_func"), get(ns, "call_args"), iterations);
        t[3] = time_direct(get(ns, "noop_func"), get(ns, "call_args"), iterations);
        for (k = 0; k < 4; k++) {
            best[k] = t[k] < best[k] ? t[k] : best[k];
        }
    }
    Py_DECREF(n);

    printf("bench_aggregator: Python %s, %ld calls x %d rounds, best round\n",
           Py_GetVersion(), iterations, rounds);
    printf("  python loop  aggregator.submit_metric %7.1f ns/call  no-op %7.1f ns/call  "
           "ratio %.2fx\n", best[0], best[1], best[0] / best[1]);
    printf("  direct call  aggregator.submit_metric %7.1f ns/call  no-op %7.1f ns/call  "
           "ratio %.2fx\n", best[2], best[3], best[2] / best[3]);
    printf("  callback calls: %lu\n", submitted);
    return Py_FinalizeEx() < 0 ? 1 : 0;
}
