/*
 * loader.c - make3 and destroy: dlopen the backend and keep the one
 * process-wide instance.
 *
 * GIL: none here (no interpreter exists during make3; destroy's backend
 * half takes the GIL itself).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends.h"
#include "crash.h"
#include "datadog_agent_rtloader.h"
#include "libpython.h"
#include "loader.h"
#include "rtloader_ext.h"
#include "rtloader_mem.h"

static pthread_mutex_t instance_lock = PTHREAD_MUTEX_INITIALIZER;
static rtloader_t *instance;
static void *backend_handle;
/* The first backend this process loaded: its libpython owns the process
 * for good (the interpreter is never finalized), so later make3 calls may
 * only load that same file again. */
static void *first_backend_handle;
/* What rtloader_python_library() reports: written by make3. */
static char python_library[2 * PATH_MAX + 200];

/* "<prefix><detail>" as an rtloader-owned string for the caller of make3. */
static void set_make_error(char **error, const char *prefix, const char *detail)
{
    if (error == NULL) {
        return;
    }
    size_t plen = strlen(prefix);
    size_t dlen = detail != NULL ? strlen(detail) : 0;
    char *msg = _get_tracked_malloc()(plen + dlen + 1);
    if (msg != NULL) {
        memcpy(msg, prefix, plen);
        if (dlen > 0) {
            memcpy(msg + plen, detail, dlen);
        }
        msg[plen + dlen] = '\0';
    }
    *error = msg;
}

/* "Python 3.X (from '<where>') has no backend; backends available: ..." */
static void set_missing_backend_error(char **error, const char *version, const char *home,
                                      const char *exe, const char *dl_error)
{
    char available[256] = "";
    struct rtl_backend_file *files = NULL;
    size_t count = rtl_backends_find(&files);
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(available);
        snprintf(available + used, sizeof(available) - used, "%s%s", i > 0 ? ", " : "",
                 files[i].version);
    }
    free(files);
    char msg[1024];
    snprintf(msg, sizeof(msg),
             "Unable to open three library: Python %s (found at '%s') has no backend; backends "
             "available: %s (%s)",
             version, home != NULL && home[0] != '\0' ? home : exe,
             count > 0 ? available : "none", dl_error != NULL ? dl_error : "");
    set_make_error(error, msg, NULL);
}

