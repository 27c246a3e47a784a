"""The integration wheels installed beside the host (get_integration_list)."""

DATADOG_PREFIX = "datadog-"


def get_datadog_wheels():
    try:
        from importlib import metadata
    except ImportError:  # pragma: no cover - Python < 3.8 is not supported
        return []
    names = set()
    for dist in metadata.distributions():
        name = (dist.metadata.get("Name") or "").lower()
        if name.startswith(DATADOG_PREFIX) and name != "datadog-checks-base":
            names.add(name[len(DATADOG_PREFIX):].replace("-", "_"))
    return sorted(names)
