/*
 * tls_exit.c - exits normally (LeakSanitizer's check) while threads hold
 * memory through a dlopened library's dynamic TLS: the main thread and a
 * thread still alive, whose first small allocation is its TLS block (the
 * block GCC 12's runtime, intercepting __tls_get_addr, took for a glibc
 * 2.19 one and turned into a range near 0: the check then crashed).
 * Exit 0 expected; with the argument "leak", a 48-byte leak reported.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int (*hold)(void);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static int held_by_thread;

static void *holder(void *arg)
{
    (void)arg;
    int rc = hold();
    pthread_mutex_lock(&lock);
    held_by_thread = rc == 0 ? 1 : -1;
    pthread_cond_signal(&ready);
    pthread_mutex_unlock(&lock);
    for (;;) {
        pause(); /* alive at exit */
    }
    return NULL;
}

int main(int argc, char **argv)
{
    void *module = dlopen(TLS_MODULE_PATH, RTLD_NOW);
    if (module == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    *(void **)&hold = dlsym(module, "tls_module_hold");
    void (*leak)(void);
    *(void **)&leak = dlsym(module, "tls_module_leak");
    if (hold == NULL || leak == NULL || hold() != 0) {
        fprintf(stderr, "the module's functions failed\n");
        return 2;
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, holder, NULL) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        return 2;
    }
    pthread_mutex_lock(&lock);
    while (held_by_thread == 0) {
        pthread_cond_wait(&ready, &lock);
    }
    int by_thread = held_by_thread;
    pthread_mutex_unlock(&lock);
    if (by_thread != 1) {
        fprintf(stderr, "the thread's block was not allocated\n");
        return 2;
    }
    if (argc > 1 && strcmp(argv[1], "leak") == 0) {
        leak();
    }
    return 0; /* exit(): LeakSanitizer checks here, the thread still running */
}
