"""Reads then writes two persistent cache keys (a short one and one past
NAME_MAX), tagging what it writes with the host's name: two hosts sharing a
run_path see each other's values."""
from datadog_checks.base import AgentCheck
import datadog_agent

LONG = "k" * 300


class GohostShareCheck(AgentCheck):
    def check(self, instance):
        me = datadog_agent.get_hostname()
        for label, key in (("short", "shared"), ("long", LONG)):
            try:
                seen = self.read_persistent_cache(key)
            except Exception as e:
                seen = "error: %s" % e
            self.set_metadata(label, seen)
            self.write_persistent_cache(key, me)
