"""A check written for the old constructor: it requires ``agentConfig``.

``get_check`` fails on it (TypeError: missing argument) and
``get_check_deprecated`` succeeds, which is the Agent's fallback path.
"""
from datadog_checks.checks import AgentCheck

RECORD = {}


class DeprecatedCheck(AgentCheck):
    def __init__(self, name, init_config, agentConfig, instances=None):
        super(DeprecatedCheck, self).__init__(
            name=name, init_config=init_config, agentConfig=agentConfig, instances=instances
        )
        RECORD.clear()
        RECORD["name"] = name
        RECORD["init_config"] = init_config
        RECORD["agentConfig"] = agentConfig
        RECORD["instances"] = list(instances)
