"""A check whose run() raises."""
from datadog_checks.checks import AgentCheck


class RunRaiseCheck(AgentCheck):
    def run(self):
        raise RuntimeError("run exploded")
