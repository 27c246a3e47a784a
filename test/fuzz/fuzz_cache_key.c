/*
 * fuzz_cache_key.c - libFuzzer target: host_cache_write then host_cache_read
 * (host/cache.c) with an arbitrary key and value.
 *
 * Input: the key is the bytes before the first NUL (the whole input when
 * there is none, with an empty value); the value is the bytes after it, up
 * to the next NUL. Both are C strings, as they arrive from rtloader.
 *
 * The cache lives in a run_path of this process (<work>/run), opened twice:
 * W with a 1024-byte value limit (writes and reads) and R with a 16-byte
 * limit (reads only). Every 256 inputs the cache's content is removed, so
 * the file count stays bounded.
 *
 * Oracles, besides the sanitizers (crash, leak, undefined behaviour):
 *   - the write succeeds exactly when the value fits (<= 1024 bytes),
 *     whatever the key; a refused write names the reason ("value of N bytes
 *     exceeds ...");
 *   - after a successful write, the file is exactly where the documented
 *     encoding puts it (<run>/cache/enc(check)/enc(rest), or
 *     <run>/cache/enc(key).v, computed here with an independent encoder;
 *     a part whose name would pass 255 bytes is "~<sha256 hex of the part>"),
 *     a regular file of mode 0600 and of the value's size (plus the key and
 *     a NUL when a part is digest-named), in a directory of mode 0700; no
 *     temporary file
 *     (a name starting with '.') is left in that directory or in the cache;
 *   - reading through W gives the value back byte for byte; through R it
 *     does too when the value has at most 16 bytes, else it fails with
 *     "stored value of N bytes exceeds ...";
 *   - the last 8 keys written still read back their own values (no two
 *     keys share a file: the encoding is injective);
 *   - nothing but "cache" is ever created in run_path, and nothing but
 *     "run" beside it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "cache.h"
#include "fuzz_util.h"
#include "rtloader_mem.h"

/* What the host gets from the rtloader front library; plain libc here. */
void *(*_malloc)(size_t) = malloc;
void (*_free)(void *) = free;

#define WRITE_LIMIT 1024
#define READ_LIMIT  16
#define CLEAN_EVERY 256
#define SHADOW      8

static char work[PATH_MAX / 4];
static char run_path[PATH_MAX / 2];
static char cache_path[PATH_MAX];
static struct host_cache *cache_w;
static struct host_cache *cache_r;
static unsigned long iterations;

struct shadow_entry {
    char *key;
    char *value;
};
static struct shadow_entry shadow[SHADOW];
static size_t shadow_next;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char *error = NULL;
    snprintf(work, sizeof(work), "%s", fuzz_make_workdir("cache"));
    snprintf(run_path, sizeof(run_path), "%s/run", work);
    snprintf(cache_path, sizeof(cache_path), "%s/cache", run_path);
    cache_w = host_cache_open(run_path, WRITE_LIMIT, &error);
    if (cache_w == NULL) {
        fprintf(stderr, "host_cache_open: %s\n", error);
        abort();
    }
    cache_r = host_cache_open(run_path, READ_LIMIT, &error);
    if (cache_r == NULL) {
        fprintf(stderr, "host_cache_open: %s\n", error);
        abort();
    }
    return 0;
}

/* The documented enc(): [A-Za-z0-9_-] kept, other bytes %XX, "" -> "%". */
static char *enc(const char *s, size_t len, const char *suffix)
{
    char *out = malloc(len * 3 + strlen(suffix) + 2);
    char *p = out;
    if (out == NULL) {
        abort();
    }
    if (len == 0) {
        *p++ = '%';
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)s[i];
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '_'
            || b == '-') {
            *p++ = (char)b;
        } else {
            p += sprintf(p, "%%%02X", b);
        }
    }
    strcpy(p, suffix);
    return out;
}

static void shadow_clear(void)
{
    for (size_t i = 0; i < SHADOW; i++) {
        free(shadow[i].key);
        free(shadow[i].value);
        shadow[i].key = shadow[i].value = NULL;
    }
    shadow_next = 0;
}

