"""Reports what datadog_agent.get_config answers for the keys integrations read."""
import json

import datadog_agent
from datadog_checks.base import AgentCheck

KEYS = [
    "enable_metadata_collection",
    "disable_unsafe_yaml",
    "log_level",
    "integration_tracing",
    "integration_tracing_exhaustive",
    "integration_profiling",
    "logs_enabled",
    "skip_ssl_validation",
    "proxy",
    "proxy.http",
    "proxy.https",
    "proxy.no_proxy",
    "apm_config.obfuscation.cache.enabled",
    "apm_config.obfuscation.cache.max_size",
    "hostname_fqdn",
    "min_collection_interval",
    "check_runners",
    "cmd_port",
    "cmd_host",
    "bind_host",
    "dogstatsd_port",
    "use_dogstatsd",
    "dogstatsd_non_local_traffic",
    "e2e_never_a_key",
]


class CfgDefaultsCheck(AgentCheck):
    def check(self, instance):
        self.set_metadata("config", json.dumps({k: datadog_agent.get_config(k) for k in KEYS}))
