"""A check whose run() returns something that is not a str."""
from datadog_checks.checks import AgentCheck


class RunNonStrCheck(AgentCheck):
    def run(self):
        return 42
