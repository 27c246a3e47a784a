"""A check whose warnings list mixes str and non-str elements.

rtloader skips the non-str elements: the result is
["first warning", "second warning", "third warning"].
"""
from datadog_checks.checks import AgentCheck


class WarningsCheck(AgentCheck):
    def get_warnings(self):
        return ["first warning", 42, "second warning", None, b"bytes", "third warning", 1.5]
