"""Ignores cancellation: sleeps without polling self.cancelled."""
import time

from datadog_checks.base import AgentCheck


class StubbornCheck(AgentCheck):
    def check(self, instance):
        with open(instance["started_file"], "w") as f:
            f.write("started")
        time.sleep(instance.get("seconds", 30))
