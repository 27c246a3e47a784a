/*
 * _util.c - the `_util` builtin module (spec §3.4): running a command
 * through the host (which owns process spawning) and the
 * SubprocessOutputEmptyError exception.
 *
 * C names use the prefix `uutil_` (as the Go test package does): an
 * identifier starting with "_u" at file scope is reserved in C.
 *
 * The exception class lives in the module state, not in a static, so each
 * interpreter gets its own and raising never needs a module lookup (the
 * upstream fallbacks "error: no module '_util'" and "no attribute
 * '_util.SubprocessOutputEmptyError' found" cannot happen).
 *
 * GIL: called by Python with the GIL held; released while the host runs
 * the command. argv borrows from a private tuple snapshot of `command`, so
 * no other thread can free those strings meanwhile; env entries are
 * "KEY=VALUE" copies from the rtloader allocator.
 */
#include <string.h>

#include "builtins.h"
#include "callbacks.h"
#include "strview.h"

struct uutil_state {
    PyObject *empty_error; /* strong ref: _util.SubprocessOutputEmptyError */
};

static struct uutil_state *uutil_state(PyObject *module)
{
    return (struct uutil_state *)PyModule_GetState(module);
}

/* Borrowed UTF-8 of a str (or UTF-8 bytes, as upstream's as_string) that is a valid C
 * string (no NUL), or NULL with no error pending. */
static const char *uutil_c_string(PyObject *obj, Py_ssize_t *len)
{
    const char *s = NULL;
    if (c_string_view(obj, &s, len) < 0) {
        PyErr_Clear();
        return NULL;
    }
    return s;
}

/*
 * command -> NULL-terminated argv borrowing from *snapshot (a new tuple the
 * caller releases after the callback). Returns a three_malloc'd array or
 * NULL with the contract's TypeError / MemoryError.
 */
static char **uutil_build_argv(PyObject *command, PyObject **snapshot)
{
    Py_ssize_t n, i, len;
    char **argv;

    *snapshot = NULL;
    if (!PyList_Check(command)) {
        PyErr_SetString(PyExc_TypeError, "command args is not a list");
        return NULL;
    }
    n = PyList_GET_SIZE(command);
    if (n == 0) {
        PyErr_SetString(PyExc_TypeError, "invalid command: empty list");
        return NULL;
    }
    *snapshot = PyList_AsTuple(command); /* new ref: holds every item while unlocked */
    if (*snapshot == NULL) {
        return NULL;
    }
    argv = three_malloc(((size_t)n + 1) * sizeof(char *));
    if (argv == NULL) {
        PyErr_SetString(PyExc_MemoryError, "unable to allocate memory, bailing out");
        return NULL;
    }
    for (i = 0; i < n; i++) {
        const char *s = uutil_c_string(PyTuple_GET_ITEM(*snapshot, i) /* borrowed */, &len);

        if (s == NULL) {
            three_free(argv);
            PyErr_SetString(PyExc_TypeError, "command argument must be valid strings");
            return NULL;
        }
        argv[i] = (char *)s;
    }
    argv[n] = NULL;
    return argv;
}

/* Frees an env array built by uutil_build_env (NULL-terminated; entries then array). */
static void uutil_free_env(char **env)
{
    char **p;

    if (env == NULL) {
        return;
    }
    for (p = env; *p != NULL; p++) {
        three_free(*p);
    }
    three_free(env);
}

/*
 * env dict -> NULL-terminated "KEY=VALUE" array (three_malloc'd copies).
 * None or an empty dict -> NULL with *ok = 1. Errors: *ok = 0, Python error.
 */
static char **uutil_build_env(PyObject *env, int *ok)
{
    PyObject *key = NULL, *value = NULL; /* borrowed */
    Py_ssize_t pos = 0, n, count = 0;
    char **envp = NULL;

    *ok = 0;
    if (env == NULL || env == Py_None) {
        *ok = 1;
        return NULL;
    }
    if (!PyDict_Check(env)) {
        PyErr_SetString(PyExc_TypeError, "env is not a dict");
        return NULL;
    }
    n = PyDict_GET_SIZE(env);
    if (n == 0) {
        *ok = 1;
        return NULL;
    }
    envp = three_malloc(((size_t)n + 1) * sizeof(char *));
    if (envp == NULL) {
        PyErr_SetString(PyExc_MemoryError, "unable to allocate memory, bailing out");
        return NULL;
    }
    envp[0] = NULL; /* kept NULL-terminated so uutil_free_env works at any point */
    while (count < n && PyDict_Next(env, &pos, &key, &value)) {
        Py_ssize_t klen = 0, vlen = 0;
        const char *k = uutil_c_string(key, &klen);
        const char *v;
        char *entry;

        if (k == NULL) {
            PyErr_SetString(PyExc_TypeError, "env key is not a string");
            goto fail;
        }
        v = uutil_c_string(value, &vlen);
        if (v == NULL) {
            PyErr_SetString(PyExc_TypeError, "env value is not a string");
            goto fail;
        }
        entry = three_malloc((size_t)klen + (size_t)vlen + 2);
        if (entry == NULL) {
            PyErr_SetString(PyExc_MemoryError, "unable to allocate memory, bailing out");
            goto fail;
        }
        memcpy(entry, k, (size_t)klen);
        entry[klen] = '=';
        memcpy(entry + klen + 1, v, (size_t)vlen + 1);
        envp[count++] = entry;
        envp[count] = NULL;
    }
    *ok = 1;
    return envp;

fail:
    uutil_free_env(envp);
    return NULL;
}

