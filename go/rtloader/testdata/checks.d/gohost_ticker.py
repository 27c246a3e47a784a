"""Starts a daemon thread that appends a line to instance["path"] every
10 ms, for ever: Loader.Close must stop it (no Python runs after Close)."""
import threading
import time

from datadog_checks.base import AgentCheck


def tick(path):
    n = 0
    while True:
        n += 1
        with open(path, "a") as f:
            f.write("%d\n" % n)
        time.sleep(0.01)


class GohostTickerCheck(AgentCheck):
    def check(self, instance):
        if not getattr(self, "started", False):
            self.started = True
            threading.Thread(target=tick, args=(instance["path"],), daemon=True).start()
