"""Both constructors fail: the combined error of the Agent."""
from datadog_checks.base import AgentCheck


class GohostCtorCheck(AgentCheck):
    def __init__(self, *args, **kwargs):
        raise RuntimeError("gohost ctor refused")