static void shadow_put(const char *key, const char *value)
{
    for (size_t i = 0; i < SHADOW; i++) {
        if (shadow[i].key != NULL && strcmp(shadow[i].key, key) == 0) {
            free(shadow[i].value);
            shadow[i].value = strdup(value);
            return;
        }
    }
    struct shadow_entry *e = &shadow[shadow_next];
    shadow_next = (shadow_next + 1) % SHADOW;
    free(e->key);
    free(e->value);
    e->key = strdup(key);
    e->value = strdup(value);
    if (e->key == NULL || e->value == NULL) {
        abort();
    }
}

/* "~" + SHA-256 of s[0..len) in upper-case hex + suffix, malloc'd (docs/host-cache.md). */
static char *digest(const char *s, size_t len, const char *suffix)
{
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    char *out = malloc(2 + 2 * SHA256_DIGEST_SIZE + strlen(suffix));
    if (out == NULL) {
        abort();
    }
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)s);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, d);
    out[0] = '~';
    for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
        snprintf(out + 1 + 2 * i, 3, "%02X", d[i]);
    }
    strcpy(out + 1 + 2 * SHA256_DIGEST_SIZE, suffix);
    return out;
}

/* Removes everything inside <run>/cache (the directory itself stays: W and R hold it open). */
static void clean_cache(void)
{
    DIR *d = opendir(cache_path);
    struct dirent *ent;
    char path[PATH_MAX * 2];
    if (d == NULL) {
        fuzz_fail("cannot list %s: %s", cache_path, strerror(errno));
    }
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0) {
            snprintf(path, sizeof(path), "%s/%s", cache_path, ent->d_name);
            fuzz_rm_tree(path);
        }
    }
    closedir(d);
    shadow_clear();
}

/* dir holds exactly the one entry `only` (besides . and ..). */
static void check_only_entry(const char *dir, const char *only)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    bool seen = false;
    if (d == NULL) {
        fuzz_fail("cannot list %s: %s", dir, strerror(errno));
    }
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) {
            continue;
        }
        FUZZ_CHECK(strcmp(ent->d_name, only) == 0, "%s/%s created: only \"%s\" belongs there", dir,
                   ent->d_name, only);
        seen = true;
    }
    closedir(d);
    FUZZ_CHECK(seen, "%s/%s is gone", dir, only);
}

/* No temporary file (".tmp-..."; enc never yields a leading '.') left in dir. */
static void check_no_temp(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    if (d == NULL) {
        fuzz_fail("cannot list %s: %s", dir, strerror(errno));
    }
    while ((ent = readdir(d)) != NULL) {
        FUZZ_CHECK(ent->d_name[0] != '.' || strcmp(ent->d_name, ".") == 0
                       || strcmp(ent->d_name, "..") == 0,
                   "%s/%s left behind", dir, ent->d_name);
    }
    closedir(d);
}

static void check_mode(const char *path, mode_t type, mode_t mode, long long size)
{
    struct stat st;
    FUZZ_CHECK(lstat(path, &st) == 0, "%s is missing after a successful write: %s", path,
               strerror(errno));
    FUZZ_CHECK((st.st_mode & S_IFMT) == type, "%s is not a %s", path,
               type == S_IFDIR ? "directory" : "regular file");
    FUZZ_CHECK((st.st_mode & 07777) == mode, "%s has mode %04o, not %04o", path,
               (unsigned)(st.st_mode & 07777), (unsigned)mode);
    FUZZ_CHECK(size < 0 || (long long)st.st_size == size, "%s holds %lld bytes, not %lld", path,
               (long long)st.st_size, size);
}

