"""System load averages, read from /proc/loadavg."""
from datadog_checks.base import AgentCheck

__version__ = "1.0.0"


class LoadAvgCheck(AgentCheck):
    def check(self, instance):
        with open(instance.get("file", "/proc/loadavg")) as f:
            fields = f.read().split()
        tags = list(instance.get("tags", []))
        for name, value in zip(("1", "5", "15"), fields[:3]):
            self.gauge("example.load.%s" % name, float(value), tags=tags)
        running, total = fields[3].split("/")
        self.gauge("example.load.procs_running", int(running), tags=tags)
        self.gauge("example.load.procs_total", int(total), tags=tags)
