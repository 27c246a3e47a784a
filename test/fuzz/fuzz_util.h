/*
 * fuzz_util.h - helpers shared by the fuzz targets (header-only: each target
 * is one translation unit plus the host sources under test).
 *
 * Every target works in a directory of its own process, under
 * $RTLOADER_FUZZ_TMPDIR, else /dev/shm (a tmpfs: the cache fsyncs every
 * write), else $TMPDIR, else /tmp. It is removed at normal exit; a crashed
 * run leaves it behind for inspection.
 */
#ifndef RTLOADER_FUZZ_UTIL_H
#define RTLOADER_FUZZ_UTIL_H

#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An oracle failure: print what was expected and abort, so libFuzzer saves the input. */
static inline void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static inline void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ORACLE FAILURE: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fuzz_fail(__VA_ARGS__);                                                                \
        }                                                                                          \
    } while (0)

/*
 * True when the known finding `name` is listed in $RTLOADER_FUZZ_ALLOW
 * (comma-separated): its oracle is then skipped, so a run can go on looking
 * for other bugs while that one waits for its fix. docs/fuzzing.md lists
 * the names.
 */
static inline int fuzz_allowed(const char *name)
{
    const char *list = getenv("RTLOADER_FUZZ_ALLOW");
    size_t n = strlen(name);
    for (const char *p = list; p != NULL && *p != '\0'; p += strcspn(p, ",")) {
        p += *p == ',';
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0')) {
            return 1;
        }
    }
    return 0;
}

static inline int fuzz_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* rm -rf path (no symbolic link is followed). */
static inline void fuzz_rm_tree(const char *path)
{
    nftw(path, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char fuzz_workdir[PATH_MAX / 4]; /* short, so that paths built on it fit PATH_MAX */

static inline void fuzz_cleanup_workdir(void)
{
    if (fuzz_workdir[0] != '\0') {
        fuzz_rm_tree(fuzz_workdir);
    }
}

static inline const char *fuzz_tmp_base(void)
{
    const char *env = getenv("RTLOADER_FUZZ_TMPDIR");
    struct stat st;
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK | X_OK) == 0) {
        return "/dev/shm";
    }
    env = getenv("TMPDIR");
    return env != NULL && env[0] != '\0' ? env : "/tmp";
}

/* Creates this process's working directory (once) and returns it. */
static inline const char *fuzz_make_workdir(const char *target)
{
    if (fuzz_workdir[0] == '\0') {
        snprintf(fuzz_workdir, sizeof(fuzz_workdir), "%s/rtloader-%s-%ld-XXXXXX", fuzz_tmp_base(),
                 target, (long)getpid());
        if (mkdtemp(fuzz_workdir) == NULL) {
            perror("mkdtemp");
            abort();
        }
        atexit(fuzz_cleanup_workdir);
    }
    return fuzz_workdir;
}

/* Writes the whole buffer to path (created 0600, truncated). */
static inline void fuzz_write_file(const char *path, const unsigned char *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* True when msg is "<prefix>:<digits>:..." - the file:line form of the host's errors. */
static inline int fuzz_has_file_line_prefix(const char *msg, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(msg, prefix, n) != 0 || msg[n] != ':') {
        return 0;
    }
    const char *p = msg + n + 1;
    if (*p < '0' || *p > '9') {
        return 0;
    }
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    return *p == ':';
}

#endif /* RTLOADER_FUZZ_UTIL_H */
