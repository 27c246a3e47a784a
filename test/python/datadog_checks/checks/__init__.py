"""Backward-compatible alias of ``datadog_checks.base.checks`` (what rtloader's init imports)."""
from datadog_checks.base.checks import AgentCheck  # noqa: F401
