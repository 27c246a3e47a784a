/*
 * wire.c - frames of MessagePack objects over a stream socket.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "number.h"
#include "wire.h"

void wire_begin(struct wire_out *w, enum wire_kind kind)
{
    if (w->buf.data == NULL) {
        msgpack_sbuffer_init(&w->buf);
        msgpack_packer_init(&w->pk, &w->buf, msgpack_sbuffer_write);
    }
    msgpack_sbuffer_clear(&w->buf);
    static const char prefix[4] = {0, 0, 0, 0}; /* patched by wire_send */
    msgpack_sbuffer_write(&w->buf, prefix, sizeof(prefix));
    msgpack_pack_int(&w->pk, (int)kind);
}

size_t wire_size(const struct wire_out *w)
{
    return w->buf.size;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static void patch_length(struct wire_out *w)
{
    uint32_t len = (uint32_t)(w->buf.size - 4);
    unsigned char *p = (unsigned char *)w->buf.data;
    p[0] = (unsigned char)(len >> 24);
    p[1] = (unsigned char)(len >> 16);
    p[2] = (unsigned char)(len >> 8);
    p[3] = (unsigned char)len;
}

static size_t max_frame = WIRE_MAX_FRAME;
static pthread_once_t max_frame_once = PTHREAD_ONCE_INIT;
static wire_drop_hook drop_hook;

/* A lower limit from the environment, so that tests need not allocate 256 MiB. */
static void read_max_frame(void)
{
    const char *text = getenv(WIRE_MAX_FRAME_ENV);
    if (text == NULL || *text == '\0') {
        return;
    }
    double v = 0;
    if (host_parse_number(text, HOST_NUMBER_INTEGER, WIRE_MIN_FRAME, WIRE_MAX_FRAME - 1, &v)) {
        max_frame = (size_t)v;
    }
}

size_t wire_max_frame(void)
{
    pthread_once(&max_frame_once, read_max_frame);
    return max_frame;
}

void wire_set_drop_hook(wire_drop_hook hook)
{
    drop_hook = hook;
}

static int writev_all(int fd, struct iovec *iov, int count)
{
    while (count > 0) {
        ssize_t n = writev(fd, iov, count);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        while (count > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* One frame: the kind's bytes (body[0, head)) then body[from, to). */
static int send_range(int fd, const char *body, size_t head, size_t from, size_t to)
{
    uint32_t len = (uint32_t)(head + to - from);
    unsigned char prefix[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                               (unsigned char)(len >> 8), (unsigned char)len};
    struct iovec iov[3] = {{prefix, sizeof(prefix)},
                           {(void *)body, head},
                           {(void *)(body + from), to - from}};
    return writev_all(fd, iov, 3);
}

/*
 * A batch over the frame limit: its records go out in frames under it, and a
 * record that alone exceeds it is dropped (and reported through the hook)
 * rather than sent: the reader would refuse the whole frame and lose the
 * worker with every other record of it. Only a batch holding one huge record
 * gets here (batches are flushed past 64 KiB), so re-reading it costs nothing
 * on the normal path.
 */
static int send_batch_split(int fd, struct wire_out *w, size_t limit)
{
    const char *body = w->buf.data + 4;
    struct wire_in in;
    wire_in_init(&in, body, w->buf.size - 4);
    int rc = wire_next(&in) != NULL ? 0 : -1; /* the kind */
    size_t head = in.offset, from = head, to = head;
    while (rc == 0) {
        size_t start = in.offset;
        const msgpack_object *record = wire_next(&in);
        if (record == NULL) {
            break;
        }
        size_t end = in.offset;
        if (head + (end - start) > limit) {
            if (to > from) {
                rc = send_range(fd, body, head, from, to);
            }
            if (drop_hook != NULL) {
                drop_hook(record, end - start, limit);
            }
            from = to = end;
            continue;
        }
        if (head + (end - from) > limit) {
            rc = send_range(fd, body, head, from, to);
            from = start;
        }
        to = end;
    }
    if (rc == 0 && to > from) {
        rc = send_range(fd, body, head, from, to);
    }
    wire_in_free(&in);
    return rc;
}

/* Counts the strings of o, and the count and bytes of those of at most `small` bytes. */
struct string_sizes {
    size_t count, small_count, small_bytes;
};

static void count_strings(const msgpack_object *o, size_t small, struct string_sizes *z)
{
    if (o->type == MSGPACK_OBJECT_STR || o->type == MSGPACK_OBJECT_BIN) {
        size_t n = o->type == MSGPACK_OBJECT_STR ? o->via.str.size : o->via.bin.size;
        z->count++;
        if (n <= small) {
            z->small_count++;
            z->small_bytes += n;
        }
    } else if (o->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            count_strings(&o->via.array.ptr[i], small, z);
        }
    } else if (o->type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            count_strings(&o->via.map.ptr[i].key, small, z);
            count_strings(&o->via.map.ptr[i].val, small, z);
        }
    }
}

static const char truncated_note[] = " [truncated to fit the frame limit]";

static void pack_capped(msgpack_packer *pk, const msgpack_object *o, size_t cap)
{
    if (o->type == MSGPACK_OBJECT_STR && o->via.str.size > cap) {
        size_t keep = cap > sizeof(truncated_note) ? cap - sizeof(truncated_note) : 0;
        while (keep > 0 && ((unsigned char)o->via.str.ptr[keep] & 0xC0) == 0x80) {
            keep--; /* not inside a UTF-8 sequence */
        }
        msgpack_pack_str(pk, keep + sizeof(truncated_note) - 1);
        msgpack_pack_str_body(pk, o->via.str.ptr, keep);
        msgpack_pack_str_body(pk, truncated_note, sizeof(truncated_note) - 1);
    } else if (o->type == MSGPACK_OBJECT_BIN && o->via.bin.size > cap) {
        msgpack_pack_bin(pk, cap);
        msgpack_pack_bin_body(pk, o->via.bin.ptr, cap);
    } else if (o->type == MSGPACK_OBJECT_ARRAY) {
        msgpack_pack_array(pk, o->via.array.size);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            pack_capped(pk, &o->via.array.ptr[i], cap);
        }
    } else if (o->type == MSGPACK_OBJECT_MAP) {
        msgpack_pack_map(pk, o->via.map.size);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            pack_capped(pk, &o->via.map.ptr[i].key, cap);
            pack_capped(pk, &o->via.map.ptr[i].val, cap);
        }
    } else {
        msgpack_pack_object(pk, *o);
    }
}

