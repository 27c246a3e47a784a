/*
 * exposition.c - names, escaping, numbers and content negotiation of the
 * exposition formats (docs/openmetrics.md).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exposition.h"

static bool name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
           || (!first && c >= '0' && c <= '9');
}

char *om_metric_name(const char *prefix, const char *name)
{
    struct strbuf b = {0};
    bool has_prefix = prefix != NULL && prefix[0] != '\0';
    if (has_prefix) {
        strbuf_puts(&b, prefix);
        strbuf_puts(&b, "_");
    }
    if (name == NULL || name[0] == '\0') {
        strbuf_puts(&b, "_");
    } else if (!has_prefix && name[0] >= '0' && name[0] <= '9') {
        strbuf_puts(&b, "_");
    }
    char one[2] = {0, 0};
    for (const char *p = name; p != NULL && *p; p++) {
        one[0] = name_char(*p, false) ? *p : '_';
        strbuf_puts(&b, one);
    }
    return strbuf_take(&b);
}

char *om_label_name(const char *name)
{
    char *out = om_metric_name(NULL, name);
    if (out != NULL && strncmp(out, "__", 2) == 0) {
        struct strbuf b = {0};
        strbuf_puts(&b, "tag");
        strbuf_puts(&b, out);
        free(out);
        out = strbuf_take(&b);
    }
    return out;
}

/* Length of the valid UTF-8 sequence at p, 0 when invalid (overlong forms,
 * surrogates and code points past U+10FFFF included). */
static size_t utf8_length(const unsigned char *p)
{
    if (p[0] < 0x80) {
        return 1;
    }
    size_t n = (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0) {
        return 0;
    }
    unsigned long cp = p[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    static const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n;
}

/* Appends `text` with `quote` escaped (when not 0), backslash and newline
 * escaped, and every byte that is not part of valid UTF-8 replaced with
 * U+FFFD: Prometheus rejects a whole page over one invalid byte. */
static void append_escaped(struct strbuf *b, const char *text, bool quote)
{
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *run = p;
    while (p != NULL && *p) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : quote && *p == '"' ? "\\\"" : NULL;
        size_t n = esc != NULL ? 1 : utf8_length(p);
        if (esc == NULL && n > 0) {
            p += n;
            continue;
        }
        strbuf_append(b, (const char *)run, (size_t)(p - run));
        strbuf_puts(b, esc != NULL ? esc : "\xef\xbf\xbd");
        p++;
        run = p;
    }
    if (run != NULL) {
        strbuf_append(b, (const char *)run, (size_t)(p - run));
    }
}

void om_escape_label_value(struct strbuf *b, const char *value)
{
    append_escaped(b, value, true);
}

void om_escape_help(struct strbuf *b, const char *text)
{
    append_escaped(b, text, false);
}

void om_append_number(struct strbuf *b, double v)
{
    if (isnan(v)) {
        strbuf_puts(b, "NaN");
        return;
    }
    if (isinf(v)) {
        strbuf_puts(b, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    char text[40];
    if (v == floor(v) && fabs(v) < 1e15) {
        /* whole numbers (most values: counts, bytes) without the %g round trip */
        long long n = (long long)v;
        char *p = text + sizeof(text);
        *--p = '\0';
        unsigned long long u = n < 0 ? (unsigned long long)-n : (unsigned long long)n;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u != 0);
        if (n < 0 || (n == 0 && signbit(v))) {
            *--p = '-';
        }
        strbuf_puts(b, p);
        return;
    }
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(text, sizeof(text), "%.*g", precision, v);
        if (strtod(text, NULL) == v) {
            break;
        }
    }
    strbuf_puts(b, text);
}

/* One media range of an Accept header: its type, version parameter and q. */
struct media_range {
    char type[64];
    char version[16];
    double q;
};

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return p;
}

/* Parses one range up to ',' or the end; returns where it stopped. */
static const char *parse_range(const char *p, struct media_range *r)
{
    memset(r, 0, sizeof(*r));
    r->q = 1.0;
    p = skip_space(p);
    size_t n = strcspn(p, ";, \t");
    snprintf(r->type, sizeof(r->type), "%.*s", (int)n, p);
    p += n;
    while (*p != '\0' && *p != ',') {
        p = skip_space(p);
        if (*p != ';') {
            p += strcspn(p, ";,");
            continue;
        }
        p = skip_space(p + 1);
        size_t key = strcspn(p, "=;,");
        const char *val = p[key] == '=' ? skip_space(p + key + 1) : p + key;
        size_t vlen = strcspn(val, ";, \t");
        /* a value may also be a quoted-string (RFC 9110 5.6.6): the same value without quotes */
        const char *text = val;
        size_t tlen = vlen;
        if (*val == '"') {
            const char *close = strchr(val + 1, '"');
            text = val + 1;
            tlen = close != NULL ? (size_t)(close - text) : strlen(text);
            vlen = close != NULL ? (size_t)(close + 1 - val) : strlen(val);
        }
        if (key == 1 && (p[0] == 'q' || p[0] == 'Q')) {
            char num[16];
            snprintf(num, sizeof(num), "%.*s", (int)tlen, text);
            r->q = strtod(num, NULL);
        } else if (key == 7 && strncasecmp(p, "version", 7) == 0) {
            snprintf(r->version, sizeof(r->version), "%.*s", (int)tlen, text);
        }
        p = val + vlen;
    }
    return *p == ',' ? p + 1 : p;
}

enum om_format om_negotiate(const char *accept)
{
    if (accept == NULL) {
        return OM_TEXT_004;
    }
    double om_q = 0, text_q = 0;
    struct media_range r;
    for (const char *p = accept; *p != '\0';) {
        p = parse_range(p, &r);
        if (strcasecmp(r.type, "application/openmetrics-text") == 0) {
            /* 1.0.0 only: 0.0.1 is an older draft this host does not write */
            if ((r.version[0] == '\0' || strcmp(r.version, "1.0.0") == 0) && r.q > om_q) {
                om_q = r.q;
            }
        } else if (strcasecmp(r.type, "text/plain") == 0 || strcasecmp(r.type, "text/*") == 0
                   || strcmp(r.type, "*/*") == 0) {
            if (r.q > text_q) {
                text_q = r.q;
            }
        }
    }
    return om_q > 0 && om_q >= text_q ? OM_OPENMETRICS_1 : OM_TEXT_004;
}

const char *om_content_type(enum om_format format)
{
    return format == OM_OPENMETRICS_1 ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                      : "text/plain; version=0.0.4; charset=utf-8";
}

void om_append_family_header(struct strbuf *b, enum om_format format, const char *family,
                             enum om_type type, const char *help)
{
    const char *suffix = type == OM_COUNTER && format == OM_TEXT_004 ? "_total" : "";
    static const char *const names[] = {"gauge", "counter", "histogram"};
    if (help != NULL) {
        strbuf_printf(b, "# HELP %s%s ", family, suffix);
        /* help is escaped for 0.0.4 (backslash, newline); OpenMetrics's escaped-string also
         * escapes '"', which never appears inside those escapes */
        const char *rest = help;
        const char *dq;
        while (format == OM_OPENMETRICS_1 && (dq = strchr(rest, '"')) != NULL) {
            strbuf_printf(b, "%.*s\\\"", (int)(dq - rest), rest);
            rest = dq + 1;
        }
        strbuf_printf(b, "%s\n", rest);
    }
    strbuf_printf(b, "# TYPE %s%s %s\n", family, suffix, names[type]);
}
