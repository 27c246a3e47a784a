/*
 * datadog_agent_rtloader.h - the rtloader API: embed CPython in a host and
 * run Datadog Agent checks with it.
 *
 * This header is the contract. What is not declared here is not API.
 * Signatures, return codes, ownership and error strings are those of the
 * Datadog Agent's rtloader, so the Agent's Go code links against this
 * library unchanged.
 *
 * General rules, stated once:
 *   Returns  Functions returning int use 1 for success and 0 for failure
 *            (add_python_path: 0 also means "already present"). Functions
 *            returning a pointer use NULL for failure. After a failure the
 *            message is read with get_error().
 *   Owns     "rtloader-owned" = allocated with _malloc, the caller releases
 *            it with rtloader_free() (element by element for arrays).
 *            "borrowed" = do not free. Strings the host passes in are copied
 *            if rtloader keeps them; the host frees its own.
 *   GIL      Unless a function says otherwise, the caller must hold the
 *            Python GIL (ensure_gil) on the calling OS thread.
 *   Handle   Every function taking an rtloader_t* returns its failure value
 *            (0, NULL, nothing) when given NULL, without crashing.
 *   Out      Out-parameters are written only on success.
 */
#ifndef DATADOG_AGENT_RTLOADER_H
#define DATADOG_AGENT_RTLOADER_H

#include "rtloader_types.h"

#if defined(__clang__)
#    pragma clang diagnostic push
#    pragma clang diagnostic ignored "-Wc99-extensions"
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct rtloader_s;
typedef struct rtloader_s rtloader_t;

struct rtloader_pyobject_s;
typedef struct rtloader_pyobject_s rtloader_pyobject_t;

/* ---- Factories and lifecycle ------------------------------------------ */

/*
 * Loads the Python 3 backend (dlopen of libdatadog-agent-three.so through
 * the normal library search path) and creates the process-wide instance.
 * Python is not started: that is init().
 * python_home: NULL/"" = the home of the Python the backend was built for.
 * python_exe:  NULL/"" = no program name; else it becomes sys.executable.
 * Returns: the handle, or NULL with *error set ("RtLoader already
 *          initialized!" on a second call before destroy()).
 * Owns:    *error is rtloader-owned (free with _free).
 * GIL:     none. When: after enable_memory_tracker(), if used.
 */
DATADOG_AGENT_RTLOADER_API rtloader_t *make3(const char *python_home, const char *python_exe,
                                             char **error);

/*
 * Destroys the instance so make3() may be called again. The interpreter is
 * not finalized (the host's threads may still hold Python thread states);
 * the calling thread takes the GIL and keeps it.
 * GIL: the caller must NOT hold it.
 */
DATADOG_AGENT_RTLOADER_API void destroy(rtloader_t *);

/* Switches the allocator to its counting variant. GIL: none. When: before make3(). */
DATADOG_AGENT_RTLOADER_API void enable_memory_tracker(void);

/*
 * Starts and configures the interpreter: UTF-8 mode, python home, program
 * name, builtin modules, the paths of add_python_path() appended to sys.path
 * in order, then imports the base class datadog_checks.checks.AgentCheck.
 * Returns: 1 on success, 0 on failure.
 * GIL: none held before; the GIL is released on return.
 * When: after the set_*_cb, add_python_path and init_pymem_stats calls.
 */
DATADOG_AGENT_RTLOADER_API int init(rtloader_t *);

/* ---- Interpreter helpers ----------------------------------------------- */

/*
 * Returns: the running Python's version and repr(sys.path); NULL only if the
 *          struct cannot be allocated. If sys.path cannot be read the struct
 *          is returned with path == NULL and an error set.
 * Owns:    rtloader-owned; release with free_py_info().
 */
DATADOG_AGENT_RTLOADER_API py_info_t *get_py_info(rtloader_t *);

/* Frees what get_py_info() returned (NULL ignored). GIL: none. */
DATADOG_AGENT_RTLOADER_API void free_py_info(rtloader_t *, py_info_t *);

/*
 * Runs `code` in __main__.
 * Returns: 1 if it ran without an uncaught exception, else 0. An uncaught
 *          exception is printed to stderr by Python; no rtloader error is set.
 */
DATADOG_AGENT_RTLOADER_API int run_simple_string(const rtloader_t *, const char *code);

/* Returns: Python's None. Owns: borrowed (no new reference). GIL: none. */
DATADOG_AGENT_RTLOADER_API rtloader_pyobject_t *get_none(const rtloader_t *);

