"""Test stub: the list of installed integration wheels (get_integration_list)."""


def get_datadog_wheels():
    return ["foo", "bar", "baz"]
