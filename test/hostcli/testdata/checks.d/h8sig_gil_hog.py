"""Holds the GIL without a break: a regular expression that backtracks for hours (issue 8, item 1)."""
import re

from datadog_checks.base import AgentCheck


class GilHogCheck(AgentCheck):
    def check(self, instance):
        with open(instance["started_file"], "w") as f:
            f.write("started")
        # one C call, no bytecode boundary: neither cancel() nor any other thread gets the GIL
        re.match(r"(a+)+$", "a" * 64 + "b")
