"""Answers of the callbacks agentcfg_check does not probe, as JSON metadata, a line through
datadog_agent.log at each level, agent telemetry and a warning: process isolation answers
these in the worker (docs/isolation.md); isolation_callbacks_test.go compares both modes."""
import json

import datadog_agent
import kubeutil
import tagger
import util
from datadog_checks.base import AgentCheck

# rtloader's levels: trace, debug, info, warning, error, critical
LEVELS = {"trace": 7, "debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}


class AnswersCheck(AgentCheck):
    def check(self, instance):
        answers = {
            "headers": datadog_agent.headers({}, http_host="example.com"),
            "util_headers": util.headers({}),
            "tracemalloc": datadog_agent.tracemalloc_enabled(),
            "connection_info": kubeutil.get_connection_info(),
            "get_tags": tagger.get_tags("container_id://abc", False),
            "log_level": datadog_agent.get_config("log_level"),
        }
        for name, value in sorted(answers.items()):
            self.set_metadata(name, json.dumps(value))
        for name, level in sorted(LEVELS.items(), key=lambda item: item[1]):
            datadog_agent.log("e2e-answers-%s-line" % name, level)
        datadog_agent.emit_agent_telemetry("answers_check", "e2e.telemetry", 1.0, "gauge")
        self.warning("e2e-answers-warning")