/*
 * Remembers a path to append to sys.path when init() runs (copied).
 * Returns: 1 if added, 0 if already in the list. GIL: none. When: before init().
 */
DATADOG_AGENT_RTLOADER_API int add_python_path(rtloader_t *, const char *path);

/*
 * Takes the GIL for the calling thread (re-entrant). The OS thread must not
 * change until the matching release_gil(). A thread's Python thread state
 * is created by its first call and kept until the thread exits, so later
 * calls only re-attach it (threading.local values persist between calls).
 * Returns: DATADOG_AGENT_RTLOADER_GIL_LOCKED if the thread already held it,
 *          else DATADOG_AGENT_RTLOADER_GIL_UNLOCKED. GIL: not required.
 */
DATADOG_AGENT_RTLOADER_API rtloader_gilstate_t ensure_gil(rtloader_t *);

/* Releases what the matching ensure_gil() took. */
DATADOG_AGENT_RTLOADER_API void release_gil(rtloader_t *, rtloader_gilstate_t);

/* ---- Checks ------------------------------------------------------------ */

/*
 * Imports module `name` and finds its check class: the first name of
 * dir(module) that is a class, a strict subclass of AgentCheck, and has no
 * subclasses of its own.
 * Returns: 1 with new references in *py_module and *py_class; 0 on failure,
 *          out-parameters untouched (they may be NULL then).
 * Owns:    release both with rtloader_decref().
 */
DATADOG_AGENT_RTLOADER_API int get_class(rtloader_t *rtloader, const char *name,
                                         rtloader_pyobject_t **py_module,
                                         rtloader_pyobject_t **py_class);

/*
 * Reads a str attribute of any object (used on modules for __version__).
 * Returns: 1 with *value set; 0 if the attribute is missing (no error set),
 *          not a str, or not convertible (error set).
 * Owns:    *value is rtloader-owned.
 */
DATADOG_AGENT_RTLOADER_API int get_attr_string(rtloader_t *rtloader,
                                               rtloader_pyobject_t *py_class,
                                               const char *attr_name, char **value);

/* Reads an attribute that must be exactly a Python bool. Returns: 1 or 0 (error set). */
DATADOG_AGENT_RTLOADER_API int get_attr_bool(rtloader_t *rtloader, rtloader_pyobject_t *py_class,
                                             const char *attr_name, bool *value);

/*
 * Instantiates the check: klass(name=, init_config=, instances=(instance,))
 * with both configs parsed by klass.load_config(); sets check_id when
 * non-empty and `provider` as an attribute of the instance when non-empty.
 * Returns: 1 with a new reference in *check, or 0 with an error (a raising
 *          constructor yields exactly its formatted traceback).
 * Owns:    release *check with rtloader_decref().
 */
DATADOG_AGENT_RTLOADER_API int get_check(rtloader_t *rtloader, rtloader_pyobject_t *py_class,
                                         const char *init_config, const char *instance,
                                         const char *check_id, const char *check_name,
                                         const char *provider, rtloader_pyobject_t **check);

/* As get_check(), also passing agentConfig=klass.load_config(agent_config). */
DATADOG_AGENT_RTLOADER_API int get_check_deprecated(rtloader_t *rtloader,
                                                    rtloader_pyobject_t *py_class,
                                                    const char *init_config, const char *instance,
                                                    const char *agent_config, const char *check_id,
                                                    const char *check_name, const char *provider,
                                                    rtloader_pyobject_t **check);

/*
 * Calls klass.discover(json.loads(service_json)) on a check class that
 * defines it (experimental).
 * Returns: the JSON serialisation of the result, or NULL with an error.
 * Owns:    rtloader-owned.
 */
DATADOG_AGENT_RTLOADER_API char *discover_config(rtloader_t *rtloader,
                                                 rtloader_pyobject_t *py_class,
                                                 const char *service_json);

/*
 * Calls check.run().
 * Returns: "" for success, an error text otherwise; NULL (error set) when
 *          run() raised or returned something other than a str; NULL
 *          without an error when check is NULL.
 * Owns:    rtloader-owned.
 */
DATADOG_AGENT_RTLOADER_API char *run_check(rtloader_t *, rtloader_pyobject_t *check);

/* Calls check.cancel(); an exception sets an error. NULL check: no-op. */
DATADOG_AGENT_RTLOADER_API void cancel_check(rtloader_t *, rtloader_pyobject_t *check);

