/*
 * callbacks.h - the host callbacks as the backend's files see them.
 *
 * `three_callbacks` is the single process-wide table (see
 * rtloader_backend.h); the front's setters write it before init(), the
 * builtin modules read it afterwards, nothing copies it.
 */
#ifndef RTLOADER_THREE_CALLBACKS_H
#define RTLOADER_THREE_CALLBACKS_H

#include "cgo_free.h"
#include "three.h"

THREE_INTERNAL extern struct rtl_callbacks three_callbacks;

/*
 * Sends one of rtloader's own diagnostics to the host's log callback, if
 * any (message NULL -> nothing). GIL: none.
 */
THREE_INTERNAL void agent_log(log_level_t level, const char *message);

#endif /* RTLOADER_THREE_CALLBACKS_H */
