/*
 * listen.c - "ADDR:PORT", "[IPV6]:PORT" and ":PORT", with Go's
 * net.SplitHostPort rules (what Prometheus exporters accept), so a value
 * that works for an exporter works here and a typo is refused at start
 * rather than bound somewhere unexpected.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "number.h"

#define LISTEN_FORMS "ADDR:PORT, [IPV6]:PORT or :PORT"

static char *listen_error(const char *listen, const char *why)
{
    size_t len = strlen(listen) + strlen(why) + sizeof(LISTEN_FORMS) + 64;
    char *out = malloc(len);
    if (out != NULL) {
        snprintf(out, len, "openmetrics_listen '%s' is not " LISTEN_FORMS ": %s", listen, why);
    }
    return out;
}

/* Splits into host (may be empty) and port; NULL, or the reason. */
static const char *split(const char *listen, char *host, size_t host_len, char *port,
                         size_t port_len)
{
    const char *port_text;
    const char *host_start = listen;
    size_t hlen;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (close == NULL) {
            return "'[' without ']'";
        }
        if (close[1] != ':') {
            return close[1] == '\0' ? "no port after ']'" : "only :PORT may follow ']'";
        }
        host_start = listen + 1;
        hlen = (size_t)(close - host_start);
        if (hlen == 0) {
            return "empty brackets (':PORT' listens on every address)";
        }
        port_text = close + 2;
    } else {
        const char *colon = strchr(listen, ':');
        if (colon == NULL) {
            return "no port";
        }
        if (strchr(colon + 1, ':') != NULL) {
            return "too many colons (an IPv6 address goes in brackets: [::1]:9464)";
        }
        if (strchr(listen, ']') != NULL) {
            return "']' without '['";
        }
        hlen = (size_t)(colon - listen);
        port_text = colon + 1;
    }
    if (hlen >= host_len) {
        return "the address is too long";
    }
    size_t plen = strlen(port_text);
    if (plen == 0) {
        return "no port";
    }
    /* plain decimal (host/number.c): "08080" is 8080; "99999", " 80", "0x50" are refused */
    double number = -1;
    if (plen >= port_len || !host_parse_number(port_text, HOST_NUMBER_INTEGER, 0, 65535, &number)) {
        return "the port must be a number from 0 to 65535";
    }
    memcpy(host, host_start, hlen);
    host[hlen] = '\0';
    memcpy(port, port_text, plen + 1);
    return NULL;
}

static bool have_ipv6(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) {
        return false;
    }
    close(fd);
    return true;
}

bool om_listen_resolve(const char *listen, struct om_listen_addr *out, char **error)
{
    char host[256], port[8];
    *error = NULL;
    memset(out, 0, sizeof(*out));
    const char *why = split(listen, host, sizeof(host), port, sizeof(port));
    if (why != NULL) {
        *error = listen_error(listen, why);
        return false;
    }
    if (host[0] == '\0') {
        uint16_t p = htons((uint16_t)atoi(port));
        if (have_ipv6()) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&out->addr;
            a->sin6_family = AF_INET6;
            a->sin6_addr = in6addr_any;
            a->sin6_port = p;
            out->dual_stack = true;
        } else {
            struct sockaddr_in *a = (struct sockaddr_in *)&out->addr;
            a->sin_family = AF_INET;
            a->sin_addr.s_addr = htonl(INADDR_ANY);
            a->sin_port = p;
        }
        return true;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        size_t len = strlen(listen) + strlen(gai_strerror(rc)) + 32;
        *error = malloc(len);
        if (*error != NULL) {
            snprintf(*error, len, "openmetrics_listen '%s': %s", listen, gai_strerror(rc));
        }
        return false;
    }
    memcpy(&out->addr, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return true;
}
