/*
 * asan_options.c - the AddressSanitizer defaults of a sanitizer build of the
 * host (RTLOADER_SANITIZE=ON); empty otherwise. ASAN_OPTIONS still wins,
 * flag by flag.
 *
 * intercept_tls_get_addr=0: GCC 12's runtime, on every __tls_get_addr
 * (each first use of a _Thread_local of a dlopened library on a thread: the
 * backend's, libpython 3.12's), takes a block that glibc malloc'd at a page
 * offset of 16 for glibc 2.19's mmap'd block with a header, reads that
 * "header" (the allocator's own chunk header) as {start, size} and records
 * a range near 0 of many GiB. LeakSanitizer's scan of the threads at exit
 * then faults ("Tracer caught signal 11", exit 1): a new thread's first
 * small block lands there every time, the main thread's depending on what
 * it allocated before. Not intercepting loses no root: the dynamic TLS
 * blocks stay reachable from each thread's dtv, which is scanned with the
 * static TLS (docs/host.md, "Sanitizer builds").
 */
#if defined(__has_feature)
#    if __has_feature(address_sanitizer)
#        define HOST_ASAN 1
#    endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(HOST_ASAN)
#    define HOST_ASAN 1
#endif

#ifdef HOST_ASAN
/*
 * Called by the ASan runtime before main, on the only thread. Default
 * visibility (the build hides symbols): the runtime finds it in the
 * executable's dynamic symbol table.
 */
__attribute__((visibility("default"))) const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "intercept_tls_get_addr=0";
}
#else
/* ISO C forbids an empty translation unit. */
typedef int host_asan_options_unused;
#endif
