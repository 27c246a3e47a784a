"""Attributes of every kind for get_attr_bool (the Agent reads HA_SUPPORTED on the class)."""
from datadog_checks.checks import AgentCheck

HA_SUPPORTED = True
HA_DISABLED = False
HA_NONE = None
HA_STRING = "bar"
HA_INT = 1


class HaCheck(AgentCheck):
    HA_SUPPORTED = True


class HaCheckDisabled(object):
    HA_SUPPORTED = False
