"""Waits on a command that never ends, through _util.get_subprocess_output (issue 8, item 4).

The shell writes its pid and its background sleep's pid, then waits: the
command, and a child of its own, both outlive any reasonable run.
"""
import _util
from datadog_checks.base import AgentCheck


class StuckSubprocCheck(AgentCheck):
    def check(self, instance):
        pids = instance["pid_file"]
        script = "sleep 120 & echo $$ $! > %s.tmp && mv %s.tmp %s; wait" % (pids, pids, pids)
        if instance.get("exec_only"):
            script = "echo $$ > %s.tmp && mv %s.tmp %s; exec sleep 120" % (pids, pids, pids)
        try:
            _util.get_subprocess_output(["sh", "-c", script], False)
        except Exception as e:
            self.set_metadata("subprocess_error", str(e))
            raise
