"""Two identical instances (test/hostcli/isolation_faults_test.go): which object ran, how often."""
from datadog_checks.base import AgentCheck


class TwinCheck(AgentCheck):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.runs = 0

    def check(self, instance):
        self.runs += 1
        self.gauge("twin.runs", self.runs, tags=["object:%x" % id(self)])
