/*
 * agent_defaults.h - the Agent's defaults for the datadog.yaml keys that
 * integrations read through datadog_agent.get_config, answered when the
 * user's configuration does not set the key (docs/host.md lists them).
 * GIL: none.
 */
#ifndef RTLOADER_HOST_AGENT_DEFAULTS_H
#define RTLOADER_HOST_AGENT_DEFAULTS_H

#include "value.h"

/* The defaults as a value tree (a map; nested keys such as proxy.http walk it),
 * built once; NULL when out of memory. Thread-safe. */
const struct value *host_agent_defaults(void);

/* The default at a (dotted) key, NULL when the Agent has none. */
const struct value *host_agent_default(const char *key);

#endif /* RTLOADER_HOST_AGENT_DEFAULTS_H */
