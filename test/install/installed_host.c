/*
 * installed_host.c - the README's embedding example, built against an
 * installed rtloader through pkg-config (see install_test.sh).
 */
#include <stdio.h>
#include <string.h>

#include <datadog_agent_rtloader.h>
#include <rtloader_mem.h>

int main(int argc, char **argv)
{
    char *error = NULL;
    enable_memory_tracker();
    rtloader_t *rt = make3(NULL, NULL, &error);
    if (rt == NULL) {
        fprintf(stderr, "make3: %s\n", error);
        _free(error);
        return 1;
    }
    if (argc > 1) {
        add_python_path(rt, argv[1]);
    }
    if (!init(rt)) {
        fprintf(stderr, "init: %s\n", get_error(rt));
        return 1;
    }
    rtloader_gilstate_t gil = ensure_gil(rt);
    py_info_t *info = get_py_info(rt);
    printf("python %.*s\n", (int)strcspn(info->version, " "), info->version);
    free_py_info(rt, info);
    release_gil(rt, gil);
    struct memory_stats stats = get_and_reset_memory_stats();
    return stats.allocations == stats.frees ? 0 : 1;
}
