/*
 * cache.c - the persistent cache behind rtloader's read/write_persistent_cache
 * callbacks: key encoding, atomic writes, bounded reads. See cache.h and
 * docs/host-cache.md.
 *
 * Every file operation goes through openat()-family calls relative to a
 * directory descriptor held for the cache's lifetime, with O_NOFOLLOW: the
 * encoded names never contain '/', so a key names exactly one entry of one
 * directory and a symbolic link planted in the cache cannot redirect a read
 * or a write elsewhere.
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE /* strerror_r (GNU variant) */
#endif

#include "cache.h"
#include "error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "rtloader_mem.h"

#define CACHE_DIR_NAME "cache"
/* Suffix of top-level value files, so key "x" and the directory of "x:..." never clash. */
#define TOP_LEVEL_SUFFIX ".v"
/* Temporary files start with '.', which enc() never produces: never read as values. */
#define TEMP_PREFIX ".tmp-"
#define TEMP_ATTEMPTS 16
/* A key part whose encoding is too long for a file name is named by its digest:
 * "~" + 64 hex digits of SHA-256. enc() never produces '~', so a digest name
 * never equals an encoded one. */
#define DIGEST_PREFIX '~'
/* Keys are quoted in messages, cut at 128 bytes: a message stays readable whatever the key. */
#define KEY_FMT "\"%.128s\""

#ifndef HOST_CACHE_WRITE_CHUNK
/* Bounded chunks keep each write() short; the test hook fires between them. */
#    define HOST_CACHE_WRITE_CHUNK ((size_t)1024 * 1024)
#endif

#ifdef HOST_CACHE_TEST_HOOKS
void (*host_cache_test_after_chunk)(size_t written, size_t total) = NULL;
#endif

struct host_cache {
    int root_fd;           /* <run_path>/cache, open for the cache's lifetime */
    char *root_path;       /* the same, for error messages */
    size_t max_value_size; /* largest value accepted, bytes */
};

/*
 * A key resolved to a directory entry. dir is NULL for a top-level key.
 * keyed: a part is digest-named, so the file starts with the whole key and a
 * NUL, which a read compares with the key it asks for: two keys can only
 * share a file name if SHA-256 collides, and even then neither reads the
 * other's value.
 */
struct key_path {
    char *dir;
    char *file;
    int keyed;
};

/* Makes temporary names unique among the threads of this process (the pid separates processes). */
static atomic_ulong temp_counter;

/* strerror is not guaranteed thread-safe; the GNU strerror_r returns the text to use. */
static const char *errno_text(int errnum, char *buf, size_t size)
{
    return strerror_r(errnum, buf, size);
}

static int is_safe_byte(unsigned char b)
{
    return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '_' || b == '-';
}

/* "~<sha256 hex>" followed by suffix, malloc'd. */
static char *digest_name(const char *s, size_t len, const char *suffix, char **error)
{
    static const char hex[] = "0123456789ABCDEF";
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    size_t suffix_len = strlen(suffix);
    char *name = malloc(1 + 2 * SHA256_DIGEST_SIZE + suffix_len + 1);

    if (name == NULL) {
        host_set_error(error, "out of memory");
        return NULL;
    }
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)s);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    name[0] = DIGEST_PREFIX;
    for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
        name[1 + 2 * i] = hex[digest[i] >> 4];
        name[2 + 2 * i] = hex[digest[i] & 0xF];
    }
    memcpy(name + 1 + 2 * SHA256_DIGEST_SIZE, suffix, suffix_len + 1);
    return name;
}

/*
 * enc(s[0..len)) followed by suffix, malloc'd. Safe bytes are kept, others
 * become %XX, and the empty string becomes a lone "%" (which no non-empty
 * input produces, since every other '%' is followed by two hex digits).
 * When that name would exceed HOST_CACHE_MAX_NAME, the digest name instead
 * (and *digested is set).
 */
