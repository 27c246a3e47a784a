"""Starts a tree of processes that only the janitor can clean up after a SIGKILLed host.

Through _util.get_subprocess_output: a command (its own process group) with
a child and a grandchild in that group and one that moved to a session of
its own (setsid). Through subprocess.Popen: a process the check starts
itself, in the host's (or the worker's) group. Through os.fork: a child
that never execs (so its environment is the host's own, untagged). Each writes its pid to
<dir>/<name> (atomically), then sleeps; the command waits for them all, so
the run never ends on its own.
"""
import os
import subprocess
import time

import _util
from datadog_checks.base import AgentCheck

# sh -c 'echo $$ > <dir>/<name>': the process that runs it is the one that sleeps (exec)
RECORD = 'echo $$ > "$D/%s.tmp" && mv "$D/%s.tmp" "$D/%s" && exec sleep 300'


def record(name):
    return RECORD % (name, name, name)


class JanitorTreeCheck(AgentCheck):
    def check(self, instance):
        d = instance["dir"]
        subprocess.Popen(["sh", "-c", record("popen")], env=dict(os.environ, D=d))
        child = os.fork()
        if child == 0:
            try:
                with open(os.path.join(d, "forked.tmp"), "w") as f:
                    f.write(str(os.getpid()))
                os.rename(os.path.join(d, "forked.tmp"), os.path.join(d, "forked"))
                time.sleep(300)
            finally:
                os._exit(0)
        script = " ".join([
            "sh -c %s &" % quote(record("child")),
            "sh -c %s &" % quote("sh -c %s & wait" % quote(record("grandchild"))),
            "setsid sh -c %s &" % quote(record("setsid")),
            "echo $$ > \"$D/command.tmp\" && mv \"$D/command.tmp\" \"$D/command\";",
            "wait",
        ])
        _util.get_subprocess_output(["sh", "-c", script], False, env={"D": d, "PATH": "/usr/bin:/bin"})


def quote(s):
    return "'" + s.replace("'", "'\\''") + "'"
