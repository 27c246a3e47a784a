"""Takes 60 s to construct: a signal arrives while the host is still loading (issue 8, item 2).

With `child_pid_file`, the constructor first starts `sleep 60` in the
process group of the process that loads it (a child that its parent's
death alone does not end) and writes its pid there.
"""
import os
import subprocess
import time

from datadog_checks.base import AgentCheck


class SlowInitCheck(AgentCheck):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "child_pid_file" in self.instance:
            child = subprocess.Popen(["sleep", "60"])
            path = self.instance["child_pid_file"]
            with open(path + ".tmp", "w") as f:
                f.write(str(child.pid))
            os.rename(path + ".tmp", path)
        with open(self.instance["started_file"], "w") as f:
            f.write("started")
        time.sleep(60)

    def check(self, instance):
        pass
