"""Reports the signal state of every kind of process a check can start (issue 8, item 3).

For each kind, metadata <kind> = {"SigBlk": hex, "SigIgn": hex, "SigCgt": hex}
as read from the child's /proc/self/status, and terminate_* = the exit
status of a child sent SIGTERM.
"""
import json
import multiprocessing
import os
import subprocess
import sys
import time

import _util
import h8sig_mpworker
from datadog_checks.base import AgentCheck


def masks(text):
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("SigBlk", "SigIgn", "SigCgt"):
            out[key] = value.strip()
    return out


def python_executable():
    # the embedded interpreter's sys.executable may be another Python: use this version's
    path = os.path.join(sys.base_exec_prefix, "bin", "python%d.%d" % sys.version_info[:2])
    return path if os.path.exists(path) else sys.executable


class SigStateCheck(AgentCheck):
    def report(self, name, call):
        try:
            value = call()
        except Exception as e:
            value = {"exception": "%s: %s" % (type(e).__name__, e)}
        self.set_metadata(name, json.dumps(value))

    def forked(self):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            os.write(w, h8sig_mpworker.status().encode())
            os._exit(0)
        os.close(w)
        chunks = []
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(r)
        os.waitpid(pid, 0)
        return masks(b"".join(chunks).decode())

    # One Process with a Pipe rather than a Pool: a Pool's own threads make a
    # fork-context child liable to deadlock on their locks (CPython's warning),
    # which is not what is tested here.
    def context(self, method):
        ctx = multiprocessing.get_context(method)
        if method != "fork":
            ctx.set_executable(python_executable())
        return ctx

    def child(self, method):
        ctx = self.context(method)
        parent, child = ctx.Pipe(duplex=False)
        p = ctx.Process(target=h8sig_mpworker.send_status, args=(child,))
        p.start()
        child.close()
        try:
            if not parent.poll(30):
                return {"exception": "no answer from the child in 30 s"}
            return masks(parent.recv())
        finally:
            p.join(10)
            if p.exitcode is None:
                p.kill()
                p.join()

    def terminated_child(self, method):
        # Pool.terminate() is this on every worker: it hangs when SIGTERM is blocked in them
        p = self.context(method).Process(target=h8sig_mpworker.nap)
        p.start()
        time.sleep(0.2)
        p.terminate()
        p.join(5)
        if p.exitcode is None:
            p.kill()
            p.join()
            return {"returncode": "still running 5 s after terminate()"}
        return {"returncode": p.exitcode}

    def terminated(self):
        p = subprocess.Popen(["sleep", "60"])
        p.terminate()
        try:
            return {"returncode": p.wait(timeout=5)}
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return {"returncode": "still running 5 s after terminate()"}

    def check(self, instance):
        self.report("subprocess", lambda: masks(subprocess.check_output(["cat", "/proc/self/status"]).decode()))
        self.report("get_subprocess_output",
                    lambda: masks(_util.get_subprocess_output(["cat", "/proc/self/status"], False)[0]))
        self.report("os_fork", self.forked)
        for method in ("fork", "spawn", "forkserver"):
            self.report("multiprocessing_" + method, lambda: self.child(method))
        self.report("terminate_subprocess", self.terminated)
        self.report("terminate_multiprocessing_fork", lambda: self.terminated_child("fork"))
