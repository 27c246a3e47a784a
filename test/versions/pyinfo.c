/*
 * pyinfo.c - loads the backend for one Python home and prints the version
 * the running interpreter reports. One Python per process, so the versions
 * test runs this once per home.
 *
 * usage: pyinfo <python home> <python path for the base class> [expected X.Y]
 * Exit: 0 when the interpreter's version starts with the expected X.Y and,
 * when the home has its interpreter <home>/bin/pythonX.Y, when the version
 * is exactly the one that interpreter reports (the home's own libpython
 * runs, not the one the backend was linked against) and sys.executable
 * names that interpreter.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "datadog_agent_rtloader.h"
#include "rtloader_ext.h"
#include "rtloader_mem.h"

/* The first word of `<exe> -c 'import sys; print(sys.version)'` into out. */
static int interpreter_version(const char *exe, char *out, size_t len)
{
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "'%s' -I -S -c 'import sys; print(sys.version)'", exe);
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        return -1;
    }
    char line[512] = "";
    char *got = fgets(line, sizeof(line), p);
    int rc = pclose(p);
    if (got == NULL || rc != 0) {
        return -1;
    }
    snprintf(out, len, "%.*s", (int)strcspn(line, " \n"), line);
    return 0;
}

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
    printf("%s: libpython %s\n", argv[1], rtloader_python_library());
    rtloader_gilstate_t gil = ensure_gil(rt);
    py_info_t *info = get_py_info(rt);
    int status = 1;
    char exe[1024], own[64] = "";
    snprintf(exe, sizeof(exe), "%s/bin/python%s", argv[1], argc > 3 ? argv[3] : "3");
    int has_exe = argc > 3 && access(exe, X_OK) == 0, exe_failed = 0;
    if (argc > 3 && !has_exe) {
        printf("note: no %s: only the minor version is checked\n", exe);
    }
    if (has_exe && interpreter_version(exe, own, sizeof(own)) != 0) {
        fprintf(stderr, "could not run %s for its version\n", exe);
        has_exe = 0;
        exe_failed = 1;
    }
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
        if (has_exe && (strncmp(info->version, own, strlen(own)) != 0
                        || strchr(" \n", info->version[strlen(own)]) == NULL)) {
            fprintf(stderr, "the home's interpreter is Python %s, the embedded one %.*s\n", own,
                    (int)len, info->version);
            status = 1;
        }
        if (has_exe) {
            char code[1200];
            snprintf(code, sizeof(code),
                     "import sys\n"
                     "assert sys.executable == '%s', sys.executable\n",
                     exe);
            if (run_simple_string(rt, code) != 1) {
                fprintf(stderr, "sys.executable is not %s\n", exe);
                status = 1;
            }
        }
        free_py_info(rt, info);
        if (exe_failed) {
            status = 1;
        }
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
