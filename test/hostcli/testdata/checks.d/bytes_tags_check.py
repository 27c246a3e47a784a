"""Submits tags, names and host names as bytes, None and undecodable bytes."""
import aggregator
from datadog_checks.base import AgentCheck


class BytesTagsCheck(AgentCheck):
    def check(self, instance):
        # the builtin directly, as in the issue
        aggregator.submit_metric(
            self, self.check_id, aggregator.GAUGE, "e2e.direct", 1.0, [b"env:prod", "role:db"], "", False
        )
        aggregator.submit_service_check(self, self.check_id, "e2e.direct_sc", 0, [b"env:prod", "role:db"], "", "")
        # the base class
        self.gauge("e2e.base", 2, tags=[b"env:prod", None, "role:db", b"\xff\xfe"])
        self.gauge(b"e2e.bytes_name", 3, tags=["a:b"], hostname=b"byteshost")
        self.gauge("e2e.device", 4, tags=["a:b"], device_name="sda1")
        self.gauge("e2e.none_value", None, tags=["a:b"])
        self.service_check("e2e.base_sc", AgentCheck.OK, tags=[b"env:prod", None], message=b"fine")
        self.event({"msg_title": "t", "msg_text": "x", "tags": [b"env:prod", None, "role:db"]})

