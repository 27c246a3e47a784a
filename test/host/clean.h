/*
 * clean.h - what the host unit tests that start processes check around each
 * test: the counting allocator (counting_alloc.c) starts at zero, and at the
 * end every _malloc is balanced by a _free and no child of this process is
 * left, running or zombie.
 */
#ifndef RTLOADER_TEST_HOST_CLEAN_H
#define RTLOADER_TEST_HOST_CLEAN_H

/* A cmocka setup: the allocation counters back to zero. */
int clean_setup(void **state);

/* Every _malloc'd result released, and waitpid(-1) has nothing to reap. */
void assert_clean(void);

#endif /* RTLOADER_TEST_HOST_CLEAN_H */
