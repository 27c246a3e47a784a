/*
 * log.h - the host's log lines on stderr, filtered by level.
 * Levels are log_level_t values; 100 silences everything. GIL: none.
 */
#ifndef RTLOADER_HOST_LOG_H
#define RTLOADER_HOST_LOG_H

void host_log_set_level(int level);
int host_log_level(void);
void host_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* RTLOADER_HOST_LOG_H */
