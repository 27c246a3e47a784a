/*
 * test_wire.c - host/wire.c, the framed MessagePack protocol of process
 * isolation: round trips over a socketpair (one frame, two frames in one
 * write, frames larger than the socket buffer), and every way a stream can
 * end or lie: end of stream before a frame, inside a frame, a length over
 * WIRE_MAX_FRAME, objects that are not what the decoder asks for; and
 * frames that would pass the limit: a batch is split, a record alone over it
 * dropped (and reported), any other frame has its strings cut. main() lowers
 * the limit to TEST_FRAME_LIMIT through WIRE_MAX_FRAME_ENV, as the hostcli
 * tests do, so that no test allocates 256 MiB.
 */
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE
#endif

#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "wire.h"

/* over test_send2_large's 3.4 MiB batch, far under WIRE_MAX_FRAME */
#define TEST_FRAME_LIMIT (4u * 1024u * 1024u)

static void pair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void test_round_trip(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct wire_out out = {0};
    wire_begin(&out, WIRE_BATCH);
    char *tags[] = {"a:1", "b:2", NULL};
    wire_pack_str(&out.pk, "check:1");
    wire_pack_str(&out.pk, NULL);
    wire_pack_strings(&out.pk, tags);
    wire_pack_strings(&out.pk, NULL);
    msgpack_pack_double(&out.pk, 2.5);
    msgpack_pack_int64(&out.pk, -7);
    assert_int_equal(wire_send(sv[0], &out), 0);

    char *data = NULL;
    size_t len = 0;
    assert_int_equal(wire_recv(sv[1], &data, &len), 0);
    assert_int_equal(len + 4, wire_size(&out));
    struct wire_in in;
    wire_in_init(&in, data, len);
    long long kind = 0, i = 0;
    double d = 0;
    assert_true(wire_int(wire_next(&in), &kind));
    assert_int_equal(kind, WIRE_BATCH);
    char *s = wire_strdup(wire_next(&in));
    assert_string_equal(s, "check:1");
    free(s);
    assert_null(wire_strdup(wire_next(&in))); /* nil */
    char **list = wire_strings(wire_next(&in));
    assert_non_null(list);
    assert_string_equal(list[0], "a:1");
    assert_string_equal(list[1], "b:2");
    assert_null(list[2]);
    free(list);
    assert_null(wire_strings(wire_next(&in))); /* nil list */
    assert_true(wire_double(wire_next(&in), &d));
    assert_true(d == 2.5);
    assert_true(wire_int(wire_next(&in), &i));
    assert_int_equal(i, -7);
    assert_null(wire_next(&in)); /* the end of the frame */
    wire_in_free(&in);
    free(data);
    wire_free(&out);
    close(sv[0]);
    close(sv[1]);
}

/* Decoding helpers refuse objects of another type rather than guessing. */
static void test_wrong_types(void **state)
{
    (void)state;
    struct wire_out out = {0};
    wire_begin(&out, WIRE_RUN);
    msgpack_pack_true(&out.pk);
    msgpack_pack_array(&out.pk, 3);
    wire_pack_str(&out.pk, "kept");
    msgpack_pack_int(&out.pk, 5); /* not a string: dropped from the list, not a NULL inside it */
    wire_pack_str(&out.pk, "also");
    struct wire_in in;
    wire_in_init(&in, out.buf.data + 4, out.buf.size - 4);
    long long i = 0;
    double d = 0;
    wire_next(&in); /* the kind */
    const msgpack_object *o = wire_next(&in);
    assert_false(wire_int(o, &i));
    assert_false(wire_double(o, &d));
    assert_null(wire_strdup(o));
    assert_null(wire_strings(o));
    char **list = wire_strings(wire_next(&in));
    assert_non_null(list);
    assert_string_equal(list[0], "kept");
    assert_string_equal(list[1], "also");
    assert_null(list[2]);
    free(list);
    assert_false(wire_int(NULL, &i));
    assert_null(wire_strdup(NULL));
    wire_in_free(&in);
    wire_free(&out);
}