/*
 * Any other frame over the limit (a run's result whose error or warnings
 * hold hundreds of MiB): it must arrive, so its strings are cut, each to an
 * equal share of the limit, with a note saying so.
 */
static int shrink(struct wire_out *w, size_t limit)
{
    struct wire_in in;
    struct string_sizes z = {0};
    size_t objects = 0;
    wire_in_init(&in, w->buf.data + 4, w->buf.size - 4);
    const msgpack_object *o;
    while ((o = wire_next(&in)) != NULL) {
        count_strings(o, 0, &z);
        objects++;
    }
    /* room for every string's header and the other fields, generously */
    size_t overhead = 4096 + 64 * (z.count + objects);
    if (z.count == 0 || overhead >= limit) {
        wire_in_free(&in);
        errno = EMSGSIZE;
        return -1;
    }
    /* strings under an equal share stay whole; the big ones share what they leave */
    size_t budget = limit - overhead, share = budget / z.count;
    struct string_sizes fit_whole = {0};
    in.offset = 0;
    while ((o = wire_next(&in)) != NULL) {
        count_strings(o, share, &fit_whole);
    }
    size_t cap = fit_whole.small_count < z.count
                     ? (budget - fit_whole.small_bytes) / (z.count - fit_whole.small_count)
                     : share;
    struct wire_out out = {0};
    msgpack_sbuffer_init(&out.buf);
    msgpack_packer_init(&out.pk, &out.buf, msgpack_sbuffer_write);
    static const char prefix[4] = {0, 0, 0, 0};
    msgpack_sbuffer_write(&out.buf, prefix, sizeof(prefix));
    in.offset = 0;
    while ((o = wire_next(&in)) != NULL) {
        pack_capped(&out.pk, o, cap);
    }
    wire_in_free(&in);
    msgpack_sbuffer_destroy(&w->buf);
    w->buf = out.buf;
    msgpack_packer_init(&w->pk, &w->buf, msgpack_sbuffer_write);
    return 0;
}

