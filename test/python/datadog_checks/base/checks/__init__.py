"""A minimal ``AgentCheck`` standing in for integrations-core's base class.

Only what rtloader itself touches is implemented: the constructor keywords
(``name``, ``init_config``, ``instances``, ``agentConfig``), ``run``,
``cancel``, ``get_warnings``, ``get_diagnoses`` and ``load_config``.
"""
import json


class AgentCheck(object):
    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs
        self.name = kwargs.get('name')
        self.init_config = kwargs.get('init_config')
        self.instances = kwargs.get('instances')
        self.agentConfig = kwargs.get('agentConfig')
        self.warnings = []

    @staticmethod
    def load_config(yaml_str):
        """Parses a configuration string the way the tests write them.

        ``""`` gives ``None`` (rtloader turns that into ``{}`` for
        init_config and into an error for an instance). Anything else is
        parsed with ``json.loads``: the tests pass JSON, and a string that is
        not JSON raises ``json.JSONDecodeError`` (a ``ValueError``).
        """
        if yaml_str == "":
            return None
        return json.loads(yaml_str)

    def run(self):
        return ""

    def cancel(self):
        pass

    def get_warnings(self):
        warnings = self.warnings
        self.warnings = []
        return warnings

    def get_diagnoses(self):
        return "[]"
