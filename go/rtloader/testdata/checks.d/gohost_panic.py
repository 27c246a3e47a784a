"""Calls the getter the test host panics in, and reports what Python saw."""
import datadog_agent
from datadog_checks.base import AgentCheck


class GohostPanicCheck(AgentCheck):
    def check(self, instance):
        try:
            datadog_agent.get_clustername()
        except Exception as e:
            cause = e.__cause__ or e.__context__
            self.set_metadata("caught", "%s|%s" % (type(e).__name__, cause))
        self.gauge("gohost.after_panic", 1)
        datadog_agent.get_clustername()  # uncaught: fails the run
