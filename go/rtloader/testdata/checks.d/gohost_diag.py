"""Diagnoses as a JSON string."""
import json

from datadog_checks.base import AgentCheck


class GohostDiagCheck(AgentCheck):
    def get_diagnoses(self):
        return json.dumps([{"result": 0, "name": "gohost", "diagnosis": "fine"}])

    def check(self, instance):
        pass