static void test_truncated_object(void **state)
{
    (void)state;
    struct wire_out out = {0};
    wire_begin(&out, WIRE_BATCH);
    wire_pack_str(&out.pk, "a string cut in the middle");
    struct wire_in in;
    wire_in_init(&in, out.buf.data + 4, out.buf.size - 4 - 5);
    assert_non_null(wire_next(&in)); /* the kind is whole */
    assert_null(wire_next(&in));
    assert_null(wire_next(&in)); /* stays at the end */
    wire_in_free(&in);
    wire_free(&out);
}

static void test_end_of_stream(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    char *data = (char *)1;
    size_t len = 1;
    close(sv[0]);
    assert_int_equal(wire_recv(sv[1], &data, &len), 1); /* clean: no frame started */
    assert_null(data);
    assert_int_equal(len, 0);
    close(sv[1]);

    /* ended inside the length, then inside the payload */
    static const unsigned char partial_len[] = {0, 0};
    static const unsigned char partial_body[] = {0, 0, 0, 9, 1, 2};
    const unsigned char *cuts[] = {partial_len, partial_body};
    size_t sizes[] = {sizeof(partial_len), sizeof(partial_body)};
    for (int i = 0; i < 2; i++) {
        pair(sv);
        assert_int_equal(write(sv[0], cuts[i], sizes[i]), (ssize_t)sizes[i]);
        close(sv[0]);
        assert_int_equal(wire_recv(sv[1], &data, &len), -1);
        assert_null(data);
        close(sv[1]);
    }
}

static void test_oversized_length(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    uint32_t n = WIRE_MAX_FRAME + 1;
    unsigned char prefix[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                               (unsigned char)(n >> 8), (unsigned char)n};
    assert_int_equal(write(sv[0], prefix, 4), 4);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(wire_recv(sv[1], &data, &len), -1); /* refused before allocating */
    assert_null(data);
    close(sv[0]);
    close(sv[1]);
}

struct reader {
    int fd;
    int frames;
    size_t bytes[2];
    long long kinds[2];
};

static void *read_two(void *arg)
{
    struct reader *r = arg;
    for (r->frames = 0; r->frames < 2; r->frames++) {
        char *data = NULL;
        size_t len = 0;
        if (wire_recv(r->fd, &data, &len) != 0) {
            break;
        }
        struct wire_in in;
        wire_in_init(&in, data, len);
        wire_int(wire_next(&in), &r->kinds[r->frames]);
        r->bytes[r->frames] = len;
        wire_in_free(&in);
        free(data);
    }
    return NULL;
}

/* Two frames in one writev, the first far larger than the socket buffer:
 * the short writes are finished in order. */
static void test_send2_large(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct wire_out big = {0}, small = {0};
    wire_begin(&big, WIRE_BATCH);
    for (int i = 0; i < 200000; i++) {
        wire_pack_str(&big.pk, "bench.metric_name");
    }
    wire_begin(&small, WIRE_DONE);
    wire_pack_str(&small.pk, "check:1");
    struct reader r = {.fd = sv[1]};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, read_two, &r), 0);
    assert_int_equal(wire_send2(sv[0], &big, &small), 0);
    pthread_join(thread, NULL);
    assert_int_equal(r.frames, 2);
    assert_int_equal(r.kinds[0], WIRE_BATCH);
    assert_int_equal(r.bytes[0] + 4, wire_size(&big));
    assert_int_equal(r.kinds[1], WIRE_DONE);
    assert_int_equal(r.bytes[1] + 4, wire_size(&small));
    wire_free(&big);
    wire_free(&small);
    close(sv[0]);
    close(sv[1]);
}

static void test_send_to_closed_peer(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    close(sv[1]);
    struct wire_out out = {0};
    struct sigaction ignore = {.sa_handler = SIG_IGN}, previous;
    sigaction(SIGPIPE, &ignore, &previous);
    wire_begin(&out, WIRE_RUN);
    assert_int_equal(wire_send(sv[0], &out), -1);
    assert_int_equal(wire_send2(sv[0], &out, &out), -1);
    sigaction(SIGPIPE, &previous, NULL);
    struct wire_out unused = {0};
    assert_int_equal(wire_send(sv[0], &unused), -1); /* never begun */
    wire_free(&out);
    close(sv[0]);
}

