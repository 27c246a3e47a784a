/*
 * utf8.h - strict UTF-8 decoding for the obfuscators, with Go's
 * utf8.DecodeRune rules (no overlong forms, no surrogates, nothing past
 * U+10FFFF), because what counts as one character decides where tokens end
 * and what is escaped, and must match the Agent's Go code.
 */
#ifndef RTLOADER_HOST_OBFUSCATE_UTF8_H
#define RTLOADER_HOST_OBFUSCATE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (2-4) of the valid multi-byte sequence at s[0, n), its code
 * point in *rune; 0 when s[0] is ASCII or the sequence is invalid or cut. */
static inline unsigned obf_utf8_decode(const unsigned char *s, size_t n, uint32_t *rune)
{
    unsigned char c = s[0];
    unsigned len;
    uint32_t r, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, r = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, r = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, r = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (unsigned i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        r = (r << 6) | (s[i] & 0x3F);
    }
    if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
        return 0;
    }
    *rune = r;
    return len;
}

#endif
