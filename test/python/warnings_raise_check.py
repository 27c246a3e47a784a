"""A check whose get_warnings() raises."""
from datadog_checks.checks import AgentCheck


class WarningsRaiseCheck(AgentCheck):
    def get_warnings(self):
        raise ValueError("no warnings today")
