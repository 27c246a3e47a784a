/*
 * server.c - libmicrohttpd serving the snapshot pages.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "listen.h"
#include "server.h"

struct om_server {
    struct MHD_Daemon *daemon;
    struct om_store *store;
    struct om_snapshot *snapshot;
    int port;
};

static void release_page(void *cls)
{
    om_page_release(cls);
}

/* `allow`: the Allow header's value, or NULL for none. */
static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text,
                                 const char *allow)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
                                                             MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (allow != NULL) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    }
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
    return send_text(c, h.running ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, body, NULL);
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
    bool known = strcmp(url, "/metrics") == 0 || strcmp(url, "/healthz") == 0;
    if (!known) {
        return send_text(c, MHD_HTTP_NOT_FOUND, "not found: GET /metrics or /healthz\n", NULL);
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        /* RFC 9110 15.5.6: the path exists, the method does not; Allow is required */
        return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: GET or HEAD\n",
                         "GET, HEAD");
    }
    return strcmp(url, "/metrics") == 0 ? serve_metrics(s, c) : serve_health(s, c);
}

struct om_server *om_server_start(const char *listen, const struct om_server_limits *limits,
                                  struct om_store *store, struct om_snapshot *snapshot,
                                  char **error)
{
    static const struct om_server_limits defaults = {
        .connection_limit = OM_SERVER_CONNECTION_LIMIT, .idle_timeout_s = OM_SERVER_TIMEOUT_S};
    if (limits == NULL) {
        limits = &defaults;
    }
    struct om_listen_addr addr;
    if (!om_listen_resolve(listen, &addr, error)) {
        return NULL;
    }
    struct om_server *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->store = store;
    s->snapshot = snapshot;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    if (addr.addr.ss_family == AF_INET6) {
        flags |= addr.dual_stack ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
    }
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr.addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)OM_SERVER_THREADS, MHD_OPTION_CONNECTION_LIMIT,
        limits->connection_limit, MHD_OPTION_CONNECTION_TIMEOUT, limits->idle_timeout_s,
        MHD_OPTION_END);
    if (s->daemon == NULL) {
        const char *fmt = "openmetrics_listen '%s': cannot listen there (in use, or not an "
                          "address of this host)";
        size_t len = strlen(fmt) + strlen(listen) + 1;
        *error = malloc(len);
        if (*error != NULL) {
            snprintf(*error, len, fmt, listen);
        }
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : 0;
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
