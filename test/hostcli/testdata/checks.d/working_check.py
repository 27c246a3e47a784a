"""Submits one of everything a check can send, for the end-to-end tests."""
import json

import aggregator
import datadog_agent
from datadog_checks.base import AgentCheck

__version__ = "2.5.1"


class WorkingCheck(AgentCheck):
    def check(self, instance):
        label = instance["label"]
        tags = ["instance:" + label] + list(instance.get("tags", []))
        self.gauge("e2e.gauge", 1.5, tags=tags)
        self.count("e2e.count", 3, tags=tags)
        self.monotonic_count("e2e.monotonic", 42, tags=tags)
        self.rate("e2e.rate", 7.25, tags=tags)
        self.histogram("e2e.histogram", 12, tags=tags)
        self.historate("e2e.historate", 2, tags=tags)
        self.gauge("e2e.other_host", 5, tags=tags, hostname="elsewhere")
        self.service_check("e2e.can_connect", AgentCheck.WARNING, tags=tags, message="slow answer")
        self.event(
            {
                "timestamp": 1700000000,
                "event_type": "e2e_event",
                "msg_title": "hello " + label,
                "msg_text": "an event",
                "tags": tags,
                "alert_type": "info",
                "priority": "low",
                "aggregation_key": "agg",
                "source_type_name": "e2e",
            }
        )
        aggregator.submit_histogram_bucket(
            self, self.check_id, "e2e.bucket", 4, 0.0, 10.0, True, "", tags
        )
        aggregator.submit_event_platform_event(self, self.check_id, '{"raw": 1}', "dbm-samples")
        self.set_metadata("version.raw", __version__)
        datadog_agent.send_log(json.dumps({"message": "a log line", "label": label}), self.check_id)
        datadog_agent.set_external_tags([("ext-host", {"e2e_source": ["ext:" + label]})])
        self.warning("watch out: %s", label)
