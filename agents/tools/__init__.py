"""Tools for agents: typed functions described by JSON Schema, invoked by name, and the
built-ins (code interpreter, calculator, read / write in the work folder)."""

from agents.tools.base import Tool, Toolbox, tool
from agents.tools.builtins import WorkspaceTools, calculator

__all__ = ["Tool", "Toolbox", "WorkspaceTools", "calculator", "tool"]
