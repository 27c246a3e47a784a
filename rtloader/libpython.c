/*
 * libpython.c - loading the shared libpython of a python home before its
 * backend, so that make3(home) runs that home's exact Python.
 *
 * A backend is built once per minor version against one installation (the
 * default Python's, or pyenv's), and its runpath points there. Two
 * installations of one minor version share the ABI, so the backend runs
 * either; which one runs is decided by which libpython3.X.so.1.0 the
 * dynamic linker maps for the backend's DT_NEEDED entry. An object already
 * loaded under that soname wins over the runpath: loading the home's own
 * library first (by full path) makes it the one.
 *
 * GIL: none anywhere here.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "libpython.h"

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * <home>/lib/<soname>, else <home>/lib/<multiarch dir>/<soname> (Debian's
 * /usr/lib/x86_64-linux-gnu). False when the home has none.
 */
static bool find_in_home(const char *home, const char *soname, char *out, size_t len)
{
    char lib[PATH_MAX];
    int n = snprintf(lib, sizeof(lib), "%s/lib", home);
    if (n < 0 || (size_t)n >= sizeof(lib)) {
        return false;
    }
    n = snprintf(out, len, "%s/%s", lib, soname);
    if (n >= 0 && (size_t)n < len && is_file(out)) {
        return true;
    }
    DIR *d = opendir(lib);
    if (d == NULL) {
        return false;
    }
    bool found = false;
    struct dirent *entry;
    while (!found && (entry = readdir(d)) != NULL) {
        /* multiarch directories are named like x86_64-linux-gnu */
        if (entry->d_name[0] == '.' || strstr(entry->d_name, "-linux-") == NULL) {
            continue;
        }
        n = snprintf(out, len, "%s/%s/%s", lib, entry->d_name, soname);
        found = n >= 0 && (size_t)n < len && is_file(out);
    }
    closedir(d);
    return found;
}

/* The home the backend of `version` was linked against, into out; false if unknown. */
static bool build_home(const char *version, char *out, size_t len)
{
    size_t vlen = strlen(version);
    for (const char *p = RTL_BUILD_PYTHON_HOMES; *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t elen = end != NULL ? (size_t)(end - p) : strlen(p);
        if (elen > vlen && strncmp(p, version, vlen) == 0 && p[vlen] == '=') {
            snprintf(out, len, "%.*s", (int)(elen - vlen - 1), p + vlen + 1);
            return true;
        }
        p += elen + (end != NULL ? 1 : 0);
    }
    return false;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev
           && sa.st_ino == sb.st_ino;
}

void rtl_libpython_preload(const char *home, const char *version, char *note, size_t note_len)
{
    note[0] = '\0';
    if (home == NULL || home[0] == '\0') {
        return;
    }
    char soname[64];
    snprintf(soname, sizeof(soname), "libpython%s.so.1.0", version);
    char path[PATH_MAX];
    if (!find_in_home(home, soname, path, sizeof(path))) {
        snprintf(note, note_len, "the build's: '%s' has no shared %s", home, soname);
        return;
    }
    /* The very file the backend's runpath leads to: nothing to do (and one
     * dlopen less; LeakSanitizer's thread scan also trips over a libpython
     * 3.13 that was dlopened on its own). */
    char built[PATH_MAX], built_lib[PATH_MAX];
    if (build_home(version, built, sizeof(built))
        && find_in_home(built, soname, built_lib, sizeof(built_lib)) && same_file(built_lib, path)) {
        return;
    }
    /* A libpython of that soname is already mapped (an earlier make3, or
     * the host links one): a second copy would be a second interpreter. */
    void *loaded = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
    if (loaded != NULL) {
        char current[PATH_MAX] = "";
        Dl_info info;
        void *sym = dlsym(loaded, "Py_GetVersion");
        if (sym != NULL && dladdr(sym, &info) != 0 && info.dli_fname != NULL) {
            snprintf(current, sizeof(current), "%s", info.dli_fname);
        }
        dlclose(loaded);
        char a[PATH_MAX], b[PATH_MAX];
        if (realpath(current, a) == NULL || realpath(path, b) == NULL || strcmp(a, b) != 0) {
            snprintf(note, note_len, "already loaded in this process; '%s' has its own %s", home,
                     path);
        }
        return;
    }
    /* Kept for the life of the process, like the interpreter it holds. */
    if (dlopen(path, RTLD_LAZY | RTLD_GLOBAL) == NULL) {
        const char *why = dlerror();
        snprintf(note, note_len, "the build's: could not load '%s': %s", path,
                 why != NULL ? why : "unknown error");
    }
}

void rtl_libpython_path(void *handle, char *out, size_t len)
{
    out[0] = '\0';
    Dl_info info;
    void *sym = dlsym(handle, "Py_GetVersion");
    if (sym != NULL && dladdr(sym, &info) != 0 && info.dli_fname != NULL) {
        char real[PATH_MAX];
        snprintf(out, len, "%s", realpath(info.dli_fname, real) != NULL ? real : info.dli_fname);
    }
}
