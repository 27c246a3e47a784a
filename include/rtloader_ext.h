/*
 * rtloader_ext.h - extensions of this rtloader beyond the upstream API.
 *
 * Kept out of datadog_agent_rtloader.h so that header stays exactly the
 * upstream contract. Same general rules (see that header).
 *
 * Choosing the Python version at runtime: make3(python_home, python_exe, &err)
 * loads the backend built for the Python installed at python_home (or, when
 * python_home is empty, for the interpreter python_exe names, if it names
 * one); with neither, the default backend. The functions below tell a host
 * which versions it can choose from.
 */
#ifndef DATADOG_AGENT_RTLOADER_EXT_H
#define DATADOG_AGENT_RTLOADER_EXT_H

#include <stddef.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtloader_backend_info_s {
    char *python_version; /* "3.12" */
    char *path;           /* absolute path of the backend library */
    int is_default;       /* 1 for the backend make3 loads without a python home */
} rtloader_backend_info_t;

/*
 * Lists the backends installed beside the front library, sorted by version.
 * Returns: an array of *count entries (NULL with *count = 0 when there are
 *          none or memory ran out).
 * Owns:    rtloader-owned; release with rtloader_free_backends().
 * GIL:     none; callable before make3().
 */
DATADOG_AGENT_RTLOADER_API rtloader_backend_info_t *rtloader_list_backends(size_t *count);

/* Frees what rtloader_list_backends() returned (NULL ignored). GIL: none. */
DATADOG_AGENT_RTLOADER_API void rtloader_free_backends(rtloader_backend_info_t *backends,
                                                       size_t count);

/*
 * Which libpython the backend of the last successful make3() runs: its
 * path, followed by " (<why>)" when it is not the python home's own, e.g.
 * "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0 (the build's: '/opt/py'
 * has no shared libpython3.11.so.1.0)". Without a python home, the
 * backend's own (no note).
 * Returns: NULL before the first successful make3().
 * Owns:    borrowed; valid until the next make3().
 * GIL:     none.
 */
DATADOG_AGENT_RTLOADER_API const char *rtloader_python_library(void);

/*
 * A persistent cache writer that can report failure. Upstream's
 * cb_write_persistent_cache_t returns nothing, so a write the host could not
 * store was lost silently; with this callback set, datadog_agent.
 * write_persistent_cache calls it instead of the upstream one and raises
 * RuntimeError(<message>) in the check when it fails.
 *
 * The callback receives the key and the value (borrowed for the call) and
 * returns NULL when the value is stored, else an error message that
 * rtloader releases through the cgo_free callback (so allocate it as the
 * other strings a host returns). It runs with the GIL released, like the
 * upstream one. NULL unsets it (the upstream callback is used again).
 * GIL: none; set it before init(), as the other callbacks.
 */
typedef char *(*rtloader_cb_write_persistent_cache_checked_t)(char *key, char *value);

DATADOG_AGENT_RTLOADER_API void rtloader_set_write_persistent_cache_checked_cb(
    rtloader_t *rt, rtloader_cb_write_persistent_cache_checked_t cb);

#ifdef __cplusplus
}
#endif

#endif /* DATADOG_AGENT_RTLOADER_EXT_H */
