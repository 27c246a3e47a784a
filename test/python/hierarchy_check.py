"""Class discovery: dir() order is alphabetical and a class with subclasses is skipped.

``AIntermediateCheck`` comes first but has a subclass; ``ZLeafCheck`` is the
one get_class must return. ``BUnrelated`` is not an AgentCheck at all.
"""
from datadog_checks.checks import AgentCheck


class AIntermediateCheck(AgentCheck):
    pass


class BUnrelated(object):
    pass


class ZLeafCheck(AIntermediateCheck):
    pass
