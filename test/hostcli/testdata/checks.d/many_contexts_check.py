"""Thousands of contexts, each submitted twice, with other submissions in between."""
from datadog_checks.base import AgentCheck

N = 5000


class ManyContextsCheck(AgentCheck):
    def check(self, instance):
        for round_ in range(2):
            for i in range(N):
                self.gauge("many.g%d" % i, i + round_, tags=["t:%d" % (i % 7)])
                if round_ == 0 and i % 100 == 0:
                    self.service_check("many.sc", AgentCheck.OK)
                self.count("many.c", 1, tags=["t:%d" % (i % 3)])
