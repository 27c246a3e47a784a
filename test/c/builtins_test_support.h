/*
 * builtins_test_support.h - shared by the C tests of the builtin modules'
 * helpers (tags.c, event.c): an embedded interpreter, a counting rtloader
 * allocator, and Python error assertions.
 *
 * Include after <stdarg.h> <stddef.h> <setjmp.h> <stdint.h> <cmocka.h>.
 */
#ifndef RTLOADER_TEST_BUILTINS_SUPPORT_H
#define RTLOADER_TEST_BUILTINS_SUPPORT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Counts of three_malloc / three_free (non-NULL) since the last reset. */
extern long bt_allocs;
extern long bt_frees;

/* cmocka group setup/teardown: start Python, install the counting allocator. */
int bt_python_start(void **state);
int bt_python_stop(void **state);

/* cmocka per-test setup: resets the counters. */
int bt_reset(void **state);
/* cmocka per-test teardown: fails unless every allocation was freed and no error is pending. */
int bt_check_balanced(void **state);

/* Evaluates a Python expression (test fixtures); new ref, never NULL. */
PyObject *bt_eval(const char *expr);

/* Asserts the pending exception is exactly `type` with str(exc) == message; clears it. */
void bt_assert_error(PyObject *type, const char *message);

#endif /* RTLOADER_TEST_BUILTINS_SUPPORT_H */
