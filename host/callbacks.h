/*
 * callbacks.h - the host's answers to the builtin modules: datadog_agent,
 * util, _util, tagger, kubeutil, containers (the aggregator's are in
 * sender.c).
 *
 * Strings handed to rtloader are allocated with _malloc, and _free is the
 * cgo_free callback: with the memory tracker on, the host's strings are
 * counted by the same counters as rtloader's own.
 */
#ifndef RTLOADER_HOST_CALLBACKS_H
#define RTLOADER_HOST_CALLBACKS_H

#include "cache.h"
#include "config.h"
#include "datadog_agent_rtloader.h"

#define HOST_AGENT_VERSION "7.99.0-rtloader"

/*
 * Registers every callback. `cfg` and `cache` must outlive the rtloader.
 * Returns 0, or -1 with *error when the container patterns do not compile.
 * GIL: none; before init.
 */
int host_callbacks_register(rtloader_t *rt, const struct host_config *cfg,
                            struct host_cache *cache, char **error);
void host_callbacks_teardown(void);

/* The container filter on its own (used by tests). */
int host_is_excluded(char *name, char *image, char *namespace_);

#endif /* RTLOADER_HOST_CALLBACKS_H */
