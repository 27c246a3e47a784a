"""A module that imports AgentCheck but defines no subclass of it."""
from datadog_checks.checks import AgentCheck  # noqa: F401


class NotACheck(object):
    def run(self):
        return ""


def helper():
    return 1
