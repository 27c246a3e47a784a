"""Counts its runs in the persistent cache."""
from datadog_checks.base import AgentCheck


class CacheCounterCheck(AgentCheck):
    def check(self, instance):
        previous = self.read_persistent_cache("counter")
        count = int(previous) + 1 if previous else 1
        self.write_persistent_cache("counter", str(count))
        self.set_metadata("previous", repr(previous))
        self.gauge("cache.counter", count)
