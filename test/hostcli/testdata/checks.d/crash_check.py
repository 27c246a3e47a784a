"""Faults for process isolation (test/hostcli/isolation_test.go): `mode` picks one."""
import ctypes
import os
import signal
import time

from datadog_checks.base import AgentCheck

hog = []


class CrashCheck(AgentCheck):
    def check(self, instance):
        mode = instance.get("mode", "ok")
        self.gauge("crash.before", 1, tags=["mode:" + mode])
        if "started_file" in instance:
            with open(instance["started_file"], "w") as f:
                f.write(str(os.getpid()))
        if mode == "segv":
            ctypes.string_at(0)
        elif mode == "abort":
            os.abort()
        elif mode == "exit":
            os._exit(7)
        elif mode == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif mode == "spin":
            while True:  # ignores cancellation
                pass
        elif mode == "sleep":
            while not self.cancelled:
                time.sleep(0.05)
        elif mode == "nap":  # `seconds`, less when cancelled
            deadline = time.time() + instance.get("seconds", 3)
            while not self.cancelled and time.time() < deadline:
                time.sleep(0.02)
        elif mode == "grow":
            hog.append(b"x" * (instance["grow_mib"] * 1024 * 1024))
        self.gauge("crash.after", 1, tags=["mode:" + mode])
