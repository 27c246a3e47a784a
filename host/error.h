/*
 * error.h - the host's error messages: `char **error` out-parameters that
 * receive a malloc'd text the caller free()s. GIL: none.
 */
#ifndef RTLOADER_HOST_ERROR_H
#define RTLOADER_HOST_ERROR_H

/*
 * Formats into a new *error (when error is not NULL). Out of memory gives
 * "out of memory" (still free()-able) rather than no message.
 */
void host_set_error(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* RTLOADER_HOST_ERROR_H */
