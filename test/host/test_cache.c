/*
 * test_cache.c - host/cache.c: round trips, the key encoding (collisions,
 * traversal, non-ASCII, length limit), size limits, file modes, atomicity
 * under kill -9 and concurrent writers, symbolic links.
 *
 * _malloc/_free are counting wrappers of libc malloc/free (counting_alloc.c;
 * the host links the rtloader front library, which defines the real ones):
 * every test ends by checking that each _malloc'd value was _free'd.
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"
#include "counting_alloc.h"
#include "rtloader_mem.h"


static void assert_all_freed(void)
{
    assert_int_equal(atomic_load(&n_mallocs), atomic_load(&n_frees));
}

/* A temporary parent holding only run_path; the cache lives in <run>/cache. */
struct fixture {
    char parent[64];
    char run[96];
    char cache_dir[128];
    struct host_cache *c;
    pid_t child; /* a writer to kill if the test fails before it does */
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char *error = NULL;

    if (f == NULL) {
        return -1;
    }
    strcpy(f->parent, "/tmp/host_cache_test_XXXXXX");
    if (mkdtemp(f->parent) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->run, sizeof(f->run), "%s/run", f->parent);
    snprintf(f->cache_dir, sizeof(f->cache_dir), "%s/cache", f->run);
    f->c = host_cache_open(f->run, 0, &error);
    if (f->c == NULL) {
        fprintf(stderr, "host_cache_open: %s\n", error);
        free(error);
        free(f);
        return -1;
    }
    atomic_store(&n_mallocs, 0);
    atomic_store(&n_frees, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f->child > 0) {
        kill(f->child, SIGKILL);
        waitpid(f->child, NULL, 0);
    }
    host_cache_close(f->c);
    /* A test may have dropped permissions on a directory; restore before removing. */
    chmod(f->cache_dir, 0700);
    nftw(f->parent, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void write_ok(struct host_cache *c, const char *key, const char *value)
{
    char *error = NULL;
    int rc = host_cache_write(c, key, value, &error);
    if (rc != 0) {
        fail_msg("write of \"%s\" failed: %s", key, error);
    }
    assert_null(error);
}

/* Asserts that key reads back as expected, and frees what was read. */
static void assert_reads(struct host_cache *c, const char *key, const char *expected)
{
    char *error = NULL;
    char *v = host_cache_read(c, key, &error);
    if (v == NULL) {
        fail_msg("read of \"%s\" failed: %s", key, error);
    }
    assert_null(error);
    assert_string_equal(v, expected);
    _free(v);
}

/* Entries of dir other than "." and "..", sorted and joined with '|' into buf. */
static int list_dir(const char *path, char *buf, size_t size)
{
    struct dirent **names = NULL;
    int n = scandir(path, &names, NULL, alphasort);
    size_t used = 0;
    int count = 0;

    buf[0] = '\0';
    if (n < 0) {
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0) {
            used += (size_t)snprintf(buf + used, size - used, "%s%s", count ? "|" : "", names[i]->d_name);
            count++;
        }
        free(names[i]);
    }
    free(names);
    return count;
}

static void assert_dir_holds(const char *path, const char *expected)
{
    char buf[4096];
    assert_true(list_dir(path, buf, sizeof(buf)) >= 0);
    assert_string_equal(buf, expected);
}

static void cache_round_trip(void **state)
{
    struct fixture *f = *state;
    char path[256];
    struct stat st;

    write_ok(f->c, "my_check:0123456789abcdef_last", "42.5");
    assert_reads(f->c, "my_check:0123456789abcdef_last", "42.5");
    /* The check name is the directory, the rest the file name; safe bytes are kept as they are. */
    snprintf(path, sizeof(path), "%s/my_check/0123456789abcdef_last", f->cache_dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 4);
    write_ok(f->c, "top", "level");
    assert_reads(f->c, "top", "level");
    assert_dir_holds(f->cache_dir, "my_check|top.v");
    write_ok(f->c, "k:empty", "");
    assert_reads(f->c, "k:empty", "");
    assert_all_freed();
}

static void cache_missing_key_reads_empty(void **state)
{
    struct fixture *f = *state;

    assert_reads(f->c, "nocheck:key", ""); /* no directory */
    assert_reads(f->c, "missing", "");     /* no top-level file */
    write_ok(f->c, "check:present", "v");
    assert_reads(f->c, "check:absent", ""); /* directory, no file */
    assert_all_freed();
}

static void cache_overwrite(void **state)
{
    struct fixture *f = *state;
    char dir[256];

    write_ok(f->c, "check:key", "first value, longer");
    write_ok(f->c, "check:key", "second");
    assert_reads(f->c, "check:key", "second");
    /* No temporary file is left behind by a successful write. */
    snprintf(dir, sizeof(dir), "%s/check", f->cache_dir);
    assert_dir_holds(dir, "key");
    assert_all_freed();
}

/* Keys that upstream's stripping (or a naive encoding) would map to the same file. */
static void cache_collision_pairs_stay_distinct(void **state)
{
    struct fixture *f = *state;
    static const char *const keys[] = {
        "c:a.b", "c:ab", "c:a/b", "c:a_b", "c:a%2Eb", "c:a%b", "c:a%", "c:%",
        "c:", "c", "", ":", "::", ":x", "x:", "x", "x:y:z", "x:y", "x:y%3Az",
        "c.d:k", "cd:k", "c%2Ed:k", "A:k", "a:k", "v", "v.v", "x.v", "x%2Ev",
    };
    const size_t n = sizeof(keys) / sizeof(keys[0]);
    char value[64];

    for (size_t i = 0; i < n; i++) {
        snprintf(value, sizeof(value), "value #%zu", i);
        write_ok(f->c, keys[i], value);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(value, sizeof(value), "value #%zu", i);
        assert_reads(f->c, keys[i], value);
    }
    assert_all_freed();
}

/*
 * Walks the cache: nothing but directories holding regular files, no
 * symbolic link, no name "." or ".." or with '/', no depth beyond 2.
 */
static void assert_cache_shape(const char *path, int depth)
{
    DIR *d = opendir(path);
    struct dirent *e;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char child[1024];
        struct stat st;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        assert_null(strchr(e->d_name, '/'));
        snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        assert_int_equal(lstat(child, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            assert_int_equal(depth, 0);
            assert_cache_shape(child, depth + 1);
        } else {
            assert_true(S_ISREG(st.st_mode));
        }
    }
    closedir(d);
}

static void cache_traversal_keys_stay_inside(void **state)
{
    struct fixture *f = *state;
    static const char *const keys[] = {
        "../../x", "/abs", "..", ".", "a/../../b", "name:../../etc", "../x:y", "..:..", ".:.", "..:x",
        "name:..", "name:.", "name:/etc/passwd", "/:/", "a/b:c/d", "name:a/../../../b", "./.:./.",
    };
    const size_t n = sizeof(keys) / sizeof(keys[0]);
    char value[64];

    for (size_t i = 0; i < n; i++) {
        snprintf(value, sizeof(value), "traversal #%zu", i);
        write_ok(f->c, keys[i], value);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(value, sizeof(value), "traversal #%zu", i);
        assert_reads(f->c, keys[i], value);
    }
    /* Nothing escaped: the parent holds run_path only, run_path the cache only. */
    assert_dir_holds(f->parent, "run");
    assert_dir_holds(f->run, "cache");
    assert_cache_shape(f->cache_dir, 0);
    assert_int_equal(access("/abs", F_OK), -1);
    assert_all_freed();
}

static void cache_non_ascii_keys(void **state)
{
    struct fixture *f = *state;
    /* "chéck:ключ" in UTF-8 */
    static const char cyrillic[] = "ch\xc3\xa9" "ck:\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87";
    char path[256];

    write_ok(f->c, cyrillic, "caf\xc3\xa9 \xe2\x82\xac");
    write_ok(f->c, "\xe6\x97\xa5\xe6\x9c\xac", "japan");
    write_ok(f->c, "bin:\x01\x7f\xff", "bytes");
    assert_reads(f->c, cyrillic, "caf\xc3\xa9 \xe2\x82\xac");
    assert_reads(f->c, "\xe6\x97\xa5\xe6\x9c\xac", "japan");
    assert_reads(f->c, "bin:\x01\x7f\xff", "bytes");
    /* On disk, every byte outside [A-Za-z0-9_-] is %XX. */
    snprintf(path, sizeof(path), "%s/ch%%C3%%A9ck/%%D0%%BA%%D0%%BB%%D1%%8E%%D1%%87", f->cache_dir);
    assert_int_equal(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/bin/%%01%%7F%%FF", f->cache_dir);
    assert_int_equal(access(path, F_OK), 0);
    assert_all_freed();
}

static char *filled(size_t len, char c)
{
    char *s = malloc(len + 1);
    assert_non_null(s);
    memset(s, c, len);
    s[len] = '\0';
    return s;
}

static void cache_one_mib_value(void **state)
{
    struct fixture *f = *state;
    size_t len = 1024 * 1024;
    char *value = filled(len, 'm');
    char *error = NULL;
    char *v;

    /* Not all one byte: a misplaced chunk would show. */
    for (size_t i = 0; i < len; i += 4096) {
        value[i] = (char)('a' + (i / 4096) % 26);
    }
    write_ok(f->c, "big:value", value);
    v = host_cache_read(f->c, "big:value", &error);
    assert_non_null(v);
    assert_int_equal(strlen(v), len);
    assert_memory_equal(v, value, len);
    _free(v);
    free(value);
    assert_all_freed();
}

static void cache_value_over_limit(void **state)
{
    struct fixture *f = *state;
    struct host_cache *small = NULL;
    char *error = NULL;
    char *value = NULL;

    small = host_cache_open(f->run, 1000, &error);
    assert_non_null(small);
    value = filled(1000, 'x');
    write_ok(small, "lim:exact", value); /* the limit itself is accepted */
    free(value);
    value = filled(1001, 'y');
    assert_int_equal(host_cache_write(small, "lim:over", value, &error), -1);
    assert_non_null(error);
    assert_non_null(strstr(error, "value of 1001 bytes exceeds the persistent cache limit of 1000 bytes"));
    free(error);
    error = NULL;
    assert_reads(small, "lim:over", ""); /* nothing was stored */

    /* The default limit: 4 MiB. */
    free(value);
    value = filled(HOST_CACHE_DEFAULT_MAX_VALUE_SIZE + 1, 'z');
    assert_int_equal(host_cache_write(f->c, "lim:default", value, &error), -1);
    assert_non_null(
        strstr(error, "value of 4194305 bytes exceeds the persistent cache limit of 4194304 bytes"));
    free(error);
    error = NULL;

    /* A file stored under a larger limit is refused, not read unbounded, by a smaller one. */
    free(value);
    value = filled(2000, 'w');
    write_ok(f->c, "lim:stored", value);
    assert_null(host_cache_read(small, "lim:stored", &error));
    assert_non_null(strstr(error, "2000 bytes exceeds the persistent cache limit of 1000 bytes"));
    free(error);
    free(value);
    host_cache_close(small);
    assert_all_freed();
}

/* The only entry of dir whose name starts with `prefix`, into name; fails otherwise. */
static void only_entry(const char *dir, char prefix, char *name, size_t size)
{
    char buf[4096];
    assert_int_equal(list_dir(dir, buf, sizeof(buf)), 1);
    assert_int_equal(buf[0], prefix);
    assert_true(strlen(buf) < size);
    memcpy(name, buf, strlen(buf) + 1);
}

/* Reads a whole file (at most size - 1 bytes) into buf; returns its length. */
static size_t slurp(const char *path, char *buf, size_t size)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, size - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return n;
}

/*
 * Any key round-trips: a part whose encoding would pass the 255-byte file
 * name limit is named "~<sha256>" instead, and its file holds the whole key
 * before the value. Names that fit keep the plain encoding.
 */
static void cache_long_keys_round_trip(void **state)
{
    struct fixture *f = *state;
    char key[1024];
    char path[2048];
    char content[2048];

    /* 255 safe bytes encode to a 255-byte name: the plain encoding, in either part. */
    memset(key, 'd', 255);
    key[255] = ':';
    memset(key + 256, 'f', 255);
    key[511] = '\0';
    write_ok(f->c, key, "fits");
    assert_reads(f->c, key, "fits");
    snprintf(path, sizeof(path), "%s/%.255s/%.255s", f->cache_dir, key, key + 256);
    assert_int_equal(access(path, F_OK), 0);

    /* 256 bytes for the file part: a digest name, the key stored and checked inside. */
    memset(key + 256, 'f', 256);
    key[512] = '\0';
    write_ok(f->c, key, "long file part");
    assert_reads(f->c, key, "long file part");
    key[511] = 'g'; /* same length, other key: no value */
    assert_reads(f->c, key, "");
    key[511] = 'f';
    snprintf(path, sizeof(path), "%s/%.255s", f->cache_dir, key);
    char buf[4096];
    assert_int_equal(list_dir(path, buf, sizeof(buf)), 2); /* the 255-byte name and the digest */
    assert_non_null(strstr(buf, "|~"));
    snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", strstr(buf, "|~") + 1);
    assert_int_equal(strlen(strrchr(path, '/') + 1), 65);
    size_t n = slurp(path, content, sizeof(content));
    assert_int_equal(n, strlen(key) + 1 + strlen("long file part"));
    assert_string_equal(content, key);
    assert_string_equal(content + strlen(key) + 1, "long file part");

    /* Top-level keys carry the 2-byte ".v" suffix: 253 bytes are plain, 254 a digest. */
    memset(key, 't', 254);
    key[254] = '\0';
    write_ok(f->c, key, "top digest");
    assert_reads(f->c, key, "top digest");
    key[253] = '\0';
    write_ok(f->c, key, "top fits");
    assert_reads(f->c, key, "top fits");
    memset(key, 't', 254);
    assert_reads(f->c, key, "top digest");

    /* Non-ASCII bytes take 3 each: 86 of them (258 bytes encoded) make a digest directory. */
    for (int i = 0; i < 86; i++) {
        key[i] = (char)0xe9;
    }
    strcpy(key + 86, ":k");
    write_ok(f->c, key, "long dir part");
    assert_reads(f->c, key, "long dir part");
    key[0] = (char)0xe8;
    assert_reads(f->c, key, "");
    assert_all_freed();
}

/* The case: an AgentCheck key "<check_id>_<name>" holding a 189-character URL. */
static void cache_url_key_round_trip(void **state)
{
    struct fixture *f = *state;
    char url[256];
    char key[512];
    char other[512];

    strcpy(url, "https://metrics.example.com:8443/api/v1/query?match[]=up&service=orders");
    while (strlen(url) < 189) {
        strcat(url, "&x=1");
    }
    url[189] = '\0';
    assert_int_equal(strlen(url), 189);
    snprintf(key, sizeof(key), "openmetrics:0123456789abcdef_last_scrape_%s", url);
    snprintf(other, sizeof(other), "openmetrics:0123456789abcdef_last_scrape_%s/", url);
    write_ok(f->c, key, "1700000000");
    write_ok(f->c, other, "other");
    assert_reads(f->c, key, "1700000000");
    assert_reads(f->c, other, "other");
    write_ok(f->c, key, "1700000015");
    assert_reads(f->c, key, "1700000015");
    assert_reads(f->c, other, "other");
    assert_all_freed();
}

/*
 * Two keys whose digest names were the same (simulated by renaming one's
 * file over the other's name): neither reads the other's value, and a write
 * refuses to replace a file that holds another key.
 */
static void cache_digest_collision_detected(void **state)
{
    struct fixture *f = *state;
    char a[400], b[400];
    char dir[256], name_a[128], name_b[128], path_a[512], path_b[512];
    char *error = NULL;

    memset(a, 'a', 300);
    a[300] = '\0';
    memset(b, 'b', 300);
    b[300] = '\0';
    write_ok(f->c, a, "value of a");
    snprintf(dir, sizeof(dir), "%s", f->cache_dir);
    only_entry(dir, '~', name_a, sizeof(name_a));
    snprintf(path_a, sizeof(path_a), "%s/%s", dir, name_a);
    write_ok(f->c, b, "value of b");
    unlink(path_a); /* leaves b's file alone */
    only_entry(dir, '~', name_b, sizeof(name_b));
    snprintf(path_b, sizeof(path_b), "%s/%s", dir, name_b);
    /* b's file under a's name */
    assert_int_equal(rename(path_b, path_a), 0);
    assert_reads(f->c, a, "");
    assert_int_equal(host_cache_write(f->c, a, "new a", &error), -1);
    assert_non_null(strstr(error, "belongs to another key"));
    free(error);
    char content[1024];
    slurp(path_a, content, sizeof(content));
    assert_string_equal(content, b); /* untouched */
    assert_all_freed();
}

/* Files laid out by the plain encoding (written by earlier versions) read as before. */
static void cache_existing_entries_stay_readable(void **state)
{
    struct fixture *f = *state;
    char path[512];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/mycheck", f->cache_dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/mycheck/some%%2Ekey", f->cache_dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("written before", fp);
    fclose(fp);
    snprintf(path, sizeof(path), "%s/toplevel.v", f->cache_dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("top before", fp);
    fclose(fp);
    assert_reads(f->c, "mycheck:some.key", "written before");
    assert_reads(f->c, "toplevel", "top before");
    write_ok(f->c, "mycheck:some.key", "after");
    snprintf(path, sizeof(path), "%s/mycheck/some%%2Ekey", f->cache_dir);
    char content[64];
    slurp(path, content, sizeof(content));
    assert_string_equal(content, "after"); /* same file, same raw format */
    assert_all_freed();
}

/* The value limit applies to the value of a digest-named key, not to its stored key. */
static void cache_long_key_value_limit(void **state)
{
    struct fixture *f = *state;
    char *error = NULL;
    char key[400];
    struct host_cache *small = host_cache_open(f->run, 8, &error);

    assert_non_null(small);
    memset(key, 'k', 300);
    key[300] = '\0';
    write_ok(small, key, "12345678");
    assert_reads(small, key, "12345678");
    assert_int_equal(host_cache_write(small, key, "123456789", &error), -1);
    assert_non_null(strstr(error, "exceeds the persistent cache limit of 8 bytes"));
    free(error);
    host_cache_close(small);
    assert_all_freed();
}

static void cache_null_arguments(void **state)
{
    struct fixture *f = *state;
    char *error = NULL;

    assert_int_equal(host_cache_write(f->c, NULL, "v", &error), -1);
    assert_string_equal(error, "persistent cache write: key is NULL");
    free(error);
    error = NULL;
    assert_int_equal(host_cache_write(f->c, "k", NULL, &error), -1);
    assert_string_equal(error, "persistent cache write: value is NULL");
    free(error);
    error = NULL;
    assert_null(host_cache_read(f->c, NULL, &error));
    assert_string_equal(error, "persistent cache read: key is NULL");
    free(error);
    error = NULL;
    /* error may be NULL: the failure is still reported by the return value. */
    assert_int_equal(host_cache_write(f->c, NULL, NULL, NULL), -1);
    assert_null(host_cache_open(NULL, 0, &error));
    assert_non_null(error);
    free(error);
    error = NULL;
    assert_null(host_cache_open("/nonexistent-parent/run", 0, &error));
    assert_non_null(strstr(error, "/nonexistent-parent/run"));
    free(error);
    assert_all_freed();
}

static void assert_mode(const char *path, mode_t mode)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, mode);
}

