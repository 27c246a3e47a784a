"""Test stub of the integrations-core ``datadog_checks`` namespace."""
