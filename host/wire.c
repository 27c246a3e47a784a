/*
 * wire.c - frames of MessagePack objects over a stream socket.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

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

int wire_send(int fd, struct wire_out *w)
{
    if (w->buf.data == NULL || w->buf.size < 4) {
        errno = EINVAL;
        return -1;
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
    patch_length(first);
    patch_length(second);
    struct iovec iov[2] = {{first->buf.data, first->buf.size}, {second->buf.data, second->buf.size}};
    size_t total = first->buf.size + second->buf.size;
    ssize_t n;
    do {
        n = writev(fd, iov, 2);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return -1;
    }
    if ((size_t)n == total) {
        return 0;
    }
    /* a short write: the rest, frame by frame */
    if ((size_t)n < first->buf.size) {
        if (write_all(fd, first->buf.data + n, first->buf.size - (size_t)n) != 0) {
            return -1;
        }
        n = 0;
    } else {
        n -= (ssize_t)first->buf.size;
    }
    return write_all(fd, second->buf.data + n, second->buf.size - (size_t)n);
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
    if (n > WIRE_MAX_FRAME) {
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
