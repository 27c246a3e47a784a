"""Context switches since the previous run, using the persistent cache.

The counter of /proc/stat only grows; the delta between two runs is what
matters. The previous reading survives host restarts in the persistent cache.
"""
from datadog_checks.base import AgentCheck

__version__ = "1.0.0"


class CtxSwitchesCheck(AgentCheck):
    CACHE_KEY = "last_ctxt"

    def check(self, instance):
        current = None
        with open(instance.get("file", "/proc/stat")) as f:
            for line in f:
                if line.startswith("ctxt "):
                    current = int(line.split()[1])
        if current is None:
            raise ValueError("no 'ctxt' line in /proc/stat")
        tags = list(instance.get("tags", []))
        self.monotonic_count("example.ctx_switches.total", current, tags=tags)
        previous = self.read_persistent_cache(self.CACHE_KEY)
        if previous:
            self.gauge("example.ctx_switches.since_last_run", current - int(previous), tags=tags)
        else:
            self.warning("first run: no previous reading, the delta starts next run")
        self.write_persistent_cache(self.CACHE_KEY, str(current))