/* 0700/0600 whatever the umask: 0 (would allow more) or 0277 (would remove owner bits). */
static void cache_file_modes(void **state)
{
    struct fixture *f = *state;
    static const mode_t umasks[] = { 0, 0277, 022 };
    char parent[128];
    char path[256];

    for (size_t i = 0; i < sizeof(umasks) / sizeof(umasks[0]); i++) {
        struct host_cache *c = NULL;
        char *error = NULL;
        mode_t old = umask(umasks[i]);

        snprintf(parent, sizeof(parent), "%s/run%zu", f->parent, i);
        c = host_cache_open(parent, 0, &error);
        assert_non_null(c);
        write_ok(c, "check:key", "v");
        write_ok(c, "top", "v");
        umask(old);

        assert_mode(parent, 0700);
        snprintf(path, sizeof(path), "%s/cache", parent);
        assert_mode(path, 0700);
        snprintf(path, sizeof(path), "%s/cache/check", parent);
        assert_mode(path, 0700);
        snprintf(path, sizeof(path), "%s/cache/check/key", parent);
        assert_mode(path, 0600);
        snprintf(path, sizeof(path), "%s/cache/top.v", parent);
        assert_mode(path, 0600);
        host_cache_close(c);
    }
    assert_all_freed();
}

/* In the writer child: tell the parent the first chunk is in the temporary file, then wait to be killed. */
static int hook_fd = -1;

