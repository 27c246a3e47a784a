"""Sleeps 1 s per run without looking at self.cancelled (issue 8, item 2)."""
import time

from datadog_checks.base import AgentCheck


class NapperCheck(AgentCheck):
    def check(self, instance):
        time.sleep(1)
        self.gauge("napper.done", 1)
