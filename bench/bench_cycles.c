/*
 * bench_cycles.c - make3 -> add_python_path -> init -> destroy, repeated:
 * prints the resident set size and len(sys.path) as the cycles go, so a
 * growth per cycle shows. Not a test: it prints figures.
 *
 *   <build>/bin/bench_cycles <dir holding datadog_checks> [cycles]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_mem.h"

static long rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) {
        return -1;
    }
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) {
        resident = -1;
    }
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <python path with datadog_checks> [cycles]\n", argv[0]);
        return 2;
    }
    long cycles = argc > 2 ? atol(argv[2]) : 20000;
    enable_memory_tracker();
    long first_rss = 0;
    for (long i = 1; i <= cycles; i++) {
        char *err = NULL;
        rtloader_t *rt = make3(NULL, NULL, &err);
        if (rt == NULL) {
            fprintf(stderr, "make3: %s\n", err);
            return 1;
        }
        add_python_path(rt, argv[1]);
        add_python_path(rt, "/nonexistent/bench-cycles");
        if (!init(rt)) {
            fprintf(stderr, "init: %s\n", get_error(rt));
            return 1;
        }
        if (i == 1000 || i == cycles || (i % 5000) == 0) {
            rtloader_gilstate_t g = ensure_gil(rt);
            run_simple_string(rt, "import sys\nprint('  len(sys.path) =', len(sys.path), "
                                  "' len(sys.modules) =', len(sys.modules))\n");
            release_gil(rt, g);
            long rss = rss_kib();
            if (i == 1000) {
                first_rss = rss;
            }
            printf("cycle %6ld: RSS %ld KiB (%+ld KiB since cycle 1000)\n", i, rss, rss - first_rss);
            fflush(stdout);
        }
        destroy(rt);
    }
    struct memory_stats s = get_and_reset_memory_stats();
    printf("rtloader allocator: %zu allocations, %zu frees\n", s.allocations, s.frees);
    return 0;
}
