/*
 * pyinfo.c - loads the backend for one Python home and prints the version
 * the running interpreter reports. One Python per process, so the versions
 * test runs this once per home.
 *
 * usage: pyinfo <python home> <python path for the base class> [expected X.Y]
 * Exit: 0 when the interpreter's version starts with the expected one.
 */
#include <stdio.h>
#include <string.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <python home> <python path> [expected X.Y]\n", argv[0]);
        return 2;
    }
    char *error = NULL;
    enable_memory_tracker();
    rtloader_t *rt = make3(argv[1], "", &error);
    if (rt == NULL) {
        fprintf(stderr, "make3: %s\n", error);
        _free(error);
        return 1;
    }
    add_python_path(rt, argv[2]);
    if (!init(rt)) {
        fprintf(stderr, "init: %s\n", get_error(rt));
        return 1;
    }
    rtloader_gilstate_t gil = ensure_gil(rt);
    py_info_t *info = get_py_info(rt);
    int status = 1;
    if (info != NULL) {
        size_t len = strcspn(info->version, " \n");
        printf("%s: Python %.*s\n", argv[1], (int)len, info->version);
        status = 0;
        if (argc > 3) {
            size_t expected = strlen(argv[3]);
            /* "3.1" must not match "3.12": the next character ends the minor */
            if (strncmp(info->version, argv[3], expected) != 0 || info->version[expected] != '.') {
                fprintf(stderr, "expected Python %s, got %.*s\n", argv[3], (int)len,
                        info->version);
                status = 1;
            }
        }
        free_py_info(rt, info);
    }
    release_gil(rt, gil);
    struct memory_stats stats = get_and_reset_memory_stats();
    if (stats.allocations != stats.frees) {
        fprintf(stderr, "unbalanced: %zu allocations, %zu frees\n", stats.allocations,
                stats.frees);
        status = 1;
    }
    return status;
}