static char *encode_name(const char *s, size_t len, const char *suffix, int *digested, char **error)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t enc_len = 0;
    size_t suffix_len = strlen(suffix);
    char *name = NULL;
    char *p;

    for (size_t i = 0; i < len; i++) {
        enc_len += is_safe_byte((unsigned char)s[i]) ? 1 : 3;
    }
    if (len == 0) {
        enc_len = 1;
    }
    if (enc_len + suffix_len > HOST_CACHE_MAX_NAME) {
        *digested = 1;
        return digest_name(s, len, suffix, error);
    }
    name = malloc(enc_len + suffix_len + 1);
    if (name == NULL) {
        host_set_error(error, "out of memory");
        return NULL;
    }
    p = name;
    if (len == 0) {
        *p++ = '%';
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)s[i];
        if (is_safe_byte(b)) {
            *p++ = (char)b;
        } else {
            *p++ = '%';
            *p++ = hex[b >> 4];
            *p++ = hex[b & 0xF];
        }
    }
    memcpy(p, suffix, suffix_len + 1);
    return name;
}

static void key_path_free(struct key_path *kp)
{
    free(kp->dir);
    free(kp->file);
    kp->dir = NULL;
    kp->file = NULL;
}

/* Splits key at its first ':' (directory, then file) and encodes both parts. */
static int key_to_path(const char *key, struct key_path *kp, char **error)
{
    const char *colon = strchr(key, ':');

    kp->dir = NULL;
    kp->file = NULL;
    kp->keyed = 0;
    if (colon == NULL) {
        kp->file = encode_name(key, strlen(key), TOP_LEVEL_SUFFIX, &kp->keyed, error);
        return kp->file != NULL ? 0 : -1;
    }
    kp->dir = encode_name(key, (size_t)(colon - key), "", &kp->keyed, error);
    if (kp->dir != NULL) {
        kp->file = encode_name(colon + 1, strlen(colon + 1), "", &kp->keyed, error);
    }
    if (kp->file == NULL) {
        key_path_free(kp);
        return -1;
    }
    return 0;
}

