"""Submits, between two small metrics, one record of every kind that alone is `mib` MiB:
past the frame limit of process isolation (docs/isolation.md), each is dropped, the rest kept.
`fail_mib` raises an error that big; `warn_mib` adds a warning that big; `platform_mib` submits
only a platform event that big (the cheapest kind, for a test at the real 256 MiB limit)."""
import json

import aggregator
import datadog_agent
from datadog_checks.base import AgentCheck


class OversizeCheck(AgentCheck):
    def check(self, instance):
        size = int(instance.get("mib", 0) * 1024 * 1024)
        self.gauge("oversize.before", 1)
        if size:
            big = "x" * size
            many = ["t%07d:%s" % (i, "y" * 40) for i in range(size // 48)]
            self.gauge("oversize.tags", 1, tags=many)
            self.service_check("oversize.sc", AgentCheck.OK, message=big)
            self.event({"timestamp": 1700000000, "msg_title": "big", "msg_text": big})
            aggregator.submit_histogram_bucket(self, self.check_id, "oversize.bucket", 1, 0.0, 1.0, True, "", many)
            aggregator.submit_event_platform_event(self, self.check_id, big, "dbm-samples")
            self.set_metadata("oversize.meta", big)
            datadog_agent.send_log(json.dumps({"message": big}), self.check_id)
            datadog_agent.set_external_tags([("ext-host", {"oversize": many})])
        if instance.get("platform_mib"):
            raw = "p" * int(instance["platform_mib"] * 1024 * 1024)
            aggregator.submit_event_platform_event(self, self.check_id, raw, "dbm-samples")
            del raw
        if instance.get("warn_mib"):
            self.warning("w" * int(instance["warn_mib"] * 1024 * 1024))
        self.gauge("oversize.after", 1)
        if instance.get("fail_mib"):
            raise Exception("e" * int(instance["fail_mib"] * 1024 * 1024))
