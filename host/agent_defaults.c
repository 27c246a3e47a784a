/*
 * agent_defaults.c - the Agent's configuration defaults for the keys that
 * integrations (datadog_checks_base and the checks of integrations-core)
 * read with datadog_agent.get_config.
 *
 * Source: the Agent's pkg/config/setup (config.go, the BindEnvAndSetDefault
 * calls of the Agent 7 configuration) and pkg/collector/check/defaults
 * (the 15 s check interval). Values are YAML, read as the host reads
 * datadog.yaml, so they reach Python in the same JSON form as user values.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

#include "agent_defaults.h"
#include "yaml_load.h"

static const struct {
    const char *key;
    const char *yaml; /* the default, as a YAML value */
} defaults[] = {
    /* datadog_checks_base: AgentCheck.__init__ and its metadata, YAML, tracing, logging */
    {"enable_metadata_collection", "true"},
    {"disable_unsafe_yaml", "true"},
    {"log_level", "info"},
    {"integration_tracing", "false"},
    {"integration_tracing_exhaustive", "false"},
    {"integration_profiling", "false"},
    /* HTTP wrapper and log collection */
    {"logs_enabled", "false"},
    {"skip_ssl_validation", "false"},
    {"proxy", "{http: '', https: '', no_proxy: []}"},
    /* host name resolution */
    {"hostname_fqdn", "false"},
    /* the collector */
    {"min_collection_interval", "15"},
    {"check_runners", "4"},
    /* ports and listeners checks probe (agent_metrics, dogstatsd users) */
    {"cmd_port", "5001"},
    {"cmd_host", "localhost"},
    {"bind_host", "localhost"},
    {"dogstatsd_port", "8125"},
    {"use_dogstatsd", "true"},
    {"dogstatsd_non_local_traffic", "false"},
    /* the obfuscation result cache (pkg/config/setup apm.go; the host reads them too) */
    {"apm_config", "{obfuscation: {cache: {enabled: true, max_size: 5000000}}}"},
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct value *tree;

static void build(void)
{
    struct value *map = value_new(VALUE_MAP, 0);
    for (size_t i = 0; map != NULL && i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        char *error = NULL;
        struct value *v = yaml_load_string(defaults[i].yaml, defaults[i].key, &error);
        /* a table entry that does not parse is a bug of this file: the test of each key catches it */
        if (v == NULL || !value_append(map, defaults[i].key, v)) {
            value_free(v);
            value_free(map);
            map = NULL;
        }
        free(error);
    }
    tree = map;
}

const struct value *host_agent_defaults(void)
{
    pthread_once(&once, build);
    return tree;
}

const struct value *host_agent_default(const char *key)
{
    const struct value *map = host_agent_defaults();
    return map != NULL && key != NULL ? value_get_path(map, key) : NULL;
}
