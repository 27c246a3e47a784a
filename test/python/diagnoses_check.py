"""A check with two diagnoses, returned as the JSON string rtloader expects."""
import json

from datadog_checks.checks import AgentCheck

DIAGNOSES = [
    {
        "result": 0,
        "name": "connectivity",
        "diagnosis": "all good",
        "category": "network",
        "description": "can reach the service",
        "remediation": "",
        "rawerror": "",
    },
    {
        "result": 2,
        "name": "auth",
        "diagnosis": "bad credentials",
        "category": "security",
        "description": "login refused",
        "remediation": "fix the password",
        "rawerror": "401",
    },
]


class DiagnosesCheck(AgentCheck):
    def get_diagnoses(self):
        return json.dumps(DIAGNOSES)
