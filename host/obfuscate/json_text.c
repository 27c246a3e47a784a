/* json_text.c - Go-compatible JSON string writing and string-literal decoding. */
#include "json_text.h"
#include "utf8.h"

static const char hex[] = "0123456789abcdef";


void obf_json_write_string(obf_buf_t *out, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    obf_buf_reserve(out, n + 2);
    obf_buf_putc(out, '"');
    size_t start = 0, i = 0;
    while (i < n) {
        unsigned char b = s[i];
        if (b < 0x80) {
            if (b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&') {
                i++;
                continue;
            }
            obf_buf_append(out, str + start, i - start);
            char esc[6] = {'\\', 'u', '0', '0', hex[b >> 4], hex[b & 0xF]};
            switch (b) {
            case '\\': case '"':
                esc[1] = (char)b;
                obf_buf_append(out, esc, 2);
                break;
            case '\n':
                obf_buf_append(out, "\\n", 2);
                break;
            case '\r':
                obf_buf_append(out, "\\r", 2);
                break;
            case '\t':
                obf_buf_append(out, "\\t", 2);
                break;
            default:
                obf_buf_append(out, esc, 6);
                break;
            }
            start = ++i;
            continue;
        }
        uint32_t r;
        unsigned len = obf_utf8_decode(s + i, n - i, &r);
        if (len == 0 || r == 0x2028 || r == 0x2029) {
            obf_buf_append(out, str + start, i - start);
            obf_buf_puts(out, len == 0 ? "\\ufffd" : r == 0x2028 ? "\\u2028" : "\\u2029");
            i += len == 0 ? 1 : len;
            start = i;
            continue;
        }
        i += len;
    }
    obf_buf_append(out, str + start, n - start);
    obf_buf_putc(out, '"');
}

static void put_rune(obf_buf_t *out, unsigned r)
{
    char e[4];
    if (r < 0x80) {
        obf_buf_putc(out, (char)r);
    } else if (r < 0x800) {
        e[0] = (char)(0xC0 | (r >> 6));
        e[1] = (char)(0x80 | (r & 0x3F));
        obf_buf_append(out, e, 2);
    } else if (r < 0x10000) {
        e[0] = (char)(0xE0 | (r >> 12));
        e[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        e[2] = (char)(0x80 | (r & 0x3F));
        obf_buf_append(out, e, 3);
    } else {
        e[0] = (char)(0xF0 | (r >> 18));
        e[1] = (char)(0x80 | ((r >> 12) & 0x3F));
        e[2] = (char)(0x80 | ((r >> 6) & 0x3F));
        e[3] = (char)(0x80 | (r & 0x3F));
        obf_buf_append(out, e, 4);
    }
}

static int hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

bool obf_json_unquote(const char *lit, size_t n, obf_buf_t *out)
{
    if (n < 2 || lit[0] != '"' || lit[n - 1] != '"') {
        return false;
    }
    out->len = 0;
    obf_buf_reserve(out, n);
    size_t end = n - 1;
    for (size_t i = 1; i < end; i++) {
        if (lit[i] != '\\') {
            obf_buf_putc(out, lit[i]);
            continue;
        }
        if (++i >= end) {
            return false;
        }
        switch (lit[i]) {
        case 'b': obf_buf_putc(out, '\b'); break;
        case 'f': obf_buf_putc(out, '\f'); break;
        case 'n': obf_buf_putc(out, '\n'); break;
        case 'r': obf_buf_putc(out, '\r'); break;
        case 't': obf_buf_putc(out, '\t'); break;
        case 'u': {
            int r = i + 4 < end ? hex4(lit + i + 1) : -1;
            if (r < 0) {
                return false;
            }
            i += 4;
            if (r >= 0xD800 && r < 0xDC00) {
                int lo = i + 6 < end && lit[i + 1] == '\\' && lit[i + 2] == 'u' ? hex4(lit + i + 3) : -1;
                if (lo >= 0xDC00 && lo < 0xE000) {
                    r = 0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                } else {
                    r = 0xFFFD;
                }
            } else if (r >= 0xDC00 && r < 0xE000) {
                r = 0xFFFD;
            }
            put_rune(out, (unsigned)r);
            break;
        }
        default:
            obf_buf_putc(out, lit[i]); /* \" \\ \/ */
            break;
        }
    }
    return !out->failed;
}
