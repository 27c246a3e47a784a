/*
 * interp.c - starting the interpreter and the small interpreter-wide API
 * functions (python paths, GIL, references, module attributes, py_info).
 *
 * Unless a function says otherwise, the caller holds the GIL.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtins.h"
#include "callbacks.h"
#include "strconv.h"
#include "three.h"

#define BASE_CLASS_MODULE "datadog_checks.checks"
#define BASE_CLASS_NAME "AgentCheck"
#define PACKAGES_MODULE "datadog_checks.base.utils.agent.packages"

/* "<what>" or "<what>: <status message>" when Python gave one. GIL: none. */
static void set_status_error(struct three *t, const char *what, PyStatus status)
{
    if (status.err_msg != NULL && status.err_msg[0] != '\0') {
        three_set_error(t, "%s: %s", what, status.err_msg);
    } else {
        three_set_error(t, "%s", what);
    }
}

/*
 * The interpreter of a python home: <home>/bin/python3.X, else
 * <home>/bin/python3; NULL when neither is there. libc-owned.
 * GIL: none.
 */
static char *home_interpreter(const char *home)
{
    static const char *const names[] = {"python" THREE_PYTHON_VERSION, "python3"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t len = strlen(home) + strlen("/bin/") + strlen(names[i]) + 1;
        char *path = malloc(len);
        if (path == NULL) {
            return NULL;
        }
        snprintf(path, len, "%s/bin/%s", home, names[i]);
        if (access(path, X_OK) == 0) {
            return path;
        }
        free(path);
    }
    return NULL;
}

/* Pre-config and config of a fresh interpreter. GIL: none (no interpreter yet). */
static int start_python(struct three *t)
{
    PyPreConfig preconfig;
    PyPreConfig_InitPythonConfig(&preconfig);
    preconfig.utf8_mode = 1;
    PyStatus status = Py_PreInitialize(&preconfig);
    if (PyStatus_Exception(status)) {
        set_status_error(t, "Failed to pre-initialize Python", status);
        return 0;
    }

    int ok = 0;
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 1;
    status = PyConfig_SetBytesString(&config, &config.home, t->python_home);
    if (PyStatus_Exception(status)) {
        set_status_error(t, "Failed to set python home", status);
        goto done;
    }
    /* Without an exe, a home still names its interpreter: sys.executable
     * must start that same Python (multiprocessing, subprocess). */
    char *home_exe = t->python_exe[0] == '\0' && t->home_given ? home_interpreter(t->python_home)
                                                               : NULL;
    const char *program = home_exe != NULL ? home_exe : t->python_exe;
    if (program[0] != '\0') {
        status = PyConfig_SetBytesString(&config, &config.program_name, program);
        free(home_exe);
        if (PyStatus_Exception(status)) {
            set_status_error(t, "Failed to set program name", status);
            goto done;
        }
    }
    if (builtins_register() != 0) {
        three_set_error(t, "Failed to register the builtin modules");
        goto done;
    }
    stack_t alt_before;
    bool have_alt_before = sigaltstack(NULL, &alt_before) == 0;
    status = Py_InitializeFromConfig(&config);
    if (PyStatus_Exception(status)) {
        set_status_error(t, "Failed to initialize Python", status);
        goto done;
    }
    stack_t alt_after;
    if (have_alt_before && sigaltstack(NULL, &alt_after) == 0
        && alt_after.ss_sp != alt_before.ss_sp && !(alt_after.ss_flags & SS_DISABLE)) {
        t->alt_stack_replaced = true;
        t->alt_stack_thread = pthread_self();
        t->alt_stack_before = alt_before;
        t->python_alt_stack = alt_after.ss_sp;
    }
    ok = 1;

done:
    PyConfig_Clear(&config);
    return ok;
}

/* Appends the stored paths no earlier (failed) init of this instance applied. */
static int append_python_paths(struct three *t)
{
    PyObject *sys_path = PySys_GetObject("path"); /* borrowed */
    if (sys_path == NULL) {
        three_set_error(t, "could not access sys.path");
        return 0;
    }
    for (struct three_path *p = t->paths; p != NULL; p = p->next) {
        if (p->applied) {
            continue;
        }
        PyObject *entry = PyUnicode_FromString(p->path); /* new ref */
        if (entry == NULL) {
            three_set_error_py(t, "could not set pythonPath: ");
            return 0;
        }
        int rc = PyList_Append(sys_path, entry);
        Py_DECREF(entry);
        if (rc != 0) {
            three_set_error_py(t, "could not append path to pythonPath: ");
            return 0;
        }
        p->applied = true;
    }
    return 1;
}

