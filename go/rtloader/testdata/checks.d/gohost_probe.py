"""Exercises every callback family through the Go package (fixture of go/rtloader)."""
import json

import _util
import containers
import datadog_agent
import kubeutil
import tagger
from datadog_checks.base import AgentCheck

__version__ = "2.5.0"


class GohostProbeCheck(AgentCheck):
    def check(self, instance):
        self.gauge("gohost.gauge", instance.get("value", 1), tags=["b:2", "a:1"])
        self.count("gohost.count", 2)
        self.count("gohost.count", 3)
        self.service_check("gohost.sc", 1, tags=["x:y"], message="meh")
        self.event({"msg_title": "t", "msg_text": "body", "timestamp": 12, "tags": ["e:1"]})
        self.set_metadata("hostname", datadog_agent.get_hostname())
        self.set_metadata("version", str(datadog_agent.get_version()))
        self.set_metadata("config", json.dumps(datadog_agent.get_config("some.key")))
        self.set_metadata("tags", json.dumps(tagger.tag("entity-1", tagger.LOW)))
        self.set_metadata("excluded", str(containers.is_excluded("bad", "img")))
        self.set_metadata("conn", json.dumps(kubeutil.get_connection_info()))
        out, err, rc = _util.get_subprocess_output(["sh", "-c", "echo out; echo err >&2; exit 3"])
        self.set_metadata("subprocess", json.dumps([out, err, rc]))
        try:
            datadog_agent.obfuscate_sql("SELECT 1")
        except Exception as e:
            self.set_metadata("obfuscate", str(e))
        previous = self.read_persistent_cache("runs")
        self.write_persistent_cache("runs", str(int(previous or 0) + 1))
        self.log.warning("gohost log line")
        self.warning("gohost warning %d", 7)
