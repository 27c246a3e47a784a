/*
 * counting_alloc.h - the rtloader allocator variables (_malloc/_free of
 * rtloader_mem.h) as counting wrappers of libc, for host unit tests that do
 * not link the rtloader library: every test checks that what the code under
 * test _malloc'd was _free'd.
 */
#ifndef RTLOADER_TEST_HOST_COUNTING_ALLOC_H
#define RTLOADER_TEST_HOST_COUNTING_ALLOC_H

#include <stdatomic.h>
#include <stddef.h>

extern atomic_size_t n_mallocs;
extern atomic_size_t n_frees;

#endif /* RTLOADER_TEST_HOST_COUNTING_ALLOC_H */