/* str for a host string, None for NULL. Does not free: the caller does, once. */
static PyObject *uutil_str_or_none(const char *s)
{
    if (s == NULL) {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromString(s); /* new ref */
}

static PyObject *uutil_get_subprocess_output(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"command", "raise_on_empty", "env", NULL};
    cb_get_subprocess_output_t cb = three_callbacks.get_subprocess_output;
    PyObject *command = NULL, *raise_obj = NULL, *env_obj = NULL; /* borrowed */
    PyObject *snapshot = NULL;                                   /* new ref */
    PyObject *out_obj = NULL, *err_obj = NULL, *rc_obj = NULL;   /* new refs */
    PyObject *result = NULL;                                     /* new ref */
    char **argv = NULL, **envp = NULL;                           /* three_malloc'd */
    char *out = NULL, *err = NULL, *exc_msg = NULL;              /* host-owned */
    int ret_code = 0, env_ok = 0;
    bool raise_on_empty = false;

    if (cb == NULL) {
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O$O:get_subprocess_output", kwlist,
                                     &command, &raise_obj, &env_obj)) {
        return NULL;
    }
    argv = uutil_build_argv(command, &snapshot);
    if (argv == NULL) {
        goto done;
    }
    envp = uutil_build_env(env_obj, &env_ok);
    if (!env_ok) {
        goto done;
    }
    /* None is the documented default; anything else must be a real bool. */
    if (raise_obj != NULL && raise_obj != Py_None) {
        if (!PyBool_Check(raise_obj)) {
            PyErr_SetString(PyExc_TypeError, "bad raise_on_empty argument: should be bool");
            goto done;
        }
        raise_on_empty = raise_obj == Py_True;
    }

    Py_BEGIN_ALLOW_THREADS
    cb(argv, envp, &out, &err, &ret_code, &exc_msg); /* spawns and waits: seconds, maybe */
    Py_END_ALLOW_THREADS

    /* Upstream did strlen(out) without a NULL check; no output at all is "empty" too. */
    if (raise_on_empty && (out == NULL || out[0] == '\0')) {
        PyErr_SetString(uutil_state(module)->empty_error,
                        "get_subprocess_output expected output but had none.");
        goto done;
    }
    if (exc_msg != NULL) {
        PyErr_SetString(PyExc_Exception, exc_msg);
        goto done;
    }
    out_obj = uutil_str_or_none(out);
    if (out_obj == NULL) {
        goto done;
    }
    err_obj = uutil_str_or_none(err);
    if (err_obj == NULL) {
        goto done;
    }
    rc_obj = PyLong_FromLong(ret_code);
    if (rc_obj == NULL) {
        goto done;
    }
    result = PyTuple_Pack(3, out_obj, err_obj, rc_obj); /* new ref; takes its own refs */

done:
    Py_XDECREF(out_obj);
    Py_XDECREF(err_obj);
    Py_XDECREF(rc_obj);
    cgo_free(out);
    cgo_free(err);
    cgo_free(exc_msg);
    uutil_free_env(envp);
    three_free(argv);
    Py_XDECREF(snapshot);
    return result;
}

static PyMethodDef uutil_methods[] = {
    {"subprocess_output", (PyCFunction)(void (*)(void))uutil_get_subprocess_output,
     METH_VARARGS | METH_KEYWORDS, "Run a command and return (stdout, stderr, returncode)."},
    {"get_subprocess_output", (PyCFunction)(void (*)(void))uutil_get_subprocess_output,
     METH_VARARGS | METH_KEYWORDS, "Run a command and return (stdout, stderr, returncode)."},
    {NULL, NULL, 0, NULL},
};

/* Py_mod_exec: creates this module's SubprocessOutputEmptyError. */
static int uutil_exec(PyObject *module /* borrowed */)
{
    struct uutil_state *state = uutil_state(module);

    state->empty_error = PyErr_NewException("_util.SubprocessOutputEmptyError", NULL,
                                            NULL); /* new ref, kept by the state */
    if (state->empty_error == NULL) {
        return -1;
    }
    /* PyModule_AddObject steals on success only (PyModule_AddObjectRef is 3.10+). */
    Py_INCREF(state->empty_error);
    if (PyModule_AddObject(module, "SubprocessOutputEmptyError", state->empty_error) < 0) {
        Py_DECREF(state->empty_error);
        return -1;
    }
    return 0;
}

static int uutil_traverse(PyObject *module, visitproc visit, void *arg)
{
    struct uutil_state *state = uutil_state(module);

    if (state != NULL) {
        Py_VISIT(state->empty_error);
    }
    return 0;
}

static int uutil_clear(PyObject *module)
{
    struct uutil_state *state = uutil_state(module);

    if (state != NULL) {
        Py_CLEAR(state->empty_error);
    }
    return 0;
}

static void uutil_free(void *module)
{
    uutil_clear((PyObject *)module);
}

static PyModuleDef_Slot uutil_slots[] = {
    {Py_mod_exec, (void *)uutil_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* The only Python state is the per-module exception class above. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef uutil_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_util",
    .m_doc = "Running subprocesses through the agent.",
    .m_size = sizeof(struct uutil_state),
    .m_methods = uutil_methods,
    .m_slots = uutil_slots,
    .m_traverse = uutil_traverse,
    .m_clear = uutil_clear,
    .m_free = uutil_free,
};

PyObject *PyInit__util(void)
{
    return PyModuleDef_Init(&uutil_def);
}
