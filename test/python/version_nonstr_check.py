"""A check module whose __version__ is not a str."""
from datadog_checks.checks import AgentCheck

__version__ = 100


class VersionNonStrCheck(AgentCheck):
    pass