/* Makes w fit the frame limit; 1 when it was a batch sent already in pieces. */
static int fit(int fd, struct wire_out *w)
{
    size_t limit = wire_max_frame();
    if (w->buf.size - 4 <= limit) {
        return 0;
    }
    long long kind = 0;
    struct wire_in in;
    wire_in_init(&in, w->buf.data + 4, w->buf.size - 4);
    bool batch = wire_int(wire_next(&in), &kind) && kind == WIRE_BATCH;
    wire_in_free(&in);
    if (batch) {
        return send_batch_split(fd, w, limit) == 0 ? 1 : -1;
    }
    return shrink(w, limit);
}

int wire_send(int fd, struct wire_out *w)
{
    if (w->buf.data == NULL || w->buf.size < 4) {
        errno = EINVAL;
        return -1;
    }
    int fitted = fit(fd, w);
    if (fitted != 0) {
        return fitted > 0 ? 0 : -1;
    }
    patch_length(w);
    return write_all(fd, w->buf.data, w->buf.size);
}

int wire_send2(int fd, struct wire_out *first, struct wire_out *second)
{
    if (first->buf.data == NULL || first->buf.size < 4 || second->buf.data == NULL
        || second->buf.size < 4) {
        errno = EINVAL;
        return -1;
    }
    size_t limit = wire_max_frame();
    if (first->buf.size - 4 > limit || second->buf.size - 4 > limit) {
        /* rare: each on its own, cut to fit */
        return wire_send(fd, first) == 0 && wire_send(fd, second) == 0 ? 0 : -1;
    }
    patch_length(first);
    patch_length(second);
    struct iovec iov[2] = {{first->buf.data, first->buf.size}, {second->buf.data, second->buf.size}};
    return writev_all(fd, iov, 2);
}

void wire_free(struct wire_out *w)
{
    if (w->buf.data != NULL) {
        msgpack_sbuffer_destroy(&w->buf);
    }
    memset(w, 0, sizeof(*w));
}

void wire_pack_str(msgpack_packer *pk, const char *s)
{
    if (s == NULL) {
        msgpack_pack_nil(pk);
        return;
    }
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

void wire_pack_strings(msgpack_packer *pk, char **list)
{
    if (list == NULL) {
        msgpack_pack_nil(pk);
        return;
    }
    size_t n = 0;
    while (list[n] != NULL) {
        n++;
    }
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++) {
        wire_pack_str(pk, list[i]);
    }
}

/* 0, 1 at end of stream before the first byte, -1 on error or a short read. */
static int read_all(int fd, char *data, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, data + got, len - got);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (n == 0) {
            return got == 0 ? 1 : -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/*
 * Waits until fd is readable. A reader blocked in read(2) on a Unix socket is
 * woken by every wake-up of that socket, including "space to write" each time
 * the peer consumes what this side sent (unix_write_space): a worker idle
 * between runs was woken once per run for nothing, a context switch on each
 * side. poll(2) registers for POLLIN only and sleeps through those.
 */
static int wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    for (;;) {
        int n = poll(&p, 1, -1);
        if (n > 0) {
            return 0;
        }
        if (n < 0 && errno != EINTR) {
            return -1;
        }
    }
}