/*
 * Calls check.get_warnings(), which must return a list.
 * Returns: a NULL-terminated array of the str elements (non-str elements
 *          are skipped), or NULL with an error.
 * Owns:    rtloader-owned: each element, then the array.
 */
DATADOG_AGENT_RTLOADER_API char **get_checks_warnings(rtloader_t *, rtloader_pyobject_t *check);

/*
 * Calls check.get_diagnoses(), expected to return a JSON string.
 * Returns: that string; if the call fails, a synthesized JSON list with one
 *          diagnosis of result 3 carrying the error (no rtloader error set);
 *          NULL only for a NULL check.
 * Owns:    rtloader-owned.
 */
DATADOG_AGENT_RTLOADER_API char *get_check_diagnoses(rtloader_t *, rtloader_pyobject_t *check);

/* ---- Errors (GIL: none) ---------------------------------------------------- */

/* Returns: 1 if an error is pending, else 0. */
DATADOG_AGENT_RTLOADER_API int has_error(const rtloader_t *);

/*
 * Returns the pending error and clears it; "" when there is none (never
 * NULL). Owns: borrowed, valid until the next error or error-API call.
 */
DATADOG_AGENT_RTLOADER_API const char *get_error(const rtloader_t *);

/* Discards the pending error. */
DATADOG_AGENT_RTLOADER_API void clear_error(rtloader_t *);

/* ---- Crash handling (POSIX; GIL: none) ------------------------------------ */

/*
 * Process-wide. enable_coredump: raise RLIMIT_CORE to unlimited.
 * enable_stacktrace: on SIGSEGV print "HANDLER CAUGHT signal 11" and the
 * raw C stack to stderr, then chain to the previous handler.
 * Returns: 1 on success (also when both flags are 0), 0 with *error set.
 * Owns:    *error is rtloader-owned (free with _free).
 */
DATADOG_AGENT_RTLOADER_API int handle_crashes(const int enable_coredump,
                                              const int enable_stacktrace, char **error);

/* ---- Memory and references ------------------------------------------------- */

/* Frees an rtloader-owned buffer (NULL ignored). GIL: none. */
DATADOG_AGENT_RTLOADER_API void rtloader_free(rtloader_t *, void *ptr);

/* Py_XDECREF / Py_XINCREF. */
DATADOG_AGENT_RTLOADER_API void rtloader_decref(rtloader_t *, rtloader_pyobject_t *);
DATADOG_AGENT_RTLOADER_API void rtloader_incref(rtloader_t *, rtloader_pyobject_t *);

/* Imports `module` and sets module.attr = value (a str); errors set on failure. */
DATADOG_AGENT_RTLOADER_API void set_module_attr_string(rtloader_t *, char *module, char *attr,
                                                       char *value);

/* ---- Callbacks (process-wide; GIL: none; call before init) ---------------- */

DATADOG_AGENT_RTLOADER_API void set_submit_metric_cb(rtloader_t *, cb_submit_metric_t);
DATADOG_AGENT_RTLOADER_API void set_submit_service_check_cb(rtloader_t *,
                                                            cb_submit_service_check_t);
DATADOG_AGENT_RTLOADER_API void set_submit_event_cb(rtloader_t *, cb_submit_event_t);
DATADOG_AGENT_RTLOADER_API void set_submit_histogram_bucket_cb(rtloader_t *,
                                                               cb_submit_histogram_bucket_t);
DATADOG_AGENT_RTLOADER_API void
set_submit_event_platform_event_cb(rtloader_t *, cb_submit_event_platform_event_t);

DATADOG_AGENT_RTLOADER_API void set_get_version_cb(rtloader_t *, cb_get_version_t);
DATADOG_AGENT_RTLOADER_API void set_get_config_cb(rtloader_t *, cb_get_config_t);
DATADOG_AGENT_RTLOADER_API void set_headers_cb(rtloader_t *, cb_headers_t);
DATADOG_AGENT_RTLOADER_API void set_get_hostname_cb(rtloader_t *, cb_get_hostname_t);
DATADOG_AGENT_RTLOADER_API void set_get_host_tags_cb(rtloader_t *, cb_get_host_tags_t);
DATADOG_AGENT_RTLOADER_API void set_get_clustername_cb(rtloader_t *, cb_get_clustername_t);
DATADOG_AGENT_RTLOADER_API void set_tracemalloc_enabled_cb(rtloader_t *, cb_tracemalloc_enabled_t);
/* The log callback also receives rtloader's own diagnostics. */
DATADOG_AGENT_RTLOADER_API void set_log_cb(rtloader_t *, cb_log_t);
DATADOG_AGENT_RTLOADER_API void set_send_log_cb(rtloader_t *, cb_send_log_t);
DATADOG_AGENT_RTLOADER_API void set_set_check_metadata_cb(rtloader_t *, cb_set_check_metadata_t);
DATADOG_AGENT_RTLOADER_API void set_set_external_tags_cb(rtloader_t *, cb_set_external_tags_t);