static void check_read(struct host_cache *c, const char *key, const char *want, const char *what)
{
    char *error = NULL;
    char *got = host_cache_read(c, key, &error);
    FUZZ_CHECK(got != NULL, "%s: reading key \"%.80s\" failed: %s", what, key,
               error != NULL ? error : "(no error)");
    FUZZ_CHECK(error == NULL, "%s: read returned a value and an error: %s", what, error);
    FUZZ_CHECK(strcmp(got, want) == 0,
               "%s: key \"%.80s\" read back %zu bytes \"%.80s\", not the %zu bytes \"%.80s\"", what,
               key, strlen(got), got, strlen(want), want);
    _free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (++iterations % CLEAN_EVERY == 0) {
        clean_cache();
    }
    /* key: up to the first NUL; value: after it, up to the next NUL */
    char *buf = malloc(size + 2);
    if (buf == NULL) {
        return 0;
    }
    if (size > 0) {
        memcpy(buf, data, size);
    }
    buf[size] = buf[size + 1] = '\0';
    const char *key = buf;
    size_t key_len = strlen(key);
    const char *value = key_len < size ? buf + key_len + 1 : buf + size;
    size_t value_len = strlen(value);

    /* where the documentation puts it, and whether it fits */
    const char *colon = strchr(key, ':');
    char *dir = colon != NULL ? enc(key, (size_t)(colon - key), "") : NULL;
    char *file = colon != NULL ? enc(colon + 1, strlen(colon + 1), "") : enc(key, key_len, ".v");
    bool keyed = false;
    if (dir != NULL && strlen(dir) > HOST_CACHE_MAX_NAME) {
        free(dir);
        dir = digest(key, (size_t)(colon - key), "");
        keyed = true;
    }
    if (strlen(file) > HOST_CACHE_MAX_NAME) {
        free(file);
        file = colon != NULL ? digest(colon + 1, strlen(colon + 1), "") : digest(key, key_len, ".v");
        keyed = true;
    }
    bool value_fits = value_len <= WRITE_LIMIT;

    char *error = NULL;
    int rc = host_cache_write(cache_w, key, value, &error);
    if (value_fits) {
        FUZZ_CHECK(rc == 0, "write of key \"%.80s\" (%zu-byte value) failed: %s", key, value_len,
                   error != NULL ? error : "(no error)");
        FUZZ_CHECK(error == NULL, "successful write with an error: %s", error);

        char dir_path[PATH_MAX * 2], file_path[PATH_MAX * 3];
        snprintf(dir_path, sizeof(dir_path), "%s%s%s", cache_path, dir != NULL ? "/" : "",
                 dir != NULL ? dir : "");
        snprintf(file_path, sizeof(file_path), "%s/%s", dir_path, file);
        if (dir != NULL) {
            check_mode(dir_path, S_IFDIR, 0700, -1);
        }
        check_mode(file_path, S_IFREG, 0600, (long long)(value_len + (keyed ? key_len + 1 : 0)));
        check_no_temp(dir_path);

        check_read(cache_w, key, value, "W");
        if (value_len <= READ_LIMIT) {
            check_read(cache_r, key, value, "R");
        } else {
            char *got = host_cache_read(cache_r, key, &error);
            FUZZ_CHECK(got == NULL, "R (16-byte limit) read a %zu-byte value", value_len);
            FUZZ_CHECK(error != NULL && strncmp(error, "stored value of ", 16) == 0,
                       "R: over-limit read error: %s", error != NULL ? error : "(none)");
            free(error);
            error = NULL;
        }
        shadow_put(key, value);
        for (size_t i = 0; i < SHADOW; i++) {
            if (shadow[i].key != NULL) {
                check_read(cache_w, shadow[i].key, shadow[i].value, "earlier key");
            }
        }
    } else {
        FUZZ_CHECK(rc == -1, "write of key \"%.80s\" (%zu-byte value) should have been refused",
                   key, value_len);
        FUZZ_CHECK(error != NULL, "refused write without an error");
        FUZZ_CHECK(strncmp(error, "value of ", 9) == 0, "value over the limit: error %s", error);
        free(error);
    }
    check_no_temp(cache_path);
    check_only_entry(run_path, "cache");
    check_only_entry(work, "run");

    free(dir);
    free(file);
    free(buf);
    return 0;
}