/* Every frame a thread reads until end of stream: sizes, and the objects' copies. */
struct collector {
    int fd;
    size_t frames;
    size_t largest;
    msgpack_sbuffer kinds_and_records; /* every object after the first, re-packed */
    size_t records;
    long long kinds[16];
};

static void *collect(void *arg)
{
    struct collector *c = arg;
    msgpack_sbuffer_init(&c->kinds_and_records);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &c->kinds_and_records, msgpack_sbuffer_write);
    for (;;) {
        char *data = NULL;
        size_t len = 0;
        if (wire_recv(c->fd, &data, &len) != 0) {
            break;
        }
        c->largest = len > c->largest ? len : c->largest;
        struct wire_in in;
        wire_in_init(&in, data, len);
        long long kind = -1;
        wire_int(wire_next(&in), &kind);
        if (c->frames < 16) {
            c->kinds[c->frames] = kind;
        }
        c->frames++;
        const msgpack_object *o;
        while ((o = wire_next(&in)) != NULL) {
            msgpack_pack_object(&pk, *o);
            c->records++;
        }
        wire_in_free(&in);
        free(data);
    }
    return NULL;
}

static size_t dropped_records, dropped_bytes, dropped_limit;
static char dropped_id[32];

static void on_drop(const msgpack_object *record, size_t bytes, size_t limit)
{
    dropped_records++;
    dropped_bytes = bytes;
    dropped_limit = limit;
    char *id = wire_strdup(&record->via.array.ptr[1]);
    snprintf(dropped_id, sizeof(dropped_id), "%s", id != NULL ? id : "");
    free(id);
}

/* [kind, id, payload of `bytes` bytes] */
static void pack_record(struct wire_out *w, const char *id, size_t bytes)
{
    char *payload = malloc(bytes);
    assert_non_null(payload);
    memset(payload, 'x', bytes);
    msgpack_pack_array(&w->pk, 3);
    msgpack_pack_int(&w->pk, WIRE_REC_LOG);
    wire_pack_str(&w->pk, id);
    msgpack_pack_str(&w->pk, bytes);
    msgpack_pack_str_body(&w->pk, payload, bytes);
    free(payload);
}

/* The second field of each record collected, in order. */
static char *ids_of(struct collector *c)
{
    static char ids[256];
    ids[0] = '\0';
    struct wire_in in;
    wire_in_init(&in, c->kinds_and_records.data, c->kinds_and_records.size);
    const msgpack_object *o;
    while ((o = wire_next(&in)) != NULL) {
        char *id = wire_strdup(&o->via.array.ptr[1]);
        strncat(ids, id != NULL ? id : "?", sizeof(ids) - strlen(ids) - 2);
        strcat(ids, " ");
        free(id);
    }
    wire_in_free(&in);
    return ids;
}

/* A batch over the limit goes out in frames under it, in order; a record
 * that alone exceeds it is dropped and named to the hook, the others kept. */
static void test_batch_split(void **state)
{
    (void)state;
    size_t limit = wire_max_frame();
    assert_int_equal(limit, TEST_FRAME_LIMIT);
    int sv[2];
    pair(sv);
    struct wire_out w = {0};
    wire_begin(&w, WIRE_BATCH);
    pack_record(&w, "a", 10);
    pack_record(&w, "huge", limit + 1);
    pack_record(&w, "c", 10);
    pack_record(&w, "d", limit * 3 / 4);
    pack_record(&w, "e", limit * 3 / 4);
    pack_record(&w, "exact", limit - 64); /* fits alone, with its headers */
    struct collector c = {.fd = sv[1]};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, collect, &c), 0);
    dropped_records = 0;
    wire_set_drop_hook(on_drop);
    assert_int_equal(wire_send(sv[0], &w), 0);
    wire_set_drop_hook(NULL);
    close(sv[0]);
    pthread_join(thread, NULL);
    assert_int_equal(dropped_records, 1);
    assert_string_equal(dropped_id, "huge");
    assert_true(dropped_bytes > limit);
    assert_int_equal(dropped_limit, limit);
    assert_true(c.largest <= limit);
    assert_int_equal(c.records, 5);
    assert_string_equal(ids_of(&c), "a c d e exact ");
    assert_int_equal(c.frames, 4); /* [a] [c d] [e] [exact] */
    for (size_t i = 0; i < c.frames; i++) {
        assert_int_equal(c.kinds[i], WIRE_BATCH);
    }
    msgpack_sbuffer_destroy(&c.kinds_and_records);
    wire_free(&w);
    close(sv[1]);
}

