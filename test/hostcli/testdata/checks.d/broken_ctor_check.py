from datadog_checks.base import AgentCheck


class BrokenCtorCheck(AgentCheck):
    def __init__(self, *args, **kwargs):
        raise RuntimeError("constructor always fails")
