"""Spins until cancelled (or max_seconds, default 10 s), then reports whether it saw the cancel."""
import time

from datadog_checks.base import AgentCheck


class GohostCancelCheck(AgentCheck):
    def check(self, instance):
        self.gauge("gohost.started", 1)
        deadline = time.time() + float(instance.get("max_seconds", 10))
        while not self.cancelled and time.time() < deadline:
            time.sleep(0.01)
        self.gauge("gohost.saw_cancel", 1 if self.cancelled else 0)