/*
 * Takes back what append_python_paths added (the last occurrence of each),
 * so that the next instance's init starts from the sys.path this one found:
 * make3/destroy cycles must not grow it.
 */
static void remove_python_paths(struct three *t)
{
    PyObject *sys_path = PySys_GetObject("path"); /* borrowed */
    if (sys_path == NULL || !PyList_Check(sys_path)) {
        return;
    }
    for (struct three_path *p = t->paths; p != NULL; p = p->next) {
        if (!p->applied) {
            continue;
        }
        p->applied = false;
        for (Py_ssize_t i = PyList_GET_SIZE(sys_path) - 1; i >= 0; i--) {
            PyObject *item = PyList_GET_ITEM(sys_path, i); /* borrowed */
            if (PyUnicode_Check(item) && PyUnicode_CompareWithASCIIString(item, p->path) == 0) {
                PySequence_DelItem(sys_path, i);
                break;
            }
        }
    }
    PyErr_Clear();
}

/*
 * Drops from sys.modules what a failed base-class import left there (a
 * datadog_checks package without AgentCheck, say), so a retry after the
 * host fixed its paths imports afresh. `before` is a copy of sys.modules.
 */
static void forget_new_modules(PyObject *before)
{
    PyObject *modules = PyImport_GetModuleDict(); /* borrowed */
    PyObject *keys = PyDict_Keys(modules);         /* new ref */
    if (keys != NULL) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++) {
            PyObject *key = PyList_GET_ITEM(keys, i); /* borrowed */
            if (PyDict_Contains(before, key) == 0) {
                PyDict_DelItem(modules, key);
            }
        }
        Py_DECREF(keys);
    }
    PyErr_Clear();
}

static PyObject *import_base_class(struct three *t)
{
    PyObject *before = PyDict_Copy(PyImport_GetModuleDict()); /* new ref */
    PyObject *base = NULL;
    PyObject *module = PyImport_ImportModule(BASE_CLASS_MODULE); /* new ref */
    if (module != NULL) {
        base = PyObject_GetAttrString(module, BASE_CLASS_NAME); /* new ref */
        Py_DECREF(module);
    }
    if (base == NULL) {
        three_set_error_py(t, "could not import base class: ");
        if (before != NULL) {
            forget_new_modules(before);
        }
    }
    Py_XDECREF(before);
    PyErr_Clear();
    return base;
}

/* GIL: none held on entry (the interpreter is not running yet); none on return. */
int three_init(rtloader_t *rt)
{
    struct three *t = THREE(rt);
    if (t->initialized) {
        three_set_error(t, "rtloader is already initialized");
        return 0;
    }
    if (t->python_started) {
        /* A failed init of this instance left the interpreter running: the
         * host fixed its paths and retries. Directories may have changed
         * since the failed import looked. */
        PyEval_RestoreThread(t->main_tstate);
        PyObject *r = PyImport_ImportModule("importlib"); /* new ref */
        PyObject *done = r != NULL ? PyObject_CallMethod(r, "invalidate_caches", NULL) : NULL;
        Py_XDECREF(done);
        Py_XDECREF(r);
        PyErr_Clear();
    } else if (Py_IsInitialized()) {
        /* A previous instance was destroyed: the interpreter it started is
         * never finalized, so this one adopts it (destroy left the GIL with
         * the thread that called it). */
        PyGILState_Ensure();
    } else if (!start_python(t)) {
        return 0;
    }
    t->python_started = true;

    int ok = 0;
    if (!append_python_paths(t)) {
        goto done;
    }
    if (strconv_init() != 0) {
        three_set_error_py(t, "error initializing string utils: ");
        goto done;
    }
    if (run_names_init() != 0) {
        three_set_error_py(t, "error initializing string utils: ");
        goto done;
    }
    t->base_class = import_base_class(t);
    ok = t->base_class != NULL;
    t->initialized = ok;

done:
    t->main_tstate = PyEval_SaveThread();
    return ok;
}

/*
 * Python 3.8 and 3.9 give the thread that runs Py_Initialize faulthandler's
 * alternate signal stack, a PyMem block, and only Py_Finalize puts the old
 * one back. destroy never finalizes, so without this the thread would end
 * with its alternate stack in Python's heap: harmless to the kernel, but
 * ASan unmaps a thread's alternate stack when the thread ends and aborts on
 * memory it did not map (the Go package's init thread ends after Close).
 * Restored only on that thread and only while Python's stack is still the
 * current one: someone who replaced it since keeps theirs.
 * GIL: none needed.
 */
