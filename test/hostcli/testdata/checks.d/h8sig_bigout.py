"""Reads `bytes` bytes of output through _util.get_subprocess_output (issue 8, item 4)."""
import _util
from datadog_checks.base import AgentCheck


class BigOutCheck(AgentCheck):
    def check(self, instance):
        out, _, _ = _util.get_subprocess_output(["sh", "-c", "yes | head -c %d" % instance["bytes"]], False)
        self.gauge("bigout.length", len(out))