static int open_dir_at(int at_fd, const char *name)
{
    return openat(at_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/*
 * Opens directory `name` under at_fd, creating it 0700 if missing. Only the
 * creator fixes the mode (umask may have removed bits; it cannot add any, so
 * the directory is never more open than 0700 meanwhile) and makes the new
 * entry durable with an fsync of the parent.
 */
static int open_or_create_dir_at(int at_fd, const char *name, int *created)
{
    int fd;

    *created = 0;
    if (mkdirat(at_fd, name, 0700) == 0) {
        *created = 1;
    } else if (errno != EEXIST) {
        return -1;
    }
    fd = open_dir_at(at_fd, name);
    if (fd >= 0 && *created && (fchmod(fd, 0700) != 0 || fsync(at_fd) != 0)) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/*
 * True when name is a temporary file of a writer that no longer exists:
 * ".tmp-<pid>-<n>" where <pid> is not this process and kill(pid, 0) says
 * ESRCH. A live writer's file (any other process, or ours) is left alone.
 */
static int is_stale_temp(const char *name)
{
    char *end = NULL;
    long pid;

    if (strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) != 0) {
        return 0;
    }
    errno = 0;
    pid = strtol(name + strlen(TEMP_PREFIX), &end, 10);
    if (errno != 0 || end == NULL || *end != '-' || pid <= 0 || (pid_t)pid != pid) {
        return 0;
    }
    if ((pid_t)pid == getpid()) {
        return 0;
    }
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/*
 * Best effort: removes stale temporary files from dir_fd and, when recurse
 * is set, from its subdirectories (one level: the cache has no deeper ones).
 * Failures are ignored: temporary names are never read as values anyway.
 */
static void clean_stale_temps(int dir_fd, int recurse)
{
    int fd = -1;
    DIR *dir = NULL;
    struct dirent *ent;

    /* A descriptor of its own (fdopendir takes it over and moves its offset), close-on-exec at once. */
    fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        goto cleanup;
    }
    dir = fdopendir(fd);
    if (dir == NULL) {
        goto cleanup;
    }
    fd = -1;
    while ((ent = readdir(dir)) != NULL) {
        if (is_stale_temp(ent->d_name)) {
            unlinkat(dir_fd, ent->d_name, 0);
        } else if (recurse && ent->d_name[0] != '.') {
            int sub_fd = open_dir_at(dir_fd, ent->d_name);
            if (sub_fd >= 0) {
                clean_stale_temps(sub_fd, 0);
                close(sub_fd);
            }
        }
    }

cleanup:
    if (dir != NULL) {
        closedir(dir);
    }
    if (fd >= 0) {
        close(fd);
    }
}

struct host_cache *host_cache_open(const char *run_path, size_t max_value_size, char **error)
{
    struct host_cache *c = NULL;
    struct host_cache *result = NULL;
    int run_fd = -1;
    int created = 0;
    char ebuf[128];

    if (run_path == NULL || run_path[0] == '\0') {
        host_set_error(error, "persistent cache: run_path is empty");
        goto cleanup;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        host_set_error(error, "out of memory");
        goto cleanup;
    }
    c->root_fd = -1;
    c->max_value_size = max_value_size != 0 ? max_value_size : HOST_CACHE_DEFAULT_MAX_VALUE_SIZE;
    if (asprintf(&c->root_path, "%s/%s", run_path, CACHE_DIR_NAME) < 0) {
        c->root_path = NULL;
        host_set_error(error, "out of memory");
        goto cleanup;
    }
    if (mkdir(run_path, 0700) == 0) {
        created = 1;
    } else if (errno != EEXIST) {
        host_set_error(error, "cannot create run_path %s: %s", run_path, errno_text(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    run_fd = open(run_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    /* As for every directory the cache creates: exactly 0700 whatever the umask. */
    if (run_fd < 0 || (created && fchmod(run_fd, 0700) != 0)) {
        host_set_error(error, "cannot open run_path %s: %s", run_path, errno_text(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    c->root_fd = open_or_create_dir_at(run_fd, CACHE_DIR_NAME, &created);
    if (c->root_fd < 0) {
        /* ELOOP/ENOTDIR here mean a symbolic link or a file took the cache directory's name. */
        host_set_error(error, "cannot open the persistent cache directory %s: %s", c->root_path,
                  errno_text(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    clean_stale_temps(c->root_fd, 1);
    result = c;
    c = NULL;

cleanup:
    if (run_fd >= 0) {
        close(run_fd);
    }
    host_cache_close(c);
    return result;
}

void host_cache_close(struct host_cache *c)
{
    if (c == NULL) {
        return;
    }
    if (c->root_fd >= 0) {
        close(c->root_fd);
    }
    free(c->root_path);
    free(c);
}

/* Creates a fresh temporary file in dir_fd; its name goes to *name (malloc'd). */
static int create_temp(int dir_fd, char **name)
{
    for (int attempt = 0; attempt < TEMP_ATTEMPTS; attempt++) {
        unsigned long n = atomic_fetch_add(&temp_counter, 1);
        char *candidate = NULL;
        int fd;

        if (asprintf(&candidate, TEMP_PREFIX "%ld-%lu", (long)getpid(), n) < 0) {
            errno = ENOMEM;
            return -1;
        }
        /* O_EXCL: a leftover of a dead process with our pid is skipped, never reused. */
        fd = openat(dir_fd, candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            /* umask may have removed bits from 0600; the file must be exactly 0600. */
            if (fchmod(fd, 0600) != 0) {
                int saved = errno;
                close(fd);
                unlinkat(dir_fd, candidate, 0);
                free(candidate);
                errno = saved;
                return -1;
            }
            *name = candidate;
            return fd;
        }
        free(candidate);
        if (errno != EEXIST) {
            return -1;
        }
    }
    errno = EEXIST;
    return -1;
}

static int write_all(int fd, const char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        size_t chunk = len - done < HOST_CACHE_WRITE_CHUNK ? len - done : HOST_CACHE_WRITE_CHUNK;
        ssize_t n = write(fd, buf + done, chunk);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        done += (size_t)n;
#ifdef HOST_CACHE_TEST_HOOKS
        if (host_cache_test_after_chunk != NULL) {
            host_cache_test_after_chunk(done, len);
        }
#endif
    }
    return 0;
}

/*
 * A keyed file about to be replaced must hold the same key (or not exist):
 * another key with the same digest name is never overwritten. 0 when the
 * write may go on, -1 with *error.
 */
static int keyed_file_owner(int dir_fd, const char *file, const char *key, char **error)
{
    size_t key_len = strlen(key) + 1; /* with its NUL */
    char *head = malloc(key_len);
    int fd = openat(dir_fd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int rc = 0;
    size_t got = 0;

    if (head == NULL) {
        host_set_error(error, "out of memory");
        rc = -1;
    } else if (fd >= 0) {
        while (got < key_len) {
            ssize_t n = read(fd, head + got, key_len - got);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            got += (size_t)n;
        }
        /* a file too short to hold a key is a torn leftover no reader accepts: replace it */
        if (got == key_len && memcmp(head, key, key_len) != 0) {
            host_set_error(error,
                           "cannot write persistent cache key " KEY_FMT
                           ": its file name (a SHA-256 digest) belongs to another key",
                           key);
            rc = -1;
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    free(head);
    return rc;
}

int host_cache_write(struct host_cache *c, const char *key, const char *value, char **error)
{
    struct key_path kp = { NULL, NULL, 0 };
    int dir_fd = -1;    /* the key's own directory when it has one */
    int target_fd = -1; /* where the value file lives: dir_fd or c->root_fd */
    int tmp_fd = -1;
    char *tmp_name = NULL;
    int created = 0;
    int rc = -1;
    size_t len;
    char ebuf[128];

    if (c == NULL || key == NULL || value == NULL) {
        host_set_error(error, "persistent cache write: %s is NULL",
                  c == NULL     ? "cache"
                  : key == NULL ? "key"
                                : "value");
        goto cleanup;
    }
    len = strlen(value);
    if (len > c->max_value_size) {
        host_set_error(error,
                  "value of %zu bytes exceeds the persistent cache limit of %zu bytes (key " KEY_FMT ")", len,
                  c->max_value_size, key);
        goto cleanup;
    }
    if (key_to_path(key, &kp, error) != 0) {
        goto cleanup;
    }
    target_fd = c->root_fd;
    if (kp.dir != NULL) {
        dir_fd = open_or_create_dir_at(c->root_fd, kp.dir, &created);
        if (dir_fd < 0) {
            host_set_error(error, "cannot write persistent cache key " KEY_FMT ": directory %s/%s: %s", key,
                      c->root_path, kp.dir, errno_text(errno, ebuf, sizeof(ebuf)));
            goto cleanup;
        }
        target_fd = dir_fd;
    }
    tmp_fd = create_temp(target_fd, &tmp_name);
    if (tmp_fd < 0) {
        host_set_error(error, "cannot write persistent cache key " KEY_FMT ": temporary file: %s", key,
                  errno_text(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    if (kp.keyed && keyed_file_owner(target_fd, kp.file, key, error) != 0) {
        goto cleanup;
    }
    /* The value must be on disk before the rename makes it visible, or a crash could expose a hole. */
    if ((kp.keyed && write_all(tmp_fd, key, strlen(key) + 1) != 0) || write_all(tmp_fd, value, len) != 0
        || fsync(tmp_fd) != 0) {
        host_set_error(error, "cannot write persistent cache key " KEY_FMT ": %s", key,
                  errno_text(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    if (close(tmp_fd) != 0) {
        tmp_fd = -1;
        host_set_error(error, "cannot write persistent cache key " KEY_FMT ": %s", key,
                  errno_text(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    tmp_fd = -1;
    if (renameat(target_fd, tmp_name, target_fd, kp.file) != 0) {
        host_set_error(error, "cannot write persistent cache key " KEY_FMT ": rename: %s", key,
                  errno_text(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    free(tmp_name);
    tmp_name = NULL; /* renamed: nothing to remove any more */
    /* The rename is only durable once the directory holding it is. */
    if (fsync(target_fd) != 0) {
        host_set_error(error, "persistent cache key " KEY_FMT " written but not synced: %s", key,
                  errno_text(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    rc = 0;

cleanup:
    if (tmp_fd >= 0) {
        close(tmp_fd);
    }
    if (tmp_name != NULL) {
        unlinkat(target_fd, tmp_name, 0);
        free(tmp_name);
    }
    if (dir_fd >= 0) {
        close(dir_fd);
    }
    key_path_free(&kp);
    return rc;
}

/* A _malloc'd "", what upstream returns for a missing key. */
static char *empty_value(char **error)
{
    char *s = _malloc(1);
    if (s == NULL) {
        host_set_error(error, "out of memory");
        return NULL;
    }
    s[0] = '\0';
    return s;
}

char *host_cache_read(struct host_cache *c, const char *key, char **error)
{
    struct key_path kp = { NULL, NULL, 0 };
    int dir_fd = -1;
    int fd = -1;
    char *value = NULL;
    char *result = NULL;
    size_t size;
    size_t got = 0;
    size_t header = 0; /* keyed files: the key and its NUL before the value */
    struct stat st;
    char ebuf[128];

    if (c == NULL || key == NULL) {
        host_set_error(error, "persistent cache read: %s is NULL", c == NULL ? "cache" : "key");
        goto cleanup;
    }
    if (key_to_path(key, &kp, error) != 0) {
        goto cleanup;
    }
    if (kp.dir != NULL) {
        dir_fd = open_dir_at(c->root_fd, kp.dir);
        if (dir_fd < 0) {
            if (errno == ENOENT) {
                result = empty_value(error);
            } else {
                host_set_error(error, "cannot read persistent cache key " KEY_FMT ": directory %s/%s: %s", key,
                          c->root_path, kp.dir, errno_text(errno, ebuf, sizeof(ebuf)));
            }
            goto cleanup;
        }
    }
    /* O_NONBLOCK: a FIFO planted under the value's name must not hang the reader. */
    fd = openat(dir_fd >= 0 ? dir_fd : c->root_fd, kp.file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            result = empty_value(error);
        } else {
            host_set_error(error, "cannot read persistent cache key " KEY_FMT ": %s", key,
                      errno_text(errno, ebuf, sizeof(ebuf)));
        }
        goto cleanup;
    }
    if (fstat(fd, &st) != 0) {
        host_set_error(error, "cannot read persistent cache key " KEY_FMT ": %s", key,
                  errno_text(errno, ebuf, sizeof(ebuf)));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        host_set_error(error, "cannot read persistent cache key " KEY_FMT ": not a regular file", key);
        goto cleanup;
    }
    header = kp.keyed ? strlen(key) + 1 : 0;
    if ((unsigned long long)st.st_size > c->max_value_size + header) {
        host_set_error(error,
                  "stored value of %lld bytes exceeds the persistent cache limit of %zu bytes "
                  "(key " KEY_FMT ")",
                  (long long)(st.st_size - (off_t)header), c->max_value_size, key);
        goto cleanup;
    }
    /* Writers never modify a value file in place (they rename a new one over it), so its size is final. */
    size = (size_t)st.st_size;
    value = _malloc(size + 1);
    if (value == NULL) {
        host_set_error(error, "out of memory");
        goto cleanup;
    }
    while (got < size) {
        ssize_t n = read(fd, value + got, size - got);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            host_set_error(error, "cannot read persistent cache key " KEY_FMT ": %s", key,
                      errno_text(errno, ebuf, sizeof(ebuf)));
            goto cleanup;
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
    }
    value[got] = '\0';
    if (kp.keyed) {
        /* another key's file (a digest collision) or a torn one: this key has no value */
        if (got < header || memcmp(value, key, header) != 0) {
            value[0] = '\0';
        } else {
            memmove(value, value + header, got - header + 1);
        }
    }
    result = value;
    value = NULL;

cleanup:
    if (value != NULL) {
        _free(value);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (dir_fd >= 0) {
        close(dir_fd);
    }
    key_path_free(&kp);
    return result;
}
