/*
 * backends.c - the backends installed beside the front library, and the
 * Python version of an installation, read from its files (never by running
 * it: make3 must not spawn processes in the host).
 *
 * GIL: none anywhere here.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends.h"
#include "rtloader_ext.h"
#include "rtloader_mem.h"

/* "3.12" from "<prefix>3.12<suffix>", or false. */
static bool parse_version(const char *name, const char *prefix, const char *suffix,
                          char *version, size_t len)
{
    size_t plen = strlen(prefix), slen = strlen(suffix), nlen = strlen(name);
    if (nlen <= plen + slen || strncmp(name, prefix, plen) != 0
        || strcmp(name + nlen - slen, suffix) != 0) {
        return false;
    }
    const char *v = name + plen;
    size_t vlen = nlen - plen - slen;
    unsigned major = 0, minor = 0;
    int consumed = 0;
    if (vlen >= len || sscanf(v, "%u.%u%n", &major, &minor, &consumed) != 2
        || (size_t)consumed != vlen || major != 3) {
        return false;
    }
    memcpy(version, v, vlen);
    version[vlen] = '\0';
    return true;
}

/* dir/name into out; false when it does not fit. */
static bool join_path(char *out, size_t len, const char *dir, const char *name)
{
    int n = snprintf(out, len, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < len;
}

static int compare_versions(const void *a, const void *b)
{
    unsigned amaj = 0, amin = 0, bmaj = 0, bmin = 0;
    sscanf(((const struct rtl_backend_file *)a)->version, "%u.%u", &amaj, &amin);
    sscanf(((const struct rtl_backend_file *)b)->version, "%u.%u", &bmaj, &bmin);
    return amaj != bmaj ? (amaj > bmaj) - (amaj < bmaj) : (amin > bmin) - (amin < bmin);
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The directory this library was loaded from. */
static bool own_directory(char *dir, size_t len)
{
    Dl_info info;
    if (dladdr((void *)rtl_backends_find, &info) == 0 || info.dli_fname == NULL) {
        return false;
    }
    char resolved[PATH_MAX];
    if (realpath(info.dli_fname, resolved) == NULL) {
        return false;
    }
    snprintf(dir, len, "%s", dirname(resolved));
    return true;
}

bool rtl_backends_path(const char *version, char *path, size_t len)
{
    char dir[PATH_MAX];
    if (!own_directory(dir, sizeof(dir))) {
        return false;
    }
    int n = snprintf(path, len, "%s/" RTL_BACKEND_DIR "/%s/" RTL_BACKEND_DEFAULT_FILE, dir, version);
    return n >= 0 && (size_t)n < len;
}

void *rtl_backends_open_beside(const char *file, int flags)
{
    char dir[PATH_MAX], path[PATH_MAX];
    if (!own_directory(dir, sizeof(dir)) || !join_path(path, sizeof(path), dir, file)) {
        return NULL;
    }
    return dlopen(path, flags);
}

size_t rtl_backends_find(struct rtl_backend_file **files)
{
    *files = NULL;
    char dir[PATH_MAX];
    if (!own_directory(dir, sizeof(dir))) {
        return 0;
    }
    char subdir[PATH_MAX];
    if (!join_path(subdir, sizeof(subdir), dir, RTL_BACKEND_DIR)) {
        return 0;
    }
    DIR *d = opendir(subdir);
    if (d == NULL) {
        return 0;
    }
    char default_path[PATH_MAX], default_real[PATH_MAX] = "";
    if (!join_path(default_path, sizeof(default_path), dir, RTL_BACKEND_DEFAULT_FILE)
        || realpath(default_path, default_real) == NULL) {
        default_real[0] = '\0';
    }

    size_t count = 0, capacity = 0;
    struct rtl_backend_file *list = NULL;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        char version[16], path[PATH_MAX];
        if (!parse_version(entry->d_name, "", "", version, sizeof(version))
            || !rtl_backends_path(version, path, sizeof(path)) || !is_file(path)) {
            continue;
        }
        if (count == capacity) {
            size_t grown = capacity != 0 ? capacity * 2 : 8;
            struct rtl_backend_file *bigger = realloc(list, grown * sizeof(*list));
            if (bigger == NULL) {
                break;
            }
            list = bigger;
            capacity = grown;
        }
        struct rtl_backend_file *f = &list[count++];
        snprintf(f->version, sizeof(f->version), "%s", version);
        memcpy(f->path, path, sizeof(path));
        char real[PATH_MAX];
        f->is_default = default_real[0] != '\0' && realpath(f->path, real) != NULL
                        && strcmp(real, default_real) == 0;
    }
    closedir(d);
    if (count > 1) {
        qsort(list, count, sizeof(*list), compare_versions);
    }
    *files = list;
    return count;
}

/*
 * The Python 3 versions whose standard library (lib/python3.X/os.py) is
 * installed under `home`. Returns how many were found; `version` gets the
 * last one, `all` a ", "-separated list of them.
 */
static int stdlib_versions(const char *home, char *version, size_t version_len, char *all,
                           size_t all_len)
{
    char lib[PATH_MAX];
    if (!join_path(lib, sizeof(lib), home, "lib")) {
        return 0;
    }
    DIR *d = opendir(lib);
    if (d == NULL) {
        return 0;
    }
    int found = 0;
    all[0] = '\0';
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        char v[16], stdlib[PATH_MAX], marker[PATH_MAX];
        if (!parse_version(entry->d_name, "python", "", v, sizeof(v))
            || !join_path(stdlib, sizeof(stdlib), lib, entry->d_name)
            || !join_path(marker, sizeof(marker), stdlib, "os.py") || !is_file(marker)) {
            continue;
        }
        snprintf(version, version_len, "%s", v);
        size_t used = strlen(all);
        snprintf(all + used, all_len - used, "%s%s", found > 0 ? ", " : "", v);
        found++;
    }
    closedir(d);
    return found;
}

