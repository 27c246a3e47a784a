"""A check whose get_warnings() returns a str instead of a list."""
from datadog_checks.checks import AgentCheck


class WarningsNonListCheck(AgentCheck):
    def get_warnings(self):
        return "not a list"
