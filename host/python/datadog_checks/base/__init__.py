from .checks import AgentCheck

__all__ = ["AgentCheck"]