static void stop_after_first_chunk(size_t written, size_t total)
{
    (void)total;
    if (written == HOST_CACHE_WRITE_CHUNK) {
        char byte = 'w';
        if (write(hook_fd, &byte, 1) != 1) {
            _exit(2);
        }
        for (;;) {
            pause();
        }
    }
}

static void cache_kill_during_write_keeps_old_value(void **state)
{
    struct fixture *f = *state;
    char dir[256];
    char listing[1024];
    char tmp_path[1400];
    struct stat st;
    int handshake[2];
    char byte;
    pid_t pid;
    int status;
    char *error = NULL;

    write_ok(f->c, "crash:key", "old value");
    assert_int_equal(pipe(handshake), 0);
    pid = fork();
    assert_true(pid >= 0);
    f->child = pid;
    if (pid == 0) {
        char *big = malloc(3 * HOST_CACHE_WRITE_CHUNK + 1);
        close(handshake[0]);
        hook_fd = handshake[1];
        host_cache_test_after_chunk = stop_after_first_chunk;
        if (big == NULL) {
            _exit(3);
        }
        memset(big, 'N', 3 * HOST_CACHE_WRITE_CHUNK);
        big[3 * HOST_CACHE_WRITE_CHUNK] = '\0';
        host_cache_write(f->c, "crash:key", big, NULL);
        _exit(4); /* not reached: the hook never returns */
    }
    close(handshake[1]);
    assert_int_equal(read(handshake[0], &byte, 1), 1);
    close(handshake[0]);

    /* The writer is mid-write: its temporary file holds one chunk, the value is untouched. */
    snprintf(dir, sizeof(dir), "%s/crash", f->cache_dir);
    assert_int_equal(list_dir(dir, listing, sizeof(listing)), 2);
    /* ".tmp-<pid>-<n>" sorts before "key": the first of the two entries. */
    assert_true(strncmp(listing, ".tmp-", 5) == 0);
    *strchr(listing, '|') = '\0';
    snprintf(tmp_path, sizeof(tmp_path), "%s/%s", dir, listing);
    assert_int_equal(stat(tmp_path, &st), 0);
    assert_int_equal(st.st_size, HOST_CACHE_WRITE_CHUNK);

    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    f->child = 0;
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    assert_reads(f->c, "crash:key", "old value");
    /* Opening again removes the dead writer's temporary file. */
    host_cache_close(f->c);
    f->c = host_cache_open(f->run, 0, &error);
    assert_non_null(f->c);
    assert_dir_holds(dir, "key");
    write_ok(f->c, "crash:key", "new value");
    assert_reads(f->c, "crash:key", "new value");
    assert_all_freed();
}

