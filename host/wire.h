/*
 * wire.h - the framed protocol between the supervisor and its workers.
 *
 * A frame is a 4-byte big-endian length followed by that many bytes: a
 * sequence of MessagePack objects (libmsgpack-c) whose first is the message
 * kind. A `batch` frame carries any number of submissions after its kind,
 * so the sender of a batch never needs to know the count in advance.
 * docs/isolation.md lists the messages and their fields. GIL: none.
 */
#ifndef RTLOADER_HOST_WIRE_H
#define RTLOADER_HOST_WIRE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>

/* Frames above this are refused: a corrupt length must not allocate gigabytes. */
#define WIRE_MAX_FRAME (256u * 1024u * 1024u)
/* RTLOADER_TEST_WIRE_MAX_FRAME=<bytes> lowers the limit (not below WIRE_MIN_FRAME) in the
 * host and, inherited, in its workers: the tests of oversized records need not allocate
 * 256 MiB. */
#define WIRE_MAX_FRAME_ENV "RTLOADER_TEST_WIRE_MAX_FRAME"
#define WIRE_MIN_FRAME (256u * 1024u)
/* A batch is written when it grows past this many bytes, and at the end of a run. */
#define WIRE_BATCH_BYTES (64u * 1024u)

enum wire_kind {
    WIRE_LOAD = 1, /* host: check name, workers N, this worker's number k, shift, quiet */
    WIRE_RUN,      /* host: check id, alone (nothing else is sent until its DONE) */
    WIRE_LOADED,   /* worker: [[index, id, version, source, interval], ...] */
    WIRE_BATCH,    /* worker: submissions until the end of the frame */
    WIRE_DONE,     /* worker: check id, error|nil, cancelled, duration_ms, [warnings], cpu_s, rss_bytes */
    WIRE_CANCEL,   /* host: check id (a run past its run_timeout) */
};

enum wire_record {
    WIRE_REC_METRIC,
    WIRE_REC_SERVICE_CHECK,
    WIRE_REC_EVENT,
    WIRE_REC_HISTOGRAM_BUCKET,
    WIRE_REC_PLATFORM_EVENT,
    WIRE_REC_METADATA,
    WIRE_REC_LOG,
    WIRE_REC_EXTERNAL_TAGS,
    WIRE_REC_NOTE, /* a load_error / skipped_instance line */
};

/* An outgoing frame: pack into `pk`, then wire_send. */
struct wire_out {
    msgpack_sbuffer buf;
    msgpack_packer pk;
};

/* The frame limit in force: WIRE_MAX_FRAME, or lower from WIRE_MAX_FRAME_ENV. */
size_t wire_max_frame(void);
/*
 * Frames over the limit are never written: a batch goes out in several
 * frames, each record that alone exceeds the limit dropped and passed to the
 * hook (record, its packed size, the limit); any other frame has its strings
 * cut to fit. The hook runs in the sending thread, inside wire_send.
 */
typedef void (*wire_drop_hook)(const msgpack_object *record, size_t bytes, size_t limit);
void wire_set_drop_hook(wire_drop_hook hook);

/* Starts a frame of `kind` (reserving the length prefix). */
void wire_begin(struct wire_out *w, enum wire_kind kind);
/* Bytes packed since wire_begin (prefix included). */
size_t wire_size(const struct wire_out *w);
/* Writes the frame whole (retrying short writes and EINTR), fitted to the limit as
 * wire_set_drop_hook says. 0, or -1 (errno). */
int wire_send(int fd, struct wire_out *w);
/* Writes two frames with one system call (a run's last batch and its result). */
int wire_send2(int fd, struct wire_out *first, struct wire_out *second);
void wire_free(struct wire_out *w);

/* Packs a C string, or nil for NULL. */
void wire_pack_str(msgpack_packer *pk, const char *s);
/* Packs a NULL-terminated string list, or nil for NULL. */
void wire_pack_strings(msgpack_packer *pk, char **list);

/*
 * Reads one frame into *data (malloc'd, *len bytes). Returns 0, 1 on a
 * clean end of stream before any byte of a frame, -1 on an error or a
 * truncated frame.
 */
int wire_recv(int fd, char **data, size_t *len);

/* A cursor over the objects of a received frame. */
struct wire_in {
    const char *data;
    size_t len, offset;
    /* one zone for the whole frame, cleared per object: msgpack_unpack_next
     * would allocate a fresh zone for every submission */
    msgpack_zone zone;
    msgpack_object obj;
};

void wire_in_init(struct wire_in *in, const char *data, size_t len);
/* The next object, or NULL at the end of the frame (or on malformed data).
 * Valid until the next call. */
const msgpack_object *wire_next(struct wire_in *in);
void wire_in_free(struct wire_in *in);

/*
 * Decoding helpers. Strings come out NUL-terminated (msgpack strings are
 * not): wire_strdup mallocs a copy, NULL for nil. wire_strings gives a
 * NULL-terminated list (one malloc'd block holding the pointers and the
 * text), NULL for nil.
 */
char *wire_strdup(const msgpack_object *o);
char **wire_strings(const msgpack_object *o);
bool wire_int(const msgpack_object *o, long long *out);
bool wire_double(const msgpack_object *o, double *out);

#endif /* RTLOADER_HOST_WIRE_H */