static void three_restore_alt_stack(struct three *t)
{
    if (!t->alt_stack_replaced || !pthread_equal(pthread_self(), t->alt_stack_thread)) {
        return;
    }
    stack_t current;
    if (sigaltstack(NULL, &current) != 0 || current.ss_sp != t->python_alt_stack
        || (current.ss_flags & (SS_ONSTACK | SS_DISABLE))) {
        return;
    }
    stack_t before = t->alt_stack_before;
    before.ss_flags &= SS_DISABLE; /* SS_ONSTACK is a state, not a request */
    if (sigaltstack(&before, NULL) == 0) {
        t->alt_stack_replaced = false;
    }
}

/* Called by destroy(). GIL: must not be held; taken and kept. */
void three_shutdown(struct three *t)
{
    if (!t->python_started) {
        return;
    }
    three_restore_alt_stack(t);
    PyEval_RestoreThread(t->main_tstate);
    remove_python_paths(t);
    Py_CLEAR(t->base_class);
    strconv_fini();
    run_names_fini();
    t->python_started = false;
    t->initialized = false;
}

py_info_t *three_get_py_info(rtloader_t *rt)
{
    struct three *t = THREE(rt);
    py_info_t *info = three_malloc(sizeof(*info));
    if (info == NULL) {
        three_set_error(t, "could not allocate a py_info_t struct");
        return NULL;
    }
    info->version = Py_GetVersion();
    info->path = NULL;

    PyObject *path_repr = NULL;
    PyObject *sys_path = NULL;
    PyObject *sys = PyImport_ImportModule("sys"); /* new ref */
    if (sys == NULL) {
        three_set_error_py(t, "could not import module 'sys': ");
        goto done;
    }
    sys_path = PyObject_GetAttrString(sys, "path"); /* new ref */
    if (sys_path == NULL) {
        three_set_error_py(t, "could not get 'sys.path': ");
        goto done;
    }
    path_repr = PyObject_Repr(sys_path); /* new ref */
    if (path_repr == NULL) {
        three_set_error_py(t, "could not compute a string representation of 'sys.path': ");
        goto done;
    }
    info->path = as_string(path_repr);

done:
    Py_XDECREF(path_repr);
    Py_XDECREF(sys_path);
    Py_XDECREF(sys);
    return info;
}

int three_run_simple_string(const rtloader_t *rt, const char *code)
{
    (void)rt;
    if (code == NULL) {
        return 0;
    }
    return PyRun_SimpleString(code) == 0 ? 1 : 0;
}

/* GIL: none. Borrowed: the contract (and Go) never decref it. */
rtloader_pyobject_t *three_get_none(const rtloader_t *rt)
{
    (void)rt;
    return (rtloader_pyobject_t *)Py_None;
}

/* GIL: none. The list is libc-owned state applied by init. */
int three_add_python_path(rtloader_t *rt, const char *path)
{
    struct three *t = THREE(rt);
    if (path == NULL) {
        return 0;
    }
    struct three_path **tail = &t->paths;
    for (; *tail != NULL; tail = &(*tail)->next) {
        if (strcmp((*tail)->path, path) == 0) {
            return 0;
        }
    }
    size_t len = strlen(path) + 1;
    struct three_path *entry = malloc(sizeof(*entry) + len);
    if (entry == NULL) {
        return 0;
    }
    entry->next = NULL;
    entry->applied = false;
    memcpy(entry->path, path, len);
    *tail = entry;
    return 1;
}

/* GIL: none. */
void three_free_paths(struct three *t)
{
    while (t->paths != NULL) {
        struct three_path *next = t->paths->next;
        free(t->paths);
        t->paths = next;
    }
}

/*
 * A thread keeps the Python thread state of its first ensure_gil for its
 * whole life: later calls only restore it. PyGILState_Release at nesting 0
 * would delete and rebuild the state each time, which costs more than the
 * rest of a host's per-run calls together (bench/bench_api.c). The state is
 * the very one PyGILState_Ensure made, so PyGILState_* calls nested inside
 * (builtins, get_integration_list) see it as theirs.
 */
static _Thread_local PyThreadState *kept_tstate;
static pthread_key_t kept_tstate_key;
static pthread_once_t kept_tstate_once = PTHREAD_ONCE_INIT;

/*
 * Thread exit: delete the kept state. Not through PyGILState_Release: libc
 * may already have cleared Python's own thread-specific slot by now.
 */
static void drop_kept_tstate(void *tstate)
{
    if (tstate != NULL && Py_IsInitialized()) {
        PyEval_RestoreThread((PyThreadState *)tstate);
        PyThreadState_Clear((PyThreadState *)tstate);
        PyThreadState_DeleteCurrent(); /* and releases the GIL */
    }
}

