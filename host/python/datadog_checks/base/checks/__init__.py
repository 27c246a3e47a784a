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

TRACE_LEVEL = 7

# The real base class's LOG_LEVEL_MAP (datadog_checks.base.log): the Agent's
# level names to Python levels; unknown names mean DEBUG there too.
_PY_LEVELS = {
    "CRIT": logging.CRITICAL,
    "CRITICAL": logging.CRITICAL,
    "ERR": logging.ERROR,
    "ERROR": logging.ERROR,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "INFO": logging.INFO,
    "DEBUG": logging.DEBUG,
    "TRACE": TRACE_LEVEL,
    "OFF": logging.CRITICAL + 10,  # the host's "off": nothing passes
}


def _configured_level():
    """The Python level for the Agent's log_level (the host's --log-level wins in it)."""
    level = None
    if datadog_agent is not None:
        try:
            level = datadog_agent.get_config("log_level")
        except Exception:
            level = None
    if not isinstance(level, str) or not level:
        level = "INFO"
    return _PY_LEVELS.get(level.upper(), logging.DEBUG)


class _AgentLogHandler(logging.Handler):
    """Forwards log records to the host's log callback (levels are the same numbers)."""

    def emit(self, record):
        if datadog_agent is None:
            return
        try:
            datadog_agent.log(self.format(record), record.levelno)
        except Exception:  # never let logging break a check
            pass


def _init_logging():
    """As the real base class's init_logging: the root logger forwards to the host at the
    configured level, so loggers of checks and libraries follow --log-level / log_level."""
    logging.addLevelName(TRACE_LEVEL, "TRACE")
    root = logging.getLogger()
    if not any(isinstance(h, _AgentLogHandler) for h in root.handlers):
        handler = _AgentLogHandler()
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(_configured_level())


def _logger(name):
    # a child of the root logger: no handler or level of its own, so records reach the
    # root's handler at the root's level
    return logging.getLogger("datadog_checks.%s" % name)


if datadog_agent is not None:
    _init_logging()


def _to_native_string(value):
    """bytes as UTF-8 (UnicodeError when they are not), anything else as str()."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value if isinstance(value, str) else str(value)


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

    # As the real base class: metric and service check names get the class's
    # __NAMESPACE__ unless raw; names, tags and host names given as bytes are
    # decoded as UTF-8; None tags are dropped and undecodable ones skipped with
    # a warning; device_name becomes the tag device:<name>; a None value is no
    # sample; a value that is not a number raises ValueError.
    __NAMESPACE__ = ""

    def _format_namespace(self, name, raw=False):
        name = _to_native_string(name)
        namespace = getattr(self, "__NAMESPACE__", "")
        if raw or not namespace:
            return name
        return "%s.%s" % (_to_native_string(namespace), name)

    def _submit_metric(self, mtype, name, value, tags, hostname, device_name, raw,
                       flush_first_value):
        if aggregator is None or value is None:
            return
        name = self._format_namespace(name, raw)
        tags = self._normalize_tags(tags, device_name, name)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                "Metric: %r has non float value: %r. Only float values can be submitted as "
                "metrics." % (name, value)
            )
        aggregator.submit_metric(self, self.check_id, mtype, name, value, tags,
                                 self._normalize_hostname(hostname), flush_first_value)

    @staticmethod
    def _normalize_hostname(hostname):
        return "" if hostname is None else _to_native_string(hostname)

    def _normalize_tags(self, tags, device_name=None, metric_name=None):
        if isinstance(tags, (str, bytes)):
            raise TypeError("tags must be a list of strings, not a %s" % type(tags).__name__)
        normalized = []
        if device_name:
            normalized.append("device:%s" % _to_native_string(device_name))
        for tag in tags or []:
            if tag is None:
                continue
            try:
                normalized.append(_to_native_string(tag))
            except UnicodeError:
                self.log.warning("Encoding error with tag `%r` for metric `%s`, ignoring tag",
                                 tag, metric_name)
        return normalized

    def gauge(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
              flush_first_value=False):
        self._submit_metric(aggregator.GAUGE, name, value, tags, hostname, device_name, raw,
                            flush_first_value)

    def count(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
              flush_first_value=False):
        self._submit_metric(aggregator.COUNT, name, value, tags, hostname, device_name, raw,
                            flush_first_value)

    def monotonic_count(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
                        flush_first_value=False):
        self._submit_metric(aggregator.MONOTONIC_COUNT, name, value, tags, hostname, device_name, raw,
                            flush_first_value)

    def rate(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
             flush_first_value=False):
        self._submit_metric(aggregator.RATE, name, value, tags, hostname, device_name, raw,
                            flush_first_value)

    def histogram(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
                  flush_first_value=False):
        self._submit_metric(aggregator.HISTOGRAM, name, value, tags, hostname, device_name, raw,
                            flush_first_value)

    def historate(self, name, value, tags=None, hostname=None, device_name=None, raw=False,
                  flush_first_value=False):
        self._submit_metric(aggregator.HISTORATE, name, value, tags, hostname, device_name, raw,
                            flush_first_value)

    def service_check(self, name, status, tags=None, hostname=None, message=None, raw=False):
        if aggregator is None:
            return
        aggregator.submit_service_check(self, self.check_id, self._format_namespace(name, raw),
                                        int(status), self._normalize_tags(tags, None, name),
                                        self._normalize_hostname(hostname),
                                        "" if message is None else _to_native_string(message))

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