/* Temporary names are never values, and a live writer's temporary file survives an open. */
static void cache_temp_files_are_not_values(void **state)
{
    struct fixture *f = *state;
    char path[512];
    char *error = NULL;
    int fd;

    write_ok(f->c, "t:k", "real");
    /* pid 1 is alive (kill(1, 0) says EPERM or 0, never ESRCH). */
    snprintf(path, sizeof(path), "%s/t/.tmp-1-0", f->cache_dir);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "partial", 7), 7);
    close(fd);
    assert_reads(f->c, "t:.tmp-1-0", "");
    host_cache_close(f->c);
    f->c = host_cache_open(f->run, 0, &error);
    assert_non_null(f->c);
    assert_int_equal(access(path, F_OK), 0);
    assert_reads(f->c, "t:k", "real");
    assert_all_freed();
}

/* A symbolic link planted under a value's name is neither read through nor written through. */
static void cache_symlinks_not_followed(void **state)
{
    struct fixture *f = *state;
    char outside[256];
    char link[256];
    char *error = NULL;
    FILE *fp;

    snprintf(outside, sizeof(outside), "%s/outside", f->parent);
    fp = fopen(outside, "w");
    assert_non_null(fp);
    fputs("secret", fp);
    fclose(fp);
    write_ok(f->c, "s:other", "x"); /* creates the directory */
    snprintf(link, sizeof(link), "%s/s/k", f->cache_dir);
    assert_int_equal(symlink(outside, link), 0);

    assert_null(host_cache_read(f->c, "s:k", &error));
    assert_non_null(error);
    free(error);
    error = NULL;
    /* The rename replaces the link itself; the file it pointed to is untouched. */
    write_ok(f->c, "s:k", "replaced");
    assert_reads(f->c, "s:k", "replaced");
    fp = fopen(outside, "r");
    assert_non_null(fp);
    assert_non_null(fgets(link, sizeof(link), fp));
    fclose(fp);
    assert_string_equal(link, "secret");

    /* A directory link is refused too. */
    snprintf(link, sizeof(link), "%s/d", f->cache_dir);
    assert_int_equal(symlink(f->parent, link), 0);
    assert_int_equal(host_cache_write(f->c, "d:k", "v", &error), -1);
    free(error);
    assert_int_equal(access(outside, F_OK), 0);
    remove(outside);
    assert_all_freed();
}

