from datadog_checks.base import AgentCheck


class RaisingCheck(AgentCheck):
    def check(self, instance):
        self.gauge("raising.before", 1)
        raise ValueError("the check broke on purpose")
