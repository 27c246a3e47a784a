/*
 * test_mem.c - the rtloader allocator and its counters (rtloader_mem.h),
 * without Python: enable_memory_tracker, _enable_memory_tracker,
 * _get_tracked_malloc/_free, _malloc/_free, get_and_reset_memory_stats,
 * strdupe. Spec §1.3, §4.9.
 */
#include "rtl_test.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void assert_stats_zero(void)
{
    struct memory_stats s = get_and_reset_memory_stats();
    assert_int_equal(s.allocations, 0);
    assert_int_equal(s.allocated_bytes, 0);
    assert_int_equal(s.frees, 0);
    assert_int_equal(s.freed_bytes, 0);
    assert_int_equal(s.inuse_bytes, 0);
}

/* Before enable_memory_tracker the allocator is libc's, and nothing is counted. */
static void mem_default_allocator_is_libc_and_uncounted(void **state)
{
    (void)state;
    assert_ptr_equal(_malloc, malloc);
    assert_ptr_equal(_free, free);
    assert_ptr_equal(_get_tracked_malloc(), malloc);
    assert_ptr_equal(_get_tracked_free(), free);
    char *p = strdupe("not counted");
    assert_string_equal(p, "not counted");
    _free(p);
    assert_stats_zero();
}

static void mem_enable_memory_tracker_switches_allocator(void **state)
{
    (void)state;
    enable_memory_tracker();
    assert_ptr_not_equal(_malloc, malloc);
    assert_ptr_not_equal(_free, free);
    assert_ptr_equal(_get_tracked_malloc(), _malloc);
    assert_ptr_equal(_get_tracked_free(), _free);
}

static void mem_internal_enable_switches_allocator(void **state)
{
    (void)state;
    _enable_memory_tracker();
    assert_ptr_not_equal(_malloc, malloc);
    assert_ptr_not_equal(_free, free);
    assert_ptr_equal(_get_tracked_malloc(), _malloc);
    assert_ptr_equal(_get_tracked_free(), _free);
}

/* One strdupe: one allocation of the block's usable size, in use until freed. */
static void mem_strdupe_counts_usable_size(void **state)
{
    (void)state;
    enable_memory_tracker();
    get_and_reset_memory_stats();

    char *p = strdupe("hello, tracker");
    assert_non_null(p);
    assert_string_equal(p, "hello, tracker");
    size_t usable = malloc_usable_size(p);
    assert_true(usable >= strlen("hello, tracker") + 1);

    struct memory_stats s = get_and_reset_memory_stats();
    assert_int_equal(s.allocations, 1);
    assert_int_equal(s.allocated_bytes, usable);
    assert_int_equal(s.frees, 0);
    assert_int_equal(s.freed_bytes, 0);
    assert_int_equal(s.inuse_bytes, (ssize_t)usable);

    _free(p);
    s = get_and_reset_memory_stats();
    assert_int_equal(s.allocations, 0);
    assert_int_equal(s.allocated_bytes, 0);
    assert_int_equal(s.frees, 1);
    assert_int_equal(s.freed_bytes, usable);
    assert_int_equal(s.inuse_bytes, -(ssize_t)usable);
}

/* Counters are deltas since the previous call: a second call returns zeros. */
static void mem_get_and_reset_resets(void **state)
{
    (void)state;
    enable_memory_tracker();
    char *a = _malloc(100);
    char *b = _malloc(1000);
    assert_non_null(a);
    assert_non_null(b);
    _free(a);
    struct memory_stats s = get_and_reset_memory_stats();
    assert_int_equal(s.allocations, 2);
    assert_int_equal(s.frees, 1);
    assert_int_equal(s.allocated_bytes, malloc_usable_size(b) + s.freed_bytes);
    assert_int_equal(s.inuse_bytes, (ssize_t)malloc_usable_size(b));
    assert_stats_zero();
    _free(b);
    s = get_and_reset_memory_stats();
    assert_int_equal(s.frees, 1);
    assert_int_equal(s.inuse_bytes, -(ssize_t)s.freed_bytes);
}

static void mem_free_null_is_not_counted(void **state)
{
    (void)state;
    enable_memory_tracker();
    get_and_reset_memory_stats();
    _free(NULL);
    assert_stats_zero();
}

static void mem_strdupe_null_returns_null(void **state)
{
    (void)state;
    enable_memory_tracker();
    get_and_reset_memory_stats();
    assert_null(strdupe(NULL));
    assert_stats_zero();
}

/* Enabling twice keeps one pair of counters: what was allocated before is freed after. */
static void mem_enable_twice_keeps_counting(void **state)
{
    (void)state;
    enable_memory_tracker();
    char *p = strdupe("across two enables");
    enable_memory_tracker();
    _enable_memory_tracker();
    _free(p);
    struct memory_stats s = get_and_reset_memory_stats();
    assert_int_equal(s.allocations, 1);
    assert_int_equal(s.frees, 1);
    assert_int_equal(s.allocated_bytes, s.freed_bytes);
}

#define THREADS 4
#define ROUNDS 20000

static void *alloc_loop(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        char *p = strdupe("concurrent allocation");
        if (p == NULL) {
            abort();
        }
        _free(p);
    }
    return NULL;
}

/* The counters are atomics: concurrent allocations lose no update. */
static void mem_counters_are_thread_safe(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    enable_memory_tracker();
    get_and_reset_memory_stats();
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, alloc_loop, NULL), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
    }
    struct memory_stats s = get_and_reset_memory_stats();
    assert_int_equal(s.allocations, THREADS * ROUNDS);
    assert_int_equal(s.frees, THREADS * ROUNDS);
    assert_int_equal(s.allocated_bytes, s.freed_bytes);
    assert_true(s.allocated_bytes >= (size_t)THREADS * ROUNDS * sizeof("concurrent allocation"));
    assert_int_equal(s.inuse_bytes, 0);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST_NOGIL(mem_default_allocator_is_libc_and_uncounted),
    RTL_TEST_NOGIL(mem_enable_memory_tracker_switches_allocator),
    RTL_TEST_NOGIL(mem_internal_enable_switches_allocator),
    RTL_TEST_NOGIL(mem_strdupe_counts_usable_size),
    RTL_TEST_NOGIL(mem_get_and_reset_resets),
    RTL_TEST_NOGIL(mem_free_null_is_not_counted),
    RTL_TEST_NOGIL(mem_strdupe_null_returns_null),
    RTL_TEST_NOGIL(mem_enable_twice_keeps_counting),
    RTL_TEST_NOGIL(mem_counters_are_thread_safe),
};

RTL_TEST_MAIN(tests, NULL, NULL)