/* The cache directory itself must not be a symbolic link. */
static void cache_dir_symlink_refused(void **state)
{
    struct fixture *f = *state;
    char run2[128];
    char path[256];
    char *error = NULL;

    snprintf(run2, sizeof(run2), "%s/run2", f->parent);
    assert_int_equal(mkdir(run2, 0700), 0);
    snprintf(path, sizeof(path), "%s/cache", run2);
    assert_int_equal(symlink(f->cache_dir, path), 0);
    assert_null(host_cache_open(run2, 0, &error));
    assert_non_null(strstr(error, "cannot open the persistent cache directory"));
    free(error);
    assert_all_freed();
}

#define RACE_ROUNDS 200
#define LEN_A (64 * 1024)
#define LEN_B (100 * 1024 + 7)

struct race {
    struct host_cache *c;
    const char *key;
    const char *value;
    atomic_int failures;
    atomic_int stop;
};

static void *race_writer(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < RACE_ROUNDS; i++) {
        char *error = NULL;
        if (host_cache_write(r->c, r->key, r->value, &error) != 0) {
            atomic_fetch_add(&r->failures, 1);
            free(error);
        }
    }
    return NULL;
}

/* A value is whole: all 'A' of LEN_A bytes, all 'B' of LEN_B, or the initial one. */
static int is_whole(const char *v)
{
    size_t len = strlen(v);
    if (strcmp(v, "initial") == 0) {
        return 1;
    }
    if (len != LEN_A && len != LEN_B) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (v[i] != (len == LEN_A ? 'A' : 'B')) {
            return 0;
        }
    }
    return 1;
}

