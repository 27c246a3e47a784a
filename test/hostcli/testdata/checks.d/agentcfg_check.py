"""Reports what the datadog_agent, containers and tagger modules answer, as JSON metadata."""
import json

import containers
import datadog_agent
import tagger
from datadog_checks.base import AgentCheck

KEYS = ["custom.nested.key", "custom_list", "custom_bool", "custom_int", "missing.key", "hostname"]


class AgentCfgCheck(AgentCheck):
    def check(self, instance):
        self.set_metadata("config", json.dumps({k: datadog_agent.get_config(k) for k in KEYS}))
        self.set_metadata("hostname", datadog_agent.get_hostname())
        self.set_metadata("version", datadog_agent.get_version())
        self.set_metadata("host_tags", datadog_agent.get_host_tags())
        self.set_metadata("clustername", datadog_agent.get_clustername())
        self.set_metadata("process_start_time", repr(datadog_agent.get_process_start_time()))
        try:
            self.set_metadata("obfuscate_sql", json.dumps(["ok", datadog_agent.obfuscate_sql("SELECT * FROM t WHERE id = 1")]))
        except Exception as e:
            self.set_metadata("obfuscate_sql", json.dumps([type(e).__name__, str(e)]))
        names = ["bad-one", "bad_but_ok", "good"]
        self.set_metadata(
            "excluded", json.dumps({n: bool(containers.is_excluded(n, "image:latest")) for n in names})
        )
        self.set_metadata(
            "tags",
            json.dumps(
                {
                    "known": tagger.tag("container_id://abc", tagger.LOW),
                    "unknown": tagger.tag("container_id://nope", tagger.LOW),
                }
            ),
        )
