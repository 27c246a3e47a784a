"""Takes 60 s to construct: a signal arrives while the host is still loading (issue 8, item 2)."""
import time

from datadog_checks.base import AgentCheck


class SlowInitCheck(AgentCheck):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with open(self.instance["started_file"], "w") as f:
            f.write("started")
        time.sleep(60)

    def check(self, instance):
        pass
