/*
 * callbacks.c - the process-wide table of host callbacks, cgo_free, and
 * rtloader's own log line.
 */
#include "callbacks.h"

struct rtl_callbacks three_callbacks;

/* GIL: none. Exported: the contract lists cgo_free among the backend's symbols. */
__attribute__((visibility("default"))) void cgo_free(void *ptr)
{
    cb_cgo_free_t free_cb = three_callbacks.cgo_free;
    if (ptr != NULL && free_cb != NULL) {
        free_cb(ptr);
    }
}

/* GIL: none. */
void agent_log(log_level_t level, const char *message)
{
    cb_log_t log_cb = three_callbacks.log;
    if (log_cb != NULL && message != NULL) {
        /* the callback's signature takes a mutable pointer it never writes */
        log_cb((char *)message, (int)level);
    }
}
