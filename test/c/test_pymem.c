/*
 * test_pymem.c - init_pymem_stats / get_pymem_stats with the hooks
 * installed between make3 and init, as Go does. Spec §1.2 (61, 62), §4.9.
 * (Without init_pymem_stats: interp_pymem_stats_zero_when_not_enabled.)
 */
#include "rtl_test.h"

#include <pthread.h>

static int pymem_group_setup(void **state)
{
    (void)state;
    rtl_test_start(NULL, RTL_TEST_PYTHON_EXE, NULL, 1);
    return 0;
}

static void pymem_stats_counted_since_start(void **state)
{
    (void)state;
    pymem_stats_t s = {0, 0};
    get_pymem_stats(rtl_test_rt, &s);
    assert_true(s.alloc > 0);
    assert_true(s.inuse > 0);
    assert_true(s.alloc >= s.inuse);
}

/* A 16 MiB object goes through the RAW domain: alloc grows by at least that, inuse follows. */
static void pymem_stats_follow_allocations(void **state)
{
    (void)state;
    const size_t big = 16u << 20;
    pymem_stats_t before = {0, 0}, during = {0, 0}, after = {0, 0};

    get_pymem_stats(rtl_test_rt, &before);
    rtl_assert_py("_big = bytearray(16 << 20)\n");
    get_pymem_stats(rtl_test_rt, &during);
    rtl_assert_py("del _big\n");
    get_pymem_stats(rtl_test_rt, &after);

    assert_true(during.alloc >= before.alloc + big);
    assert_true(during.inuse >= before.inuse + big);
    assert_true(after.alloc >= during.alloc); /* monotonic */
    assert_true(after.inuse + big <= during.inuse);
}

static void pymem_stats_null_out_is_ignored(void **state)
{
    (void)state;
    get_pymem_stats(rtl_test_rt, NULL);
    pymem_stats_t s = {0, 0};
    get_pymem_stats(rtl_test_rt, &s);
    assert_true(s.alloc > 0);
}

static pymem_stats_t thread_stats;

static void *read_stats(void *arg)
{
    (void)arg;
    get_pymem_stats(rtl_test_rt, &thread_stats);
    return NULL;
}

/* Readable from any thread without the GIL (Go polls it from its telemetry goroutine). */
static void pymem_stats_without_the_gil_from_another_thread(void **state)
{
    (void)state;
    pthread_t t;
    rtloader_gilstate_t g = ensure_gil(rtl_test_rt); /* held here: the reader must not need it */
    thread_stats.alloc = 0;
    assert_int_equal(pthread_create(&t, NULL, read_stats, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    release_gil(rtl_test_rt, g);
    assert_true(thread_stats.alloc > 0);
    assert_true(thread_stats.inuse > 0);
}

static const struct CMUnitTest tests[] = {
    RTL_TEST(pymem_stats_counted_since_start),
    RTL_TEST(pymem_stats_follow_allocations),
    RTL_TEST(pymem_stats_null_out_is_ignored),
    RTL_TEST_NOGIL(pymem_stats_without_the_gil_from_another_thread),
};

RTL_TEST_MAIN(tests, pymem_group_setup, rtl_test_group_teardown)
