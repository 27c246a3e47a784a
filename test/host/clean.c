/*
 * clean.c - see clean.h.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "clean.h"
#include "counting_alloc.h"

int clean_setup(void **state)
{
    (void)state;
    atomic_store(&n_mallocs, 0);
    atomic_store(&n_frees, 0);
    return 0;
}

void assert_clean(void)
{
    assert_int_equal(atomic_load(&n_mallocs), atomic_load(&n_frees));
    errno = 0;
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}
