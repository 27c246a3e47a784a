"""A check whose run() reports a failure the way integrations-core does: a non-empty string."""
import json

from datadog_checks.checks import AgentCheck

ERROR = json.dumps([{"message": "something went wrong", "traceback": "Traceback: fake"}])


class RunErrorCheck(AgentCheck):
    def run(self):
        return ERROR
