"""A small AgentCheck with the everyday API of datadog_checks_base.

It talks to the host only through the rtloader builtin modules
(`aggregator`, `datadog_agent`). Real integrations should install
datadog_checks_base; this is what runs when it is absent.
"""
import copy
import json
import logging
import traceback

try:
    import aggregator
    import datadog_agent
except ImportError:  # imported outside an rtloader host (e.g. for linting)
    aggregator = None
    datadog_agent = None

__all__ = ["AgentCheck"]

_LEVELS = {
    logging.CRITICAL: 50,
    logging.ERROR: 40,
    logging.WARNING: 30,
    logging.INFO: 20,
    logging.DEBUG: 10,
}


class _AgentLogHandler(logging.Handler):
    """Forwards log records to the host's log callback."""

    def emit(self, record):
        if datadog_agent is None:
            return
        try:
            datadog_agent.log(self.format(record), _LEVELS.get(record.levelno, record.levelno))
        except Exception:  # never let logging break a check
            pass


def _logger(name):
    log = logging.getLogger("datadog_checks.%s" % name)
    if not any(isinstance(h, _AgentLogHandler) for h in log.handlers):
        handler = _AgentLogHandler()
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
        log.propagate = False
    return log


class AgentCheck(object):
    OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3

    def __init__(self, *args, **kwargs):
        # Positional form (name, init_config, agentConfig, instances) of old
        # checks, keyword form of the current constructor API.
        self.name = kwargs.get("name", args[0] if len(args) > 0 else "")
        self.init_config = kwargs.get("init_config", args[1] if len(args) > 1 else None) or {}
        self.agentConfig = kwargs.get("agentConfig", args[2] if len(args) > 2 else None) or {}
        instances = kwargs.get("instances", args[3] if len(args) > 3 else None)
        self.instances = list(instances or [])
        self.instance = self.instances[0] if self.instances else None
        self.check_id = ""
        # set by cancel(): long-running check() methods poll it to stop early
        self.cancelled = False
        self.log = _logger(self.name or "check")
        self._warnings = []

    # -- configuration -------------------------------------------------

    @staticmethod
    def load_config(text):
        """Parses a configuration string: JSON, or YAML when PyYAML is present."""
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            pass
        import yaml  # ImportError tells the host why a YAML string was refused

        return yaml.safe_load(text)

    # -- metrics -------------------------------------------------------

    def _submit_metric(self, mtype, name, value, tags, hostname, flush_first_value):
        if aggregator is None:
            return
        aggregator.submit_metric(
            self,
            self.check_id,
            mtype,
            name,
            float(value),
            self._normalize_tags(tags),
            hostname or "",
            flush_first_value,
        )

    @staticmethod
    def _normalize_tags(tags):
        if tags is None:
            return []
        if isinstance(tags, str):
            raise TypeError("tags must be a list of strings, not a str")
        return [t if isinstance(t, str) else str(t) for t in tags]

    def gauge(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
              flush_first_value=False):
        self._submit_metric(aggregator.GAUGE, name, value, tags, hostname, flush_first_value)

    def count(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
              flush_first_value=False):
        self._submit_metric(aggregator.COUNT, name, value, tags, hostname, flush_first_value)

    def monotonic_count(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
                        flush_first_value=False):
        self._submit_metric(aggregator.MONOTONIC_COUNT, name, value, tags, hostname,
                            flush_first_value)

    def rate(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
             flush_first_value=False):
        self._submit_metric(aggregator.RATE, name, value, tags, hostname, flush_first_value)

    def histogram(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
                  flush_first_value=False):
        self._submit_metric(aggregator.HISTOGRAM, name, value, tags, hostname, flush_first_value)

    def historate(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
                  flush_first_value=False):
        self._submit_metric(aggregator.HISTORATE, name, value, tags, hostname, flush_first_value)

    def service_check(self, name, status, tags=None, hostname=None, message=None, raw=False):
        if aggregator is None:
            return
        aggregator.submit_service_check(self, self.check_id, name, int(status),
                                        self._normalize_tags(tags), hostname or "",
                                        message or "")

    def event(self, event):
        if aggregator is None:
            return
        event = dict(event)
        if "tags" in event:
            event["tags"] = self._normalize_tags(event["tags"])
        aggregator.submit_event(self, self.check_id, event)

    # -- state, metadata, warnings -------------------------------------

    def _cache_key(self, key):
        return "%s_%s" % (self.check_id, key)

    def read_persistent_cache(self, key):
        return datadog_agent.read_persistent_cache(self._cache_key(key))

    def write_persistent_cache(self, key, value):
        datadog_agent.write_persistent_cache(self._cache_key(key), value)

    def set_metadata(self, name, value, **options):
        datadog_agent.set_check_metadata(self.check_id, name, str(value))

    def warning(self, warning_message, *args):
        message = warning_message % args if args else str(warning_message)
        self.log.warning(message)
        self._warnings.append(message)

    def get_warnings(self):
        warnings, self._warnings = self._warnings, []
        return warnings

    def get_diagnoses(self):
        return json.dumps([])

    # -- running -------------------------------------------------------

    def check(self, instance):
        raise NotImplementedError

    def cancel(self):
        """Called (from another thread) when the host stops the check."""
        self.cancelled = True

    def run(self):
        """Runs check() once: "" on success, a JSON list of errors otherwise."""
        try:
            instance = copy.deepcopy(self.instances[0]) if self.instances else {}
            self.check(instance)
            return ""
        except Exception as e:
            return json.dumps([{"message": str(e), "traceback": traceback.format_exc()}])