DATADOG_AGENT_RTLOADER_API rtloader_t *make3(const char *python_home, const char *python_exe,
                                             char **error)
{
    rtloader_t *created = NULL;
    pthread_mutex_lock(&instance_lock);
    if (instance != NULL) {
        set_make_error(error, "RtLoader already initialized!", NULL);
        goto out;
    }
    /* bare name for the default: the dynamic linker's normal search applies
     * (LD_LIBRARY_PATH, then this library's $ORIGIN runpath), as upstream's */
    char file[PATH_MAX] = RTL_BACKEND_DEFAULT_FILE;
    char version[16] = "";
    char *detect_error = NULL;
    int detected = rtl_backends_detect_version(python_home, python_exe, version, sizeof(version),
                                               &detect_error);
    if (detected < 0) {
        set_make_error(error, detect_error != NULL ? detect_error : "out of memory", NULL);
        free(detect_error);
        goto out;
    }
    if (detected > 0 && !rtl_backends_path(version, file, sizeof(file))) {
        set_make_error(error, "Unable to open three library: path too long for Python ", version);
        goto out;
    }
    if (first_backend_handle != NULL) {
        void *loaded = dlopen(file, RTLD_LAZY | RTLD_NOLOAD);
        if (loaded == NULL && detected == 0) {
            loaded = rtl_backends_open_beside(file, RTLD_LAZY | RTLD_NOLOAD);
        }
        if (loaded != NULL) {
            dlclose(loaded); /* drop the reference NOLOAD took */
        }
        if (loaded != first_backend_handle) {
            set_make_error(error,
                           "Unable to open three library: another Python backend is already "
                           "loaded in this process; one Python version per process: ",
                           file);
            goto out;
        }
    }
    char note[PATH_MAX + 160] = "";
    if (detected > 0) {
        rtl_libpython_preload(python_home, version, note, sizeof(note));
    }
    /* RTLD_GLOBAL exposes libpython's symbols to extension modules. */
    void *handle = dlopen(file, RTLD_LAZY | RTLD_GLOBAL);
    if (handle == NULL && detected == 0) {
        /* A dlopen interposed by a sanitizer runtime searches the runpath of
         * the runtime, not ours: look beside this library explicitly. */
        char *bare_error = strdup(dlerror());
        handle = rtl_backends_open_beside(file, RTLD_LAZY | RTLD_GLOBAL);
        if (handle == NULL && bare_error != NULL) {
            set_make_error(error, "Unable to open three library: ", bare_error);
            free(bare_error);
            goto out;
        }
        free(bare_error);
    }
    if (handle == NULL) {
        if (detected > 0) {
            set_missing_backend_error(error, version, python_home, python_exe, dlerror());
        } else {
            set_make_error(error, "Unable to open three library: ", dlerror());
        }
        goto out;
    }
    char lib[PATH_MAX];
    rtl_libpython_path(handle, lib, sizeof(lib));
    snprintf(python_library, sizeof(python_library), "%s%s%s%s", lib[0] != '\0' ? lib : "unknown",
             note[0] != '\0' ? " (" : "", note, note[0] != '\0' ? ")" : "");
    first_backend_handle = handle;
    dlerror();
    rtl_backend_create_t create = (rtl_backend_create_t)dlsym(handle, RTL_BACKEND_CREATE_SYMBOL);
    const char *dl_error = dlerror();
    if (create == NULL || dl_error != NULL) {
        set_make_error(error, "Unable to open three factory: ",
                       dl_error != NULL ? dl_error : "symbol is NULL");
        goto out;
    }
    created = create(python_home, python_exe, _get_tracked_malloc(), _get_tracked_free());
    if (created == NULL) {
        set_make_error(error, "Unable to create the three backend: out of memory", NULL);
        goto out;
    }
    instance = created;
    backend_handle = handle;
    const struct rtl_backend_ops *ops = rtl_ops(created);
    if (ops->size >= offsetof(struct rtl_backend_ops, dump_traceback) + sizeof(ops->dump_traceback)) {
        rtl_crash_set_python_dumper(ops->dump_traceback);
    }

out:
    pthread_mutex_unlock(&instance_lock);
    return created;
}

DATADOG_AGENT_RTLOADER_API void destroy(rtloader_t *rt)
{
    if (rt == NULL) {
        return;
    }
    pthread_mutex_lock(&instance_lock);
    if (rt != instance) {
        /* stale or foreign handle: nothing of ours to destroy */
        pthread_mutex_unlock(&instance_lock);
        return;
    }
    if (backend_handle != NULL) {
        dlerror();
        rtl_backend_destroy_t destroy_backend
            = (rtl_backend_destroy_t)dlsym(backend_handle, RTL_BACKEND_DESTROY_SYMBOL);
        if (destroy_backend == NULL) {
            const char *dl_error = dlerror();
            fprintf(stderr, "Unable to dlopen backend destructor: %s\n",
                    dl_error != NULL ? dl_error : "symbol is NULL");
        } else {
            destroy_backend(rt);
        }
    }
    /* The library stays mapped: the interpreter it holds is never
     * finalized, and make3 may load it again. */
    instance = NULL;
    backend_handle = NULL;
    pthread_mutex_unlock(&instance_lock);
}

DATADOG_AGENT_RTLOADER_API const char *rtloader_python_library(void)
{
    return python_library[0] != '\0' ? python_library : NULL;
}

DATADOG_AGENT_RTLOADER_API void enable_memory_tracker(void)
{
    _enable_memory_tracker();
}