/*
 * Calls datadog_checks.base.utils.agent.packages.get_datadog_wheels().
 * Returns: its list serialised as JSON (also valid YAML), or NULL with an error.
 * Owns:    rtloader-owned.
 * GIL:     takes it itself (calling with the GIL held is fine).
 */
DATADOG_AGENT_RTLOADER_API char *get_integration_list(rtloader_t *);

/*
 * Calls utils.py_mem.get_mem_stats() (a module of the Agent's Python
 * packages), which must return a dict.
 * Returns: the dict serialised as JSON (also valid YAML), or NULL with an
 *          error: "could not import utils.py_mem: ...", "could not fetch
 *          get_mem_stats attr: ...", "error fetching interpreter memory
 *          usage: ...", "'get_mem_stats' did not return a dictionary".
 * Owns:    rtloader-owned.
 * GIL:     takes it itself (calling with the GIL held is fine).
 * When:    after a successful init().
 */
DATADOG_AGENT_RTLOADER_API char *get_interpreter_memory_usage(rtloader_t *);

/*
 * Returns: 1 when this build can run each check in its own
 *          sub-interpreter, else 0. This one always runs checks in the main
 *          interpreter: 0. (NULL handle: 0.)
 * GIL:     none.
 */
DATADOG_AGENT_RTLOADER_API int has_subinterpreter_support(const rtloader_t *);

DATADOG_AGENT_RTLOADER_API void set_write_persistent_cache_cb(rtloader_t *,
                                                              cb_write_persistent_cache_t);
DATADOG_AGENT_RTLOADER_API void set_read_persistent_cache_cb(rtloader_t *,
                                                             cb_read_persistent_cache_t);
DATADOG_AGENT_RTLOADER_API void set_obfuscate_sql_cb(rtloader_t *, cb_obfuscate_sql_t);
DATADOG_AGENT_RTLOADER_API void set_obfuscate_sql_exec_plan_cb(rtloader_t *,
                                                               cb_obfuscate_sql_exec_plan_t);
DATADOG_AGENT_RTLOADER_API void set_get_process_start_time_cb(rtloader_t *,
                                                              cb_get_process_start_time_t);
DATADOG_AGENT_RTLOADER_API void set_obfuscate_mongodb_string_cb(rtloader_t *,
                                                                cb_obfuscate_mongodb_string_t);
DATADOG_AGENT_RTLOADER_API void set_emit_agent_telemetry_cb(rtloader_t *,
                                                            cb_emit_agent_telemetry_t);

DATADOG_AGENT_RTLOADER_API void set_get_subprocess_output_cb(rtloader_t *rtloader,
                                                             cb_get_subprocess_output_t cb);
DATADOG_AGENT_RTLOADER_API void set_cgo_free_cb(rtloader_t *, cb_cgo_free_t);
DATADOG_AGENT_RTLOADER_API void set_tags_cb(rtloader_t *, cb_tags_t);
DATADOG_AGENT_RTLOADER_API void set_get_connection_info_cb(rtloader_t *, cb_get_connection_info_t);
DATADOG_AGENT_RTLOADER_API void set_is_excluded_cb(rtloader_t *, cb_is_excluded_t);

/* ---- Python allocator statistics ------------------------------------------- */

/*
 * Installs counting hooks on Python's RAW domain and arena allocator.
 * GIL: none. When: after make3(), before init().
 */
DATADOG_AGENT_RTLOADER_API void init_pymem_stats(rtloader_t *);

/* Fills *stats (NULL ignored). GIL: none; callable from any thread. */
DATADOG_AGENT_RTLOADER_API void get_pymem_stats(rtloader_t *, pymem_stats_t *stats);

#ifdef __cplusplus
}
#endif

#if defined(__clang__)
#    pragma clang diagnostic pop
#endif

#endif /* DATADOG_AGENT_RTLOADER_H */
