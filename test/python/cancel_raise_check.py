"""A check whose cancel() raises."""
from datadog_checks.checks import AgentCheck


class CancelRaiseCheck(AgentCheck):
    def cancel(self):
        raise RuntimeError("cancel exploded")