int wire_recv(int fd, char **data, size_t *len)
{
    unsigned char prefix[4];
    *data = NULL;
    *len = 0;
    /* most frames are there already (the supervisor polled first): no wait then */
    ssize_t first = recv(fd, prefix, sizeof(prefix), MSG_DONTWAIT);
    if (first < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (wait_readable(fd) != 0) {
            return -1;
        }
        first = 0;
    } else if (first < 0 && errno != EINTR && errno != ENOTSOCK) {
        return -1;
    } else if (first == 0) {
        return 1; /* end of stream before a frame */
    }
    if (first < 0) {
        first = 0; /* EINTR, or not a socket: the plain read below */
    }
    int r = read_all(fd, (char *)prefix + first, sizeof(prefix) - (size_t)first);
    if (r > 0 && first > 0) {
        r = -1; /* end of stream inside a length prefix */
    }
    if (r != 0) {
        return r;
    }
    uint32_t n = (uint32_t)prefix[0] << 24 | (uint32_t)prefix[1] << 16 | (uint32_t)prefix[2] << 8
                 | prefix[3];
    if (n > wire_max_frame()) {
        errno = EMSGSIZE;
        return -1;
    }
    char *buf = malloc(n > 0 ? n : 1);
    if (buf == NULL) {
        return -1;
    }
    if (n > 0 && read_all(fd, buf, n) != 0) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

void wire_in_init(struct wire_in *in, const char *data, size_t len)
{
    in->data = data;
    in->len = len;
    in->offset = 0;
    if (!msgpack_zone_init(&in->zone, MSGPACK_ZONE_CHUNK_SIZE)) {
        in->offset = len; /* out of memory: an empty frame */
    }
}

const msgpack_object *wire_next(struct wire_in *in)
{
    if (in->offset >= in->len) {
        return NULL;
    }
    msgpack_zone_clear(&in->zone);
    /* EXTRA_BYTES: an object, with more after it in the frame */
    msgpack_unpack_return r = msgpack_unpack(in->data, in->len, &in->offset, &in->zone, &in->obj);
    if (r != MSGPACK_UNPACK_SUCCESS && r != MSGPACK_UNPACK_EXTRA_BYTES) {
        in->offset = in->len;
        return NULL;
    }
    return &in->obj;
}

void wire_in_free(struct wire_in *in)
{
    msgpack_zone_destroy(&in->zone);
}

char *wire_strdup(const msgpack_object *o)
{
    if (o == NULL || (o->type != MSGPACK_OBJECT_STR && o->type != MSGPACK_OBJECT_BIN)) {
        return NULL;
    }
    const char *p = o->type == MSGPACK_OBJECT_STR ? o->via.str.ptr : o->via.bin.ptr;
    uint32_t n = o->type == MSGPACK_OBJECT_STR ? o->via.str.size : o->via.bin.size;
    char *s = malloc((size_t)n + 1);
    if (s != NULL) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

char **wire_strings(const msgpack_object *o)
{
    if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY) {
        return NULL;
    }
    size_t n = o->via.array.size;
    size_t text = 0;
    for (size_t i = 0; i < n; i++) {
        const msgpack_object *item = &o->via.array.ptr[i];
        text += (item->type == MSGPACK_OBJECT_STR ? item->via.str.size : 0) + 1;
    }
    /* one block: the pointer array, then the strings it points into */
    char **list = malloc((n + 1) * sizeof(char *) + text);
    if (list == NULL) {
        return NULL;
    }
    char *cursor = (char *)(list + n + 1);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const msgpack_object *item = &o->via.array.ptr[i];
        if (item->type != MSGPACK_OBJECT_STR) {
            continue; /* a NULL inside the list would end it early */
        }
        memcpy(cursor, item->via.str.ptr, item->via.str.size);
        cursor[item->via.str.size] = '\0';
        list[kept++] = cursor;
        cursor += item->via.str.size + 1;
    }
    list[kept] = NULL;
    return list;
}

bool wire_int(const msgpack_object *o, long long *out)
{
    if (o == NULL) {
        return false;
    }
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        *out = (long long)o->via.u64;
        return true;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = (long long)o->via.i64;
        return true;
    }
    return false;
}

bool wire_double(const msgpack_object *o, double *out)
{
    if (o == NULL) {
        return false;
    }
    if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) {
        *out = o->via.f64;
        return true;
    }
    long long i = 0;
    if (wire_int(o, &i)) {
        *out = (double)i;
        return true;
    }
    return false;
}
