"""Installs Python handlers for SIGINT and SIGTERM in its constructor (run on the host's main thread).

Then runs until cancelled. The host's own handlers must still get the signals.
"""
import signal
import time

from datadog_checks.base import AgentCheck


class GrabberCheck(AgentCheck):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        signal.signal(signal.SIGINT, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: None)

    def check(self, instance):
        with open(instance["started_file"], "w") as f:
            f.write("started")
        deadline = time.time() + 60
        while not self.cancelled and time.time() < deadline:
            time.sleep(0.02)
