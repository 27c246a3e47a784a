# Backward-compatible alias, as in integrations-core: rtloader imports the
# base class from here.
from datadog_checks.base.checks import AgentCheck

__all__ = ["AgentCheck"]
