"""Submits the same series with a tag repeated: the Agent keys a context by the set of tags."""
import aggregator
from datadog_checks.base import AgentCheck


class DupTagsCheck(AgentCheck):
    def check(self, instance):
        aggregator.submit_metric(self, self.check_id, aggregator.GAUGE, "e2e.dup", 1.0, ["a:1", "a:1", "b"], "", False)
        aggregator.submit_metric(self, self.check_id, aggregator.GAUGE, "e2e.dup", 2.0, ["b", "a:1"], "", False)
        aggregator.submit_metric(self, self.check_id, aggregator.COUNT, "e2e.dupcount", 1.0, ["x:1", "x:1"], "", False)
        aggregator.submit_metric(self, self.check_id, aggregator.COUNT, "e2e.dupcount", 2.0, ["x:1"], "", False)