static char *format_error(const char *fmt, const char *a, const char *b)
{
    size_t len = strlen(fmt) + strlen(a) + (b != NULL ? strlen(b) : 0) + 1;
    char *msg = malloc(len);
    if (msg != NULL) {
        snprintf(msg, len, fmt, a, b);
    }
    return msg;
}

int rtl_backends_detect_version(const char *python_home, const char *python_exe, char *version,
                                size_t version_len, char **error)
{
    char all[256];
    if (python_home != NULL && python_home[0] != '\0') {
        int found = stdlib_versions(python_home, version, version_len, all, sizeof(all));
        if (found == 1) {
            return 1;
        }
        /* Several versions share a prefix (/usr, say): the interpreter named
         * by python_exe, if any, settles which one is meant. */
        if (found > 1 && python_exe != NULL && python_exe[0] != '\0') {
            char real[PATH_MAX];
            const char *exe = realpath(python_exe, real) != NULL ? real : python_exe;
            const char *base = strrchr(exe, '/') != NULL ? strrchr(exe, '/') + 1 : exe;
            if (parse_version(base, "python", "", version, version_len)
                && strstr(all, version) != NULL) {
                return 1;
            }
        }
        *error = found > 1 ? format_error("'%s' holds several Python versions (%s): name the "
                                          "interpreter with python_exe",
                                          python_home, all)
                           : format_error("'%s' is not a Python 3 installation: no "
                                          "lib/python3.X/os.py under it%s",
                                          python_home, "");
        return -1;
    }
    if (python_exe == NULL || python_exe[0] == '\0') {
        return 0;
    }
    /* An exe that names no interpreter on disk (upstream's tests pass a mock
     * path) keeps upstream's behaviour: the default backend. */
    char real[PATH_MAX];
    if (realpath(python_exe, real) == NULL || !is_file(real)) {
        return 0;
    }
    const char *base = strrchr(real, '/') != NULL ? strrchr(real, '/') + 1 : real;
    if (parse_version(base, "python", "", version, version_len)) {
        return 1;
    }
    /* <home>/bin/<exe>: ask the installation around it. */
    char home[PATH_MAX];
    snprintf(home, sizeof(home), "%s", real);
    snprintf(home, sizeof(home), "%s", dirname(dirname(home)));
    return stdlib_versions(home, version, version_len, all, sizeof(all)) == 1 ? 1 : 0;
}

DATADOG_AGENT_RTLOADER_API rtloader_backend_info_t *rtloader_list_backends(size_t *count)
{
    if (count == NULL) {
        return NULL;
    }
    *count = 0;
    struct rtl_backend_file *files = NULL;
    size_t n = rtl_backends_find(&files);
    rtloader_backend_info_t *list = n > 0 ? _get_tracked_malloc()(n * sizeof(*list)) : NULL;
    if (list == NULL) {
        free(files);
        return NULL;
    }
    size_t filled = 0;
    for (; filled < n; filled++) {
        list[filled].python_version = strdupe(files[filled].version);
        list[filled].path = strdupe(files[filled].path);
        list[filled].is_default = files[filled].is_default ? 1 : 0;
        if (list[filled].python_version == NULL || list[filled].path == NULL) {
            rtloader_free_backends(list, filled + 1);
            list = NULL;
            filled = 0;
            break;
        }
    }
    free(files);
    *count = filled;
    return list;
}

DATADOG_AGENT_RTLOADER_API void rtloader_free_backends(rtloader_backend_info_t *backends,
                                                       size_t count)
{
    if (backends == NULL) {
        return;
    }
    rtloader_free_t free_fn = _get_tracked_free();
    for (size_t i = 0; i < count; i++) {
        free_fn(backends[i].python_version);
        free_fn(backends[i].path);
    }
    free_fn(backends);
}
