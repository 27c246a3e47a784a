/*
 * cgo_free.h - releasing what host callbacks return.
 *
 * Strings and arrays a callback hands back to rtloader were allocated by the
 * host; rtloader returns them to the host's allocator through the function
 * registered with set_cgo_free_cb(). On POSIX the host usually registers
 * `_free` (both sides share the C heap); on Windows memory must be freed by
 * the module that allocated it, which is why this indirection exists.
 *
 * GIL: none; callable from any thread.
 */
#ifndef DATADOG_AGENT_RTLOADER_CGO_FREE_H
#define DATADOG_AGENT_RTLOADER_CGO_FREE_H

#include "rtloader_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Frees `ptr` with the registered cgo-free callback. NULL is ignored. When
 * no callback is registered the pointer is leaked rather than freed with an
 * allocator that may not own it.
 */
DATADOG_AGENT_RTLOADER_API void cgo_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* DATADOG_AGENT_RTLOADER_CGO_FREE_H */
