"""Stops its run when cancelled, but its cancel() then blocks for 90 s (issue 8, item 1)."""
import time

from datadog_checks.base import AgentCheck


class SlowCancelCheck(AgentCheck):
    def check(self, instance):
        with open(instance["started_file"], "w") as f:
            f.write("started")
        deadline = time.time() + 60
        while not self.cancelled and time.time() < deadline:
            time.sleep(0.02)

    def cancel(self):
        self.cancelled = True
        time.sleep(90)
