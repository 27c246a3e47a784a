"""A check module that fails while being imported."""
from datadog_checks.checks import AgentCheck


class ImportErrorCheck(AgentCheck):
    pass


raise RuntimeError("broken at import")
