/*
 * server.c - libmicrohttpd serving the snapshot pages.
 */
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "server.h"

struct om_server {
    struct MHD_Daemon *daemon;
    struct om_store *store;
    struct om_snapshot *snapshot;
    int port;
};

static char *error_text(const char *fmt, const char *a, const char *b)
{
    size_t len = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *out = malloc(len);
    if (out != NULL) {
        snprintf(out, len, fmt, a, b);
    }
    return out;
}

/* "host:port" or "[v6]:port" split; false when malformed. */
static bool split_listen(const char *listen, char *host, size_t host_len, char *port,
                         size_t port_len)
{
    const char *colon;
    const char *start = listen;
    size_t hlen;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (close == NULL || close[1] != ':') {
            return false;
        }
        start = listen + 1;
        hlen = (size_t)(close - start);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL) {
            return false;
        }
        hlen = (size_t)(colon - listen);
    }
    if (hlen == 0 || hlen >= host_len || strlen(colon + 1) == 0 || strlen(colon + 1) >= port_len
        || strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
        return false;
    }
    memcpy(host, start, hlen);
    host[hlen] = '\0';
    snprintf(port, port_len, "%s", colon + 1);
    return atoi(port) <= 65535;
}

static void release_page(void *cls)
{
    om_page_release(cls);
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text,
                                 const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
                                                             MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result serve_metrics(struct om_server *s, struct MHD_Connection *c)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    enum om_format format = om_negotiate(accept);
    struct om_page *page = om_snapshot_get(s->snapshot, format);
    /* the page stays referenced until libmicrohttpd has sent it */
    struct MHD_Response *r
        = MHD_create_response_from_buffer_with_free_callback_cls(page->len, page->text,
                                                                 release_page, page);
    if (r == NULL) {
        om_page_release(page);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, om_content_type(format));
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result serve_health(struct om_server *s, struct MHD_Connection *c)
{
    struct om_health h = om_store_health(s->store);
    char body[256];
    snprintf(body, sizeof(body), "%s: %lu check runs, %lu failed, last run %s%.1f s ago\n",
             h.running ? "ok" : "not running", h.runs, h.failed_runs,
             h.last_run_age_s < 0 ? "never, " : "", h.last_run_age_s < 0 ? 0.0 : h.last_run_age_s);
    return send_text(c, h.running ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, body,
                     "text/plain; charset=utf-8");
}

/* Called on libmicrohttpd's threads: no GIL, no rendering. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)version;
    (void)upload_data;
    struct om_server *s = cls;
    if (*req_cls == NULL) {
        *req_cls = s; /* the headers arrived: answer once the (empty) body has */
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* a body is not expected: discarded */
        return MHD_YES;
    }
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (get && strcmp(url, "/metrics") == 0) {
        return serve_metrics(s, c);
    }
    if (get && strcmp(url, "/healthz") == 0) {
        return serve_health(s, c);
    }
    return send_text(c, MHD_HTTP_NOT_FOUND, "not found: GET /metrics or /healthz\n",
                     "text/plain; charset=utf-8");
}

struct om_server *om_server_start(const char *listen, struct om_store *store,
                                  struct om_snapshot *snapshot, char **error)
{
    char host[256], port[8];
    *error = NULL;
    if (!split_listen(listen, host, sizeof(host), port, sizeof(port))) {
        *error = error_text("openmetrics_listen '%s' is not ADDR:PORT%s", listen, "");
        return NULL;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        *error = error_text("openmetrics_listen '%s': %s", listen, gai_strerror(rc));
        return NULL;
    }
    struct om_server *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        freeaddrinfo(ai);
        return NULL;
    }
    s->store = store;
    s->snapshot = snapshot;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    if (ai->ai_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)OM_SERVER_THREADS, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)OM_SERVER_CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)OM_SERVER_TIMEOUT_S, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (s->daemon == NULL) {
        *error = error_text("openmetrics_listen '%s': cannot listen there (in use, or not an "
                            "address of this host)%s",
                            listen, "");
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : atoi(port);
    return s;
}

int om_server_port(const struct om_server *s)
{
    return s->port;
}

void om_server_stop(struct om_server *s)
{
    if (s == NULL) {
        return;
    }
    MHD_stop_daemon(s->daemon);
    free(s);
}
