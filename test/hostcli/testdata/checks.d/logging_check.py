"""Logs one line per level through self.log (the host's log callback)."""
from datadog_checks.base import AgentCheck


class LoggingCheck(AgentCheck):
    def check(self, instance):
        self.log.debug("e2e-debug-line")
        self.log.info("e2e-info-line")
        self.log.warning("e2e-warning-line")
        self.log.error("e2e-error-line")
        self.log.critical("e2e-critical-line")
