"""A module that refuses attribute assignment (set_module_attr_string error path)."""
import sys
import types


class _ReadOnlyModule(types.ModuleType):
    def __setattr__(self, name, value):
        raise AttributeError("gotest_readonly_module is read-only")


sys.modules[__name__].__class__ = _ReadOnlyModule
