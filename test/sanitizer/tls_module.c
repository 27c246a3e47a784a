/*
 * tls_module.c - a library dlopened by tls_exit.c: its _Thread_local lives
 * in dynamic TLS (a block glibc mallocs per thread, reached through
 * __tls_get_addr), as the backend's and libpython's do.
 */
#include <stdlib.h>

/* not static: a store nothing in this file reads could be optimized away */
__attribute__((visibility("default"))) _Thread_local void *tls_module_held;

/* Keeps a block reachable only through this thread's dynamic TLS. */
__attribute__((visibility("default"))) int tls_module_hold(void);
int tls_module_hold(void)
{
    tls_module_held = malloc(64);
    return tls_module_held != NULL ? 0 : -1;
}

/* A real leak: the only pointer is dropped. */
__attribute__((visibility("default"))) void tls_module_leak(void);
void tls_module_leak(void)
{
    void *volatile lost = malloc(48);
    lost = NULL;
    (void)lost;
}
