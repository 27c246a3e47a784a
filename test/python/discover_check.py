"""A check class with the experimental discovery hook (discover_config).

``discover(service)`` gets the service as parsed JSON and returns what the
test asks for through the service itself:
  {"mode": "configs", ...} -> a list with one config built from the service
  {"mode": "none"}         -> None (serialized as "null")
  {"mode": "raise"}        -> raises ValueError("cannot discover")
  {"mode": "unserializable"} -> a set (json.dumps fails)
"""
from datadog_checks.checks import AgentCheck


class DiscoverCheck(AgentCheck):
    @classmethod
    def discover(cls, service):
        mode = service.get("mode")
        if mode == "none":
            return None
        if mode == "raise":
            raise ValueError("cannot discover")
        if mode == "unserializable":
            return {1, 2}
        return [
            {
                "init_config": {},
                "instances": [{"host": service.get("host"), "port": service.get("port")}],
                "check": cls.__name__,
            }
        ]
