/*
 * fake_backend_nocreate.c - a "libdatadog-agent-three.so" that exports
 * `destroy` but no `create`, so make3's factory lookup fails
 * (test make3_backend_without_create).
 */
__attribute__((visibility("default"))) void destroy(void *rt);

void destroy(void *rt)
{
    (void)rt;
}
