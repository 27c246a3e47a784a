from datadog_checks.checks import AgentCheck


class BenchCheck(AgentCheck):
    def run(self):
        return ""
