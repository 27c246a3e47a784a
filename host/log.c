/*
 * log.c - leveled log lines on stderr; one write per line, so lines from
 * worker threads never interleave.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datadog_agent_rtloader.h"
#include "log.h"

static atomic_int current_level = DATADOG_AGENT_INFO;

void host_log_set_level(int level)
{
    atomic_store(&current_level, level);
}

int host_log_level(void)
{
    return atomic_load(&current_level);
}

static const char *level_name(int level)
{
    if (level >= DATADOG_AGENT_CRITICAL) {
        return "CRITICAL";
    }
    if (level >= DATADOG_AGENT_ERROR) {
        return "ERROR";
    }
    if (level >= DATADOG_AGENT_WARNING) {
        return "WARN";
    }
    if (level >= DATADOG_AGENT_INFO) {
        return "INFO";
    }
    if (level >= DATADOG_AGENT_DEBUG) {
        return "DEBUG";
    }
    return "TRACE";
}

void host_log(int level, const char *fmt, ...)
{
    if (level < atomic_load(&current_level)) {
        return;
    }
    char line[4096];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    size_t n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S UTC | ", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, "%s | ", level_name(level));
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    n = m < 0 ? n : (n + (size_t)m < sizeof(line) - 1 ? n + (size_t)m : sizeof(line) - 2);
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
}
