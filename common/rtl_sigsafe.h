/*
 * rtl_sigsafe.h - output for crash handlers: write(2) and hand-made number
 * formatting only, so that every function here is async-signal-safe.
 *
 * Internal, shared by the front (rtloader/crash*.c) and the backend's
 * Python traceback dumper (three/crashdump.c). GIL: none.
 */
#ifndef RTLOADER_COMMON_SIGSAFE_H
#define RTLOADER_COMMON_SIGSAFE_H

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

static inline void rtl_sigsafe_write(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return;
        }
        s += n;
        len -= (size_t)n;
    }
}

static inline void rtl_sigsafe_str(int fd, const char *s)
{
    rtl_sigsafe_write(fd, s, strlen(s));
}

/* `value` in `base` (10 or 16, no prefix). */
static inline void rtl_sigsafe_unsigned(int fd, unsigned long value, unsigned base)
{
    char buf[32];
    size_t pos = sizeof(buf);
    do {
        buf[--pos] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value != 0 && pos > 0);
    rtl_sigsafe_write(fd, &buf[pos], sizeof(buf) - pos);
}

/* `value` in lowercase hex, zero-padded to at least `width` digits (at most 16). */
static inline void rtl_sigsafe_hex_padded(int fd, unsigned long value, unsigned width)
{
    char buf[16];
    size_t pos = sizeof(buf);
    do {
        buf[--pos] = "0123456789abcdef"[value % 16];
        value /= 16;
    } while (pos > 0 && (value != 0 || sizeof(buf) - pos < width));
    rtl_sigsafe_write(fd, &buf[pos], sizeof(buf) - pos);
}

#endif /* RTLOADER_COMMON_SIGSAFE_H */
