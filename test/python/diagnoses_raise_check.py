"""A check whose get_diagnoses() raises; the message needs JSON escaping."""
from datadog_checks.checks import AgentCheck

MESSAGE = 'diag "failed" \\ badly\n\tsecond line \x01 end'


class DiagnosesRaiseCheck(AgentCheck):
    def get_diagnoses(self):
        raise ValueError(MESSAGE)
