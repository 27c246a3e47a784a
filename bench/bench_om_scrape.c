/*
 * bench_om_scrape.c - N concurrent scrapers of an OpenMetrics endpoint for
 * S seconds (scripts/bench-openmetrics.py drives it). Each thread GETs
 * /metrics in a loop, one connection per scrape, as Prometheus does per
 * target, and records each scrape's latency (connect to last byte). With a
 * PERIOD each scraper scrapes once per PERIOD seconds (starts spread over
 * the period), as a Prometheus with that scrape_interval; 0: back to back.
 *
 *   bench_om_scrape PORT THREADS SECONDS [PERIOD]
 *
 * Prints one line: scrapes errors bytes_per_page p50_ms p99_ms max_ms.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct scraper {
    pthread_t thread;
    int port;
    double until, period, offset;
    double *latencies;
    size_t count, cap, errors, bytes;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One GET /metrics; the body size, or 0 on any error. */
static size_t scrape(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return 0;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static const char request[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Accept: application/openmetrics-text;version=1.0.0,text/plain;"
                                  "version=0.0.4;q=0.5\r\nConnection: close\r\n\r\n";
    size_t total = 0;
    char head[16] = {0};
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0
        && write(fd, request, sizeof(request) - 1) == (ssize_t)(sizeof(request) - 1)) {
        char buf[65536];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
            if (total < sizeof(head) - 1) {
                memcpy(head + total, buf,
                       (size_t)n < sizeof(head) - 1 - total ? (size_t)n : sizeof(head) - 1 - total);
            }
            total += (size_t)n;
        }
        if (n < 0) {
            total = 0;
        }
    }
    close(fd);
    return strncmp(head, "HTTP/1.1 200", 12) == 0 ? total : 0;
}

static void *run(void *arg)
{
    struct scraper *s = arg;
    double next = now_s() + s->offset;
    while (now_s() < s->until) {
        if (s->period > 0) {
            double wait = next - now_s();
            if (wait > 0) {
                struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
                nanosleep(&ts, NULL);
            }
            next += s->period;
            if (now_s() >= s->until) {
                break;
            }
        }
        double start = now_s();
        size_t got = scrape(s->port);
        double ms = (now_s() - start) * 1e3;
        if (got == 0) {
            s->errors++;
            continue;
        }
        s->bytes = got;
        if (s->count == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 1024;
            s->latencies = realloc(s->latencies, s->cap * sizeof(double));
            if (s->latencies == NULL) {
                abort();
            }
        }
        s->latencies[s->count++] = ms;
    }
    return NULL;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: bench_om_scrape PORT THREADS SECONDS [PERIOD]\n");
        return 2;
    }
    int port = atoi(argv[1]), threads = atoi(argv[2]);
    double seconds = atof(argv[3]), period = argc == 5 ? atof(argv[4]) : 0;
    struct scraper *s = calloc((size_t)threads, sizeof(*s));
    double until = now_s() + seconds;
    for (int i = 0; i < threads; i++) {
        s[i].port = port;
        s[i].until = until;
        s[i].period = period;
        s[i].offset = period * i / threads;
        pthread_create(&s[i].thread, NULL, run, &s[i]);
    }
    size_t count = 0, errors = 0, bytes = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(s[i].thread, NULL);
        count += s[i].count;
        errors += s[i].errors;
        bytes = s[i].bytes > bytes ? s[i].bytes : bytes;
    }
    double *all = malloc((count ? count : 1) * sizeof(double));
    size_t k = 0;
    for (int i = 0; i < threads; i++) {
        memcpy(all + k, s[i].latencies, s[i].count * sizeof(double));
        k += s[i].count;
        free(s[i].latencies);
    }
    qsort(all, count, sizeof(double), compare);
    printf("%zu %zu %zu %.2f %.2f %.2f\n", count, errors, bytes, count ? all[count / 2] : 0,
           count ? all[count * 99 / 100] : 0, count ? all[count - 1] : 0);
    free(all);
    free(s);
    return 0;
}
