"""Runs until cancelled (or max_seconds): longer than its interval."""
import time

from datadog_checks.base import AgentCheck


class SleeperCheck(AgentCheck):
    def check(self, instance):
        with open(instance["started_file"], "w") as f:
            f.write("started")
        deadline = time.time() + instance.get("max_seconds", 60)
        while not self.cancelled and time.time() < deadline:
            time.sleep(0.05)
        self.gauge("sleeper.saw_cancel", 1 if self.cancelled else 0)
