/*
 * cache.h - the host's persistent cache: one file per key under
 * <run_path>/cache, behind rtloader's read/write_persistent_cache callbacks.
 *
 * Layout and encoding (docs/host-cache.md has the full story):
 *   "<check>:<rest>"  ->  <run_path>/cache/<enc(check)>/<enc(rest)>
 *   "<key>" (no ':')  ->  <run_path>/cache/<enc(key)>.v
 * enc() keeps [A-Za-z0-9_-], writes every other byte as %XX (upper-case
 * hex) and writes the empty string as a lone "%". It is injective and never
 * yields '.', '/' or an empty name, so no key can collide with another, name
 * "." or "..", or leave the cache directory. A part whose name would pass
 * HOST_CACHE_MAX_NAME is named "~<sha256 hex>" instead, and its file holds
 * the whole key (then a NUL, then the value), checked on every read.
 *
 * Thread safety: a struct host_cache is immutable once opened; any number of
 * threads (and processes) may read and write through it at once, to the same
 * key or to different ones. Writes are atomic (temporary file, fsync,
 * rename, fsync of the directory): a reader sees the old value or the new
 * one, never a mix, and a writer killed mid-write leaves the old value.
 *
 * Errors: functions that fail store a message in *error, allocated with
 * plain malloc (the caller free()s it). `error` may be NULL to ignore it.
 */
#ifndef RTLOADER_HOST_CACHE_H
#define RTLOADER_HOST_CACHE_H

#include <stddef.h>

/* Values larger than this are refused when max_value_size is 0: 4 MiB. */
#define HOST_CACHE_DEFAULT_MAX_VALUE_SIZE ((size_t)4 * 1024 * 1024)

/* Longest file name the cache creates (Linux NAME_MAX), suffix included. */
#define HOST_CACHE_MAX_NAME 255

struct host_cache;

/*
 * Opens the cache rooted at <run_path>/cache. run_path is created (mode
 * 0700, parents not created) if missing; the cache directory is created
 * 0700 if missing and must not be a symbolic link. Temporary files left by
 * writers that died (their pid no longer exists) are removed.
 * max_value_size: largest value accepted, in bytes; 0 means
 * HOST_CACHE_DEFAULT_MAX_VALUE_SIZE.
 * Returns the cache, or NULL with *error.
 */
struct host_cache *host_cache_open(const char *run_path, size_t max_value_size, char **error);

/* Releases the cache. NULL is accepted. */
void host_cache_close(struct host_cache *c);

/*
 * Stores value under key, replacing any previous value atomically.
 * Fails on a NULL key or value, a value longer than the limit, a digest
 * name already holding another key, or an I/O error.
 * Returns 0 on success, -1 with *error.
 */
int host_cache_write(struct host_cache *c, const char *key, const char *value, char **error);

/*
 * Returns the value stored under key, allocated with _malloc (rtloader frees
 * it through cgo_free); "" (also _malloc'd) when the key has no value.
 * Returns NULL with *error on a NULL key, a stored file larger
 * than the limit, or an I/O error.
 */
char *host_cache_read(struct host_cache *c, const char *key, char **error);

#ifdef HOST_CACHE_TEST_HOOKS
/*
 * Test-only: when set, called by host_cache_write after each chunk (at most
 * HOST_CACHE_WRITE_CHUNK bytes) written to the temporary file, so a test can
 * stop or kill a writer at a known point mid-write. Not thread-safe to
 * change while writes are running.
 */
#    define HOST_CACHE_WRITE_CHUNK ((size_t)1024 * 1024)
extern void (*host_cache_test_after_chunk)(size_t written, size_t total);
#endif

#endif /* RTLOADER_HOST_CACHE_H */
