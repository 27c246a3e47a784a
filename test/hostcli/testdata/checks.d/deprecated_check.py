"""Only the deprecated constructor API (with agentConfig) works for this one.

Not named "deprecated": Debian's python3-deprecated would shadow it on sys.path."""
from datadog_checks.base import AgentCheck

__version__ = "0.0.1"


class DeprecatedCheck(AgentCheck):
    def __init__(self, name, init_config, agentConfig, instances):
        super(DeprecatedCheck, self).__init__(name, init_config, agentConfig, instances)

    def check(self, instance):
        self.set_metadata("agent_hostname", self.agentConfig.get("hostname"))
        self.gauge("deprecated.ran", 1)
