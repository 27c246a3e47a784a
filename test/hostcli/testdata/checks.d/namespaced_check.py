"""A check class with __NAMESPACE__: the real base class prefixes its names unless raw."""
from datadog_checks.base import AgentCheck


class NamespacedCheck(AgentCheck):
    __NAMESPACE__ = "e2e_ns"

    def check(self, instance):
        self.gauge("metric", 1, tags=["a:b"])
        self.gauge("e2e.raw_metric", 1, tags=["a:b"], raw=True)
        self.service_check("sc", AgentCheck.OK)
