/*
 * bench_janitor.c - what the janitor (host/janitor.c) adds to each
 * get_subprocess_output call: one REGISTER and one RELEASE message, sent
 * by children.c's add and remove. Timed: add+remove with no janitor, then
 * with one (a real janitor process reading them), and a whole
 * host_subprocess_run of /bin/true for scale. Also prints the janitor's
 * RSS and PSS.
 *
 *   <build>/bin/bench_janitor
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "janitor.h"
#include "rtloader_mem.h"
#include "subprocess.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* µs per add+remove pair, median of 5 runs of n pairs. */
static double pair_us(int n)
{
    double runs[5];
    for (int r = 0; r < 5; r++) {
        double start = now_s();
        for (int i = 0; i < n; i++) {
            host_children_remove(host_children_add(1000000 + i));
        }
        runs[r] = (now_s() - start) * 1e6 / n;
    }
    for (int i = 0; i < 5; i++) {
        for (int j = i + 1; j < 5; j++) {
            if (runs[j] < runs[i]) {
                double t = runs[i];
                runs[i] = runs[j];
                runs[j] = t;
            }
        }
    }
    return runs[2];
}

static double run_true_us(int n)
{
    char *argv[] = {"/bin/true", NULL};
    double start = now_s();
    for (int i = 0; i < n; i++) {
        struct host_subprocess_result r;
        char *error = NULL;
        if (host_subprocess_run(argv, NULL, 0, &r, &error) != 0) {
            fprintf(stderr, "bench_janitor: %s\n", error);
            free(error);
            exit(1);
        }
        _free(r.out);
        _free(r.err);
    }
    return (now_s() - start) * 1e6 / n;
}

/* A "Key:   N kB" line of a /proc file, in kB (-1 if absent). */
static long proc_kb(pid_t pid, const char *file, const char *key)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    size_t len = strlen(key);
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, key, len) == 0 && line[len] == ':') {
            kb = strtol(line + len + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

int main(void)
{
    const int n = 200000;
    double without = pair_us(n);
    double true_without = run_true_us(300);
    char *error = NULL;
    if (host_janitor_start(&error) != 0) {
        fprintf(stderr, "bench_janitor: %s\n", error);
        return 1;
    }
    double with = pair_us(n);
    double true_with = run_true_us(300);
    printf("children add+remove   no janitor %.3f us   janitor %.3f us   extra per get_subprocess_output call %.3f us\n",
           without, with, with - without);
    printf("host_subprocess_run(/bin/true)   no janitor %.0f us   janitor %.0f us   (noise of fork+exec: the extra above is what it adds)\n",
           true_without, true_with);
    pid_t janitor = host_janitor_pid();
    printf("janitor (this bench's) RSS %ld kB, PSS %ld kB\n", proc_kb(janitor, "status", "VmRSS"),
           proc_kb(janitor, "smaps_rollup", "Pss"));
    host_janitor_finish(HOST_JANITOR_FINISH_S);
    return 0;
}
