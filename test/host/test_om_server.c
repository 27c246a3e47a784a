/*
 * test_om_server.c - host/openmetrics/server.c and listen.c over real
 * loopback sockets: methods (405 with Allow on the endpoint's paths, 404
 * elsewhere), the listen values accepted and refused, and idle keep-alive
 * connections not queueing a scrape.
 *
 * Memory: ASan/LSan (make test-asan) checks that servers, stores and pages
 * are freed; this host code uses libc malloc, not rtloader's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "datadog_agent_rtloader.h"
#include "openmetrics/server.h"
#include "openmetrics/snapshot.h"
#include "openmetrics/store.h"
#include "sender.h"

/* a client that has not had an answer by then fails the test */
#define RECV_TIMEOUT_S 8

struct fixture {
    struct om_store *store;
    struct om_snapshot *snapshot;
};

static void fixture_start(struct fixture *f)
{
    struct om_store_options o = {.namespace_ = "t", .stale_runs = 2};
    f->store = om_store_new(&o);
    assert_non_null(f->store);
    /* one run, so that /healthz answers 200 and /metrics has a series */
    struct sender_run run = {.check_name = "c", .check_id = "c:1", .status = "ok",
                             .duration_ms = 1};
    struct sender_item g = {.kind = SENDER_ITEM_METRIC, .type = DATADOG_AGENT_RTLOADER_GAUGE,
                            .name = "g", .host = "h", .value = 7, .samples = 1};
    om_store_ingest(f->store, &run, &g, 1);
    om_store_set_running(f->store, true);
    f->snapshot = om_snapshot_start(f->store, OM_SNAPSHOT_MAX_AGE_MS);
    assert_non_null(f->snapshot);
}

static void fixture_stop(struct fixture *f)
{
    om_snapshot_stop(f->snapshot);
    om_store_free(f->store);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* -1 when nothing listens there (or the family is unusable). */
static int connect_to(int family, int port)
{
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    struct timeval tv = {.tv_sec = RECV_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int rc;
    if (family == AF_INET6) {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
                                 .sin6_addr = in6addr_loopback};
        rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
    } else {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
    }
    if (rc != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Whether this machine has an IPv6 loopback to test the v6 forms on. */
static bool ipv6_loopback(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) {
        return false;
    }
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = in6addr_loopback};
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

struct reply {
    int status;        /* 0: no answer (closed or timed out) */
    char head[1024];   /* status line and headers */
    size_t body_bytes; /* as announced by Content-Length */
};

/* Sends `request` and reads one whole answer (head and Content-Length
 * body; none for HEAD), leaving the connection open for keep-alive. */
static struct reply exchange(int fd, const char *request, bool head_only)
{
    struct reply r = {0};
    if (send(fd, request, strlen(request), MSG_NOSIGNAL) != (ssize_t)strlen(request)) {
        return r;
    }
    char buf[8192];
    size_t have = 0;
    char *end = NULL;
    while (end == NULL) {
        ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
        if (n <= 0) {
            return r;
        }
        have += (size_t)n;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end == NULL && have == sizeof(buf) - 1) {
            return r;
        }
    }
    size_t head_len = (size_t)(end - buf) + 4;
    snprintf(r.head, sizeof(r.head), "%.*s", (int)head_len, buf);
    const char *cl = strstr(r.head, "Content-Length: ");
    size_t length = cl != NULL ? strtoul(cl + 16, NULL, 10) : 0;
    size_t body_have = have - head_len;
    while (!head_only && body_have < length) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            return r;
        }
        body_have += (size_t)n;
    }
    r.body_bytes = length;
    sscanf(r.head, "HTTP/1.1 %d", &r.status);
    return r;
}

/* One request on a fresh connection; the status, 0 when none came. */
static struct reply request_once(int family, int port, const char *method, const char *path)
{
    struct reply r = {0};
    int fd = connect_to(family, port);
    if (fd < 0) {
        return r;
    }
    char req[256];
    snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", method,
             path);
    r = exchange(fd, req, strcmp(method, "HEAD") == 0);
    close(fd);
    return r;
}

static struct om_server *start(struct fixture *f, const char *listen,
                               const struct om_server_limits *limits)
{
    char *error = NULL;
    struct om_server *s = om_server_start(listen, limits, f->store, f->snapshot, &error);
    if (s == NULL) {
        fail_msg("om_server_start('%s'): %s", listen, error != NULL ? error : "(no message)");
    }
    assert_true(om_server_port(s) > 0);
    return s;
}

/* ---- tests ---- */

