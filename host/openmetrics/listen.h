/*
 * listen.h - the endpoint's listen value ("ADDR:PORT", "[IPV6]:PORT" or
 * ":PORT") turned into the socket address the server binds.
 */
#ifndef RTLOADER_HOST_OPENMETRICS_LISTEN_H
#define RTLOADER_HOST_OPENMETRICS_LISTEN_H

#include <stdbool.h>
#include <sys/socket.h>

struct om_listen_addr {
    struct sockaddr_storage addr;
    /* ":PORT": the IPv6 wildcard with IPV6_V6ONLY off, so IPv4 clients
     * reach it too (false when the kernel has no IPv6: 0.0.0.0 then) */
    bool dual_stack;
};

/* Parses and resolves `listen` (a name resolves to its first address).
 * false with *error (malloc'd, naming the value and what is wrong). */
bool om_listen_resolve(const char *listen, struct om_listen_addr *out, char **error);

#endif /* RTLOADER_HOST_OPENMETRICS_LISTEN_H */
