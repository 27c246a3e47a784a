from datadog_checks.base import AgentCheck

SKIP = "The integration refused to load the check configuration, it may be too old or too new."


class SkippingCheck(AgentCheck):
    def __init__(self, *args, **kwargs):
        super(SkippingCheck, self).__init__(*args, **kwargs)
        if self.instance.get("skip"):
            raise Exception(SKIP)

    def check(self, instance):
        self.gauge("skipping.ran", 1)
