/*
 * test_wire.c - host/wire.c, the framed MessagePack protocol of process
 * isolation: round trips over a socketpair (one frame, two frames in one
 * write, frames larger than the socket buffer), and every way a stream can
 * end or lie: end of stream before a frame, inside a frame, a length over
 * WIRE_MAX_FRAME, objects that are not what the decoder asks for.
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
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "wire.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_truncated_object),
        cmocka_unit_test(test_end_of_stream),
        cmocka_unit_test(test_oversized_length),
        cmocka_unit_test(test_send2_large),
        cmocka_unit_test(test_send_to_closed_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
