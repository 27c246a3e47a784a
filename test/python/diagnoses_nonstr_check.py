"""A check whose get_diagnoses() returns a list instead of a JSON string."""
from datadog_checks.checks import AgentCheck


class DiagnosesNonStrCheck(AgentCheck):
    def get_diagnoses(self):
        return [{"result": 0}]
