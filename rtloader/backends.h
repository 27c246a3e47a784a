/*
 * backends.h - which backend make3 loads (front library only). GIL: none.
 */
#ifndef RTLOADER_FRONT_BACKENDS_H
#define RTLOADER_FRONT_BACKENDS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "loader.h"

/* upstream's name; every backend has it, in <front dir>/three/<X.Y>/ */
#define RTL_BACKEND_DEFAULT_FILE "libdatadog-agent-three.so"
#define RTL_BACKEND_DIR "three"

struct rtl_backend_file {
    char version[16];
    char path[PATH_MAX];
    bool is_default;
};

/*
 * The backends beside the front library, sorted by version.
 * Returns the count; *files is libc-allocated (free()), NULL when none.
 */
RTL_INTERNAL size_t rtl_backends_find(struct rtl_backend_file **files);

/* dlopen of `file` in the front library's own directory; NULL when it fails. */
RTL_INTERNAL void *rtl_backends_open_beside(const char *file, int flags);

/*
 * The absolute path of the backend of Python `version` ("3.12"), whether
 * or not it exists. False when it does not fit or the front's directory
 * cannot be told.
 */
RTL_INTERNAL bool rtl_backends_path(const char *version, char *path, size_t len);

/*
 * Decides the Python version of the installation make3 was given.
 * Returns 1 with `version` set ("3.12"), 0 when the default backend applies
 * (no home, and no exe naming an interpreter), -1 with *error set
 * (libc-allocated) when python_home is no Python installation.
 */
RTL_INTERNAL int rtl_backends_detect_version(const char *python_home, const char *python_exe,
                                             char *version, size_t version_len, char **error);

#endif /* RTLOADER_FRONT_BACKENDS_H */
