"""Light check for the concurrency soak: callbacks with and without strings."""
import datadog_agent
import tagger
from datadog_checks.base import AgentCheck


class GohostSoakCheck(AgentCheck):
    def check(self, instance):
        self.gauge("gohost.soak", instance.get("n", 0), tags=["soak:1"])
        self.set_metadata("host", datadog_agent.get_hostname())
        tagger.tag("entity-1", tagger.LOW)
        datadog_agent.get_config("some.key")
        self.warning("soak warning")
