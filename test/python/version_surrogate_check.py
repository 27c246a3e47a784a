"""A check module whose __version__ is a str that cannot be encoded to UTF-8 (lone surrogate)."""
from datadog_checks.checks import AgentCheck

__version__ = "1.0-\udc80"


class VersionSurrogateCheck(AgentCheck):
    pass
