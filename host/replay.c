/*
 * replay.c - submissions received from a worker, into the same sender
 * functions the in-process callbacks call (docs/isolation.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sender.h"
#include "supervisor_internal.h"

static void note(struct supervisor *s, const msgpack_object *f, size_t n)
{
    char *kind = n > 1 ? wire_strdup(&f[1]) : NULL;
    char *name = n > 2 ? wire_strdup(&f[2]) : NULL;
    char *message = n > 3 ? wire_strdup(&f[3]) : NULL;
    char *key = NULL;
    bool seen = false;
    if (s->loading && asprintf(&key, "%s\n%s\n%s", kind != NULL ? kind : "", name != NULL ? name : "",
                 message != NULL ? message : "")
        >= 0) {
        for (size_t i = 0; i < s->seen_count && !seen; i++) {
            seen = strcmp(s->seen_notes[i], key) == 0;
        }
        char **grown = seen ? NULL : realloc(s->seen_notes, (s->seen_count + 1) * sizeof(char *));
        if (grown != NULL) {
            s->seen_notes = grown;
            s->seen_notes[s->seen_count++] = key;
            key = NULL;
        }
    }
    /* the same check-level error from every worker is one error, as in process */
    if (!seen && kind != NULL) {
        sender_print_note(kind, name, message);
    }
    free(key);
    free(kind);
    free(name);
    free(message);
}

void replay_record(struct supervisor *s, const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2) {
        return;
    }
    const msgpack_object *f = o->via.array.ptr;
    size_t n = o->via.array.size;
    long long kind = -1;
    wire_int(&f[0], &kind);
    if (kind == WIRE_REC_NOTE) {
        note(s, f, n);
        return;
    }
    if (kind == WIRE_REC_EXTERNAL_TAGS && n >= 4) {
        char *host = wire_strdup(&f[1]), *source = wire_strdup(&f[2]);
        char **tags = wire_strings(&f[3]);
        sender_record_external_tags(host, source, tags);
        free(host);
        free(source);
        free(tags);
        return;
    }
    char *id = wire_strdup(&f[1]);
    long long i1 = 0, i2 = 0;
    double d1 = 0, d2 = 0, d3 = 0;
    if (kind == WIRE_REC_METRIC && n >= 7 && wire_int(&f[2], &i1) && wire_double(&f[4], &d1)) {
        char *name = wire_strdup(&f[3]), *host = wire_strdup(&f[6]);
        char **tags = wire_strings(&f[5]);
        sender_metric(id, (metric_type_t)i1, name, d1, tags, host);
        free(name);
        free(host);
        free(tags);
    } else if (kind == WIRE_REC_SERVICE_CHECK && n >= 7 && wire_int(&f[3], &i1)) {
        char *name = wire_strdup(&f[2]), *host = wire_strdup(&f[5]), *msg = wire_strdup(&f[6]);
        char **tags = wire_strings(&f[4]);
        sender_service_check(id, name, (int)i1, tags, host, msg);
        free(name);
        free(host);
        free(msg);
        free(tags);
    } else if (kind == WIRE_REC_EVENT && n >= 12 && wire_int(&f[4], &i1)) {
        event_t ev = {
            .title = wire_strdup(&f[2]),
            .text = wire_strdup(&f[3]),
            .ts = (long)i1,
            .priority = wire_strdup(&f[5]),
            .host = wire_strdup(&f[6]),
            .tags = wire_strings(&f[7]),
            .alert_type = wire_strdup(&f[8]),
            .aggregation_key = wire_strdup(&f[9]),
            .source_type_name = wire_strdup(&f[10]),
            .event_type = wire_strdup(&f[11]),
        };
        sender_event(id, &ev);
        free(ev.title);
        free(ev.text);
        free(ev.priority);
        free(ev.host);
        free(ev.tags);
        free(ev.alert_type);
        free(ev.aggregation_key);
        free(ev.source_type_name);
        free(ev.event_type);
    } else if (kind == WIRE_REC_HISTOGRAM_BUCKET && n >= 9 && wire_int(&f[3], &i1)
               && wire_double(&f[4], &d2) && wire_double(&f[5], &d3) && wire_int(&f[6], &i2)) {
        char *name = wire_strdup(&f[2]), *host = wire_strdup(&f[7]);
        char **tags = wire_strings(&f[8]);
        sender_histogram_bucket(id, name, i1, (float)d2, (float)d3, (int)i2, host, tags);
        free(name);
        free(host);
        free(tags);
    } else if (kind == WIRE_REC_PLATFORM_EVENT && n >= 4 && f[2].type == MSGPACK_OBJECT_BIN) {
        char *type = wire_strdup(&f[3]);
        sender_platform_event(id, f[2].via.bin.ptr, (int)f[2].via.bin.size, type);
        free(type);
    } else if (kind == WIRE_REC_METADATA && n >= 4) {
        char *name = wire_strdup(&f[2]), *value = wire_strdup(&f[3]);
        sender_record_metadata(id, name, value);
        free(name);
        free(value);
    } else if (kind == WIRE_REC_LOG && n >= 3) {
        char *line = wire_strdup(&f[2]);
        sender_record_log(id, line);
        free(line);
    }
    free(id);
}