/* A run's result with a huge error and warning arrives, cut to fit, each
 * cut string saying so; short strings and other fields are untouched. */
static void test_result_cut_to_fit(void **state)
{
    (void)state;
    size_t limit = wire_max_frame();
    int sv[2];
    pair(sv);
    struct wire_out batch = {0}, done = {0};
    wire_begin(&batch, WIRE_BATCH);
    pack_record(&batch, "small", 10);
    wire_begin(&done, WIRE_DONE);
    wire_pack_str(&done.pk, "check:1");
    size_t big = limit * 2;
    char *error = malloc(big + 1);
    assert_non_null(error);
    memset(error, 'e', big);
    error[big] = '\0';
    /* a 2-byte UTF-8 character across every possible cut */
    for (size_t i = 1; i + 1 < big; i += 2) {
        error[i] = (char)0xC3;
        error[i + 1] = (char)0xA9;
    }
    wire_pack_str(&done.pk, error);
    char *warnings[] = {error, "short", NULL};
    wire_pack_strings(&done.pk, warnings);
    msgpack_pack_double(&done.pk, 1.5);
    struct collector c = {.fd = sv[1]};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, collect, &c), 0);
    assert_int_equal(wire_send2(sv[0], &batch, &done), 0);
    close(sv[0]);
    pthread_join(thread, NULL);
    assert_int_equal(c.frames, 2);
    assert_int_equal(c.kinds[0], WIRE_BATCH);
    assert_int_equal(c.kinds[1], WIRE_DONE);
    assert_true(c.largest <= limit);
    struct wire_in in;
    wire_in_init(&in, c.kinds_and_records.data, c.kinds_and_records.size);
    wire_next(&in); /* the batch's record */
    char *id = wire_strdup(wire_next(&in));
    assert_string_equal(id, "check:1");
    free(id);
    const char *note = " [truncated to fit the frame limit]";
    char *cut = wire_strdup(wire_next(&in));
    assert_non_null(cut);
    size_t n = strlen(cut);
    assert_true(n > limit / 3 && n < limit / 2); /* two big strings share the frame */
    assert_string_equal(cut + n - strlen(note), note);
    assert_memory_equal(cut, error, n - strlen(note)); /* a prefix, on a character boundary */
    assert_true(((unsigned char)cut[n - strlen(note)] & 0xC0) != 0x80);
    free(cut);
    char **list = wire_strings(wire_next(&in));
    assert_non_null(list);
    assert_string_equal(list[0] + strlen(list[0]) - strlen(note), note);
    assert_string_equal(list[1], "short");
    assert_null(list[2]);
    free(list);
    double d = 0;
    assert_true(wire_double(wire_next(&in), &d));
    assert_true(d == 1.5);
    wire_in_free(&in);
    msgpack_sbuffer_destroy(&c.kinds_and_records);
    free(error);
    wire_free(&batch);
    wire_free(&done);
    close(sv[1]);
}

int main(void)
{
    /* before any frame: the limit is read once */
    char limit[32];
    snprintf(limit, sizeof(limit), "%u", TEST_FRAME_LIMIT);
    setenv(WIRE_MAX_FRAME_ENV, limit, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_truncated_object),
        cmocka_unit_test(test_end_of_stream),
        cmocka_unit_test(test_oversized_length),
        cmocka_unit_test(test_send2_large),
        cmocka_unit_test(test_send_to_closed_peer),
        cmocka_unit_test(test_batch_split),
        cmocka_unit_test(test_result_cut_to_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