static void *race_reader(void *arg)
{
    struct race *r = arg;
    while (!atomic_load(&r->stop)) {
        char *error = NULL;
        char *v = host_cache_read(r->c, r->key, &error);
        if (v == NULL || !is_whole(v)) {
            atomic_fetch_add(&r->failures, 1);
        }
        free(error);
        _free(v);
    }
    return NULL;
}

static void cache_concurrent_writers_same_key(void **state)
{
    struct fixture *f = *state;
    char *a = filled(LEN_A, 'A');
    char *b = filled(LEN_B, 'B');
    struct race ra = { f->c, "race:key", a, 0, 0 };
    struct race rb = { f->c, "race:key", b, 0, 0 };
    struct race rr = { f->c, "race:key", NULL, 0, 0 };
    pthread_t ta, tb, tr;
    char *error = NULL;
    char *v;
    char dir[256];

    write_ok(f->c, "race:key", "initial");
    assert_int_equal(pthread_create(&tr, NULL, race_reader, &rr), 0);
    assert_int_equal(pthread_create(&ta, NULL, race_writer, &ra), 0);
    assert_int_equal(pthread_create(&tb, NULL, race_writer, &rb), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    atomic_store(&rr.stop, 1);
    pthread_join(tr, NULL);
    assert_int_equal(atomic_load(&ra.failures), 0);
    assert_int_equal(atomic_load(&rb.failures), 0);
    assert_int_equal(atomic_load(&rr.failures), 0);

    v = host_cache_read(f->c, "race:key", &error);
    assert_non_null(v);
    assert_true(strcmp(v, a) == 0 || strcmp(v, b) == 0);
    _free(v);
    snprintf(dir, sizeof(dir), "%s/race", f->cache_dir);
    assert_dir_holds(dir, "key");
    free(a);
    free(b);
    assert_all_freed();
}

struct own_key {
    struct host_cache *c;
    char key[32];
    int failures;
};

static void *own_key_writer(void *arg)
{
    struct own_key *k = arg;
    for (int i = 0; i < 50; i++) {
        char *error = NULL;
        if (host_cache_write(k->c, k->key, k->key, &error) != 0) {
            k->failures++;
            free(error);
        }
    }
    return NULL;
}

/* Writers of different keys of one new check race to create its directory: all succeed. */
static void cache_concurrent_writers_different_keys(void **state)
{
    struct fixture *f = *state;
    struct own_key keys[8];
    pthread_t threads[8];

    for (int i = 0; i < 8; i++) {
        keys[i].c = f->c;
        keys[i].failures = 0;
        snprintf(keys[i].key, sizeof(keys[i].key), "fresh:key%d", i);
        assert_int_equal(pthread_create(&threads[i], NULL, own_key_writer, &keys[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(keys[i].failures, 0);
    }
    for (int i = 0; i < 8; i++) {
        assert_reads(f->c, keys[i].key, keys[i].key);
    }
    assert_all_freed();
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(cache_round_trip),
        T(cache_missing_key_reads_empty),
        T(cache_overwrite),
        T(cache_collision_pairs_stay_distinct),
        T(cache_traversal_keys_stay_inside),
        T(cache_non_ascii_keys),
        T(cache_one_mib_value),
        T(cache_value_over_limit),
        T(cache_long_keys_round_trip),
        T(cache_url_key_round_trip),
        T(cache_digest_collision_detected),
        T(cache_existing_entries_stay_readable),
        T(cache_long_key_value_limit),
        T(cache_null_arguments),
        T(cache_file_modes),
        T(cache_kill_during_write_keeps_old_value),
        T(cache_temp_files_are_not_values),
        T(cache_symlinks_not_followed),
        T(cache_dir_symlink_refused),
        T(cache_concurrent_writers_same_key),
        T(cache_concurrent_writers_different_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
