"""Raises from check(): the run's error carries the traceback."""
from datadog_checks.base import AgentCheck


class GohostFailCheck(AgentCheck):
    def check(self, instance):
        raise ValueError("gohost boom")
