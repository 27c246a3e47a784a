from datadog_checks.base import AgentCheck


class MultiCheck(AgentCheck):
    def check(self, instance):
        self.gauge("multi.instance", 1, tags=["label:" + instance["label"]])
        self.set_metadata("init_config", repr(sorted(self.init_config.items())))
