"""Test stub of ``datadog_checks.base.utils``."""
