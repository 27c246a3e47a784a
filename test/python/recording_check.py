"""A working check that records what rtloader did to it.

``RECORD`` is rebuilt by every constructor call and updated by ``run`` and
``cancel``; the Go tests read it with ``json.dumps(recording_check.RECORD)``.
"""
from datadog_checks.checks import AgentCheck

__version__ = '1.0.0'

RECORD = {}


def _describe(value):
    return {"type": type(value).__name__, "value": value}


class RecordingCheck(AgentCheck):
    def __init__(self, *args, **kwargs):
        super(RecordingCheck, self).__init__(*args, **kwargs)
        RECORD.clear()
        RECORD["args"] = len(args)
        RECORD["kwarg_names"] = sorted(kwargs)
        RECORD["name"] = _describe(kwargs.get("name"))
        RECORD["init_config"] = _describe(kwargs.get("init_config"))
        instances = kwargs.get("instances")
        RECORD["instances_type"] = type(instances).__name__
        RECORD["instances"] = list(instances) if isinstance(instances, (list, tuple)) else None
        RECORD["agentConfig"] = _describe(kwargs.get("agentConfig"))
        RECORD["runs"] = 0
        RECORD["cancelled"] = 0

    def run(self):
        RECORD["runs"] += 1
        RECORD["check_id"] = getattr(self, "check_id", None)
        RECORD["has_provider"] = hasattr(self, "provider")
        RECORD["provider"] = getattr(self, "provider", None)
        return ""

    def cancel(self):
        RECORD["cancelled"] += 1
