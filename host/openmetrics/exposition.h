/*
 * exposition.h - the text of the Prometheus/OpenMetrics exposition: metric
 * and label names made valid, label values escaped, numbers, the two
 * formats' differences, and the choice of format from an Accept header.
 * Pure functions on strings; GIL: none, any thread.
 */
#ifndef RTLOADER_HOST_OPENMETRICS_EXPOSITION_H
#define RTLOADER_HOST_OPENMETRICS_EXPOSITION_H

#include <stdbool.h>
#include <stddef.h>

#include "value.h"

enum om_format {
    OM_TEXT_004,      /* text/plain; version=0.0.4 */
    OM_OPENMETRICS_1, /* application/openmetrics-text; version=1.0.0 */
};

enum om_type { OM_GAUGE, OM_COUNTER, OM_HISTOGRAM };

/* `name` with every character outside [A-Za-z0-9_] replaced by '_' and a
 * '_' in front of a leading digit; `prefix` (may be NULL or "") joined with
 * '_'. Colons are replaced too: Prometheus reserves them for recording rules. */
char *om_metric_name(const char *prefix, const char *name);
/* A label name: as a metric name, and a leading "__" (reserved by
 * Prometheus) gets "tag" in front. */
char *om_label_name(const char *name);
/* Appends `value` escaped for a label value: backslash, double quote,
 * newline; bytes that are not valid UTF-8 become U+FFFD. */
void om_escape_label_value(struct strbuf *b, const char *value);
/* The same for HELP text (double quotes stay). */
void om_escape_help(struct strbuf *b, const char *text);
/* Appends a sample value: the shortest text that reads back as `v`; NaN, +Inf, -Inf. */
void om_append_number(struct strbuf *b, double v);

/* The format to answer with for an Accept header (NULL: none sent): the
 * OpenMetrics 1.0.0 text when it is acceptable with a q at least that of the
 * Prometheus text, else the Prometheus text 0.0.4. */
enum om_format om_negotiate(const char *accept);
const char *om_content_type(enum om_format format);

/* "# TYPE" (and "# HELP" when help != NULL) lines of a family. A counter's
 * family name has no "_total" in OpenMetrics and has it in text 0.0.4. */
void om_append_family_header(struct strbuf *b, enum om_format format, const char *family,
                             enum om_type type, const char *help);

#endif /* RTLOADER_HOST_OPENMETRICS_EXPOSITION_H */