static void create_kept_tstate_key(void)
{
    pthread_key_create(&kept_tstate_key, drop_kept_tstate);
}

/* GIL: not required (this takes it). Before init there is nothing to take. */
rtloader_gilstate_t three_ensure_gil(rtloader_t *rt)
{
    if (!THREE(rt)->python_started) {
        return DATADOG_AGENT_RTLOADER_GIL_UNLOCKED;
    }
    if (kept_tstate != NULL && !PyGILState_Check()) {
        PyEval_RestoreThread(kept_tstate);
        return DATADOG_AGENT_RTLOADER_GIL_UNLOCKED;
    }
    if (PyGILState_Ensure() == PyGILState_LOCKED) {
        return DATADOG_AGENT_RTLOADER_GIL_LOCKED;
    }
    /* first time on this thread: keep what PyGILState_Ensure created */
    pthread_once(&kept_tstate_once, create_kept_tstate_key);
    kept_tstate = PyThreadState_Get();
    pthread_setspecific(kept_tstate_key, kept_tstate);
    return DATADOG_AGENT_RTLOADER_GIL_UNLOCKED;
}

void three_release_gil(rtloader_t *rt, rtloader_gilstate_t state)
{
    if (!THREE(rt)->python_started) {
        return;
    }
    if (state == DATADOG_AGENT_RTLOADER_GIL_UNLOCKED && kept_tstate != NULL
        && PyThreadState_Get() == kept_tstate) {
        PyEval_SaveThread();
        return;
    }
    PyGILState_Release(state == DATADOG_AGENT_RTLOADER_GIL_LOCKED ? PyGILState_LOCKED
                                                                  : PyGILState_UNLOCKED);
}

void three_decref(rtloader_t *rt, rtloader_pyobject_t *obj)
{
    (void)rt;
    Py_XDECREF((PyObject *)obj);
}

void three_incref(rtloader_t *rt, rtloader_pyobject_t *obj)
{
    (void)rt;
    Py_XINCREF((PyObject *)obj);
}

void three_set_module_attr_string(rtloader_t *rt, const char *module, const char *attr,
                                  const char *value)
{
    struct three *t = THREE(rt);
    if (module == NULL || attr == NULL || value == NULL) {
        three_set_error(t, "set_module_attr_string: module, attr and value must not be NULL");
        return;
    }
    PyObject *py_value = NULL;
    PyObject *py_module = PyImport_ImportModule(module); /* new ref */
    if (py_module == NULL) {
        three_set_error_py(t, "error importing python '%s' module: ", module);
        return;
    }
    py_value = PyUnicode_FromString(value); /* new ref */
    if (py_value == NULL || PyObject_SetAttrString(py_module, attr, py_value) != 0) {
        three_set_error_py(t, "error setting the '%s.%s' attribute: ", module, attr);
    }
    Py_XDECREF(py_value);
    Py_DECREF(py_module);
}

/* GIL: not required (taken here; re-entrant). */
char *three_get_integration_list(rtloader_t *rt)
{
    struct three *t = THREE(rt);
    if (!t->python_started) {
        three_set_error(t, "rtloader is not initialized: call init() first");
        return NULL;
    }
    PyGILState_STATE gstate = PyGILState_Ensure();
    char *result = NULL;
    PyObject *wheels = NULL;
    PyObject *get_wheels = NULL;
    PyObject *packages = PyImport_ImportModule(PACKAGES_MODULE); /* new ref */
    if (packages == NULL) {
        three_set_error_py(t, "could not import " PACKAGES_MODULE ": ");
        goto done;
    }
    get_wheels = PyObject_GetAttrString(packages, "get_datadog_wheels"); /* new ref */
    if (get_wheels == NULL) {
        three_set_error_py(t, "could not fetch get_datadog_wheels attr: ");
        goto done;
    }
    wheels = PyObject_CallObject(get_wheels, NULL); /* new ref */
    if (wheels == NULL) {
        three_set_error_py(t, "error fetching wheels list: ");
        goto done;
    }
    if (!PyList_Check(wheels)) {
        three_set_error(t, "'get_datadog_wheels' did not return a list");
        goto done;
    }
    result = as_json(wheels);
    if (result == NULL) {
        /* the text says yaml for compatibility: JSON is the YAML subset we emit */
        three_set_error_py(t, "'packages' could not be serialized to yaml: ");
    }

done:
    Py_XDECREF(wheels);
    Py_XDECREF(get_wheels);
    Py_XDECREF(packages);
    PyGILState_Release(gstate);
    return result;
}
