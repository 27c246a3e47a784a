"""A check whose constructor refuses the configuration (integrations-core's SkipInstanceError)."""
from datadog_checks.checks import AgentCheck

SKIP_MESSAGE = "The integration refused to load the check configuration, it may be too old or too new."


class SkipInstanceError(Exception):
    pass


class RaisingInitCheck(AgentCheck):
    def __init__(self, *args, **kwargs):
        super(RaisingInitCheck, self).__init__(*args, **kwargs)
        raise SkipInstanceError(SKIP_MESSAGE)
