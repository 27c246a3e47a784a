"""Submits the same contexts several times in one run."""
from datadog_checks.base import AgentCheck


class AggregateCheck(AgentCheck):
    def check(self, instance):
        self.gauge("agg.gauge", 1, tags=["a:1"])
        self.gauge("agg.gauge", 5, tags=["a:1"])
        self.gauge("agg.gauge", 9, tags=["a:2"])
        self.count("agg.count", 2, tags=["a:1"])
        self.count("agg.count", 3, tags=["a:1"])
        self.gauge("agg.tag_order", 1, tags=["x:1", "y:2"])
        self.gauge("agg.tag_order", 2, tags=["y:2", "x:1"])
