"""Reports what _util.get_subprocess_output returns, as JSON metadata."""
import json

import _util
from datadog_checks.base import AgentCheck


def outcome(call):
    try:
        return {"result": list(call())}
    except Exception as e:
        return {"exception": type(e).__name__, "message": str(e)}


class SubprocCheck(AgentCheck):
    def check(self, instance):
        probes = {
            "basic": lambda: _util.get_subprocess_output(["sh", "-c", "echo out; echo err >&2; exit 3"]),
            "missing": lambda: _util.get_subprocess_output(["/nonexistent/e2e-no-such-binary"]),
            "env": lambda: _util.get_subprocess_output(["sh", "-c", "echo $FOO"], env={"FOO": "bar"}),
            "empty": lambda: _util.get_subprocess_output(["true"], True),
        }
        for name, call in sorted(probes.items()):
            self.set_metadata(name, json.dumps(outcome(call)))