/* Any method but GET and HEAD on /metrics or /healthz is 405 with Allow;
 * any other path is 404 whatever the method (was: 404 for every POST). */
static void test_methods(void **state)
{
    (void)state;
    struct fixture f;
    fixture_start(&f);
    struct om_server *s = start(&f, "127.0.0.1:0", NULL);
    int port = om_server_port(s);
    static const struct {
        const char *method, *path;
        int status;
    } cases[] = {
        {"GET", "/metrics", 200},     {"HEAD", "/metrics", 200},   {"GET", "/healthz", 200},
        {"HEAD", "/healthz", 200},    {"POST", "/metrics", 405},   {"PUT", "/metrics", 405},
        {"DELETE", "/metrics", 405},  {"OPTIONS", "/metrics", 405}, {"PATCH", "/healthz", 405},
        {"POST", "/healthz", 405},    {"GET", "/", 404},           {"GET", "/nope", 404},
        {"POST", "/nope", 404},       {"DELETE", "/metricsx", 404},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct reply r = request_once(AF_INET, port, cases[i].method, cases[i].path);
        if (r.status != cases[i].status) {
            fail_msg("%s %s: status %d, want %d\n%s", cases[i].method, cases[i].path, r.status,
                     cases[i].status, r.head);
        }
        bool allow = strstr(r.head, "\r\nAllow: GET, HEAD\r\n") != NULL;
        if (allow != (cases[i].status == 405)) {
            fail_msg("%s %s: Allow header %s\n%s", cases[i].method, cases[i].path,
                     allow ? "where none belongs" : "missing", r.head);
        }
    }
    /* a POST with a body: answered 405 once the body is read, and the
     * connection stays usable for the next request */
    int fd = connect_to(AF_INET, port);
    assert_true(fd >= 0);
    struct reply r = exchange(fd,
                              "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n"
                              "Content-Type: text/plain\r\n\r\nvalue=1.5",
                              false);
    assert_int_equal(r.status, 405);
    r = exchange(fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", false);
    assert_int_equal(r.status, 200);
    assert_true(r.body_bytes > 0);
    close(fd);
    om_server_stop(s);
    fixture_stop(&f);
}

/* Every malformed listen value is refused with a message naming it and
 * what is wrong; the good ones bind where they say. */
static void test_listen_values(void **state)
{
    (void)state;
    struct fixture f;
    fixture_start(&f);
    static const struct {
        const char *listen, *why;
    } bad[] = {
        {"", "no port"},
        {"9464", "no port"},
        {"nocolon", "no port"},
        {"127.0.0.1:", "no port"},
        {":", "no port"},
        {"127.0.0.1:99999", "a number from 0 to 65535"},
        {"127.0.0.1:123456", "a number from 0 to 65535"},
        {":65536", "a number from 0 to 65535"},
        {"127.0.0.1:-1", "a number from 0 to 65535"},
        {"127.0.0.1:80x", "a number from 0 to 65535"},
        {"127.0.0.1: 80", "a number from 0 to 65535"},
        {"127.0.0.1:80 ", "a number from 0 to 65535"},
        {"127.0.0.1:0x50", "a number from 0 to 65535"},
        {":+80", "a number from 0 to 65535"},
        {":8e1", "a number from 0 to 65535"},
        {"localhost:http", "a number from 0 to 65535"},
        {"::1:9464", "too many colons"},
        {"::9464", "too many colons"},
        {"[::1]", "no port after ']'"},
        {"[::1]9464", "only :PORT may follow ']'"},
        {"[::1:9464", "'[' without ']'"},
        {"::1]:9464", "too many colons"},
        {"127.0.0.1]:9464", "']' without '['"},
        {"[]:9464", "empty brackets"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *error = NULL;
        struct om_server *s = om_server_start(bad[i].listen, NULL, f.store, f.snapshot, &error);
        if (s != NULL) {
            om_server_stop(s);
            fail_msg("'%s' was accepted", bad[i].listen);
        }
        char want[128];
        snprintf(want, sizeof(want), "openmetrics_listen '%s' is not ADDR:PORT", bad[i].listen);
        if (error == NULL || strstr(error, want) == NULL || strstr(error, bad[i].why) == NULL) {
            fail_msg("'%s': error '%s', want '%s' and '%s'", bad[i].listen,
                     error != NULL ? error : "(none)", want, bad[i].why);
        }
        free(error);
    }

    bool v6 = ipv6_loopback();
    if (!v6) {
        print_message("SKIPPED the IPv6 halves below: no IPv6 loopback on this machine\n");
    }
    static const struct {
        const char *listen;
        bool v4, v6; /* reachable on 127.0.0.1, on [::1] */
        bool needs_v6;
    } good[] = {
        {"127.0.0.1:0", true, false, false},
        {"localhost:0", true, false, false}, /* or ::1 first: checked loosely below */
        {":0", true, true, false},           /* every address, both families */
        {":00", true, true, false},
        {"0.0.0.0:0", true, false, false},
        {"[::1]:0", false, true, true},
        {"[::]:0", false, true, true}, /* IPv6 only, as written */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (good[i].needs_v6 && !v6) {
            continue;
        }
        struct om_server *s = start(&f, good[i].listen, NULL);
        int port = om_server_port(s);
        bool got4 = request_once(AF_INET, port, "GET", "/healthz").status == 200;
        bool got6 = v6 && request_once(AF_INET6, port, "GET", "/healthz").status == 200;
        if (strncmp(good[i].listen, "localhost", 9) == 0) {
            if (!got4 && !got6) {
                fail_msg("'%s': reachable on neither loopback", good[i].listen);
            }
        } else if (got4 != good[i].v4 || (v6 && got6 != good[i].v6)) {
            fail_msg("'%s': 127.0.0.1 %s, [::1] %s; want %s and %s", good[i].listen,
                     got4 ? "answers" : "does not answer", got6 ? "answers" : "does not answer",
                     good[i].v4 ? "answers" : "does not", good[i].v6 ? "answers" : "does not");
        }
        om_server_stop(s);
    }
    fixture_stop(&f);
}

/* Opens n connections that each completed a request and stay open
 * (keep-alive), as scrapers' idle pools do. */
static int *open_idle(int port, int n)
{
    int *fds = calloc((size_t)n, sizeof(int));
    assert_non_null(fds);
    for (int i = 0; i < n; i++) {
        fds[i] = connect_to(AF_INET, port);
        assert_true(fds[i] >= 0);
        struct reply r = exchange(fds[i], "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", false);
        if (r.status != 200) {
            fail_msg("idle connection %d of %d: no answer to its first request", i + 1, n);
        }
    }
    return fds;
}

static void close_idle(int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        close(fds[i]);
    }
    free(fds);
}

/* Twice the old limit of 64 idle keep-alive connections: a scrape is
 * still answered at once (it waited for the 10 s timeout before). */
static void test_idle_connections_do_not_delay_a_scrape(void **state)
{
    (void)state;
    struct fixture f;
    fixture_start(&f);
    struct om_server *s = start(&f, "127.0.0.1:0", NULL);
    int port = om_server_port(s);
    enum { IDLE = 128 };
    int *idle = open_idle(port, IDLE);
    double t0 = now_s();
    struct reply r = request_once(AF_INET, port, "GET", "/metrics");
    double took = now_s() - t0;
    print_message("scrape with %d idle keep-alive connections open: %d in %.1f ms\n", IDLE,
                  r.status, took * 1e3);
    assert_int_equal(r.status, 200);
    assert_true(took < 1.0);
    close_idle(idle, IDLE);
    om_server_stop(s);
    fixture_stop(&f);
}

/* When idle connections do fill every slot, the idle timeout frees them:
 * a scrape waits at most about that long, and the idle ones are closed. */
static void test_full_server_waits_at_most_the_idle_timeout(void **state)
{
    (void)state;
    struct fixture f;
    fixture_start(&f);
    struct om_server_limits limits = {.connection_limit = 8, .idle_timeout_s = 1};
    struct om_server *s = start(&f, "127.0.0.1:0", &limits);
    int port = om_server_port(s);
    int *idle = open_idle(port, 8);
    double t0 = now_s();
    struct reply r = request_once(AF_INET, port, "GET", "/metrics");
    double took = now_s() - t0;
    print_message("scrape with all %u slots idle (timeout %u s): %d in %.2f s\n",
                  limits.connection_limit, limits.idle_timeout_s, r.status, took);
    assert_int_equal(r.status, 200);
    assert_true(took < limits.idle_timeout_s + 2.0);
    int closed = 0;
    for (int i = 0; i < 8; i++) {
        char c;
        struct pollfd p = {.fd = idle[i], .events = POLLIN};
        if (poll(&p, 1, 0) == 1 && recv(idle[i], &c, 1, MSG_DONTWAIT) == 0) {
            closed++;
        }
    }
    assert_true(closed > 0);
    close_idle(idle, 8);
    om_server_stop(s);
    fixture_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_listen_values),
        cmocka_unit_test(test_idle_connections_do_not_delay_a_scrape),
        cmocka_unit_test(test_full_server_waits_at_most_the_idle_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
