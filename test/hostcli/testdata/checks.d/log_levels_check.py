"""Reports the Python logging levels a check sees and logs a line per level."""
import json
import logging

import datadog_agent
from datadog_checks.base import AgentCheck


class LogLevelsCheck(AgentCheck):
    def check(self, instance):
        library = logging.getLogger("e2e_some_library")
        self.set_metadata(
            "levels",
            json.dumps(
                {
                    "log_level": datadog_agent.get_config("log_level"),
                    "check": self.log.getEffectiveLevel(),
                    "library": library.getEffectiveLevel(),
                    "debug_enabled": self.log.isEnabledFor(logging.DEBUG),
                }
            ),
        )
        self.log.log(7, "e2e-lvl-trace-line")
        self.log.debug("e2e-lvl-debug-line")
        self.log.info("e2e-lvl-info-line")
        self.log.error("e2e-lvl-error-line")
        library.debug("e2e-lvl-library-debug-line")
