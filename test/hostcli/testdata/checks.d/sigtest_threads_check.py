"""Starts Python threads of its own that are still busy when the host exits.

Each instance starts `threads` daemon threads on its first run (they compute
and sleep in a loop, never joined), writes `started_file`, then runs until
cancelled, so a stop finds its run in progress and the threads running.
"""
import threading
import time

from datadog_checks.base import AgentCheck


def spin():
    while True:
        sum(range(200))
        time.sleep(0.001)


class ThreadsCheck(AgentCheck):
    def check(self, instance):
        if not getattr(self, "spinners", None):
            self.spinners = [threading.Thread(target=spin, daemon=True) for _ in range(instance.get("threads", 4))]
            for t in self.spinners:
                t.start()
        with open(instance["started_file"], "w") as f:
            f.write("started")
        deadline = time.time() + 60
        while not self.cancelled and time.time() < deadline:
            time.sleep(0.02)
