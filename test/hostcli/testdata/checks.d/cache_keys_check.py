"""Persistent cache keys the Agent accepts: a long URL in the key; a write that fails raises."""
import json

from datadog_checks.base import AgentCheck

URL = "https://metrics.example.com:8443/api/v1/query?match[]=up&service=orders" + "&x=1" * 30
URL = URL[:189]


class CacheKeysCheck(AgentCheck):
    def check(self, instance):
        key = "last_scrape_" + URL
        previous = self.read_persistent_cache(key)
        self.write_persistent_cache(key, "run-after:" + previous)
        result = {"url_len": len(URL), "previous": previous, "read_back": self.read_persistent_cache(key)}
        try:
            self.write_persistent_cache("too_big", "x" * (4 * 1024 * 1024 + 1))
            result["too_big"] = "no exception"
        except Exception as e:
            result["too_big"] = [type(e).__name__, str(e)]
        self.set_metadata("cache", json.dumps(result))
