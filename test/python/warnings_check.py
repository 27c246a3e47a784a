"""A check whose warnings list mixes str and non-str elements.

rtloader skips the elements that are neither str nor UTF-8 bytes (bytes are
strings, as in upstream's as_string): the result is
["first warning", "second warning", "bytes", "third warning"].
"""
from datadog_checks.checks import AgentCheck


class WarningsCheck(AgentCheck):
    def get_warnings(self):
        return ["first warning", 42, "second warning", None, b"bytes", b"\xff not utf-8", "third warning", 1.5]
